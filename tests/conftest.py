"""Shared fixtures: a clean base KB copied into a temp dir, and a CLI runner."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BASE_KB = Path(__file__).resolve().parent / "fixtures" / "base"
CASES = Path(__file__).resolve().parent / "cases"
TODAY = dt.date(2026, 11, 24)  # the day the fixtures under tests/ are consistent for
# The day the bundled example KB (clients/, engineers/) is a consistent snapshot for: the README
# says so, and `kb check --today` with it reproduces the clean state (no errors).
EXAMPLE_TODAY = dt.date(2026, 12, 1)


def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture of any scope runs (module-scoped builds included); a developer's own
    # KB_TODAY must not change what the suite sees either.
    os.environ["KB_TODAY"] = TODAY.isoformat()


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """One clock for every test: ``KB_TODAY`` pins "today" in this process and in every `kb`
    subprocess (they inherit the environment). A test that needs another day passes its own
    ``--today`` or sets ``KB_TODAY`` itself; nothing here may depend on the wall clock."""
    monkeypatch.setenv("KB_TODAY", TODAY.isoformat())


def _under_faketime() -> bool:
    return "faketime" in os.environ.get("LD_PRELOAD", "")


# Observed: under libfaketime `kb serve`'s page is not rebuilt by MkDocs' live-reload server within
# the test's wait (file times stay real while the process clock is shifted; the server's rebuild
# loop is timed by that clock). kb's own watcher compares file times with file times.
UNDER_FAKETIME_NO_LIVE_RELOAD = pytest.mark.skipif(
    _under_faketime(), reason="MkDocs' live reload does not rebuild under libfaketime (observed)"
)


# The site engines each site test runs with. Zensical is skipped where it is not installed, and
# under libfaketime: its 0.0.73 build waits forever there (its runtime's timers; measured: a base
# KB that builds in seconds had not finished after 60 s), while MkDocs, Chromium and LibreOffice
# work. The time-shifted run checks kb's own clock, which the MkDocs builds exercise fully.
ENGINES = [
    "mkdocs",
    pytest.param(
        "zensical",
        marks=[
            pytest.mark.skipif(importlib.util.find_spec("zensical") is None,
                               reason='zensical is not installed (pip install -e ".[test]")'),
            pytest.mark.skipif(_under_faketime(), reason="Zensical 0.0.73's build hangs under libfaketime"),
        ],
    ),
]


def copy_base(dest: Path) -> Path:
    shutil.copytree(BASE_KB, dest, dirs_exist_ok=True)
    return dest


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in ``repo``; ``date`` (ISO 8601 with offset) pins author and committer dates."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull,
           "GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "测试", "GIT_COMMITTER_EMAIL": "test@example.com"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    out = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return out.stdout


def commit_all(repo: Path, message: str, date: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, "--allow-empty", date=date)


def init_repo(repo: Path, date: str = "2026-11-13T10:00:00+08:00") -> Path:
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "导入知识库", date)
    return repo


@pytest.fixture
def base_kb(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/base in its own git repository (one commit on 2026-11-13):
    a small KB that passes `kb check` with no findings."""
    return init_repo(copy_base(tmp_path / "kb"))


@pytest.fixture
def run_kb() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real `kb` command (as `python -m generator`) and capture its output."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1"}
        full_env.pop("GITHUB_STEP_SUMMARY", None)
        full_env.update(env or {})
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd or REPO, env=full_env,
                              capture_output=True, text=True, timeout=120, input=input)

    return run
