"""The history stage and the deadline rules on real git repositories with pinned dates.

Each test builds a repository from the base KB: an import commit on 2026-01-05 without
events, then commits dated around the 2026 Spring Festival and National Day breaks and
their make-up working days (Sat 02-14, Sat 02-28, Sun 09-20, Sat 10-10).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.history import read_history
from generator.pipeline import check

from .conftest import commit_all, copy_base, git

TODAY = dt.date(2026, 11, 24)
DOSSIER = "clients/acme/client.yml"
EVENTS_LINE = "events:\n  - {type: contract-change, occurred_on: 2026-03-02, summary: 带宽扩容至 1G}\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Base KB with every record judged (no adopted_on), events emptied, committed 2026-01-05."""
    kb = copy_base(tmp_path / "kb")
    policy = kb / "policy.yml"
    policy.write_text(re.sub(r"\nadopted_on:[^\n]*", "", policy.read_text(encoding="utf-8")), encoding="utf-8")
    for m in (kb / "clients" / "acme" / "meetings").glob("*.yml"):
        m.unlink()
    _set_events(kb, [])
    git(kb, "init", "-q", "-b", "main")
    commit_all(kb, "导入知识库", "2026-01-05T10:00:00+08:00")
    return kb


def _set_events(kb: Path, events: list[str]) -> None:
    path = kb / DOSSIER
    text = path.read_text(encoding="utf-8")
    block = "events:\n" + "".join(f"  - {e}\n" for e in events) if events else "events: []\n"
    text = re.sub(r"events:\n(?:  - [^\n]*\n)*|events: \[\]\n", block, text)
    path.write_text(text, encoding="utf-8")


def _add_event(kb: Path, event: str, date: str, message: str = "记录事件") -> None:
    path = kb / DOSSIER
    text = path.read_text(encoding="utf-8")
    if "events: []" in text:
        text = text.replace("events: []\n", f"events:\n  - {event}\n")
    else:
        text = re.sub(r"(events:\n(?:  - [^\n]*\n)*)", lambda m: m.group(1) + f"  - {event}\n", text)
    path.write_text(text, encoding="utf-8")
    commit_all(kb, message, date)


def _findings(kb: Path, rule: str, today: dt.date = TODAY) -> list[tuple[str, int, str, str]]:
    return [(f.file, f.line, f.severity.value, f.message.zh) for f in check(kb, today).findings if f.rule == rule]


def _line_of(kb: Path, rel: str, needle: str) -> int:
    lines = (kb / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, 1) if needle in ln)


# ------------------------------------------------------------------ change.1bd across holidays


@pytest.mark.parametrize(("recorded", "late"), [
    ("2026-10-08T18:00:00+08:00", 0),   # first working day after the National Day break: on time
    ("2026-10-09T09:00:00+08:00", 1),
    ("2026-10-10T11:00:00+08:00", 2),   # Saturday, a make-up working day (调休)
    ("2026-10-11T11:00:00+08:00", 2),   # Sunday, a rest day
])
def test_change_across_national_day(repo: Path, recorded: str, late: int) -> None:
    _add_event(repo, "{type: contract-change, occurred_on: 2026-09-30, summary: 带宽扩容}", recorded)
    found = _findings(repo, "change.1bd")
    if late == 0:
        assert found == []
        return
    line = _line_of(repo, DOSSIER, "occurred_on: 2026-09-30")
    assert len(found) == 1
    file, ln, severity, message = found[0]
    assert (file, ln, severity) == (DOSSIER, line, "warning")
    assert f"晚了 {late} 个工作日" in message
    assert "【重点提醒：合约变更】" in message and "2026-10-08 前" in message


def test_change_across_spring_festival(repo: Path) -> None:
    # Fri 02-13 → the next working day is the make-up Saturday 02-14; 02-15..02-23 are holidays.
    _add_event(repo, "{type: contact-change, occurred_on: 2026-02-13, summary: 信息中心主任更换}",
               "2026-02-24T09:30:00+08:00")
    found = _findings(repo, "change.1bd")
    assert len(found) == 1
    assert "晚了 1 个工作日" in found[0][3] and "2026-02-14 前" in found[0][3]
    assert "重点提醒" not in found[0][3]


def test_rebase_keeps_author_date_but_commit_date_counts(repo: Path) -> None:
    """A rebase keeps the author date: the record reached the branch on the committer date."""
    path = repo / DOSSIER
    text = path.read_text(encoding="utf-8").replace(
        "events: []\n", "events:\n  - {type: major-activity, occurred_on: 2026-06-01, summary: 618 大促保障}\n")
    path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    env_dates = {"GIT_AUTHOR_DATE": "2026-06-01T12:00:00+08:00", "GIT_COMMITTER_DATE": "2026-06-05T12:00:00+08:00"}
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "rebased"], check=True,
                   env={**__import__("os").environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com",
                        "GIT_COMMITTER_NAME": "c", "GIT_COMMITTER_EMAIL": "c@example.com", **env_dates})
    found = _findings(repo, "change.1bd")
    assert len(found) == 1 and "于 2026-06-05 才记录" in found[0][3] and "晚了 3 个工作日" in found[0][3]


def test_editing_an_event_later_keeps_its_first_recording(repo: Path) -> None:
    _add_event(repo, "{type: negative-feedback, occurred_on: 2026-05-11, summary: 客户投诉响应慢}", "2026-05-11T20:00:00+08:00")
    path = repo / DOSSIER
    path.write_text(path.read_text(encoding="utf-8").replace("客户投诉响应慢", "客户投诉夜间响应慢，已复盘"), encoding="utf-8")
    commit_all(repo, "补充描述", "2026-07-01T10:00:00+08:00")
    assert _findings(repo, "change.1bd") == []


def test_renamed_dossier_keeps_its_history(repo: Path) -> None:
    _add_event(repo, "{type: contract-renewal, occurred_on: 2026-08-20, summary: 续约三年}", "2026-08-20T17:00:00+08:00")
    git(repo, "mv", "clients/acme", "clients/acme-logistics")
    path = repo / "clients" / "acme-logistics" / "client.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: acme\n", "id: acme-logistics\n"), encoding="utf-8")
    commit_all(repo, "客户改名", "2026-11-02T10:00:00+08:00")
    hist = read_history(repo)
    added = hist.added("clients/acme-logistics/client.yml")
    assert added is not None and added.date == dt.date(2026, 1, 5)
    assert _findings(repo, "change.1bd") == []  # recorded on 08-20, not on the rename


def _rewrite_as_new_client(repo: Path, old: str, new: str) -> Path:
    """Rename the client folder and, in the same commit, rewrite its dossier so thoroughly
    (every line re-indented or re-spaced, the id changed) that git's rename detection fails."""
    git(repo, "mv", f"clients/{old}", f"clients/{new}")
    path = repo / "clients" / new / "client.yml"
    text = path.read_text(encoding="utf-8").replace(f"id: {old}\n", f"id: {new}\n")
    lines = [re.sub(r"^( *)", lambda m: m.group(1) * 2, ln) for ln in text.splitlines()]
    lines = [ln if ln.startswith((" ", "#")) or not ln.strip() else ln.replace(": ", ":   ", 1) for ln in lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_renamed_and_rewritten_dossier_keeps_its_records(repo: Path) -> None:
    """git sees a delete and a create; the dossier's name and contract number say it is the
    same client, so the renewal recorded on time under the old name stays on time."""
    _add_event(repo, "{type: contract-renewal, occurred_on: 2026-08-20, summary: 续约三年}", "2026-08-20T17:00:00+08:00")
    _rewrite_as_new_client(repo, "acme", "acme-new")
    commit_all(repo, "客户改名并整理档案", "2026-11-02T10:00:00+08:00")
    seen = git(repo, "log", "-1", "-M", "--name-status", "--format=")
    assert "D\tclients/acme/client.yml" in seen and "A\tclients/acme-new/client.yml" in seen  # git did not pair them
    assert _findings(repo, "change.1bd") == []
    added = read_history(repo).added("clients/acme-new/client.yml")
    assert added is not None and added.date == dt.date(2026, 1, 5)


def test_a_different_client_in_the_same_commit_is_not_joined(repo: Path) -> None:
    """Delete one client and add an unrelated one in one commit: the new one's event was
    written down in that commit, late — it inherits nothing from the client that went."""
    _add_event(repo, "{type: contract-renewal, occurred_on: 2026-08-20, summary: 续约三年}", "2026-08-20T17:00:00+08:00")
    path = _rewrite_as_new_client(repo, "acme", "beta")
    text = path.read_text(encoding="utf-8")
    name = re.search(r"^name: *(.+)$", text, re.M)
    number = re.search(r"number: *([^,}\n]+)", text)
    assert name and number
    text = text.replace(name.group(1), "贝塔科技").replace(number.group(1), "HT-OTHER-1")
    path.write_text(text.replace("2026-08-20, summary: 续约三年", "2026-10-20, summary: 新客户签约"), encoding="utf-8")
    commit_all(repo, "换了一个客户", "2026-11-02T10:00:00+08:00")
    found = _findings(repo, "change.1bd")
    assert len(found) == 1 and "于 2026-11-02 才记录" in found[0][3]


def test_far_future_commit_is_pointed_at_not_a_calendar_gap(repo: Path) -> None:
    """A commit dated 2031 (the committer's clock): one warning at the file it touched, naming
    the commit (sha, subject, date) and the clock; no deadline judged by that date, so no
    calendar-gap error for the years in between and no nonsense lateness."""
    _add_event(repo, "{type: contract-change, occurred_on: 2026-11-20, summary: 扩容}", "2031-03-01T10:00:00+08:00",
               "扩容记录")
    sha = git(repo, "rev-parse", "HEAD").strip()
    findings = check(repo, TODAY).findings
    future = [f for f in findings if f.rule == "history"]
    assert len(future) == 1 and future[0].severity.value == "warning" and future[0].file == DOSSIER
    assert sha[:8] in future[0].message.zh and "扩容记录" in future[0].message.zh
    assert "2031-03-01 10:00" in future[0].message.zh and "时钟" in future[0].hint.zh
    assert not [f for f in findings if f.rule == "change.1bd"]
    assert not [f for f in findings if "法定节假日" in f.message.zh]


def test_dubious_ownership_is_said_with_gits_fix(repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """A KB owned by another user: git refuses it. kb says so, with git's own command, and
    exits 2 — not "not in a git repository" with the deadline rules skipped and exit 0."""
    import os

    if os.geteuid() != 0:
        pytest.skip("needs root to give the repository to another uid")
    for folder, dirs, files in os.walk(repo):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), 12345, 12345, follow_symlinks=False)
    os.chown(repo, 12345, 12345)
    config = tmp_path / "gitconfig"
    config.write_text("", encoding="utf-8")  # no safe.directory anywhere
    env = {"HOME": str(tmp_path), "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_SYSTEM": os.devnull}
    r = run_kb("check", "--root", str(repo), "--today", TODAY.isoformat(), env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "git 拒绝读取这个仓库（dubious ownership）" in r.stderr
    assert f"git config --global --add safe.directory {repo}" in r.stderr
    assert "不在 git 仓库中" not in r.stdout + r.stderr and "内部错误" not in r.stderr
    config.write_text(f"[safe]\n\tdirectory = {repo}\n", encoding="utf-8")  # git's fix, applied
    fixed = run_kb("check", "--root", str(repo), "--today", TODAY.isoformat(), env=env)
    assert fixed.returncode == 1 and "sync.cadence" in fixed.stdout  # the deadline rules ran (and found a gap)


# ------------------------------------------------------------------ refusals


def test_shallow_clone_refuses_with_the_fix(repo: Path, tmp_path: Path) -> None:
    _add_event(repo, "{type: contract-change, occurred_on: 2026-09-30, summary: 扩容}", "2026-10-12T10:00:00+08:00")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    findings = check(shallow, TODAY).findings
    refusal = [f for f in findings if f.rule == "history"]
    assert len(refusal) == 1 and refusal[0].severity.value == "error"
    assert "fetch-depth: 0" in refusal[0].message.zh and "GIT_DEPTH: 0" in refusal[0].message.zh
    assert not [f for f in findings if f.rule in ("change.1bd", "client.kb-30d")]
    assert any(f.rule == "eng.certs" or f.rule == "ref" for f in findings) or findings  # other rules still ran


def test_outside_git_refuses_softly(tmp_path: Path) -> None:
    kb = copy_base(tmp_path / "plain")
    refusal = [f for f in check(kb, TODAY).findings if f.rule == "history"]
    assert [f.severity.value for f in refusal] == ["warning"] and "不在 git 仓库中" in refusal[0].message.zh


def test_uncommitted_file_is_skipped_and_said(repo: Path) -> None:
    _add_event(repo, "{type: contract-change, occurred_on: 2026-09-30, summary: 扩容}", "2026-10-12T10:00:00+08:00")
    path = repo / DOSSIER
    path.write_text(path.read_text(encoding="utf-8") + "# 编辑中\n", encoding="utf-8")
    findings = check(repo, TODAY).findings
    assert [(f.file, f.severity.value) for f in findings if f.rule == "history"] == [(DOSSIER, "warning")]
    assert not [f for f in findings if f.rule == "change.1bd"]


def test_future_commit_is_flagged(repo: Path) -> None:
    _add_event(repo, "{type: major-activity, occurred_on: 2026-11-20, summary: 大促}", "2027-03-01T10:00:00+08:00",
               "时钟错误")
    found = _findings(repo, "history")
    assert any("在今天之后" in m and "2027-03-01" in m for *_, m in found)


def test_missing_git_binary(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    hist = read_history(repo)
    assert not hist.available and hist.problem is not None and "找不到 git" in hist.problem.zh


# ------------------------------------------------------------------ calendar gaps


def test_year_without_a_calendar_is_a_finding(repo: Path) -> None:
    _add_event(repo, "{type: contract-change, occurred_on: 2026-12-31, summary: 年末变更}", "2027-01-06T10:00:00+08:00")
    gap = [f for f in check(repo, dt.date(2027, 1, 10)).findings if f.rule == "history" and "2027 年" in f.message.zh]
    assert len(gap) == 1 and gap[0].severity.value == "error" and gap[0].file == "policy.yml"
    assert "calendar" in gap[0].hint.zh


def test_policy_calendar_covers_a_new_year(repo: Path) -> None:
    policy = repo / "policy.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "  holidays: []", "  holidays:\n    - {date: 2027-01-01, name: 元旦}").replace(
        "  workdays: []", "  workdays:\n    - {date: 2027-01-04, name: 元旦调休（虚构）}")
    policy.write_text(text, encoding="utf-8")
    commit_all(repo, "补充 2027 年日历", "2026-12-01T10:00:00+08:00")
    _add_event(repo, "{type: contract-change, occurred_on: 2026-12-31, summary: 年末变更}", "2027-01-05T10:00:00+08:00")
    found = _findings(repo, "change.1bd", dt.date(2027, 1, 10))
    # due on 2027-01-04 (01-01 is a holiday, 01-02/03 the weekend); 01-05 is one working day late
    assert len(found) == 1 and "晚了 1 个工作日" in found[0][3] and "2027-01-04 前" in found[0][3]


# ------------------------------------------------------------------ the 30-day knowledge base and meetings


def _drop_kb_section(kb: Path) -> None:
    path = kb / DOSSIER
    path.write_text(path.read_text(encoding="utf-8").replace("  special_notes: 每月第一个周六 22:00 为变更窗口\n", ""),
                    encoding="utf-8")


def _set_received(kb: Path, day: str) -> None:
    path = kb / DOSSIER
    path.write_text(re.sub(r"materials_received_on: \S+", f"materials_received_on: {day}",
                           path.read_text(encoding="utf-8")), encoding="utf-8")


def test_kb_completed_late_is_a_warning(repo: Path) -> None:
    _drop_kb_section(repo)
    _set_received(repo, "2026-01-06")
    commit_all(repo, "资料到齐", "2026-01-06T10:00:00+08:00")
    path = repo / DOSSIER
    path.write_text(path.read_text(encoding="utf-8").replace(
        "knowledge_base:\n", "knowledge_base:\n  special_notes: 每月第一个周六 22:00 为变更窗口\n"), encoding="utf-8")
    commit_all(repo, "补齐知识库", "2026-02-10T10:00:00+08:00")
    found = _findings(repo, "client.kb-30d")
    assert len(found) == 1 and found[0][2] == "warning"
    assert "2026-02-10 才完成" in found[0][3] and "晚 5 天" in found[0][3]  # due 2026-02-05


def test_kb_still_incomplete(repo: Path) -> None:
    _drop_kb_section(repo)
    _set_received(repo, "2026-11-10")
    commit_all(repo, "资料到齐", "2026-11-10T10:00:00+08:00")
    before = _findings(repo, "client.kb-30d")
    assert len(before) == 1 and before[0][2] == "info" and "还剩 16 天" in before[0][3]
    after = _findings(repo, "client.kb-30d", dt.date(2026, 12, 15))
    assert len(after) == 1 and after[0][2] == "error" and "已逾期 5 天" in after[0][3]


def _meeting(kb: Path, day: str, agenda: bool = True) -> Path:
    path = kb / "clients" / "acme" / "meetings" / f"{day}.yml"
    text = f"date: {day}\nattendees: [王敏, 张伟]\n"
    if agenda:
        text += "business_updates: 新仓上线\nneeds_and_risks: 带宽不足\nrenewal_plan: 明年续约\n"
    text += f"shared_with_engineer_on: {day}\n"
    path.write_text(text, encoding="utf-8")
    return path


def test_meeting_recorded_late_and_missing_agenda(repo: Path) -> None:
    policy = repo / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8") + "adopted_on: 2026-09-01\n", encoding="utf-8")
    commit_all(repo, "启用", "2026-09-01T09:00:00+08:00")
    _meeting(repo, "2026-09-29")
    commit_all(repo, "九月例会", "2026-10-13T10:00:00+08:00")
    _meeting(repo, "2026-11-16", agenda=False)
    commit_all(repo, "十一月例会", "2026-11-16T18:00:00+08:00")
    found = _findings(repo, "sync.cadence")
    by_file = {(f, sev): m for f, _ln, sev, m in found}
    late = by_file[("clients/acme/meetings/2026-09-29.yml", "warning")]
    # five working days after 09-29: 09-30, 10-08, 10-09, 10-10 (make-up Saturday), 10-12 → due 10-12
    assert "晚了 1 个工作日" in late and "2026-10-12 前" in late
    assert ("clients/acme/meetings/2026-11-16.yml", "error") in by_file  # agenda items missing
    # October has no meeting: the last ended period is an error (can still be recorded)
    assert any(f == DOSSIER and sev == "error" and "2026 年 10 月" in m for f, _ln, sev, m in found)


# ------------------------------------------------------------------ sections, formatting and the cache


def test_reformatting_is_not_a_change(repo: Path) -> None:
    path = repo / DOSSIER
    text = path.read_text(encoding="utf-8")
    reformatted = text.replace("contract:\n  number: HT-2024-0815\n  start: 2024-09-01\n",
                               "contract:\n  start: 2024-09-01     # 重新排序并加注释\n  number: 'HT-2024-0815'\n")
    assert reformatted != text
    path.write_text(reformatted, encoding="utf-8")
    commit_all(repo, "格式整理", "2026-03-01T10:00:00+08:00")
    hist = read_history(repo)
    changes = hist.changes(DOSSIER)
    assert changes[-1][1] == {}  # the reformatting commit changed nothing of substance
    last = hist.last_changed(DOSSIER, "contract")
    assert last is not None and last.date == dt.date(2026, 1, 5)


def test_cache_reads_only_what_is_new(repo: Path) -> None:
    first = read_history(repo)
    assert first.blobs_read > 0 and (repo / ".kb-cache" / "history.json").is_file()
    assert (repo / ".kb-cache" / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    second = read_history(repo)
    assert second.blobs_read == 0
    _add_event(repo, "{type: major-activity, occurred_on: 2026-11-20, summary: 大促}", "2026-11-20T10:00:00+08:00")
    third = read_history(repo)
    assert third.blobs_read == 1


def test_history_command(repo: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _add_event(repo, "{type: contact-change, occurred_on: 2026-04-01, summary: 更换网络主管}", "2026-04-01T15:00:00+08:00",
               "联系人变更")
    r = run_kb("history", "acme", "events", "--root", str(repo))
    assert r.returncode == 0, r.stderr
    assert "2026-04-01 15:00" in r.stdout and "联系人变更" in r.stdout and "events[0] 新增" in r.stdout
    assert "导入知识库" in r.stdout  # the import commit created the (empty) events list
    assert run_kb("history", "nobody", "--root", str(repo)).returncode == 2


def test_changed_since_blocks_only_on_touched_files(repo: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    # an error already on main in the engineer file (a past leave is only a warning; this one is future)
    eng = repo / "engineers" / "li-na.yml"
    eng.write_text(eng.read_text(encoding="utf-8") + "leave:\n  - {from: 2026-12-20, to: 2026-12-24}\n", encoding="utf-8")
    commit_all(repo, "休假", "2026-11-02T10:00:00+08:00")
    git(repo, "switch", "-q", "-c", "feature")
    zhang = repo / "engineers" / "zhang-wei.yml"
    zhang.write_text(zhang.read_text(encoding="utf-8") + "  - {period: 2026-Q4, satisfaction: 4.9, mttr_hours: 2.8}\n",
                     encoding="utf-8")
    commit_all(repo, "四季度 KPI", "2026-11-20T10:00:00+08:00")
    whole = run_kb("check", "--root", str(repo), "--today", "2026-11-24")
    assert whole.returncode == 1
    pr = run_kb("check", "--root", str(repo), "--today", "2026-11-24", "--changed-since", "main")
    assert pr.returncode == 0, pr.stdout
    assert "eng.leave" in pr.stdout  # still shown, just not blocking
    assert run_kb("check", "--root", str(repo), "--changed-since", "no-such-ref").returncode == 2


def test_parallel_parse_matches_serial(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.history as history

    for i in range(3):
        _add_event(repo, f"{{type: major-activity, occurred_on: 2026-0{i + 4}-01, summary: 活动 {i}}}",
                   f"2026-0{i + 4}-01T10:00:00+08:00")
    serial = read_history(repo, use_cache=False)
    monkeypatch.setattr(history, "_PARALLEL_FROM", 1)
    parallel = read_history(repo, use_cache=False)
    assert parallel.facts == serial.facts and len(serial.facts) >= 4
