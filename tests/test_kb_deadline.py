"""§7.2.5 on real git repositories: the 30-day deadline needs the knowledge base complete *and*
internally proofread (knowledge_base.proofread); the clock starts at materials_received_on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.pipeline import check

from .conftest import commit_all, copy_base, git

TODAY = dt.date(2026, 11, 24)
DOSSIER = "clients/acme/client.yml"
PROOFREAD = "  proofread: {by: 李娜, on: 2025-08-05}\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The base KB committed 2026-01-05 (adopted 2026-11-01: its 2025 materials date is not judged
    by commit dates, so only the recorded dates speak)."""
    kb = copy_base(tmp_path / "kb")
    git(kb, "init", "-q", "-b", "main")
    commit_all(kb, "导入知识库", "2026-01-05T10:00:00+08:00")
    return kb


def _edit(kb: Path, old: str, new: str, date: str) -> None:
    path = kb / DOSSIER
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    commit_all(kb, "更新档案", date)


def _found(kb: Path, today: dt.date = TODAY) -> list[tuple[int, str, str]]:
    return [(f.line, f.severity.value, f.message.zh) for f in check(kb, today).findings if f.rule == "client.kb-30d"]


def _line(kb: Path, needle: str) -> int:
    return next(i for i, ln in enumerate((kb / DOSSIER).read_text(encoding="utf-8").splitlines(), 1) if needle in ln)


def test_the_base_is_complete_and_proofread_in_time(repo: Path) -> None:
    assert _found(repo) == []


def test_complete_but_not_proofread_is_overdue(repo: Path) -> None:
    _edit(repo, PROOFREAD, "", "2026-01-06T10:00:00+08:00")
    got = _found(repo)
    assert len(got) == 1 and got[0][1] == "error", got
    assert "仍未完成内部校对" in got[0][2] and "2025-08-11" in got[0][2]
    assert got[0][0] == _line(repo, "knowledge_base:")


def test_not_proofread_inside_the_window_is_an_info(repo: Path) -> None:
    _edit(repo, PROOFREAD, "", "2026-11-10T10:00:00+08:00")
    _edit(repo, "materials_received_on: 2025-07-12", "materials_received_on: 2026-11-10", "2026-11-10T11:00:00+08:00")
    got = _found(repo)
    assert len(got) == 1 and got[0][1] == "info" and "还剩 16 天" in got[0][2] and "内部校对" in got[0][2], got


def test_proofread_late_is_a_warning(repo: Path) -> None:
    _edit(repo, PROOFREAD, "  proofread: {by: 李娜, on: 2025-08-20}\n", "2026-01-06T10:00:00+08:00")
    got = _found(repo)
    assert len(got) == 1 and got[0][:2] == (_line(repo, "proofread:"), "warning"), got
    assert "2025-08-20 才完成内部校对" in got[0][2] and "晚 9 天" in got[0][2]  # due 2025-08-11


def test_proofread_in_the_future_does_not_count(repo: Path) -> None:
    _edit(repo, PROOFREAD, "  proofread: {by: 李娜, on: 2026-12-20}\n", "2026-01-06T10:00:00+08:00")
    got = _found(repo)
    assert len(got) == 1 and got[0][1] == "error" and "仍未完成内部校对" in got[0][2]
