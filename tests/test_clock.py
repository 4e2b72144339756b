"""The one clock (generator/clock.py, commands/common.py:today_of): --today, then KB_TODAY, then
the day in China. These are the only tests that look at the wall clock, and only to compare it
with itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator import clock
from generator.commands.common import EnvProblem, now_of, today_of

from .conftest import TODAY


def test_the_suite_runs_on_a_pinned_day() -> None:
    assert today_of(None, "zh") == TODAY


def test_option_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_TODAY", "2030-01-02")
    assert today_of("2026-05-06", "zh") == dt.date(2026, 5, 6)
    assert today_of(None, "zh") == dt.date(2030, 1, 2)
    monkeypatch.setenv("KB_TODAY", "  2030-01-03 ")
    assert today_of(None, "zh") == dt.date(2030, 1, 3)


def test_unset_or_blank_means_the_day_in_china(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in (None, "", "  "):
        if value is None:
            monkeypatch.delenv("KB_TODAY", raising=False)
        else:
            monkeypatch.setenv("KB_TODAY", value)
        before = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
        got = today_of(None, "zh")
        after = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
        assert got in (before, after)


def test_china_day_not_the_machine_day() -> None:
    """At 23:30 UTC it is already the next morning in China: the deadline day is China's."""
    late_utc = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert late_utc.astimezone(clock.CHINA).date() == dt.date(2027, 1, 1)
    assert clock.CHINA.utcoffset(None) == dt.timedelta(hours=8)


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow", "2026/12/01"])
def test_bad_values_name_their_source(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    with pytest.raises(EnvProblem, match="--today"):
        today_of(bad, "zh")
    monkeypatch.setenv("KB_TODAY", bad)
    with pytest.raises(EnvProblem, match="KB_TODAY 应为 YYYY-MM-DD"):
        today_of(None, "zh")
    with pytest.raises(EnvProblem, match="KB_TODAY must be YYYY-MM-DD"):
        now_of("en")


def test_now_keeps_the_pinned_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_TODAY", "2027-02-03")
    moment = now_of("zh")
    assert moment.date() == dt.date(2027, 2, 3) and moment.tzinfo is clock.CHINA


def test_cli_reads_kb_today(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """The environment form reaches every command: the same findings as --today."""
    by_env = run_kb("check", "--root", str(base_kb), "--format", "json", env={"KB_TODAY": "2027-06-30"})
    by_option = run_kb("check", "--root", str(base_kb), "--format", "json", "--today", "2027-06-30")
    assert by_env.stdout == by_option.stdout and by_env.returncode == by_option.returncode
    default = run_kb("check", "--root", str(base_kb), "--format", "json")
    assert default.stdout != by_env.stdout  # the pinned fixture day differs from mid-2027
    bad = run_kb("check", "--root", str(base_kb), env={"KB_TODAY": "2027-02-30"})
    assert bad.returncode == 2 and "KB_TODAY" in bad.stderr and "Traceback" not in bad.stderr
