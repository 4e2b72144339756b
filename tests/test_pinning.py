"""`kb check` says when the kb version a KB pins (requirements.txt, written by `kb init`) is not
the one running: a warning at the pin's line, never an error; nothing when they agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import DISTRIBUTION, __version__, pinning

DAY = "2026-12-01"


@pytest.fixture
def kb(tmp_path: Path, run_kb) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "kb"
    assert run_kb("init", str(root), "--today", DAY).returncode == 0
    return root


def _pin(kb: Path, line: str) -> int:
    path = kb / "requirements.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, text in enumerate(lines) if text.startswith(DISTRIBUTION))
    lines[n] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n + 1


def test_the_pin_kb_init_writes_matches(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--today", DAY, cwd=kb)
    assert r.returncode == 0 and "kb.version" not in r.stdout, r.stdout


@pytest.mark.parametrize(("version", "words"), [("0.0.1", "CI 用 0.0.1 检查"), ("99.0.0", "较旧的")])
def test_another_pinned_version_is_a_warning(kb: Path, run_kb, version: str, words: str) -> None:  # type: ignore[no-untyped-def]
    line = _pin(kb, f"{DISTRIBUTION}=={version}")
    r = run_kb("check", "--today", DAY, cwd=kb)
    assert r.returncode == 0, r.stdout
    expected = f"requirements.txt:{line}:1: warning kb.version 本库锁定 kb {version}（requirements.txt），正在运行的是"
    assert expected in r.stdout and words in r.stdout and __version__ in r.stdout
    strict = run_kb("check", "--strict", "--today", DAY, cwd=kb)
    assert strict.returncode == 1


def test_pin_forms() -> None:
    assert pinning.pinned(f"# 注释\n{DISTRIBUTION}==0.2.0  # kb\n") == (2, "0.2.0")
    assert pinning.pinned("KB_Dedicated.Engineer == 0.3\n") == (1, "0.3")
    assert pinning.pinned(f"{DISTRIBUTION} @ git+https://git.example/kb.git@v0.4.1\n") == (1, "0.4.1")
    assert pinning.pinned(f"{DISTRIBUTION}>=0.1\n") == (1, None)
    assert pinning.pinned("mkdocs==1.6\n") is None


def test_an_unpinned_requirement_is_said(kb: Path) -> None:
    line = _pin(kb, f"{DISTRIBUTION}>=0.1")
    (finding,) = pinning.check(kb)
    assert (finding.line, finding.rule, finding.severity.value) == (line, "kb.version", "info")
    assert pinning.check(kb.parent) == []  # no requirements.txt: nothing to say
