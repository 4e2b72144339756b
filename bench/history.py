"""Benchmark: the history stage on a synthetic KB of N dossiers and C commits.

    python bench/history.py                 # 2,000 dossiers, 3,000 commits
    python bench/history.py -n 200 -c 300   # smaller

The repository is written with ``git fast-import`` (one import commit, then commits that
each add an event or change a contact in one to three dossiers, dated one per working hour
from 2025-01-02). It prints:

* the history stage cold (no ``.kb-cache/``) and warm (cached), and the whole ``kb check``
  pipeline cold and warm;
* one ``git log -1 -- FILE`` per file — what per-file tools do — timed on a sample and
  extrapolated to every file, and the ratio against the cold history stage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from check import bench_root, make_kb  # noqa: E402

from generator.history import read_history  # noqa: E402
from generator.pipeline import check  # noqa: E402

CHINA = dt.timezone(dt.timedelta(hours=8))


def _stream(root: Path, files: list[Path], commits: int, seed: int, hours: int = 1) -> bytes:
    """A fast-import stream: the import commit, then ``commits - 1`` small edits, one every
    ``hours`` working hours."""
    rng = random.Random(seed)
    texts = {f.relative_to(root).as_posix(): f.read_text(encoding="utf-8") for f in files}
    others = [p for p in root.rglob("*") if p.is_file() and p not in set(files) and ".git" not in p.parts]
    out: list[bytes] = []
    when = dt.datetime(2025, 1, 2, 9, 0, tzinfo=CHINA)

    def data(b: bytes) -> None:
        out.append(f"data {len(b)}\n".encode() + b + b"\n")

    def commit(msg: str, changes: dict[str, bytes]) -> None:
        # fast-import chains commits on a branch by itself: no "from" needed after the first
        out.append(b"commit refs/heads/main\n")
        out.append(f"committer 基准 <bench@example.com> {int(when.timestamp())} +0800\n".encode())
        data(msg.encode())
        for path, content in changes.items():
            out.append(f"M 100644 inline {path}\n".encode())
            data(content)

    initial = {p.relative_to(root).as_posix(): p.read_bytes() for p in others}
    initial.update({k: v.encode() for k, v in texts.items()})
    commit("导入知识库", initial)
    paths = sorted(texts)
    for i in range(1, commits):
        for _ in range(hours):
            when += dt.timedelta(hours=1)
            if when.hour > 18:
                when = (when + dt.timedelta(days=1)).replace(hour=9)
        changed = {}
        for path in rng.sample(paths, rng.randint(1, 3)):
            day = when.date().isoformat()
            if rng.random() < 0.7:
                texts[path] += f"  - {{type: contact-change, occurred_on: {day}, summary: 第 {i} 次联系人变更}}\n"
            else:
                texts[path] = texts[path].replace("信息中心总监", f"信息中心总监（第 {i} 次调整）", 1)
            changed[path] = texts[path].encode()
        commit(f"更新档案 #{i}", changed)
    return b"".join(out)


def build_repo(root: Path, n: int, commits: int, seed: int = 11, hours: int = 1) -> int:
    files, _planted = make_kb(root, n)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = _stream(root, files, commits, seed, hours)
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=stream, check=True)
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True)
    return len(files)


def _timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="client dossiers (default 2000)")
    ap.add_argument("-c", "--commits", type=int, default=3000, help="commits (default 3000)")
    ap.add_argument("--sample", type=int, default=100, help="files timed with per-file git log (default 100)")
    ap.add_argument("--keep", type=Path, help="build the repository here and keep it")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    with bench_root(args.keep, "kb-history-bench-") as root:
        t_build, files = _timed(lambda: build_repo(root, args.n, args.commits))
        today = dt.date(2026, 11, 24)
        shutil.rmtree(root / ".kb-cache", ignore_errors=True)
        t_cold, hist = _timed(lambda: read_history(root))
        t_warm, warm = _timed(lambda: read_history(root))
        shutil.rmtree(root / ".kb-cache", ignore_errors=True)
        t_check_cold, outcome = _timed(lambda: check(root, today))
        t_check_warm, _ = _timed(lambda: check(root, today))
        tracked = sorted(hist.versions)
        sample = random.Random(5).sample(tracked, min(args.sample, len(tracked)))
        t = time.perf_counter()
        for rel in sample:
            subprocess.run(
                ["git", "-C", str(root), "log", "-1", "--format=%ct", "--", rel], capture_output=True, check=True
            )
        per_file = (time.perf_counter() - t) / len(sample)
        figures = {
            "dossiers": files,
            "tracked_files": len(tracked),
            "commits": len(hist.commits),
            "versions": sum(len(v) for v in hist.versions.values()),
            "repo_build_s": round(t_build, 2),
            "history_cold_s": round(t_cold, 3),
            "history_warm_s": round(t_warm, 3),
            "blobs_parsed_cold": hist.blobs_read,
            "blobs_parsed_warm": warm.blobs_read,
            "check_cold_s": round(t_check_cold, 3),
            "check_warm_s": round(t_check_warm, 3),
            "deadline_findings": sum(
                1 for f in outcome.findings if f.rule in ("change.1bd", "sync.cadence", "client.kb-30d")
            ),
            "per_file_git_log_ms": round(per_file * 1000, 1),
            "per_file_all_files_s_est": round(per_file * len(tracked), 1),
            "ratio_per_file_vs_cold": round(per_file * len(tracked) / t_cold, 1),
        }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    f = figures
    print(
        f"{f['dossiers']} dossiers ({f['tracked_files']} tracked YAML files), {f['commits']} commits, "
        f"{f['versions']} file versions; repository built in {f['repo_build_s']} s"
    )
    print(
        f"  history stage, cold (no cache)        {f['history_cold_s']:>8} s   blobs parsed: {f['blobs_parsed_cold']}"
    )
    print(
        f"  history stage, warm (cached)          {f['history_warm_s']:>8} s   blobs parsed: {f['blobs_parsed_warm']}"
    )
    print(
        f"  whole kb check pipeline, cold / warm  {f['check_cold_s']:>8} s / {f['check_warm_s']} s "
        f"({f['deadline_findings']} deadline findings)"
    )
    print(
        f"  git log -1 -- FILE per file           {f['per_file_git_log_ms']:>8} ms each, "
        f"~{f['per_file_all_files_s_est']} s for all files (sampled {min(args.sample, f['tracked_files'])})"
    )
    print(f"  ratio per-file / cold history stage   {f['ratio_per_file_vs_cold']:>8}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
