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


def test_bench_tickets_tiny() -> None:
    r = subprocess.run([sys.executable, "bench/tickets.py", "-n", "300", "--bad", "9", "--repeat", "1", "--json"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    fig = json.loads(r.stdout)
    assert fig["rows"] == 300 and fig["bad_rows_reported"] == fig["planted_bad_rows"] == 9
    assert fig["tickets_counted"] == 291 and fig["ratio"] is not None


def test_bench_trends_tiny() -> None:
    r = subprocess.run([sys.executable, "bench/trends.py", "-n", "20", "-c", "60", "--hours", "100", "--json"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    fig = json.loads(r.stdout)
    assert fig["month_ends"] == 24 and fig["judged_cold"] == 24
    assert fig["judged_warm"] == 0 and fig["cached_warm"] == 24 and fig["same_figures_warm"]
    assert fig["distinct_commits"] > 12  # one commit every 100 working hours: the month-ends read different commits
