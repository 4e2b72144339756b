"""Import keeps what people wrote: ``-``, a lone space and a leading non-breaking space are
values, and ``--force`` puts the form's values into the existing dossier text, so its comments,
its key order and every untouched line stay as they were. Forms come from the real
``kb export application``, edited with python-docx as a person would in Word."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from docx import Document
from docx.table import Table

from generator.importer.keep import rewrite
from generator.load import load_file, load_text

DOSSIER = "clients/acme/client.yml"


def _export(run_kb, kb: Path, out: Path) -> Path:  # type: ignore[no-untyped-def]
    r = run_kb("export", "application", "acme", "--root", str(kb), "-o", str(out), "--today", "2026-11-24")
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def _edit(form: Path, values: dict[str, str], rows: dict[tuple[str, int, str], str] | None = None) -> None:
    """Type ``values`` into the cells after the labels carrying those keys, and ``rows``
    ((table key, row, column key) → text) into the repeating tables."""
    doc = Document(str(form))
    todo, cells = dict(values), dict(rows or {})
    title = ""
    for block in doc.iter_inner_content():
        if not isinstance(block, Table):
            words = block.text.split()
            title = words[-1] if words and re.fullmatch(r"[a-z_][a-z0-9_.]*", words[-1]) else ""
            continue
        header = [(c.text.split() or [""])[-1] for c in block.rows[0].cells]
        for (table, r, column), text in list(cells.items()):
            if table == title and column in header:
                block.rows[r].cells[header.index(column)].text = text
                del cells[(table, r, column)]
        for row in block.rows:
            label, *rest = row.cells
            key = (label.text.split() or [""])[-1]
            if rest and key in todo:
                rest[0].text = todo.pop(key)
        title = ""
    assert not todo and not cells, (todo, cells)
    doc.save(str(form))


def _import(run_kb, kb: Path, form: Path, *extra: str):  # type: ignore[no-untyped-def]
    r = run_kb("import", "application", str(form), "--root", str(kb), "--today", "2026-11-24", *extra)
    assert "已写入 clients/acme/client.yml" in r.stdout, r.stdout + r.stderr
    return r


def _loaded(kb: Path) -> Any:
    loaded = load_file(kb, DOSSIER)
    assert loaded.usable and not loaded.findings, loaded.findings
    return loaded


def test_dash_space_and_nbsp_are_kept_exactly(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    form = _export(run_kb, base_kb, tmp_path / "acme.docx")
    values = {
        "name": "-",
        "business.business_model": " ",
        "business.main_business": "\u00a0开头",
        "business.scenarios": "010",
        "pain_points.communication": "no",
        "pain_points.expectations": "2026-03-02",
        "contract.number": "  两边有空格  ",
    }
    _edit(form, values, {("contacts", 1, "duties"): "-", ("contacts", 2, "title"): " "})
    shutil.rmtree(base_kb / "clients" / "acme")
    _import(run_kb, base_kb, form)
    data = _loaded(base_kb).data
    assert data["name"] == "-"
    assert data["business"]["business_model"] == " "
    assert data["business"]["main_business"] == "\u00a0开头"
    # our loader's rules hold on what was written: these stay the text they are
    assert data["business"]["scenarios"] == "010"
    assert data["pain_points"]["communication"] == "no"
    assert data["pain_points"]["expectations"] == "2026-03-02"
    assert data["contract"]["number"] == "  两边有空格  "
    assert data["contacts"][0]["duties"] == "-"
    assert data["contacts"][1]["title"] == " "
    text = (base_kb / DOSSIER).read_text(encoding="utf-8")
    assert 'main_business: "\u00a0开头"' in text  # quoted: the space at its start is visible as such
    assert "&" not in text and "!!" not in text  # no anchors, no tags
    # A number, a date or a choice written "-" still means "nothing" there.
    assert "monthly_margin_cny" not in data.get("criteria", {})


COMMENTED = """\
# yaml-language-server: $schema=../../../../../schemas/client.schema.json
# 客户档案：销售与专属工程师共同维护
id: acme
name: 艾克美物流
tier: gold   # 2025 年升级为金牌
status: dedicated
# 指派放在前面，方便运维经理查看
assignment:
  engineer: zhang-wei
  backup: li-na
  since: 2025-08-01
  incentive_split: {account_manager: 70, engineer: 30, agreed_on: 2025-08-01, agreed_by: [运维总监, 销售总监]}
account_manager: {name: 王敏, email: wangmin@example.com, phone: "13800000000"}
criteria:
  monthly_contract_cny: 320000
  monthly_margin_cny: null   # 财务尚未提供
  complex_environment: 全国 40 个站点，双 IDC
# 合同放在业务之前
contract:
  # 合同号以法务系统为准
  number: HT-2024-0815
  start: 2024-09-01
  end: 2027-08-31
  service_level: 金牌
  sla: {response_minutes: 30, onsite_hours: 4, restore_hours: 8}
  key_terms: [季度服务报告]
business:
  main_business: 区域物流与仓储
  business_model: 直营
  scenarios: SD-WAN 连接仓库与总部
  peak_periods: [每年 11 月大促]
sites:
  - {id: hq, name: 上海总部, kind: core, city: 上海}   # 总部
  # 上海 IDC 为主数据中心
  - {id: sh-idc, name: 上海IDC, kind: idc, city: 上海}
  - {id: wh-hub, name: 武汉HUB, kind: hub, city: 武汉}
lines:
  - {id: l-001, a: hq, b: sh-idc, carrier: 中国电信, type: MPLS, bandwidth_mbps: 500}
  - {id: l-002, a: sh-idc, b: wh-hub, carrier: 中国联通, type: 互联网专线, bandwidth_mbps: 200}
applications:
  - {name: WMS 仓储系统, site: sh-idc, ip: 10.20.1.10, domain: wms.acme.example, ports: [443], impact: 仓库出入库停摆}
contacts:
  - {name: 李强, level: technical, title: 网络主管, phone: "13900000001", duties: 网络变更审批}
  - {name: 周兰, level: business, title: 运营经理, phone: "021-62345678", duties: 业务需求}
  - {name: 陈总, level: decision, title: CIO, phone: "13900000003", duties: 合同与预算}
pain_points:
  history:
    - {date: 2025-11-11, summary: 大促期间 HUB 链路拥塞, impact: 华中仓库出库延迟}
  communication: 变更需提前一周书面确认
  # 客户原话
  expectations: 故障 15 分钟内给出定位结论
# 以下由工程师维护
knowledge_base:
  special_notes: 每月第一个周六 22:00 为变更窗口
  service_catalog:
    - {name: SD-WAN 组网, description: 总部、IDC 与 HUB 的组网与策略}
  network_model: 总部与 IDC 为核心，HUB 汇聚区域仓库
  typical_faults:
    - {date: 2025-11-11, title: 大促链路拥塞, cause: HUB 出口带宽不足, resolution: 临时扩容并调整 QoS}
  common_requests:
    - {title: 新仓库接入, steps: [确认线路, 下发模板配置, 联调验收]}
  attachments:
    - {title: 全网拓扑图, path: files/topology.png}
application:
  applicant: {name: 王敏, department: 客户成功部}
  submitted_on: 2025-07-10
  materials_received_on: 2025-07-12
  review: {by: 运维经理, on: 2025-07-14, result: passed}
  approval: {by: 工程运维部负责人, on: 2025-07-20, result: approved}
  notified_on: 2025-07-21
sync: {cadence: monthly}
events:
  - {type: contract-change, occurred_on: 2026-03-02, summary: 带宽扩容至 1G}   # 表单不含事件
transition: {class: A, assessed_on: 2025-08-15}
# 文件结束
"""


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


def _key_order(data: Any, path: str = "") -> list[str]:
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append(f"{path}{k}")
            out.extend(_key_order(v, f"{path}{k}."))
    return out


def test_force_keeps_comments_key_order_and_untouched_lines(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dossier = base_kb / DOSSIER
    dossier.write_text(COMMENTED, encoding="utf-8")
    before = _loaded(base_kb).data
    form = _export(run_kb, base_kb, tmp_path / "acme.docx")
    _edit(
        form,
        {
            "name": "艾克美物流集团",
            "contract.number": "HT-2025-0001",
            "pain_points.expectations": "",  # cleared in the form: removed from the dossier
            "business.scenarios": "010",  # text our loader must keep as text
            "criteria.high_sla": "合同约定 30 分钟响应",  # a key the dossier did not have
        },
        {("contacts", 2, "phone"): "021-60000000", ("sites", 3, "city"): "杭州"},
    )
    r = _import(run_kb, base_kb, form, "--force")
    assert "注释未能保留" not in r.stderr, r.stderr
    text = dossier.read_text(encoding="utf-8")
    after = _loaded(base_kb).data

    # every comment, in order
    assert _comments(text) == _comments(COMMENTED)
    # the key order as the person wrote it; the new key right after its neighbour in the schema
    order = _key_order(after)
    want = [k for k in _key_order(before) if k != "pain_points.expectations"]
    at = want.index("criteria.complex_environment") + 1
    assert order == [*want[:at], "criteria.high_sla", *want[at:]]
    # the values the form changed, and nothing else
    assert after["name"] == "艾克美物流集团"
    assert after["contract"]["number"] == "HT-2025-0001"
    assert after["business"]["scenarios"] == "010" and 'scenarios: "010"' in text
    assert after["criteria"]["high_sla"] == "合同约定 30 分钟响应"
    assert after["contacts"][1]["phone"] == "021-60000000"
    assert after["sites"][2]["city"] == "杭州"
    assert "expectations" not in after["pain_points"]
    changed = {"name", "contract", "business", "criteria", "contacts", "sites", "pain_points"}
    assert {k: v for k, v in after.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    # lines the form did not change are byte for byte as written (flow records, null, quotes, dates)
    for line in (
        "tier: gold   # 2025 年升级为金牌",
        '  monthly_margin_cny: null   # 财务尚未提供',
        "  - {id: hq, name: 上海总部, kind: core, city: 上海}   # 总部",
        '  - {name: 李强, level: technical, title: 网络主管, phone: "13900000001", duties: 网络变更审批}',
        "  - {type: contract-change, occurred_on: 2026-03-02, summary: 带宽扩容至 1G}   # 表单不含事件",
        "transition: {class: A, assessed_on: 2025-08-15}",
        "  sla: {response_minutes: 30, onsite_hours: 4, restore_hours: 8}",
    ):
        assert line + "\n" in text, line
    assert text.splitlines()[-1] == "# 文件结束"


def test_force_names_a_comment_whose_line_was_removed(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    line = "  expectations: 故障 15 分钟内给出定位结论\n"
    (base_kb / DOSSIER).write_text(COMMENTED.replace(line, line[:-1] + "   # 待客户确认\n"), encoding="utf-8")
    form = _export(run_kb, base_kb, tmp_path / "acme.docx")
    _edit(form, {"pain_points.expectations": ""})
    r = _import(run_kb, base_kb, form, "--force")
    assert "注释未能保留" in r.stderr and "# 待客户确认" in r.stderr, r.stderr
    text = (base_kb / DOSSIER).read_text(encoding="utf-8")
    assert "expectations" not in text and "# 客户原话\n# 以下由工程师维护\nknowledge_base:" in text


def test_force_with_an_unchanged_form_leaves_the_file_as_it_was(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dossier = base_kb / DOSSIER
    dossier.write_text(COMMENTED, encoding="utf-8")
    form = _export(run_kb, base_kb, tmp_path / "acme.docx")
    _import(run_kb, base_kb, form, "--force")
    assert dossier.read_text(encoding="utf-8") == COMMENTED


def test_rewrite_falls_back_and_names_the_comments_it_cannot_keep() -> None:
    """Text ruamel refuses (a duplicate key our loader reported) is written afresh; the
    comments that could not be kept are listed, and the values are still exactly the new ones."""
    text = "# 头注释\nid: acme\nname: 甲   # 名称\nname: 乙\nstatus: dedicated\n"
    old = load_text(text, DOSSIER).data
    new = {"id": "acme", "name": "丙", "status": "dedicated"}
    out, lost = rewrite(text, old, new, DOSSIER)
    assert load_text(out, DOSSIER).data == new
    assert lost == ["# 头注释", "# 名称"]


def test_rewrite_keeps_text_meaning_by_our_loader() -> None:
    text = "id: acme\nname: 甲\nstatus: dedicated\ncriteria:\n  monthly_contract_cny: 320000\n"
    old = load_text(text, DOSSIER).data
    new = {
        "id": "acme",
        "name": "no",
        "status": "dedicated",
        "criteria": {"monthly_contract_cny": 250000, "brand_value": "null", "complex_environment": "true"},
        "contacts": [{"name": "李强", "phone": "13900000001"}, {"name": "-", "title": " "}],
    }
    out, lost = rewrite(text, old, new, DOSSIER)
    back = load_text(out, DOSSIER)
    assert not back.findings and back.data == new and lost == []
    assert "monthly_contract_cny: 250000\n" in out and 'brand_value: "null"' in out
