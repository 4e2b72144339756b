"""The calendar feeds: generator/render/ics.py (pure) and kb build's public/calendar/*.ics, parsed
back with icalendar — every deadline an all-day event on its date, stable UIDs across builds,
one feed per engineer with only their deadlines, linked from the dashboard and engineer pages."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar

from generator import remind
from generator.pipeline import check
from generator.render import ics

from .conftest import TODAY
from .remind_kb import remind_kb

RunKb = Callable[..., subprocess.CompletedProcess[str]]


def _events(data: bytes) -> list[dict[str, object]]:
    cal = Calendar.from_ical(data)
    assert cal["version"] == "2.0" and str(cal["prodid"]) == ics.PRODID
    out = []
    for e in cal.walk("VEVENT"):
        out.append(
            {
                "uid": str(e["uid"]),
                "start": e.decoded("dtstart"),
                "end": e.decoded("dtend"),
                "summary": str(e["summary"]),
                "description": str(e["description"]),
                "url": str(e.get("url", "")),
                "stamp": e.decoded("dtstamp"),
            }
        )
    return out


def _feeds(kb_dir: Path, day: dt.date = TODAY) -> dict[str, bytes]:
    outcome = check(kb_dir, day)
    items = remind.deadlines(outcome.kb, outcome.findings, {"eng.certs": "§4.1"})
    return ics.feeds(outcome.kb, items, day)


def test_feeds_parse_back_with_the_event_on_its_date(tmp_path: Path) -> None:
    kb_dir = remind_kb(tmp_path / "kb")
    feeds = _feeds(kb_dir)
    assert set(feeds) == {"all.ics", "zhang-wei.ics", "li-na.ics"}
    events = _events(feeds["all.ics"])
    (cert,) = [e for e in events if "Fortinet NSE 4" in str(e["summary"])]
    assert cert["start"] == dt.date(2026, 12, 1) and cert["end"] == dt.date(2026, 12, 2)  # all day, on its date
    assert "【警告】张伟（zhang-wei）" in str(cert["summary"])
    assert "eng.certs（§4.1），engineers/zhang-wei.yml:11" in str(cert["description"])
    assert "负责人：张伟（本人）" in str(cert["description"])
    assert cert["url"] == "https://kb.example.com/generated/engineers/zhang-wei.html"
    assert str(cert["uid"]).endswith("@kb.example.com")
    assert len({e["uid"] for e in events}) == len(events)
    # a feed per engineer: only their deadlines
    mine = {str(e["summary"]) for e in _events(feeds["zhang-wei.ics"])}
    hers = {str(e["summary"]) for e in _events(feeds["li-na.ics"])}
    assert any("Fortinet NSE 4" in s for s in mine) and not any("Nova" in s and "李娜" in s for s in mine)
    assert any("李娜" in s for s in hers) and not any("Fortinet NSE 4" in s for s in hers)


def test_uids_are_stable_and_same_day_builds_are_identical(tmp_path: Path) -> None:
    kb_dir = remind_kb(tmp_path / "kb")
    first, again = _feeds(kb_dir), _feeds(kb_dir)
    assert first == again  # DTSTAMP is the build's day, not the clock
    # a day later the wording changes ("还有 6 天"), the identities do not
    later = _feeds(kb_dir, TODAY + dt.timedelta(days=1))
    uids = {str(e["summary"]).split("：")[0]: e["uid"] for e in _events(first["all.ics"])}
    assert {e["uid"] for e in _events(later["all.ics"])} >= set(uids.values())
    # editing the file above the deadline moves its line: the event keeps its UID
    eng = kb_dir / "engineers" / "zhang-wei.yml"
    eng.write_text(eng.read_text(encoding="utf-8").replace("level: L2\n", "level: L2\n# 备注\n# 备注\n"), encoding="utf-8")
    moved = _events(_feeds(kb_dir)["all.ics"])
    (cert,) = [e for e in moved if "Fortinet NSE 4" in str(e["summary"])]
    (before,) = [e for e in _events(first["all.ics"]) if "Fortinet NSE 4" in str(e["summary"])]
    assert cert["uid"] == before["uid"] and "zhang-wei.yml:13" in str(cert["description"])


def test_an_engineer_with_nothing_due_gets_an_empty_feed(tmp_path: Path) -> None:
    kb_dir = remind_kb(tmp_path / "kb")
    outcome = check(kb_dir, TODAY)
    feeds = ics.feeds(outcome.kb, [], TODAY)
    assert _events(feeds["li-na.ics"]) == [] and Calendar.from_ical(feeds["li-na.ics"])["x-wr-calname"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_kb_build_publishes_the_feeds(tmp_path: Path, run_kb: RunKb) -> None:
    from .conftest import REPO, commit_all

    kb_dir = remind_kb(tmp_path / "kb")
    shutil.copy(REPO / "mkdocs.yml", kb_dir / "mkdocs.yml")
    shutil.copytree(REPO / "site", kb_dir / "site", ignore=shutil.ignore_patterns("generated"))
    commit_all(kb_dir, "站点", "2026-11-20T10:00:00+08:00")
    r = run_kb("build", "--no-forms", "--today", TODAY.isoformat(), cwd=kb_dir)
    assert r.returncode == 0, r.stdout + r.stderr
    public = kb_dir / "public"
    assert sorted(p.name for p in (public / "calendar").iterdir()) == ["all.ics", "li-na.ics", "zhang-wei.ics"]
    first = _events((public / "calendar" / "all.ics").read_bytes())
    (cert,) = [e for e in first if "Fortinet NSE 4" in str(e["summary"])]
    assert cert["start"] == dt.date(2026, 12, 1)
    # linked from the dashboard (home page), the compliance page and the engineer's page
    assert 'href="calendar/all.ics"' in (public / "index.html").read_text(encoding="utf-8")
    assert 'href="../calendar/all.ics"' in (public / "generated" / "compliance.html").read_text(encoding="utf-8")
    page = (public / "generated" / "engineers" / "zhang-wei.html").read_text(encoding="utf-8")
    assert 'href="../../calendar/zhang-wei.ics"' in page
    # a second build: the same events under the same UIDs (a subscribed calendar updates, never duplicates)
    again = run_kb("build", "--no-forms", "--today", TODAY.isoformat(), cwd=kb_dir)
    assert again.returncode == 0, again.stdout + again.stderr
    second = _events((public / "calendar" / "all.ics").read_bytes())
    assert [e["uid"] for e in second] == [e["uid"] for e in first]
