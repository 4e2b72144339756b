"""The client lifecycle on real git repositories with pinned commit dates: status changes read from
history follow the state machine (client.lifecycle), a §8.4 review falls due when the applying
department keeps missing its duties (client.review), a suspended client's tickets go to the
standard queue and it does not count against its engineer's load."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from generator.facts import LIFECYCLE, STATES, may_move
from generator.history import read_history
from generator.pipeline import check

from .conftest import commit_all, copy_base, git

TODAY = dt.date(2026, 11, 24)
DOSSIER = "clients/acme/client.yml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The base KB (every record judged: no adopted_on), not yet committed."""
    kb = copy_base(tmp_path / "kb")
    policy = kb / "policy.yml"
    policy.write_text(re.sub(r"\nadopted_on:[^\n]*", "", policy.read_text(encoding="utf-8")), encoding="utf-8")
    git(kb, "init", "-q", "-b", "main")
    return kb


def _edit(kb: Path, old: str, new: str, rel: str = DOSSIER) -> None:
    path = kb / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _set_status(kb: Path, status: str) -> None:
    path = kb / DOSSIER
    path.write_text(re.sub(r"^status: .*$", f"status: {status}", path.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")


def _findings(kb: Path, rule: str, today: dt.date = TODAY) -> list[tuple[str, int, str, str]]:
    return [(f.file, f.line, f.severity.value, f.message.zh) for f in check(kb, today).findings if f.rule == rule]


def _status_line(kb: Path) -> int:
    lines = (kb / DOSSIER).read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, 1) if ln.startswith("status:"))


def _moves(kb: Path) -> list[tuple[str, int, str, str]]:
    return [f for f in _findings(kb, "client.lifecycle") if "生命周期" in f[3]]


# ------------------------------------------------------------------ the machine itself


def test_the_machine_is_the_issues_picture() -> None:
    assert set(LIFECYCLE) == set(STATES)
    for old, new in [("candidate", "applied"), ("applied", "dedicated"), ("dedicated", "suspended"),
                     ("suspended", "dedicated"), ("suspended", "exited"), ("dedicated", "exited"),
                     ("temporary-priority", "applied"), ("temporary-priority", "exited")]:
        assert may_move(old, new), (old, new)
    for old, new in [("candidate", "dedicated"), ("candidate", "suspended"), ("applied", "exited"),
                     ("temporary-priority", "dedicated"), ("exited", "dedicated"), ("candidate", "exited")]:
        assert not may_move(old, new), (old, new)


# ------------------------------------------------------------------ status changes in git


def test_a_jump_without_application_is_flagged_once_at_its_commit(repo: Path) -> None:
    _set_status(repo, "candidate")
    commit_all(repo, "新客户候选", "2026-06-01T10:00:00+08:00")
    _set_status(repo, "dedicated")
    commit_all(repo, "直接开通专属服务", "2026-07-01T10:00:00+08:00")
    jump = git(repo, "rev-parse", "HEAD").strip()
    _edit(repo, "每月第一个周六 22:00 为变更窗口", "每月第一个周六 23:00 为变更窗口")
    commit_all(repo, "更新变更窗口", "2026-08-01T10:00:00+08:00")
    found = _moves(repo)
    assert len(found) == 1, found
    file, line, severity, message = found[0]
    assert (file, line, severity) == (DOSSIER, _status_line(repo), "warning")
    assert jump[:8] in message and "2026-07-01" in message and "直接开通专属服务" in message
    assert "从 candidate（候选） 直接改为 dedicated（专属服务中）" in message and "跳过了申请与审批" in message


def test_the_lifecycle_walked_step_by_step_passes(repo: Path) -> None:
    steps = [("candidate", "2026-03-02"), ("applied", "2026-04-01"), ("dedicated", "2026-05-06"),
             ("suspended", "2026-09-01"), ("dedicated", "2026-10-08"), ("exited", "2026-11-02")]
    for status, day in steps:
        _set_status(repo, status)
        commit_all(repo, f"状态 {status}", f"{day}T10:00:00+08:00")
    hist = read_history(repo)
    assert [(c.date.isoformat(), old, new) for c, old, new in hist.status_changes(DOSSIER)] == [
        ("2026-04-01", "candidate", "applied"), ("2026-05-06", "applied", "dedicated"),
        ("2026-09-01", "dedicated", "suspended"), ("2026-10-08", "suspended", "dedicated"),
        ("2026-11-02", "dedicated", "exited")]
    assert _moves(repo) == []


def test_each_bad_move_is_its_own_finding_and_an_unreadable_version_is_skipped(repo: Path) -> None:
    _set_status(repo, "candidate")
    commit_all(repo, "候选", "2026-03-02T10:00:00+08:00")
    (repo / DOSSIER).write_text("id: acme\nstatus: [broken\n", encoding="utf-8")  # not YAML: no status
    commit_all(repo, "误提交", "2026-03-03T10:00:00+08:00")
    git(repo, "checkout", "HEAD~1", "--", DOSSIER)
    _set_status(repo, "suspended")
    commit_all(repo, "暂停", "2026-03-04T10:00:00+08:00")
    _set_status(repo, "exited")
    commit_all(repo, "退出", "2026-03-05T10:00:00+08:00")
    _set_status(repo, "dedicated")
    commit_all(repo, "重新开通", "2026-03-06T10:00:00+08:00")
    found = _moves(repo)
    pairs = [re.search(r"从 (\S+?)（.*?直接改为 (\S+?)（", m).groups() for _f, _l, _s, m in found]  # type: ignore[union-attr]
    assert pairs == [("candidate", "suspended"), ("exited", "dedicated")]  # suspended → exited is allowed


def test_a_file_deleted_and_created_again_starts_anew(repo: Path) -> None:
    _set_status(repo, "exited")
    commit_all(repo, "已退出", "2026-03-02T10:00:00+08:00")
    text = (repo / DOSSIER).read_text(encoding="utf-8")
    (repo / DOSSIER).unlink()
    commit_all(repo, "删除档案", "2026-03-03T10:00:00+08:00")
    (repo / DOSSIER).write_text(text.replace("status: exited", "status: dedicated"), encoding="utf-8")
    commit_all(repo, "重新建档", "2026-03-04T10:00:00+08:00")
    assert _moves(repo) == []


def test_an_uncommitted_jump_is_an_error(repo: Path) -> None:
    _set_status(repo, "candidate")
    commit_all(repo, "候选", "2026-06-01T10:00:00+08:00")
    _set_status(repo, "dedicated")
    found = _moves(repo)
    assert len(found) == 1 and found[0][2] == "error" and "未提交的修改" in found[0][3]
    _set_status(repo, "applied")
    assert _moves(repo) == []


def test_statuses_come_back_from_the_cache(repo: Path) -> None:
    _set_status(repo, "candidate")
    commit_all(repo, "候选", "2026-06-01T10:00:00+08:00")
    _set_status(repo, "dedicated")
    commit_all(repo, "开通", "2026-07-01T10:00:00+08:00")
    first = _moves(repo)
    assert read_history(repo).blobs_read == 0  # the second run read every version from .kb-cache
    assert _moves(repo) == first and len(first) == 1


# ------------------------------------------------------------------ §8.4: a review falls due


def _no_meetings(kb: Path) -> None:
    for m in (kb / "clients" / "acme" / "meetings").glob("*.yml"):
        m.unlink()


def test_review_due_after_missed_meetings(repo: Path) -> None:
    _no_meetings(repo)
    commit_all(repo, "导入知识库", "2026-01-05T10:00:00+08:00")
    found = _findings(repo, "client.review")
    assert len(found) == 1, found
    file, _line, severity, message = found[0]
    assert (file, severity) == (DOSSIER, "warning")
    # the six months before 2026-11-24: May … October have no meeting (November is still running)
    assert "近 6 个月内有 6 次未履行协作责任（门槛 3 次）" in message
    assert all(f"2026-{m:02d} 无例会记录" in message for m in range(5, 11)) and "2026-04" not in message
    due = next(f.due for f in check(repo, TODAY).findings if f.rule == "client.review")
    assert due == dt.date(2026, 7, 31)  # the third miss made the review due


def test_a_review_held_resets_the_count(repo: Path) -> None:
    _no_meetings(repo)
    _edit(repo, "transition: {class: A", "reviews:\n  - {on: 2026-10-01, by: [运维经理], evidence: 5—9 月无例会纪要, "
                                          "outcome: improve, until: 2026-12-31}\ntransition: {class: A")
    commit_all(repo, "导入知识库", "2026-01-05T10:00:00+08:00")
    assert _findings(repo, "client.review") == []  # since the review only October was missed
    assert _findings(repo, "client.review", dt.date(2027, 1, 5)) != []  # Oct, Nov, Dec: due again


def test_review_due_after_late_events(repo: Path) -> None:
    # assigned in November: no sync period has ended yet, so only the late events count
    _edit(repo, "  since: 2025-08-01\n", "  since: 2026-11-01\n")
    _edit(repo, "events:\n  - {type: contract-change, occurred_on: 2026-03-02, summary: 带宽扩容至 1G}\n", "events: []\n")
    commit_all(repo, "导入知识库", "2026-01-05T10:00:00+08:00")
    events = [("contact-change", "2026-09-01", "2026-09-08"), ("contract-change", "2026-09-15", "2026-09-16"),
              ("major-activity", "2026-10-12", "2026-10-20")]
    for kind, day, recorded in events:
        text = (repo / DOSSIER).read_text(encoding="utf-8")
        block = "events:\n" if "events: []" in text else ""
        text = text.replace("events: []\n", block) if block else text
        text = text.replace("events:\n", f"events:\n  - {{type: {kind}, occurred_on: {day}, summary: 变化}}\n", 1)
        (repo / DOSSIER).write_text(text, encoding="utf-8")
        commit_all(repo, f"记录 {kind}", f"{recorded}T10:00:00+08:00")
    late = _findings(repo, "change.1bd")
    assert len(late) == 2  # 09-16 is on time for 09-15
    assert _findings(repo, "client.review") == []  # two misses: under the threshold of 3
    policy = repo / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\ncollaboration_review: {missed_duties: 2, within_months: 6}\n",
                      encoding="utf-8")
    commit_all(repo, "复审门槛 2 次", "2026-11-20T10:00:00+08:00")
    found = _findings(repo, "client.review")
    assert len(found) == 1 and "contact-change 2026-09-01 晚" in found[0][3] and "major-activity 2026-10-12 晚" in found[0][3]
    assert "contract-change" not in found[0][3]


def test_no_review_is_due_for_a_suspended_client(repo: Path) -> None:
    _no_meetings(repo)
    _set_status(repo, "suspended")
    _edit(repo, "transition: {class: A", "reviews:\n  - {on: 2026-06-01, by: [运维经理], evidence: 3—5 月无例会纪要, "
                                          "outcome: suspend}\ntransition: {class: A")
    commit_all(repo, "导入知识库", "2026-01-05T10:00:00+08:00")
    assert _findings(repo, "client.review") == []
    assert _findings(repo, "client.lifecycle") == []
    assert _findings(repo, "sync.cadence") == []  # service paused: no sync meeting is owed


# ------------------------------------------------------------------ a suspended client: queue and load


def _suspend(kb: Path) -> None:
    _set_status(kb, "suspended")
    _edit(kb, "transition: {class: A", "reviews:\n  - {on: 2026-11-02, by: [运维经理], evidence: 连续三个月无例会纪要, "
                                        "outcome: suspend}\ntransition: {class: A")


def test_a_suspended_clients_ticket_goes_to_the_standard_queue(repo: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _suspend(repo)
    commit_all(repo, "暂停专属服务", "2026-11-02T10:00:00+08:00")
    r = run_kb("route", "acme", "--at", "2026-11-30 10:00", "--format", "json", "--root", str(repo))
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads(r.stdout)
    assert (got["route"], got["assignee"], got["engineer"]) == ("queue", None, None)
    assert got["priority_key"] == "standard"
    assert "专属服务已暂停（§8.4 服务复审）" in got["reasons"][0]
    r = run_kb("export", "routing", "--format", "json", "--root", str(repo), "-o", "-")
    assert r.returncode == 0, r.stderr
    row = next(x for x in json.loads(r.stdout)["clients"] if x["client"] == "acme")
    assert (row["status"], row["route"], row["engineer"]) == ("suspended", "queue", "")


def test_a_suspended_client_does_not_count_against_the_load(repo: Path) -> None:
    """zhang-wei serves acme; four more dedicated clients make five (over the limit of 4) — one of
    them suspended makes four, which is the limit, not over it."""
    text = (repo / DOSSIER).read_text(encoding="utf-8")
    for i in range(1, 5):
        folder = repo / "clients" / f"c{i}"
        folder.mkdir()
        (folder / "client.yml").write_text(
            text.replace("id: acme", f"id: c{i}").replace("name: 艾克美物流", f"name: 客户{i}"), encoding="utf-8")
    commit_all(repo, "导入知识库", "2026-01-05T10:00:00+08:00")
    over = [f for f in _findings(repo, "eng.load") if f[2] == "error"]
    assert over and "已服务 5 个客户" in over[0][3]
    _suspend(repo)
    commit_all(repo, "暂停 acme", "2026-11-02T10:00:00+08:00")
    assert [f for f in _findings(repo, "eng.load") if f[2] == "error"] == []
    assert any("4/4" in f[3] for f in _findings(repo, "eng.load"))
