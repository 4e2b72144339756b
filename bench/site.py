"""Benchmark: generating the site for N synthetic clients, against MkDocs itself.

    python bench/site.py                  # 200 and 2,000 clients
    python bench/site.py --sizes 200

For each size it writes a synthetic KB (bench/check.py's dossiers, with the repository's
mkdocs.yml and site/), then times:

* generation: check + render every page and picture + write them (``kb build``'s own step),
  cold (no diagram cache) and warm (diagrams cached in .kb-cache/);
* ``mkdocs build`` of the already-generated pages;
* the ratio of the whole ``kb build`` (warm) to that ``mkdocs build`` — our step should add
  under 15 %.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from check import make_kb  # noqa: E402

from generator.pipeline import check  # noqa: E402
from generator.publish import generate  # noqa: E402

TODAY = dt.date(2026, 11, 24)


def measure(n: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="kb-site-bench-") as tmp:
        root = Path(tmp)
        make_kb(root, n)
        shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
        shutil.copytree(REPO / "site", root / "site", ignore=shutil.ignore_patterns("generated"))

        def gen() -> int:
            return generate(root, check(root, TODAY), TODAY)

        t = time.perf_counter()
        pages = gen()
        cold = time.perf_counter() - t
        t = time.perf_counter()
        gen()
        warm = time.perf_counter() - t
        env = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(root / "out")], cwd=root, check=True,
                       capture_output=True, env={**env, **dict(__import__("os").environ)})
        mk = time.perf_counter() - t
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root), "--today", str(TODAY)],
                              cwd=REPO, capture_output=True, text=True)
        whole = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(proc.stdout[-2000:] + proc.stderr[-2000:])
    return {"clients": n, "files_generated": pages, "generate_cold_s": round(cold, 2), "generate_warm_s": round(warm, 2),
            "mkdocs_build_s": round(mk, 2), "kb_build_s": round(whole, 2),
            "overhead_pct": round(100 * (whole - mk) / mk, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 2000], help="client counts (default 200 2000)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON lines")
    args = ap.parse_args(argv)
    for n in args.sizes:
        f = measure(n)
        if args.json:
            print(json.dumps(f))
            continue
        print(f"{f['clients']} clients: {f['files_generated']} pages and pictures")
        print(f"  generation (check + render + write)  cold {f['generate_cold_s']} s, warm {f['generate_warm_s']} s")
        print(f"  mkdocs build of the generated pages  {f['mkdocs_build_s']} s")
        print(f"  whole kb build (warm cache)          {f['kb_build_s']} s  → +{f['overhead_pct']} % over mkdocs build")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
