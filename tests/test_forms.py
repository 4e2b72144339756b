"""The Word forms (generator/render/forms.py): content read back with python-docx through the
labelling convention, 【缺】 for missing required items, Chinese typography, hostile and
control characters, every placeholder known, the committed templates up to date, and the
example forms through LibreOffice (soffice → pdftotext)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate

from generator.model import KB, Client
from generator.pipeline import Outcome, check
from generator.render import forms
from generator.render.form_context import clean, material_gaps
from generator.render.form_spec import FORMS, Cover, Fields, Kind, Table
from generator.rules.clients import _materials

from .conftest import EXAMPLE_TODAY, REPO, TODAY, copy_base

KINDS: tuple[Kind, ...] = ("application", "kb", "handoff")
ACME = Path("clients") / "acme" / "client.yml"
HOSTILE = "<script>alert(1)</script> & {{ x }} {% if y %} {_{ z }_} &amp; ]]> \\n"


# ------------------------------------------------------------------ reading a form back


def open_docx(data: bytes) -> DocumentObject:
    return Document(io.BytesIO(data))


def _key(p: Paragraph) -> str | None:
    """The YAML key of a label: its run in the ``Form Key`` style (the convention)."""
    keys = [r.text for r in p.runs if r.style is not None and r.style.name == "Form Key"]
    return keys[-1] if keys else None


def _titled(doc: DocumentObject) -> Iterator[tuple[str | None, DocxTable]]:
    """Each table with the key of the title paragraph right before it (None: a field table)."""
    last: Paragraph | None = None
    for item in doc.iter_inner_content():
        if isinstance(item, Paragraph):
            last = item
            continue
        assert isinstance(item, DocxTable)
        titled = last is not None and last.style is not None and last.style.name == "Form Table Title"
        yield (_key(last) if titled and last is not None else None), item
        last = None


def fields(doc: DocumentObject) -> dict[str, str]:
    """``key → value`` of every two-cell labelled row of the field tables."""
    out = {}
    for title, table in _titled(doc):
        if title is not None:
            continue
        for row in table.rows:
            cells = row.cells
            if len(cells) == 2:
                key = _key(cells[0].paragraphs[0])
                if key:
                    out[key] = cells[1].text
    return out


def tables(doc: DocumentObject) -> dict[str, list[dict[str, str]]]:
    """``list key → rows`` of every repeating table (title paragraph right before the table)."""
    out: dict[str, list[dict[str, str]]] = {}
    for title, item in _titled(doc):
        if title is None:
            continue
        header = [_key(c.paragraphs[0]) for c in item.rows[0].cells]
        assert all(header), (title, header)
        out.setdefault(title, []).extend(
            {str(k): c.text for k, c in zip(header, row.cells, strict=True)} for row in item.rows[1:]
        )
    return out


def body_text(doc: DocumentObject) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def red_runs(doc: DocumentObject) -> list[str]:
    out = []
    for r in doc.element.body.iter(qn("w:r")):
        color = r.find(f"{qn('w:rPr')}/{qn('w:color')}")
        if color is not None and color.get(qn("w:val")) == forms.MISSING_COLOUR:
            out.append("".join(t.text or "" for t in r.iter(qn("w:t"))))
    return out


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def example() -> Outcome:
    return check(REPO, EXAMPLE_TODAY)


@pytest.fixture(scope="module")
def hx(example: Outcome) -> Client:
    return example.kb.clients["hx-logistics"]


@pytest.fixture
def acme(tmp_path: Path) -> Callable[..., tuple[KB, Client]]:
    """The base fixture's acme with text replacements applied to its client.yml."""

    def make(*edits: tuple[str, str]) -> tuple[KB, Client]:
        root = copy_base(tmp_path / "kb")
        text = (root / ACME).read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new)
        (root / ACME).write_text(text, encoding="utf-8")
        kb = check(root, TODAY, git=False).kb
        return kb, kb.clients["acme"]

    return make


# ------------------------------------------------------------------ the example forms


def test_application_form_of_the_example(example: Outcome, hx: Client) -> None:
    doc = open_docx(forms.render_application(example.kb, hx))
    f, t = fields(doc), tables(doc)
    assert f["name"] == "华兴物流集团" and f["id"] == "hx-logistics"
    assert f["status"] == "dedicated（专属服务中）" and f["tier"].startswith("platinum（")
    assert f["criteria.monthly_contract_cny"] == "320000" and f["criteria.monthly_margin_cny"] == "—"
    assert f["business.peak_periods"].split("\n") == list(hx.business.peak_periods)  # type: ignore[union-attr]
    assert f["application.applicant.name"] == "王敏" and f["application.review.on"] == "2025-07-14"
    assert f["application.review.result"] == "passed（通过）"
    assert f["contract.sla.response_minutes"] == "15" and f["contract.key_terms"].count("\n") == 2
    assert f["assignment.engineer"] == "zhang-wei（张伟）"
    assert f["assignment.incentive_split.account_manager"] == "70"
    assert f["assignment.incentive_split.agreed_by"] == "运维总监\n销售总监"
    assert [r["name"] for r in t["sites"]] == [s.name for s in hx.sites]
    assert t["sites"][1]["kind"] == "idc（IDC 站点）"
    assert [r["name"] for r in t["applications"]] == [a.name for a in hx.applications]
    assert t["applications"][1]["ports"] == "443\n8443" and t["applications"][2]["domain"] == "—"
    assert t["applications"][0]["site"] == "sh-idc（上海外高桥IDC）"
    # contacts by level: technical, business, decision
    assert [(r["name"], r["level"]) for r in t["contacts"]] == [
        ("李强", "technical（技术）"),
        ("陈晓东", "technical（技术）"),
        ("刘芳", "business（业务）"),
        ("黄建国", "decision（决策）"),
    ]
    assert len(t["pain_points.history"]) == len(hx.pain_points.history)  # type: ignore[union-attr]
    text = body_text(doc)
    assert "满足：月合同金额 320000 元" in text
    assert "签字：" in text and "运维总监签字" in text  # signature lines
    assert forms.MISSING not in "".join(f.values()) and red_runs(doc) == []  # a complete dossier


def test_kb_booklet_of_the_example(example: Outcome, hx: Client) -> None:
    doc = open_docx(forms.render_kb(example.kb, hx, TODAY))
    f, t = fields(doc), tables(doc)
    assert doc.paragraphs[1].text == "华兴物流集团"  # the cover, after its title
    assert f["name"] == "华兴物流集团" and f["assignment.engineer"] == "zhang-wei（张伟）"
    text = body_text(doc)
    assert "编制日期" in text and "2026-11-24" in text
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings[:6] == [
        "一、特殊情况说明",
        "二、服务目录信息",
        "三、基本网络模型",
        "四、全网线路以及业务应用信息",
        "五、典型历史故障信息",
        "六、常见服务请求",
    ]
    instr = " ".join(x.text or "" for x in doc.element.body.iter(qn("w:instrText")))
    assert "TOC \\o" in instr  # the table of contents is a field
    assert f["knowledge_base.special_notes"].startswith("IDC 变更窗口")
    assert len(t["knowledge_base.service_catalog"]) == 4
    assert [r["id"] for r in t["sites"]] == [s.id for s in hx.sites]
    assert len(t["lines"]) == len(hx.lines) and t["lines"][0]["a"] == "hq（上海总部）"
    assert len(t["applications"]) == 3
    assert [r["title"] for r in t["knowledge_base.typical_faults"]] == ["武汉 HUB 上行链路拥塞", "广州 HUB 防火墙 HA 切换后会话丢失"]
    assert t["knowledge_base.common_requests"][0]["steps"].split("\n")[0] == "收集站点地址与运营商信息"
    assert len(doc.inline_shapes) == 2  # the drawn network diagram and the attached topology picture
    assert "图 1　华兴物流集团 网络拓扑" in text and "100%" in text
    assert "刘芳" in [r["name"] for r in t["contacts"]]


def test_handoff_report_of_the_example(example: Outcome, hx: Client) -> None:
    h = hx.handoffs[0]
    doc = open_docx(forms.render_handoff(example.kb, hx, h))
    f = fields(doc)
    assert f["task_id"] == "xt-2026-0226" and f["ticket"] == "GD-2026-0225-0143"
    assert f["trigger"] == "sales-mismatch（销售资源错配）" and f["status"] == "closed（已关闭）"
    assert f["report.basis"].startswith("近 90 天武汉 HUB") and f["report.logs"] == "files/xt-2026-0226-wh-hub-traffic.log"
    assert f["coordinator"] == "王敏（客户经理）" and f["owner"] == "郑凯，销售总监（商务负责人）"
    assert f["ask"].startswith("与客户协商合同变更") and f["closed_on"] == "2026-03-20"
    text = body_text(doc)
    assert "@协调责任人 王敏（客户经理）" in text and "@接收方负责人 郑凯" in text
    assert "需解决事项：与客户协商合同变更" in text
    assert "张伟（zhang-wei）" in text  # the engineer as technical adviser
    assert len(doc.inline_shapes) == 1  # the screenshot
    assert "华兴物流集团" in doc.sections[0].header.paragraphs[0].text


def test_every_example_client_renders(example: Outcome) -> None:
    for c in example.kb.clients.values():
        docs = forms.client_forms(example.kb, c, TODAY)
        assert len(docs) == 2 + len(c.handoffs)
        for data in docs.values():
            assert fields(open_docx(data))
    names = set(forms.client_forms(example.kb, example.kb.clients["hx-logistics"], TODAY))
    assert names == {"专属工程师服务申请表-华兴物流集团.docx", "客户运维知识库-华兴物流集团.docx",
                     "问题定界分析报告-华兴物流集团-xt-2026-0226.docx"}


# ------------------------------------------------------------------ missing items


def test_missing_required_items_are_marked(acme: Callable[..., tuple[KB, Client]]) -> None:
    kb, c = acme(
        ('  - {name: 陈总, level: decision, title: CIO, phone: "13900000003", duties: 合同与预算}\n', ""),
        ("ports: [443], ", ""),
        ("  communication: 变更需提前一周书面确认\n", ""),
        ('  - {name: 周兰, level: business, title: 运营经理, phone: "021-62345678", duties: 业务需求}',
         "  - {name: 周兰, level: business, title: 运营经理}"),
    )
    doc = open_docx(forms.render_application(kb, c))
    f, t = fields(doc), tables(doc)
    assert t["applications"][0]["ports"] == "【缺】"
    assert f["pain_points.communication"] == "【缺】"
    zhou = next(r for r in t["contacts"] if r["name"] == "周兰")
    assert zhou["phone"] == zhou["email"] == zhou["duties"] == "【缺】"
    assert len(t["contacts"]) == 2
    text = body_text(doc)
    assert "【缺】缺少决策层联系人（§8.1）" in text
    red = red_runs(doc)
    assert "【缺】" in red and any("决策层" in r for r in red)  # visibly: red and bold
    assert f["criteria.brand_value"] == "—"  # optional and empty: a dash, not 【缺】
    # the same number of gaps as the rule finds
    assert len(material_gaps(kb, c)) == len(list(_materials(c, kb))) == 5


def test_empty_required_lists_show_one_marked_row(acme: Callable[..., tuple[KB, Client]]) -> None:
    kb, c = acme(
        ("  - {name: WMS 仓储系统, site: sh-idc, ip: 10.20.1.10, domain: wms.acme.example, ports: [443], impact: 仓库出入库停摆}\n", ""),
        ("applications:\n", "applications: []\n"),
        ("  typical_faults:\n    - {date: 2025-11-11, title: 大促链路拥塞, cause: HUB 出口带宽不足, resolution: 临时扩容并调整 QoS}\n", ""),
    )
    app = tables(open_docx(forms.render_application(kb, c)))
    assert [r["name"] for r in app["applications"]] == ["【缺】"]
    booklet = open_docx(forms.render_kb(kb, c, TODAY))
    t = tables(booklet)
    assert t["applications"][0]["name"] == "【缺】"
    assert t["knowledge_base.typical_faults"] == [{"date": "【缺】", "title": "", "cause": "", "resolution": ""}]
    assert t["knowledge_base.attachments"] == [{"title": "全网拓扑图", "path": "files/topology.png"}]


def test_workflow_and_handoff_requirements(example: Outcome, hx: Client) -> None:
    app = dataclasses.replace(hx.application, review=None, notified_on=None)  # type: ignore[arg-type]
    f = fields(open_docx(forms.render_application(example.kb, dataclasses.replace(hx, application=app))))
    assert f["application.review.on"] == f["application.review.by"] == f["application.notified_on"] == "【缺】"
    candidate = dataclasses.replace(hx, status="candidate", application=app)
    f = fields(open_docx(forms.render_application(example.kb, candidate)))
    assert f["application.review.on"] == "—"  # not due yet for a candidate
    h = dataclasses.replace(hx.handoffs[0], owner=None, report=None, ask=None, status="suspended")
    doc = open_docx(forms.render_handoff(example.kb, hx, h))
    f = fields(doc)
    assert f["owner"] == f["ask"] == f["report.basis"] == f["report.logs"] == f["suspended_on"] == "【缺】"
    assert "@接收方负责人 【缺】" in body_text(doc)


def test_material_gaps_match_the_rule(example: Outcome, acme: Callable[..., tuple[KB, Client]]) -> None:
    """The forms' notion of "required" is the rule's: one gap per client.materials finding."""
    for c in example.kb.clients.values():
        assert len(material_gaps(example.kb, c)) == len(list(_materials(c, example.kb))), c.id
    for edits in (
        (("sites:\n", "sites_old:\n"),),
        (("contacts:\n", "contacts_old:\n"),),
        (("contract:\n", "contract_old:\n"),),
        (("business:\n", "business_old:\n"), ("pain_points:\n", "pain_old:\n")),
        (("ip: 10.20.1.10, domain: wms.acme.example, ports: [443], impact: 仓库出入库停摆", "ports: []"),),
    ):
        kb, c = acme(*edits)
        gaps, found = material_gaps(kb, c), list(_materials(c, kb))
        assert len(gaps) == len(found) > 0, (edits, gaps, found)


def test_tables_grow_with_the_data(acme: Callable[..., tuple[KB, Client]]) -> None:
    extra_sites = "".join(f"  - {{id: br-{i}, name: 分支{i}, kind: branch, city: 成都}}\n" for i in range(12))
    extra_lines = "".join(
        f"  - {{id: l-{i + 10}, a: hq, b: br-{i}, carrier: 中国移动, type: 互联网, bandwidth_mbps: 100}}\n" for i in range(12)
    )
    extra_contacts = "".join(f'  - {{name: 联系人{i}, level: technical, phone: "1390000{i:04d}", duties: 值班}}\n' for i in range(7))
    kb, c = acme(
        ("lines:\n", "lines:\n" + extra_lines),
        ("sites:\n", "sites:\n" + extra_sites),
        ("contacts:\n", "contacts:\n" + extra_contacts),
    )
    assert len(c.sites) == 15 and len(c.lines) == 14 and len(c.contacts) == 10
    app = tables(open_docx(forms.render_application(kb, c)))
    booklet = tables(open_docx(forms.render_kb(kb, c, TODAY)))
    for t in (app, booklet):
        assert len(t["sites"]) == 15 and len(t["contacts"]) == 10 and len(t["applications"]) == 1
    assert len(booklet["lines"]) == 14 and len(app["pain_points.history"]) == 1


# ------------------------------------------------------------------ typography


def _all_outputs(kb: KB, c: Client) -> Iterator[tuple[str, bytes]]:
    yield "application", forms.render_application(kb, c)
    yield "kb", forms.render_kb(kb, c, TODAY)
    for h in c.handoffs:
        yield "handoff", forms.render_handoff(kb, c, h)
    for kind in KINDS:
        yield f"blank {kind}", forms.render_blank(kind)


def test_chinese_typography(example: Outcome, hx: Client) -> None:
    for name, data in _all_outputs(example.kb, hx):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for part in ("word/document.xml", "word/styles.xml", "word/header1.xml", "word/footer1.xml"):
                xml = z.read(part).decode("utf-8")
                fonts = re.findall(r"<w:rFonts\b[^>]*>", xml)
                assert fonts, (name, part)
                for tag in fonts:
                    assert 'w:eastAsia="' in tag, (name, part, tag)
                    assert "Theme=" not in tag and "w:cstheme" not in tag, (name, part, tag)
            styles = z.read("word/styles.xml").decode("utf-8")
            assert re.search(r'<w:rPrDefault>.*<w:lang [^>]*w:eastAsia="zh-CN"', styles, re.S), name
            assert 'w:eastAsia="SimHei"' in styles and 'w:eastAsia="SimSun"' in styles
            footer = z.read("word/footer1.xml").decode("utf-8")
            assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer), name
        doc = open_docx(data)
        for section in doc.sections:
            assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
            assert Mm(15) <= section.left_margin <= Mm(35) and Mm(15) <= section.top_margin <= Mm(35)
        heading = doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
        assert heading.get(qn("w:eastAsia")) == "SimHei"


def test_typography_survives_a_restyled_template(tmp_path: Path, example: Outcome, hx: Client) -> None:
    """A person restyles a template in Word (here: Normal in 仿宋, a theme font on Heading 1);
    every run still ends up with an explicit East Asian font, the style's own."""
    root = copy_base(tmp_path / "kb")
    doc = Document(str(forms.TEMPLATES / "application.docx"))
    normal = doc.styles["Form Cell"].element.get_or_add_rPr().get_or_add_rFonts()
    normal.set(qn("w:eastAsia"), "FangSong")
    h1 = doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    h1.set(qn("w:eastAsiaTheme"), "majorEastAsia")
    (root / "templates" / "forms").mkdir(parents=True)
    doc.save(str(root / "templates" / "forms" / "application.docx"))
    kb = dataclasses.replace(example.kb, root=root)
    out = open_docx(forms.render_application(kb, hx))
    cells = [r for t in out.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
             if p.style is not None and p.style.name == "Form Cell" and r.text]
    assert cells and all(r.element.rPr.rFonts.get(qn("w:eastAsia")) == "FangSong" for r in cells)
    for r in out.element.body.iter(qn("w:rFonts")):
        assert r.get(qn("w:eastAsia")) and r.get(qn("w:eastAsiaTheme")) is None


# ------------------------------------------------------------------ untrusted text


def test_control_characters_are_removed(example: Outcome, hx: Client) -> None:
    assert clean("华兴\x00\x01\x08\x0b\x0c\x0e\x1f物流\ufffe\uffff\ud800集团\t\r\n") == "华兴物流集团\t\n"
    bad = dataclasses.replace(
        hx,
        name="华兴\x01物流\ufffe集团\ud83d",
        contacts=(dataclasses.replace(hx.contacts[0], name="李\x0b强", duties="网络\x00运维"),),
        knowledge_base=dataclasses.replace(hx.knowledge_base, special_notes="窗口\x1f周二\r\n周四"),  # type: ignore[arg-type]
    )
    for data in (forms.render_application(example.kb, bad), forms.render_kb(example.kb, bad, TODAY),
                 forms.render_handoff(example.kb, bad, hx.handoffs[0])):
        doc = open_docx(data)
        text = body_text(doc)
        assert "华兴物流集团" in text
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", text)
    doc = open_docx(forms.render_kb(example.kb, bad, TODAY))
    assert fields(doc)["knowledge_base.special_notes"] == "窗口周二\n周四"
    assert tables(doc)["contacts"][0] == {"name": "李强", "level": "technical（技术）", "title": "网络主管",
                                          "phone": "13900020001", "email": "liqiang@hx.example", "duties": "网络运维"}


def test_hostile_text_stays_literal(acme: Callable[..., tuple[KB, Client]]) -> None:
    quoted = json.dumps(HOSTILE, ensure_ascii=False)
    kb, c = acme(
        ("name: 艾克美物流", f"name: {quoted}"),
        ("special_notes: 每月第一个周六 22:00 为变更窗口", f"special_notes: {quoted}"),
        ("duties: 网络变更审批", f"duties: {quoted}"),
    )
    assert c.name == HOSTILE
    for data in (forms.render_application(kb, c), forms.render_kb(kb, c, TODAY)):
        doc = open_docx(data)
        f, t = fields(doc), tables(doc)
        assert f["name"] == HOSTILE
        assert t["contacts"][0]["duties"] == HOSTILE
        assert HOSTILE in doc.sections[0].header.paragraphs[0].text
    assert fields(open_docx(forms.render_kb(kb, c, TODAY)))["knowledge_base.special_notes"] == HOSTILE
    name = forms.default_filename("application", HOSTILE)
    assert name.startswith("专属工程师服务申请表-script_alert(1)_script_ & {{ x }}") and name.endswith(".docx")
    assert not re.search(r'[/\\:*?"<>|]', name)


# ------------------------------------------------------------------ templates


def _context(kind: Kind, tpl: DocxTemplate, example: Outcome, hx: Client) -> dict[str, Any]:
    if kind == "application":
        return forms.application_context(tpl, example.kb, hx)
    if kind == "kb":
        return forms.kb_context(tpl, example.kb, hx, TODAY, picture=lambda c: None)
    return forms.handoff_context(tpl, example.kb, hx, hx.handoffs[0])


@pytest.mark.parametrize("kind", KINDS)
def test_every_placeholder_is_known(kind: Kind, example: Outcome, hx: Client) -> None:
    path = forms.template_path(kind)
    variables = DocxTemplate(str(path)).get_undeclared_template_variables()
    for ctx in (_context(kind, DocxTemplate(str(path)), example, hx), forms.blank_context(DocxTemplate(str(path)), kind)):
        assert variables == set(ctx), (kind, variables, set(ctx))
    # and below the top level: every {{ … }} of the template, loops included, resolves
    # (the renderer uses StrictUndefined, so rendering would fail on an unknown name)
    xml = "".join(
        zipfile.ZipFile(path).read(n).decode("utf-8") for n in ("word/document.xml", "word/header1.xml")
    )
    text = re.sub(r"<[^>]+>", "", xml)
    ctx = _context(kind, DocxTemplate(str(path)), example, hx)
    loops: list[tuple[str, Any]] = []  # (loop variable, its first item), innermost last
    tokens = r"{%(?:tr|p)? for (\w+) in ([\w.]+) %}|({%(?:tr|p)? endfor %})|{{\s*([\w.]+)\s*}}"
    checked = 0
    for m in re.finditer(tokens, text):
        var, seq, end, expr = m.groups()
        if var:
            items = _resolve(ctx, seq, dict(loops))
            assert isinstance(items, list), (kind, seq)
            loops.append((var, items[0] if items else ""))  # only the gap lines are empty here
        elif end:
            loops.pop()
        else:
            _resolve(ctx, expr, dict(loops))
            checked += 1
    assert not loops and checked > 10
    form = FORMS[kind]
    for block in form.blocks:
        for group in (block.fields,) if isinstance(block, Cover) else (block,):
            if isinstance(group, Fields):
                for f in group.rows:
                    if f.key:
                        assert f"{f.label} {f.key}" in text or f.key in text
            if isinstance(group, Table):
                assert f"{{%tr for row in {form.root}.{group.key} %}}" in text


def _resolve(ctx: dict[str, Any], expr: str, bound: dict[str, Any]) -> Any:
    head, *rest = expr.split(".")
    node: Any = bound[head] if head in bound else ctx[head]
    for part in rest:
        assert isinstance(node, dict) and part in node, expr
        node = node[part]
    return node


def test_committed_templates_are_built_by_the_script(tmp_path: Path) -> None:
    """generator/templates/forms/ is what tools/build_form_templates.py makes of form_spec.py
    (compared part by part where our layout lives; styles.xml also carries python-docx's defaults)."""
    r = subprocess.run([sys.executable, "tools/build_form_templates.py", "--out", str(tmp_path)], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for form in FORMS.values():
        with zipfile.ZipFile(tmp_path / form.template) as built, zipfile.ZipFile(forms.TEMPLATES / form.template) as ours:
            for part in ("word/document.xml", "word/header1.xml", "word/footer1.xml", "word/fontTable.xml"):
                assert built.read(part) == ours.read(part), (
                    f"{form.template} ({part}) is out of date: run python tools/build_form_templates.py"
                )


def test_unknown_placeholder_in_a_kb_template_is_an_error(tmp_path: Path, example: Outcome, hx: Client) -> None:
    root = copy_base(tmp_path / "kb")
    doc = Document(str(forms.TEMPLATES / "application.docx"))
    doc.add_paragraph("{{ client.no_such_key }}")
    (root / "templates" / "forms").mkdir(parents=True)
    doc.save(str(root / "templates" / "forms" / "application.docx"))
    with pytest.raises(forms.FormTemplateError, match="no_such_key"):
        forms.render_application(dataclasses.replace(example.kb, root=root), hx)
    assert forms.template_path("kb", root) == forms.TEMPLATES / "kb.docx"


@pytest.mark.parametrize("kind", KINDS)
def test_blank_forms(kind: Kind) -> None:
    doc = open_docx(forms.render_blank(kind))
    f, t = fields(doc), tables(doc)
    assert f and all(v == "" for v in f.values()), f
    specs = [b for b in FORMS[kind].blocks if isinstance(b, Table)]
    for spec in specs:
        rows = t[spec.key]
        assert len(rows) >= spec.blank_rows and all(v == "" for r in rows for v in r.values())
    assert forms.MISSING not in "".join(f.values()) and red_runs(doc) == []
    if kind == "application":
        assert {"name", "criteria.monthly_contract_cny", "business.peak_periods", "contract.sla.response_minutes",
                "application.approval.on", "assignment.incentive_split.engineer"} <= set(f)
        assert set(t) == {"sites", "applications", "contacts", "pain_points.history"}


def test_output_is_reproducible(example: Outcome, hx: Client) -> None:
    assert forms.render_application(example.kb, hx) == forms.render_application(example.kb, hx)
    assert forms.render_blank("kb") == forms.render_blank("kb")


def test_pictures_outside_the_client_folder_are_left_out(acme: Callable[..., tuple[KB, Client]]) -> None:
    picture = (REPO / "clients" / "hx-logistics" / "files" / "topology.png").read_bytes()
    kb, c = acme(("path: files/topology.png", "path: ../../outside.png"))
    (kb.root / "outside.png").write_bytes(picture)
    assert len(open_docx(forms.render_kb(kb, c, TODAY)).inline_shapes) == 1  # the drawn diagram only
    kb, c = acme(("path: files/topology.png", "path: files/broken.png"))
    files = kb.root / "clients" / "acme" / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert len(open_docx(forms.render_kb(kb, c, TODAY)).inline_shapes) == 1
    (files / "broken.png").write_bytes(picture)  # the same path, now a picture: it is shown
    assert len(open_docx(forms.render_kb(kb, c, TODAY)).inline_shapes) == 2


def test_default_filenames() -> None:
    assert forms.default_filename("application", "华兴物流集团") == "专属工程师服务申请表-华兴物流集团.docx"
    assert forms.default_filename("kb", "华兴物流集团") == "客户运维知识库-华兴物流集团.docx"
    assert forms.default_filename("handoff", "华兴物流集团", "xt-2026-0226") == "问题定界分析报告-华兴物流集团-xt-2026-0226.docx"
    assert forms.default_filename("application", None) == "专属工程师服务申请表（空白）.docx"
    assert forms.default_filename("kb") == "客户运维知识库（空白）.docx"
    assert forms.default_filename("handoff", None) == "问题定界分析报告（空白）.docx"
    assert forms.default_filename("application", "a/b:c") == "专属工程师服务申请表-a_b_c.docx"


# ------------------------------------------------------------------ LibreOffice


def _need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        why = f"{', '.join(missing)} not installed (apt-get install libreoffice-writer-nogui poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}: CI must convert the forms")
        pytest.skip(why)


def test_libreoffice_renders_the_example_forms(tmp_path: Path, example: Outcome, hx: Client) -> None:
    _need("soffice", "pdftotext", "pdftoppm")
    kb = example.kb
    docs = {
        "application": forms.render_application(kb, hx),
        "kb": forms.render_kb(kb, hx, TODAY),
        "handoff": forms.render_handoff(kb, hx, hx.handoffs[0]),
        "blank": forms.render_blank("application"),
    }
    for name, data in docs.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
    profile = tmp_path / "lo-profile"  # a private profile: parallel runs and a user's LibreOffice do not clash
    r = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp_path), *(str(tmp_path / f"{n}.docx") for n in docs)],
        capture_output=True, text=True, timeout=240,
    )
    assert r.returncode == 0, r.stderr
    texts = {}
    for name in docs:
        pdf = tmp_path / f"{name}.pdf"
        assert pdf.is_file(), (name, r.stdout, r.stderr)
        texts[name] = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                     check=True).stdout
    squeeze = {k: re.sub(r"\s+", "", v) for k, v in texts.items()}
    for name in ("application", "kb"):
        for word in ("华兴物流集团", "李强", "陈晓东", "刘芳", "黄建国", "王敏", "武汉HUB"):
            assert word in squeeze[name], (name, word)
    assert "客户运维知识库" in squeeze["kb"] and "六、常见服务请求" in squeeze["kb"] and "第2页共" in squeeze["kb"]
    assert "《专属工程师服务申请表》" in squeeze["application"] and "第1页共" in squeeze["application"]
    for word in ("问题定界分析报告", "@协调责任人王敏（客户经理）", "郑凯", "xt-2026-0226"):
        assert word in squeeze["handoff"], word
    assert "月合同金额" in squeeze["blank"] and "华兴" not in squeeze["blank"]
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "kb.pdf"), str(tmp_path / "kb")],
                   check=True, capture_output=True)
    assert list(tmp_path.glob("kb*.png"))


# ------------------------------------------------------------------ benchmark


def test_bench_forms_tiny() -> None:
    r = subprocess.run([sys.executable, "bench/forms.py", "-n", "4", "--repeat", "1", "--json"], cwd=REPO,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    fig = json.loads(r.stdout)
    assert fig["clients"] == 4 and fig["forms_written"] == 12 and fig["bytes_written"] > 0
    assert set(fig["per_form_ms"]) == {"application", "kb", "handoff", "blank"}
    assert fig["workers"] >= 1 and fig["forms_per_s"] > 0
