"""Shared fixtures: a clean base KB copied into a temp dir, and a CLI runner."""

from __future__ import annotations

import datetime as dt
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
TODAY = dt.date(2026, 11, 24)


def copy_base(dest: Path) -> Path:
    shutil.copytree(BASE_KB, dest, dirs_exist_ok=True)
    return dest


@pytest.fixture
def base_kb(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/base — a small KB that passes `kb check` with no findings."""
    return copy_base(tmp_path / "kb")


@pytest.fixture
def run_kb() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real `kb` command (as `python -m generator`) and capture its output."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1"}
        full_env.pop("GITHUB_STEP_SUMMARY", None)
        full_env.update(env or {})
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd or REPO, env=full_env,
                              capture_output=True, text=True, timeout=120)

    return run
