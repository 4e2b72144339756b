"""Benchmark: the trends (issue 16) — 24 month-ends on the 2,000-dossier history — against one
``kb check`` of the same repository.

    python bench/trends.py                      # 2,000 dossiers, 3,000 commits, 24 month-ends
    python bench/trends.py -n 20 -c 60 --json   # tiny (the test suite runs this)

The repository is bench/history.py's (``git fast-import``: an import commit, then small edits
of one to three dossiers), with a commit every two working hours from 2025-01-02, so 3,000
commits span the 24 months before ``--today`` (2027-01-05: month-ends 2025-01-31 … 2026-12-31).
It times (wall clock, this process):

* one ``kb check`` cold (no ``.kb-cache/``) and warm (its history cache filled);
* the trends cold (no ``.kb-cache/`` at all: the history read from git, every month-end judged)
  and warm (a second run: the month-end figures come from ``.kb-cache/trends.json``);

and the ratios cold/cold and warm/warm (targets: under 10× and under 2×).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from check import bench_root  # noqa: E402
from history import _timed, build_repo  # noqa: E402

from generator.pipeline import check  # noqa: E402
from generator.trends import read_trends  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="client dossiers (default 2000)")
    ap.add_argument("-c", "--commits", type=int, default=3000, help="commits (default 3000)")
    ap.add_argument("--hours", type=int, default=2, help="working hours between commits (default 2)")
    ap.add_argument("--today", default="2027-01-05", help="the day the trends are read on (default 2027-01-05)")
    ap.add_argument("--keep", type=Path, help="build the repository here and keep it")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    today = dt.date.fromisoformat(args.today)

    with bench_root(args.keep, "kb-trends-bench-") as root:
        t_build, files = _timed(lambda: build_repo(root, args.n, args.commits, hours=args.hours))
        shutil.rmtree(root / ".kb-cache", ignore_errors=True)
        t_check_cold, outcome = _timed(lambda: check(root, today))
        t_check_warm, outcome = _timed(lambda: check(root, today))
        shutil.rmtree(root / ".kb-cache", ignore_errors=True)
        t_cold, cold = _timed(lambda: read_trends(root, today, outcome))
        t_warm, warm = _timed(lambda: read_trends(root, today, outcome))
        month_ends = [p for p in cold.points if p.commit is not None]
        figures = {
            "dossiers": files,
            "commits": args.commits,
            "month_ends": len(month_ends),
            "first_month_end": month_ends[0].day.isoformat() if month_ends else None,
            "last_month_end": month_ends[-1].day.isoformat() if month_ends else None,
            "distinct_commits": len({p.commit for p in month_ends}),
            "repo_build_s": round(t_build, 2),
            "check_cold_s": round(t_check_cold, 3),
            "check_warm_s": round(t_check_warm, 3),
            "trends_cold_s": round(t_cold, 3),
            "trends_warm_s": round(t_warm, 3),
            "judged_cold": cold.computed,
            "judged_warm": warm.computed,
            "cached_warm": warm.cached,
            "ratio_cold": round(t_cold / t_check_cold, 2),
            "ratio_warm": round(t_warm / t_check_warm, 2),
            "ratio_cold_vs_warm_check": round(t_cold / t_check_warm, 2),
            "same_figures_warm": warm.points == cold.points,
        }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    f = figures
    print(f"{f['dossiers']} dossiers, {f['commits']} commits; {f['month_ends']} month-ends "
          f"({f['first_month_end']} … {f['last_month_end']}, {f['distinct_commits']} distinct commits); "
          f"repository built in {f['repo_build_s']} s")
    print(f"  one kb check, cold / warm            {f['check_cold_s']:>8} s / {f['check_warm_s']} s")
    print(f"  trends, cold (nothing cached)        {f['trends_cold_s']:>8} s   month-ends judged: {f['judged_cold']}")
    print(f"  trends, warm (second run)            {f['trends_warm_s']:>8} s   judged: {f['judged_warm']}, "
          f"from the cache: {f['cached_warm']}")
    print(f"  ratio cold / check cold              {f['ratio_cold']:>8}x  (target < 10x; "
          f"/ check warm {f['ratio_cold_vs_warm_check']}x)")
    print(f"  ratio warm / check warm              {f['ratio_warm']:>8}x  (target < 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
