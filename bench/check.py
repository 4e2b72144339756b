"""Benchmark: load + validate N synthetic dossiers, against check-jsonschema on the same files.

    python bench/check.py            # 2,000 dossiers (~3 KB of Chinese each)
    python bench/check.py -n 200 --keep /tmp/kb-bench

It writes a synthetic KB (policy, 40 engineers, N clients; every 100th dossier carries
three known errors), then prints:

* load + validate time in-process (the figure the issue targets: 2,000 files < 2 s),
* the whole ``kb check`` pipeline in-process and as a command (with Python start-up),
* ``check-jsonschema`` on the same client files with the same schema, and the ratio,
* how many errors each tool reported versus how many were planted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.finding import Finding  # noqa: E402
from generator.load import load_file  # noqa: E402
from generator.pipeline import check, find_schemas, load_kb  # noqa: E402
from generator.validate import SchemaSet, validate  # noqa: E402

CITIES = ["上海", "北京", "广州", "深圳", "武汉", "成都", "杭州", "南京", "西安", "重庆"]
CARRIERS = ["中国电信", "中国联通", "中国移动"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超"]
PLANTED_PER_BAD_FILE = 3


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])


def engineer_yaml(i: int) -> str:
    return f"""# yaml-language-server: $schema=../schemas/engineer.schema.json
id: eng-{i:03d}
name: 工程师{i:03d}
level: L2
ops_since: 2020-03-01
products: [nova, fortinet, velo]
certifications:
  - {{name: Nova 自研认证, kind: nova, obtained: 2022-05-01, expires: 2028-05-01}}
  - {{name: Fortinet NSE 4, kind: fortinet, obtained: 2023-01-10}}
  - {{name: HCIP-Datacom, kind: general, vendor: huawei, grade: intermediate, obtained: 2022-09-01}}
pool:
  nomination: {{type: nominated, by: 运维经理, on: 2025-06-01}}
  evaluation: {{on: 2025-06-20, by: [运维经理, 三级专家], result: passed}}
  appointment: {{on: 2025-07-01, approved_by: 工程运维部负责人}}
"""


def client_yaml(i: int, rng: random.Random, bad: bool) -> str:
    cid = f"client-{i:05d}"
    city = rng.choice(CITIES)
    sites = [
        ("hq", f"{city}总部", "core"),
        ("idc-1", f"{city}第一数据中心", "idc"),
        ("hub-1", f"{rng.choice(CITIES)}HUB", "hub"),
    ]
    sites += [(f"br-{k}", f"{rng.choice(CITIES)}第{k}分公司", "branch") for k in range(1, 2)]
    site_lines = "\n".join(
        f"  - {{id: {s}, name: {n}, kind: {k}, city: {city}, address: {city}市示例区科技园路{rng.randint(1, 999)}号}}"
        for s, n, k in sites
    )
    lines = "\n".join(
        f"  - {{id: l-{k:03d}, a: hq, b: {sites[k][0]}, carrier: {rng.choice(CARRIERS)}, type: MPLS, "
        f"bandwidth_mbps: {rng.choice([100, 200, 500, 1000])}}}"
        for k in range(1, len(sites))
    )
    contacts = "\n".join(
        f'  - {{name: {_name(rng)}, level: {lvl}, title: {title}, phone: "1390000{i % 10000:04d}", '
        f"duties: 负责{title}相关事务的沟通与审批}}"
        for lvl, title in (("technical", "网络主管"), ("business", "业务经理"), ("decision", "信息中心总监"))
    )
    status = "dedicated"
    tier = rng.choice(["platinum", "gold", "silver"])
    since = "2025-08-01"
    if bad:
        # three planted errors: a date that does not exist, an unknown key, a value not in the enum
        since = "2025-02-30"
        tier = "diamond"
    extra = "  engineer_name: 张伟\n" if bad else ""
    return f"""# yaml-language-server: $schema=../../schemas/client.schema.json
id: {cid}
name: 示例客户{i:05d}集团有限公司
status: {status}
tier: {tier}
account_manager: {{name: {_name(rng)}, email: am{i}@example.com, phone: "13800{i % 1000000:06d}"}}
criteria:
  monthly_contract_cny: {rng.randint(260000, 900000)}
  brand_value: 区域头部企业，行业标杆案例，对公司品牌有重要价值
  complex_environment: 全国 {rng.randint(20, 200)} 个站点，双 HUB + 双 IDC，业务系统复杂
business:
  main_business: 连锁零售与供应链服务
  business_model: 直营与加盟并行，门店通过 SD-WAN 接入
  scenarios: 门店收银与总部 ERP 经由我方 SD-WAN 承载
  peak_periods: [每年 11 月电商大促, 春节前两周, 618 年中促销]
sites:
{site_lines}
lines:
{lines}
applications:
  - {{name: ERP 系统, site: idc-1, ip: 10.{i % 250}.1.10, domain: erp.c{i}.example, ports: [443, 8443], impact: 全国门店无法下单}}
contacts:
{contacts}
contract:
  number: HT-2025-{i:05d}
  start: 2025-01-01
  end: 2027-12-31
  service_level: 铂金
  sla: {{response_minutes: 15, onsite_hours: 4, restore_hours: 8}}
  key_terms: [季度服务报告, 重大活动保障]
pain_points:
  history:
    - {{date: 2025-11-11, summary: 大促期间 HUB 链路拥塞导致门店收银缓慢, impact: 华东 300 家门店受影响约 2 小时}}
  communication: 客户信息中心人员变动频繁，变更窗口需提前一周书面确认
  expectations: 希望专属工程师熟悉全网拓扑，故障时 15 分钟内给出定位结论
knowledge_base:
  special_notes: 每月第一个周六 22:00 为固定变更窗口
  service_catalog:
    - {{name: SD-WAN 组网, description: 总部、HUB 与门店之间的 SD-WAN 组网与策略维护}}
  network_model: 总部与两个 IDC 组成核心，HUB 汇聚区域门店，门店双线接入并按应用选路
  typical_faults:
    - {{date: 2025-06-18, title: 大促链路拥塞, cause: HUB 出口带宽不足, resolution: 临时扩容并调整 QoS 策略}}
  common_requests:
    - {{title: 新开门店接入, steps: [确认线路与设备到位, 下发模板配置, 联调业务并验收]}}
assignment:
  engineer: eng-{i % 40:03d}
{extra}  backup: eng-{(i + 1) % 40:03d}
  since: {since}
  incentive_split: {{account_manager: 70, engineer: 30, agreed_on: 2025-08-01, agreed_by: [运维总监, 销售总监]}}
application:
  applicant: {{name: {_name(rng)}, department: 客户成功部}}
  submitted_on: 2025-07-10
  materials_received_on: 2025-07-12
  review: {{by: 运维经理, on: 2025-07-14, result: passed}}
  approval: {{by: 工程运维部负责人, on: 2025-07-20, result: approved}}
  notified_on: 2025-07-21
sync: {{cadence: monthly}}
events:
  - {{type: contract-change, occurred_on: 2026-03-02, summary: 总部带宽扩容至 1G}}
"""


def make_kb(root: Path, n: int, seed: int = 7) -> tuple[list[Path], int]:
    """Write the synthetic KB; return the client files and the number of planted errors."""
    rng = random.Random(seed)
    shutil.copy(REPO / "policy.yml", root / "policy.yml")
    shutil.copytree(REPO / "schemas", root / "schemas")
    (root / "engineers").mkdir()
    for i in range(40):
        (root / "engineers" / f"eng-{i:03d}.yml").write_text(engineer_yaml(i), encoding="utf-8")
    files = []
    planted = 0
    for i in range(n):
        bad = i % 100 == 99
        planted += PLANTED_PER_BAD_FILE if bad else 0
        d = root / "clients" / f"client-{i:05d}"
        d.mkdir(parents=True)
        f = d / "client.yml"
        f.write_text(client_yaml(i, rng, bad), encoding="utf-8")
        files.append(f)
    return files, planted


@contextlib.contextmanager
def bench_root(keep: Path | None, prefix: str) -> Iterator[Path]:
    """A fresh folder for a synthetic KB: ``keep`` (emptied first, left behind) or a temporary one."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            yield Path(tmp)
        return
    if keep.exists():
        shutil.rmtree(keep)
    keep.mkdir(parents=True)
    yield keep


def _best(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="number of client dossiers (default 2000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is reported")
    ap.add_argument("--keep", type=Path, help="write the KB here and keep it")
    ap.add_argument("--no-compare", action="store_true", help="skip check-jsonschema")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    with bench_root(args.keep, "kb-bench-") as root:
        files, planted = make_kb(root, args.n)
        size = sum(f.stat().st_size for f in files)
        schemas = SchemaSet.from_dir(find_schemas(root))
        figures: dict[str, object] = {
            "files": len(files),
            "avg_kib": round(size / len(files) / 1024, 2),
            "planted_errors": planted,
        }

        rels = [f.relative_to(root).as_posix() for f in files]

        def only_load() -> int:
            return sum(len(load_file(root, r).findings) for r in rels)

        def load_and_validate() -> list[Finding]:
            found: list[Finding] = []
            for r in rels:
                item = load_file(root, r)
                found.extend(item.findings)
                if item.usable:
                    found.extend(validate(item, "client", schemas)[1])
            return found

        t_load, _ = _best(only_load, args.repeat)
        t_lv, lv_findings = _best(load_and_validate, args.repeat)
        t_model, _ = _best(lambda: load_kb(root, schemas), args.repeat)
        t_all, outcome = _best(lambda: check(root, dt.date(2026, 11, 24)), args.repeat)
        schema_errors = sum(1 for f in lv_findings if f.rule == "schema")  # type: ignore[attr-defined]
        figures.update(
            {
                "load_s": round(t_load, 3),
                "load_validate_s": round(t_lv, 3),
                "load_validate_model_s": round(t_model, 3),
                "check_pipeline_s": round(t_all, 3),
                "kb_schema_errors": schema_errors,
                "kb_findings_total": len(outcome.findings),  # type: ignore[attr-defined]
            }
        )
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "generator", "check", "--root", str(root), "--format", "json"],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        figures["kb_check_cli_s"] = round(time.perf_counter() - t, 3)
        figures["kb_check_cli_exit"] = proc.returncode

        exe = shutil.which("check-jsonschema")
        if exe and not args.no_compare:
            cmd = [
                exe,
                "--schemafile",
                str(root / "schemas" / "client.schema.json"),
                "--output-format",
                "json",
                *map(str, files),
            ]
            t = time.perf_counter()
            cj = subprocess.run(cmd, capture_output=True, text=True)
            t_cj = time.perf_counter() - t
            try:
                cj_errors = len(json.loads(cj.stdout).get("errors", []))
            except ValueError:
                cj_errors = -1
            figures.update(
                {
                    "check_jsonschema_s": round(t_cj, 3),
                    "check_jsonschema_errors": cj_errors,
                    "ratio_cli": round(t_cj / figures["kb_check_cli_s"], 1),  # type: ignore[operator]
                    "ratio_load_validate": round(t_cj / t_lv, 1),
                }
            )
        else:
            figures["check_jsonschema_s"] = None

    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    print(
        f"{figures['files']} dossiers, {figures['avg_kib']} KiB each on average, "
        f"{figures['planted_errors']} planted errors"
    )
    print(f"  load only                       {figures['load_s']:>7} s")
    print(
        f"  load + validate (target < 2 s)  {figures['load_validate_s']:>7} s   "
        f"schema errors found: {figures['kb_schema_errors']}"
    )
    print(f"  load + validate + model         {figures['load_validate_model_s']:>7} s   (engineers and policy too)")
    print(
        f"  whole check pipeline            {figures['check_pipeline_s']:>7} s   findings: {figures['kb_findings_total']}"
    )
    print(f"  kb check (command, JSON)        {figures['kb_check_cli_s']:>7} s   exit {figures['kb_check_cli_exit']}")
    if figures.get("check_jsonschema_s") is not None:
        print(
            f"  check-jsonschema (command)      {figures['check_jsonschema_s']:>7} s   "
            f"errors found: {figures['check_jsonschema_errors']} (no line numbers)"
        )
        print(
            f"  ratio check-jsonschema / kb check command: {figures['ratio_cli']}x; "
            f"/ in-process load+validate: {figures['ratio_load_validate']}x"
        )
    else:
        print("  check-jsonschema: not installed or skipped (pip install -e '.[test]')")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
