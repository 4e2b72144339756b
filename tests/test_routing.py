"""kb route and kb export routing: service hours to the minute, Chinese holidays and make-up
days, leave and backups, the standard queue with the client's priority, temporary priority."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from generator.render.routing_table import COLUMNS

# The base KB: acme is a dedicated gold client of zhang-wei (backup li-na); zhang-wei is on
# leave 2026-12-01..05 with li-na named as the backup on the leave.


def _route(run_kb, kb: Path, at: str, client: str = "acme") -> dict:  # type: ignore[no-untyped-def]
    r = run_kb("route", client, "--at", at, "--format", "json", "--root", str(kb))
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


CASES = [
    # at, route, assignee, in_hours, workday, why
    ("2026-11-30 08:59", "queue", None, False, True, "one minute before service hours (Monday)"),
    ("2026-11-30 09:00", "dedicated", "zhang-wei", True, True, "first minute of service hours"),
    ("2026-11-30 17:59", "dedicated", "zhang-wei", True, True, "last minute of service hours"),
    ("2026-11-30 18:00", "queue", None, False, True, "the end minute is outside (end exclusive)"),
    ("2026-11-28 10:00", "queue", None, False, False, "an ordinary Saturday"),
    ("2026-10-01 10:00", "queue", None, False, False, "National Day, a Thursday"),
    ("2026-10-07 15:00", "queue", None, False, False, "last day of the National Day holiday, a Wednesday"),
    ("2026-10-08 09:00", "dedicated", "zhang-wei", True, True, "first working day after the holiday"),
    ("2026-10-10 10:00", "dedicated", "zhang-wei", True, True, "Saturday make-up working day (调休)"),
    ("2026-01-04 10:00", "dedicated", "zhang-wei", True, True, "Sunday make-up working day (调休)"),
    ("2026-12-01 09:00", "backup", "li-na", True, True, "first day of zhang-wei's leave"),
    ("2026-12-05 17:59", "queue", None, False, False, "last leave day is a Saturday: no service"),
    ("2026-12-04 17:59", "backup", "li-na", True, True, "last working day of the leave"),
    ("2026-12-04 18:00", "queue", None, False, True, "leave, but outside hours: the queue"),
    ("2026-12-07 09:00", "dedicated", "zhang-wei", True, True, "back from leave"),
]


@pytest.mark.parametrize(("at", "mode", "assignee", "in_hours", "workday", "why"), CASES, ids=[c[-1] for c in CASES])
def test_route_cases(base_kb: Path, run_kb, at, mode, assignee, in_hours, workday, why) -> None:  # type: ignore[no-untyped-def]
    got = _route(run_kb, base_kb, at)
    assert (got["route"], got["assignee"], got["in_service_hours"], got["workday"]) == (mode, assignee, in_hours, workday)
    assert got["priority"] == 2 and got["priority_key"] == "gold"  # the tier holds in every queue (§3.2)
    assert got["engineer"] == "zhang-wei"
    assert got["reasons"] and all(re.search(r"§\d", r) for r in got["reasons"][:1])
    if mode == "queue":
        assert got["next_window"] is not None
    else:
        assert got["next_window"] is None


def test_next_window_skips_the_holiday(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    got = _route(run_kb, base_kb, "2026-09-30 18:00")
    assert got["route"] == "queue"
    assert got["next_window"] == "2026-10-08T09:00+08:00"  # 10-01..10-07 off, 10-08 a Thursday
    got = _route(run_kb, base_kb, "2026-10-09 18:30")
    assert got["next_window"] == "2026-10-10T09:00+08:00"  # the make-up Saturday


def test_text_answer_names_engineer_and_reason(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("route", "acme", "--at", "2026-12-02 10:30", "--root", str(base_kb))
    assert r.returncode == 0
    assert "李娜（li-na）" in r.stdout and "备份工程师" in r.stdout
    assert "张伟（zhang-wei） 2026-12-01～2026-12-05 休假" in r.stdout
    assert "P2 金" in r.stdout
    en = run_kb("route", "acme", "--at", "2026-12-02 10:30", "--root", str(base_kb), "--lang", "en")
    assert "backup" in en.stdout and "on leave 2026-12-01–2026-12-05" in en.stdout


def test_backup_on_leave_too_goes_to_queue(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    li = base_kb / "engineers" / "li-na.yml"
    li.write_text(
        li.read_text(encoding="utf-8") + "leave:\n  - {from: 2026-12-03, to: 2026-12-04, backup: zhang-wei, handover: 交接}\n",
        encoding="utf-8",
    )
    assert _route(run_kb, base_kb, "2026-12-02 10:00")["assignee"] == "li-na"
    got = _route(run_kb, base_kb, "2026-12-03 10:00")
    assert got["route"] == "queue" and got["assignee"] is None
    assert "也在休假" in got["reasons"][0]


def test_leave_without_backup_falls_back_to_assignment_backup(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    zw = base_kb / "engineers" / "zhang-wei.yml"
    _edit(zw, "backup: li-na, ", "")
    got = _route(run_kb, base_kb, "2026-12-02 10:00")
    assert (got["route"], got["assignee"]) == ("backup", "li-na")
    assert "客户指派的" in got["reasons"][0]
    _edit(base_kb / "clients" / "acme" / "client.yml", "  backup: li-na\n", "")
    got = _route(run_kb, base_kb, "2026-12-02 10:00")
    assert (got["route"], got["assignee"]) == ("queue", None)


def test_temporary_priority_is_one_above_standard(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    dossier = base_kb / "clients" / "acme" / "client.yml"
    _edit(dossier, "status: dedicated", "status: temporary-priority")
    dossier.write_text(
        dossier.read_text(encoding="utf-8")
        + "temporary_priority: {from: 2026-09-01, until: 2027-02-28, reason: 扩容合同签署前的过渡支持}\n",
        encoding="utf-8",
    )
    got = _route(run_kb, base_kb, "2026-11-30 10:00")
    assert (got["route"], got["assignee"], got["priority"], got["priority_key"]) == ("queue", None, 4, "temporary-priority")
    before = _route(run_kb, base_kb, "2026-08-31 10:00")
    assert (before["priority"], before["priority_key"]) == (5, "standard")


@pytest.mark.parametrize("status", ["candidate", "applied", "exited"])
def test_clients_without_dedicated_service_are_standard(base_kb: Path, run_kb, status: str) -> None:  # type: ignore[no-untyped-def]
    _edit(base_kb / "clients" / "acme" / "client.yml", "status: dedicated", f"status: {status}")
    got = _route(run_kb, base_kb, "2026-11-30 10:00")
    assert (got["route"], got["assignee"], got["priority"]) == ("queue", None, 5)


def test_past_assignment_answers_for_its_dates(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _edit(
        base_kb / "clients" / "acme" / "client.yml",
        "  since: 2025-08-01\n",
        "  since: 2026-11-16\n  history:\n    - {engineer: li-na, from: 2025-08-01, to: 2026-11-15, reason: 工程师替换}\n",
    )
    assert _route(run_kb, base_kb, "2026-11-13 10:00")["assignee"] == "li-na"
    assert _route(run_kb, base_kb, "2026-11-16 10:00")["assignee"] == "zhang-wei"


def test_policy_hours_and_calendar_decide(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    policy = base_kb / "policy.yml"
    _edit(policy, 'start: "09:00"', 'start: "08:30"')
    assert _route(run_kb, base_kb, "2026-11-30 08:30")["route"] == "dedicated"
    r = run_kb("route", "acme", "--at", "2027-01-04 10:00", "--root", str(base_kb))
    assert r.returncode == 1 and "2027" in r.stderr and "calendar.holidays" in r.stderr
    assert "Traceback" not in r.stderr
    text = policy.read_text(encoding="utf-8")
    text = re.sub(
        r"calendar:.*",
        "calendar:\n  holidays: [{date: 2027-01-04, name: 测试假日}]\n  workdays: [{date: 2027-01-09, name: 测试调休}]\n",
        text,
        flags=re.S,
    )
    policy.write_text(text, encoding="utf-8")
    assert _route(run_kb, base_kb, "2027-01-04 10:00")["workday"] is False
    assert _route(run_kb, base_kb, "2027-01-05 10:00")["route"] == "dedicated"
    assert _route(run_kb, base_kb, "2027-01-09 10:00")["route"] == "dedicated"  # a Saturday made a workday


def test_usage_errors(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("route", "acme", "--at", "2026-13-01 10:00", "--root", str(base_kb))
    assert r.returncode == 2 and "YYYY-MM-DD HH:MM" in r.stderr
    r = run_kb("route", "acme", "--at", "2026-12-01", "--root", str(base_kb))
    assert r.returncode == 2
    r = run_kb("route", "acmee", "--root", str(base_kb))
    assert r.returncode == 2 and "acme" in r.stderr
    for out in (r.stdout, r.stderr):
        assert "Traceback" not in out


def test_export_routing_csv_and_json(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "routing.csv"
    r = run_kb("export", "routing", "--root", str(base_kb), "--today", "2026-11-24", "-o", str(out))
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    acme = next(x for x in rows if x["client"] == "acme")
    assert acme["client_name"] == "艾克美物流"
    assert (acme["route"], acme["engineer"], acme["backup"], acme["priority"]) == ("dedicated", "zhang-wei", "li-na", "2")
    assert (acme["hours_start"], acme["hours_end"], acme["hours_days"]) == ("09:00", "18:00", "cn-workdays")
    assert acme["leave"] == "2026-12-01~2026-12-05>li-na"
    j = run_kb("export", "routing", "--format", "json", "-o", "-", "--root", str(base_kb), "--today", "2026-12-06")
    doc = json.loads(j.stdout)
    assert doc["generated_on"] == "2026-12-06"
    row = doc["clients"][0]
    assert tuple(row) == COLUMNS
    assert row["leave"] == []  # the leave has ended by then


def test_example_kb_routing(run_kb) -> None:  # type: ignore[no-untyped-def]
    """The bundled example: li-na is away 12-07..11 and names zhang-wei for 明晟零售."""
    r = run_kb("route", "ms-retail", "--at", "2026-12-08 10:00", "--format", "json")
    got = json.loads(r.stdout)
    assert (got["route"], got["assignee"], got["engineer"]) == ("backup", "zhang-wei", "li-na")
    got = json.loads(run_kb("route", "kd-finance", "--at", "2026-12-08 10:00", "--format", "json").stdout)
    assert (got["route"], got["priority_key"]) == ("queue", "temporary-priority")


def test_unreadable_dossier_is_named_with_its_line(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    dossier = base_kb / "clients" / "acme" / "client.yml"
    dossier.write_text(dossier.read_text(encoding="utf-8").replace("tier: gold", 'tier: "gold'), encoding="utf-8")
    r = run_kb("route", "acme", "--at", "2026-11-30 10:00", "--root", str(base_kb))
    assert r.returncode == 1
    assert re.search(r"clients/acme/client\.yml:\d+:\d+: ", r.stderr), r.stderr
    assert "Traceback" not in r.stderr + r.stdout
