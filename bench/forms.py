"""Benchmark: rendering the Word forms (generator/render/forms.py).

    python bench/forms.py                 # 2,000 synthetic clients, all cores
    python bench/forms.py -n 200 --json   # figures as one JSON object

It writes bench/check.py's synthetic KB (N dossiers) plus one handoff per client, then times

* one form of each kind in one process, best of ``--repeat``: the application form, the
  knowledge-base booklet (with and without drawing its network diagram), the handoff report
  and a blank form;
* every form of every client — application, booklet and handoff, 3 × N .docx files written
  to a folder — with ``ProcessPoolExecutor`` on ``--workers`` processes (default: every core),
  each worker reading the KB once; the wall time includes starting the workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from check import make_kb  # noqa: E402

from generator.model import KB  # noqa: E402
from generator.pipeline import find_schemas, load_kb  # noqa: E402
from generator.render import forms  # noqa: E402
from generator.render.diagrams import network_diagram  # noqa: E402
from generator.validate import SchemaSet  # noqa: E402

TODAY = dt.date(2026, 11, 24)
CHUNK = 25  # clients per task: big enough to amortise the hand-over, small enough to balance


def handoff_yaml(i: int) -> str:
    return f"""# yaml-language-server: $schema=../../../schemas/handoff.schema.json
ticket: GD-2026-{i:05d}
task_id: xt-{i:05d}
title: HUB 上行带宽与业务需求不符
opened_on: 2026-02-26
trigger: sales-mismatch
report:
  basis: 近 90 天 HUB 上行 95 分位利用率 92%，QoS 已按模板优化；瓶颈是合同带宽，不是配置问题。
  reproduction: 工作日 09:00–11:00 入库高峰时，HUB 上行利用率持续超过 90%，ERP 响应时间由 200ms 升至 1.5s。
  logs: [files/xt-{i:05d}-traffic.log]
coordinator: {{name: 王敏, role: 客户经理}}
owner: {{name: 郑凯, role: 销售总监}}
ask: 与客户协商合同变更，将 HUB 至 IDC 专线由 500M 扩容至 1G，并明确费用与生效日期。
status: open
"""


def write_kb(root: Path, n: int) -> None:
    make_kb(root, n)
    for i in range(n):
        folder = root / "clients" / f"client-{i:05d}" / "handoffs"
        folder.mkdir()
        (folder / f"xt-{i:05d}.yml").write_text(handoff_yaml(i), encoding="utf-8")


def read_kb(root: Path) -> KB:
    kb, _findings, _loaded = load_kb(root, SchemaSet.from_dir(find_schemas(root)))
    return kb


# ------------------------------------------------------------------ workers (one KB per process)

_KB: KB | None = None


def _init(root: str) -> None:
    global _KB
    _KB = read_kb(Path(root))


def _render_chunk(job: tuple[list[str], str]) -> tuple[int, int]:
    """Render and write every form of these clients; (files, bytes)."""
    ids, out = job
    assert _KB is not None
    files = size = 0
    for cid in ids:
        c = _KB.clients[cid]
        name = c.name or c.id
        docs = [
            (forms.default_filename("application", name), forms.render_application(_KB, c)),
            (forms.default_filename("kb", name), forms.render_kb(_KB, c, TODAY)),
            *((forms.default_filename("handoff", name, h.task_id), forms.render_handoff(_KB, c, h)) for h in c.handoffs),
        ]
        for filename, data in docs:
            (Path(out) / filename).write_bytes(data)
            files += 1
            size += len(data)
    return files, size


# ------------------------------------------------------------------ timing


def _best(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm: imports, template caches, fonts
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def measure(n: int, repeat: int, workers: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kb-forms-bench-") as tmp:
        root = Path(tmp) / "kb"
        root.mkdir()
        write_kb(root, n)
        t = time.perf_counter()
        kb = read_kb(root)
        load_s = time.perf_counter() - t
        c = kb.clients["client-00000"]
        h = c.handoffs[0]
        png = network_diagram(c, "png")
        per_form = {
            "application": _best(lambda: forms.render_application(kb, c), repeat),
            "kb": _best(lambda: forms.render_kb(kb, c, TODAY), repeat),
            "kb_without_drawing": _best(lambda: forms.render_kb(kb, c, TODAY, picture=lambda _c: png), repeat),
            "network_diagram_png": _best(lambda: network_diagram(c, "png"), repeat),
            "handoff": _best(lambda: forms.render_handoff(kb, c, h), repeat),
            "blank": _best(lambda: forms.render_blank("application"), repeat),
        }
        out = Path(tmp) / "forms"
        out.mkdir()
        ids = sorted(kb.clients)
        jobs = [(ids[i : i + CHUNK], str(out)) for i in range(0, len(ids), CHUNK)]
        t = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(str(root),)) as pool:
            results = list(pool.map(_render_chunk, jobs))
        wall = time.perf_counter() - t
        written = sum(r[0] for r in results)
        size = sum(r[1] for r in results)
        assert written == len(list(out.iterdir())), "every form has its own file name"
    return {
        "clients": n,
        "workers": workers,
        "cores": os.cpu_count(),
        "load_kb_s": round(load_s, 3),
        "per_form_ms": {k: round(v * 1000, 1) for k, v in per_form.items() if k in ("application", "kb", "handoff", "blank")},
        "kb_without_drawing_ms": round(per_form["kb_without_drawing"] * 1000, 1),
        "network_diagram_png_ms": round(per_form["network_diagram_png"] * 1000, 1),
        "all_forms_s": round(wall, 2),
        "forms_written": written,
        "bytes_written": size,
        "forms_per_s": round(written / wall, 1),
        "one_process_estimate_s": round(n * (per_form["application"] + per_form["kb"] + per_form["handoff"]), 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="number of client dossiers (default 2000)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per single-form timing; the best is reported")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes for the whole run")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    f = measure(args.n, args.repeat, args.workers)
    if args.json:
        print(json.dumps(f, ensure_ascii=False))
        return 0
    per = f["per_form_ms"]
    assert isinstance(per, dict)
    print(f"{f['clients']} synthetic clients (KB read in {f['load_kb_s']} s)")
    print("one form, one process (best of runs):")
    print(f"  《专属工程师服务申请表》   {per['application']:7.1f} ms")
    print(f"  《客户运维知识库》         {per['kb']:7.1f} ms  ({f['kb_without_drawing_ms']} ms with the diagram already drawn;"
          f" drawing it {f['network_diagram_png_ms']} ms)")
    print(f"  《问题定界分析报告》       {per['handoff']:7.1f} ms")
    print(f"  blank form                {per['blank']:7.1f} ms")
    print(f"all forms: {f['forms_written']} files ({int(f['bytes_written']) / 1e6:.1f} MB) in {f['all_forms_s']} s "  # type: ignore[call-overload]
          f"on {f['workers']} processes ({f['forms_per_s']} forms/s; one process would take ~{f['one_process_estimate_s']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
