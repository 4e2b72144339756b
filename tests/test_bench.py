"""The benchmark runs on a tiny size and finds exactly the errors it planted (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import REPO


def test_bench_check_tiny() -> None:
    r = subprocess.run([sys.executable, "bench/check.py", "-n", "200", "--repeat", "1", "--json"], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    fig = json.loads(r.stdout)
    assert fig["files"] == 200
    assert fig["kb_schema_errors"] == fig["planted_errors"] > 0
    assert fig["kb_check_cli_exit"] == 1


def test_bench_history_tiny() -> None:
    r = subprocess.run([sys.executable, "bench/history.py", "-n", "20", "-c", "40", "--sample", "5", "--json"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    fig = json.loads(r.stdout)
    assert fig["commits"] == 40 and fig["blobs_parsed_cold"] == fig["versions"] > 40
    assert fig["blobs_parsed_warm"] == 0
