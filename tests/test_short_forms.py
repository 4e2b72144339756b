"""Dossiers as people write them (issue 13 item 8): a plain list of names where a list of records
is expected (``service_catalog: [门店开通, 带宽调整]``), one sentence where a list of text is
(``steps: 收集信息，下发模板``). The schema accepts them, the model reads them as the long form, and
so the checks, the pages and the Word forms are the same; a wrong value still reads in plain Chinese."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document

from generator import build
from generator.importer import import_application, read_application
from generator.load import load_file, load_text
from generator.pipeline import PACKAGE_SCHEMAS, check
from generator.render.forms import render_application, render_kb
from generator.render.site import build_pages
from generator.render.views import SiteInput
from generator.schemas import SchemaSet
from generator.validate import validate

from .conftest import TODAY, init_repo

ACME = "clients/acme/client.yml"


def _short_forms(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str | None]]:
    """(key path with "[]" for list items, the key a plain name stands for or None for a sentence)."""
    out: list[tuple[tuple[str, ...], str | None]] = []
    if not isinstance(node, dict):
        return out
    forms = node.get("anyOf", ())
    if forms and forms[0].get("type") == "array":
        out.append((path, None))
    elif forms and forms[0].get("type") == "object":
        out.append((path[:-1], forms[0]["required"][0]))
    for form in forms[:1]:
        out += _short_forms({k: v for k, v in form.items() if k != "anyOf"}, path)
    for name, sub in node.get("properties", {}).items():
        out += _short_forms(sub, (*path, name))
    if isinstance(node.get("items"), dict):
        out += _short_forms(node["items"], (*path, "[]"))
    return out


def _nest(path: tuple[str, ...], value: Any) -> Any:
    """``value`` placed at ``path`` ("[]" = the one item of a list)."""
    for part in reversed(path):
        value = [value] if part == "[]" else {part: value}
    return value


def _model(kind: str, data: Any) -> Any:
    loaded = load_text(yaml.safe_dump(data, allow_unicode=True), f"clients/x/{kind}.yml")
    return build.client(loaded, loaded.data, "x", True) if kind == "client" else build.meeting(loaded, loaded.data, "x")


@pytest.mark.parametrize("kind", ["client", "meeting"])
def test_every_short_form_the_schema_accepts_the_model_reads_as_the_long_form(kind: str) -> None:
    schema = json.loads((PACKAGE_SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    found = _short_forms(schema)
    assert found, "the schema declares no short form"
    for path, name in found:
        if name is None:
            short, long = _nest(path, "收集信息，下发模板"), _nest(path, ["收集信息，下发模板"])
        else:
            short, long = _nest(path, ["门店开通", "带宽调整"]), _nest(path, [{name: "门店开通"}, {name: "带宽调整"}])
        assert _model(kind, short) == _model(kind, long), path
        assert _model(kind, short) != _model(kind, _nest(path, [] if name else ["别的"])), path  # it is read at all


def test_the_client_schema_has_the_short_forms_the_issue_names() -> None:
    schema = json.loads((PACKAGE_SCHEMAS / "client.schema.json").read_text(encoding="utf-8"))
    found = dict(_short_forms(schema))
    assert found[("knowledge_base", "service_catalog")] == "name"
    assert found[("knowledge_base", "common_requests", "[]", "steps")] is None
    assert {("business", "peak_periods"), ("contract", "key_terms"), ("pain_points", "history"),
            ("knowledge_base", "typical_faults"), ("knowledge_base", "common_requests")} <= set(found)  # fmt: skip


# ------------------------------------------------------------------ a whole dossier, both ways

# Each short form on the line of its long form, so that every finding keeps its line.
SHORT = {
    "  peak_periods: [每年 11 月大促]": "  peak_periods: 每年 11 月大促",
    "  key_terms: [季度服务报告]": "  key_terms: 季度服务报告",
    "    - {date: 2025-11-11, summary: 大促期间 HUB 链路拥塞, impact: 华中仓库出库延迟}": "    - 大促期间 HUB 链路拥塞",
    "    - {name: SD-WAN 组网, description: 总部、IDC 与 HUB 的组网与策略}": "    - SD-WAN 组网",
    "    - {date: 2025-11-11, title: 大促链路拥塞, cause: HUB 出口带宽不足, resolution: 临时扩容并调整 QoS}": "    - 大促链路拥塞",
    "    - {title: 新仓库接入, steps: [确认线路, 下发模板配置, 联调验收]}": "    - {title: 新仓库接入, steps: 确认线路，下发模板配置，联调验收}",
}
# The long form of the same content: records that hold only their name, one-item lists.
LONG = {
    "    - {date: 2025-11-11, summary: 大促期间 HUB 链路拥塞, impact: 华中仓库出库延迟}": "    - {summary: 大促期间 HUB 链路拥塞}",
    "    - {name: SD-WAN 组网, description: 总部、IDC 与 HUB 的组网与策略}": "    - {name: SD-WAN 组网}",
    "    - {date: 2025-11-11, title: 大促链路拥塞, cause: HUB 出口带宽不足, resolution: 临时扩容并调整 QoS}": "    - {title: 大促链路拥塞}",
    "    - {title: 新仓库接入, steps: [确认线路, 下发模板配置, 联调验收]}": "    - {title: 新仓库接入, steps: [确认线路，下发模板配置，联调验收]}",
}


def _written(kb: Path, forms: dict[str, str]) -> Path:
    path = kb / ACME
    text = path.read_text(encoding="utf-8")
    for old, new in forms.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return kb


def _texts(docx: bytes) -> list[str]:
    doc = Document(io.BytesIO(docx))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        out += [cell.text for row in table.rows for cell in row.cells]
    return out


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    from .conftest import copy_base

    short = _written(copy_base(tmp_path_factory.mktemp("short") / "kb"), SHORT)
    long = _written(copy_base(tmp_path_factory.mktemp("long") / "kb"), LONG)
    return check(init_repo(short), TODAY), check(init_repo(long), TODAY)


def test_the_short_forms_check_clean_and_model_the_same(both: tuple[Any, Any]) -> None:
    short, long = both
    assert [(f.file, f.line, f.rule, f.message.zh) for f in short.findings] == []
    assert short.kb.clients["acme"] == long.kb.clients["acme"]
    kb = short.kb.clients["acme"].knowledge_base
    assert [x.title for x in kb.service_catalog] == ["SD-WAN 组网"] and kb.common_requests[0].steps == (
        "确认线路，下发模板配置，联调验收",
    )
    assert short.kb.clients["acme"].business.peak_periods == ("每年 11 月大促",)


def test_the_pages_and_the_forms_are_the_same(both: tuple[Any, Any]) -> None:
    short, long = both
    pages = [build_pages(SiteInput(o.kb, o.findings, None, TODAY)) for o in (short, long)]
    assert pages[0] == pages[1]
    page = str(pages[0]["clients/acme.md"])
    assert "WAN 组网" in page and "大促链路拥塞" in page and "1. 确认线路，下发模板配置，联调验收" in page
    for render in (render_application, lambda kb, c: render_kb(kb, c, TODAY, picture=lambda _: None)):
        a, b = (render(o.kb, o.kb.clients["acme"]) for o in (short, long))
        assert _texts(a) == _texts(b)


def test_the_form_of_a_short_form_dossier_imports_as_the_long_form(both: tuple[Any, Any], tmp_path: Path) -> None:
    short, _ = both
    result = read_application(render_application(short.kb, short.kb.clients["acme"]))
    assert result.problems == []
    assert result.data["business"]["peak_periods"] == ["每年 11 月大促"]
    assert result.data["contract"]["key_terms"] == ["季度服务报告"]
    assert result.data["pain_points"]["history"] == [{"summary": "大促期间 HUB 链路拥塞"}]
    # written as a new dossier: the long form, which checks clean and models the same
    root = tmp_path / "kb"
    shutil.copytree(short.kb.root, root, ignore=shutil.ignore_patterns(".git"))
    shutil.rmtree(root / "clients" / "acme")
    path, problems = import_application(root, render_application(short.kb, short.kb.clients["acme"]))
    assert path is not None and problems == []
    again = check(root, TODAY, git=False)
    assert [f for f in again.findings if f.file == ACME and f.rule in ("schema", "todo")] == []
    assert again.kb.clients["acme"].business == short.kb.clients["acme"].business
    assert again.kb.clients["acme"].pain_points == short.kb.clients["acme"].pain_points


def test_force_import_keeps_the_short_forms_that_say_what_the_form_says(both: tuple[Any, Any], tmp_path: Path) -> None:
    short, _ = both
    root = tmp_path / "kb"
    shutil.copytree(short.kb.root, root, ignore=shutil.ignore_patterns(".git"))
    before = (root / ACME).read_text(encoding="utf-8")
    path, problems = import_application(root, render_application(short.kb, short.kb.clients["acme"]), force=True)
    assert path is not None and problems == []
    assert (root / ACME).read_text(encoding="utf-8") == before


def test_force_import_writes_the_long_form_when_the_form_says_more(both: tuple[Any, Any], tmp_path: Path) -> None:
    """A short form is kept only while it says what the form says: a second peak period on the
    form replaces the one sentence with the list."""
    import dataclasses

    short, _ = both
    c = short.kb.clients["acme"]
    assert c.business is not None
    changed = dataclasses.replace(
        c, business=dataclasses.replace(c.business, peak_periods=("每年 11 月大促", "春节前两周"))
    )
    root = tmp_path / "kb"
    shutil.copytree(short.kb.root, root, ignore=shutil.ignore_patterns(".git"))
    path, problems = import_application(root, render_application(short.kb, changed), force=True)
    assert path is not None and problems == []
    data = load_file(root, ACME).data
    assert data["business"]["peak_periods"] == ["每年 11 月大促", "春节前两周"]
    assert data["contract"]["key_terms"] == "季度服务报告"  # still as written


# ------------------------------------------------------------------ wrong values still read plainly


@pytest.mark.parametrize(
    ("snippet", "want"),
    [
        (
            "knowledge_base:\n  service_catalog: [{nmae: 门店开通}]",
            ["有未知的键“nmae”", "缺少必填项“name”（服务名称）"],
        ),
        ("knowledge_base:\n  service_catalog: [[门店开通]]", ["（服务项）应为映射（键: 值）或文本，实际是列表"]),
        (
            "knowledge_base:\n  common_requests: [{title: 开通, steps: {a: 1}}]",
            ["（处理步骤）应为列表或文本，实际是映射"],
        ),
        ("business:\n  peak_periods: true", ["（业务高峰期）应为列表或文本，实际是布尔值 true"]),
        ("business:\n  peak_periods: ['']", ["“business.peak_periods[0]”（高峰期）不能为空"]),
        ("pain_points:\n  history: [{date: 2025-13-01, summary: 拥塞}]", ["不是合法的日期"]),
    ],
)
def test_a_wrong_value_in_a_key_with_two_forms_is_said_in_plain_chinese(snippet: str, want: list[str]) -> None:
    schemas = SchemaSet.from_dir(PACKAGE_SCHEMAS)
    loaded = load_text(f"id: x\nname: X\nstatus: candidate\n{snippet}\n", "clients/x/client.yml")
    _, findings = validate(loaded, "client", schemas)
    got = [f.message.zh for f in findings]
    assert len(got) == len(want), got
    for text, fragment in zip(got, want, strict=True):
        assert fragment in text
        assert "anyOf" not in text and "valid under" not in text
    assert all(f.line == 5 for f in findings)


def test_an_empty_key_with_two_forms_is_a_todo() -> None:
    schemas = SchemaSet.from_dir(PACKAGE_SCHEMAS)
    loaded = load_text("id: x\nname: X\nstatus: candidate\nbusiness:\n  peak_periods:\n", "clients/x/client.yml")
    _, findings = validate(loaded, "client", schemas)
    assert [(f.rule, f.line, f.message.zh) for f in findings] == [
        ("todo", 5, "请填写“business.peak_periods”（业务高峰期）。")
    ]
    assert "一句话" in findings[0].hint.zh
