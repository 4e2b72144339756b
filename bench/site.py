"""Benchmark: generating the site for N synthetic clients, and each site engine (MkDocs, Zensical).

    python bench/site.py                  # 200 and 2,000 clients, every installed engine
    python bench/site.py --sizes 200 --engines zensical

For each size it writes a synthetic KB (bench/check.py's dossiers, with the repository's
mkdocs.yml and site/), then times:

* generation: check + render every page and picture + write them (``kb build``'s own step),
  cold (no diagram cache) and warm (diagrams cached in .kb-cache/);
* each engine's own build of the already-generated pages (``mkdocs build``; ``zensical build
  --clean``, as ``kb build --engine zensical`` runs it);
* the whole ``kb build --engine E`` (warm) per engine, and its ratio to that engine's own build.

The figures chose ``kb build``'s default engine (README, "The site engine").
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
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
from generator.publish import BuildFailed, generate, run_engine  # noqa: E402

TODAY = dt.date(2026, 11, 24)


def _engine_build(root: Path, engine: str) -> float:
    """One build of the generated pages by ``engine`` into a fresh folder, run as ``kb build``
    runs it (generator.publish.run_engine: for Zensical, a config inheriting mkdocs.yml and the
    search index's Chinese segmentation)."""
    out = root / f".bench-{engine}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    t = time.perf_counter()
    run_engine(root, engine, out)
    return time.perf_counter() - t


def measure(n: int, engines: list[str]) -> dict[str, float | int | str]:
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
        f: dict[str, float | int | str] = {"clients": n, "files_generated": pages, "generate_cold_s": round(cold, 2),
                                     "generate_warm_s": round(warm, 2)}
        for engine in engines:
            try:
                own = _engine_build(root, engine)
            except BuildFailed as exc:  # a figure too: Zensical 0.0.73 refuses a search field over 128 KiB
                f |= {f"{engine}_build_s": -1, f"{engine}_failed": str(exc)[:300]}
                continue
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root), "--today", str(TODAY),
                                   "--engine", engine], cwd=REPO, capture_output=True, text=True)
            whole = time.perf_counter() - t
            if proc.returncode != 0:
                raise SystemExit(proc.stdout[-2000:] + proc.stderr[-2000:])
            f |= {f"{engine}_build_s": round(own, 2), f"kb_build_{engine}_s": round(whole, 2),
                  f"overhead_{engine}_pct": round(100 * (whole - own) / own, 1)}
    return f


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 2000], help="client counts (default 200 2000)")
    ap.add_argument("--engines", nargs="+", choices=["mkdocs", "zensical"],
                    default=[e for e in ("mkdocs", "zensical") if e == "mkdocs" or importlib.util.find_spec(e)],
                    help="site engines to time (default: every installed one)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON lines")
    args = ap.parse_args(argv)
    for n in args.sizes:
        f = measure(n, args.engines)
        if args.json:
            print(json.dumps(f))
            continue
        print(f"{f['clients']} clients: {f['files_generated']} pages and pictures")
        print(f"  generation (check + render + write)  cold {f['generate_cold_s']} s, warm {f['generate_warm_s']} s")
        for e in args.engines:
            if f"{e}_failed" in f:
                print(f"  {e} build of the generated pages  FAILED: {f[f'{e}_failed']}")
                continue
            print(f"  {e} build of the generated pages  {f[f'{e}_build_s']} s")
            print(f"  whole kb build --engine {e} (warm cache)  {f[f'kb_build_{e}_s']} s"
                  f"  → +{f[f'overhead_{e}_pct']} % over the engine's own build")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
