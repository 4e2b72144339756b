"""Walking the document: labelled fields and repeating tables into the dossier dict."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from ..formats import is_slug
from ..load import load_file
from .common import _ENGINEER_REFS, _KEY, _SITE_REFS, MAX_BYTES, MAX_UNZIPPED, MISSING, REQUIRED, ImportResult, Problem
from .values import _clean, _is_text, _is_value, _lists, _node, _ordered, _types, _verbatim, client_schema, convert

# ------------------------------------------------------------------ the document walk


def _blocks(doc: Any) -> Iterator[Paragraph | Table]:
    """Body paragraphs and tables in document order (content controls opened)."""
    stack = [iter(doc.element.body.iterchildren())]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
        elif el.tag == qn("w:p"):
            yield Paragraph(el, doc)
        elif el.tag == qn("w:tbl"):
            yield Table(el, doc)
        elif el.tag == qn("w:sdt"):
            content = el.find(qn("w:sdtContent"))
            if content is not None:
                stack.append(iter(content.iterchildren()))


def _rows(table: Table) -> list[list[str]]:
    """Each row's cell texts, a merged cell once (the cells below a vertical merge read empty)."""
    rows = []
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.tc_lst:
            cell = _Cell(tc, table)
            merged_below = tc.vMerge == "continue"
            cells.append("" if merged_below else "\n".join(p.text for p in cell.paragraphs))
        rows.append(cells)
    return rows


def _label(text: str, schema: Mapping[str, Any]) -> str | None:
    """The key path a label cell carries: the last word of one of its lines, after a label
    (a lone word only when it is a known key, so a typed value is not taken for a label)."""
    for line in reversed(text.strip().split("\n")):
        words = line.split()
        if words and _KEY.match(words[-1]) and (len(words) > 1 or _node(schema, words[-1]) is not None):
            return words[-1]
    return None


@dataclass
class _Reader:
    schema: Mapping[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    carried: set[str] = field(default_factory=set)
    origin: dict[str, tuple[str, str]] = field(default_factory=dict)
    title: str | None = None
    at: tuple[str, str] = ("", "")
    tables: int = 0
    paragraphs: int = 0

    def problem(self, zh: str, en: str, where: str = "") -> None:
        self.problems.append(Problem(f"{self.at[0]}：{zh}", f"{self.at[1]}: {en}", where))

    def walk(self, doc: Any) -> None:
        for block in _blocks(doc):
            if isinstance(block, Paragraph):
                self.paragraph(block.text)
            else:
                self.table(_rows(block))

    def paragraph(self, text: str) -> None:
        self.paragraphs += 1
        self.at = (f"第 {self.paragraphs} 段", f"paragraph {self.paragraphs}")
        if not text.strip():
            return
        self.title = _label(text.split("\n")[-1], self.schema)  # a title only right before its table
        if self.title is not None:
            return
        m = re.match(r"(.*\S)\s+([a-z_][a-z0-9_.]*)\s*[:：]\s*(.*)\Z", text.strip(), re.S)
        if m and re.search(r"[^\x00-\x7f]", m.group(1)) and _KEY.match(m.group(2)):  # 标签 key：值
            self.field(m.group(2), m.group(3))

    def table(self, rows: list[list[str]]) -> None:
        self.tables += 1
        title, self.title = self.title, None
        node = _node(self.schema, title) if title else None
        if title and node is not None and "array" in _types(node):
            self.repeating(title, node, rows)
        elif len(rows) > 1 and len(rows[0]) == 1 and (key := _label(rows[0][0], self.schema)):
            lst = _node(self.schema, key)
            if lst is not None and "array" in _types(lst):  # the title in the table's first row
                self.repeating(key, lst, rows[1:])
            else:
                self.pairs(rows)
        elif rows and len(rows[0]) > 1 and all(_label(c, self.schema) for c in rows[0]):
            self.untitled(rows)
        else:
            self.pairs(rows)

    def untitled(self, rows: list[list[str]]) -> None:
        """A header row of labels but no title naming the list: the one list whose records
        have all these columns (the title was lost to an edit), else the table is skipped."""
        self.at = (f"第 {self.tables} 个表格", f"table {self.tables}")
        columns = [c for c in (_label(t, self.schema) for t in rows[0]) if c]
        fits = [k for k in _lists(self.schema) if all(_node(self.schema, f"{k}.{c.split('.')[-1]}") for c in columns)]
        if len(fits) == 1:
            self.repeating(fits[0], _node(self.schema, fits[0]) or {}, rows)
        else:
            self.problem(
                "表格有表头但前面没有写明列表键的标题（如“站点 sites”），无法判断是哪个列表，已跳过。",
                "the table has a header row but no title naming its list (e.g. '站点 sites'); skipped.",
            )

    def pairs(self, rows: list[list[str]]) -> None:
        """A form table: label cell, value cell, … (a label that ends its row takes the row below)."""
        found = False
        pending: str | None = None
        for r, cells in enumerate(rows, 1):
            self.at = (f"第 {self.tables} 个表格第 {r} 行", f"table {self.tables}, row {r}")
            i = 0
            if pending is not None:
                if cells and _label(cells[0], self.schema) is None:
                    self.field(pending, cells[0])
                    i = 1
                else:
                    self.field(pending, "")
                pending = None
            while i < len(cells):
                key = _label(cells[i], self.schema)
                if key is None:  # a label without a key (a computed value, a signature line) and its value
                    i += 2 if cells[i].strip() else 1
                elif i + 1 < len(cells):
                    found = True
                    self.field(key, cells[i + 1])
                    i += 2
                else:
                    found, pending = True, key
                    i += 1
        if pending is not None:
            self.field(pending, "")
        if not found and any(_clean(c) for row in rows for c in row):
            self.at = (f"第 {self.tables} 个表格", f"table {self.tables}")
            self.problem("表格没有可识别的字段标签，已跳过。", "the table has no field label it recognises; skipped.")

    def field(self, key: str, raw: str) -> None:
        node = _node(self.schema, key)
        if node is None:
            self.problem(
                f"不认识的字段“{key}”，其值未导入。", f"unknown field '{key}'; its value was not imported.", key
            )
            return
        if not _is_value(node):
            self.problem(
                f"“{key}”是一组字段或一个表格，不能填在一个格子里。",
                f"'{key}' is a group of fields or a table, not one value.",
                key,
            )
            return
        self.carried.add(key)
        text = _verbatim(raw) if _is_text(node) else _clean(raw)
        if not text:
            return
        value = self.value(node, text, key, key)
        if value is None:
            return
        if key in self.origin and _get(self.data, key) != value:
            self.problem(
                f"“{key}”出现两次且值不同（先前在{self.origin[key][0]}），保留第一个。",
                f"'{key}' appears twice with different values (first at {self.origin[key][1]}); the first is kept.",
                key,
            )
            return
        self.origin.setdefault(key, self.at)
        _set(self.data, key.split("."), value)

    def value(self, node: Mapping[str, Any], text: str, key: str, where: str) -> Any:
        value, bad = convert(node, text, key)
        if bad:
            shown = "”“".join(bad)
            within = f"（在“{text}”中）" if bad != [text] else ""
            want = _wanted(node)
            self.problem(
                f"“{key}”的值“{shown}”{within}不是{want[0]}，未导入。",
                f"the value “{shown}”{f' (in “{text}”)' if within else ''} of '{key}' is not {want[1]}; not imported.",
                where,
            )
        if value is None or value == [] or (bad and "array" not in _types(node)):
            return None
        return value

    def repeating(self, key: str, node: Mapping[str, Any], rows: list[list[str]]) -> None:
        """A repeating table: a header row of labelled cells, then one record per filled row."""
        items = node["items"] if isinstance(node.get("items"), dict) else {}
        self.at = (f"第 {self.tables} 个表格（{key}）", f"table {self.tables} ({key})")
        if not rows:
            return
        if "object" not in _types(items):  # a list of texts, one per row
            self.carried.add(key)
            body = rows[1:] if rows[0] and _label(rows[0][0], self.schema) else rows
            texts = [t for t in (next((_clean(c) for c in cells if _clean(c)), "") for cells in body) if t]
            values = [v for t in texts if (v := self.value(items, t, key, key)) is not None]
            self.extend(key, values)
            return
        columns = [self.column(key, items, text) for text in rows[0]]
        if not any(columns):
            self.problem(
                "表头不认识，整个表格未导入。", "the table's header is not recognised; the table was not imported.", key
            )
            return
        self.carried.add(key)
        self.carried.update(f"{key}.{c}" for c in columns if c)
        records: list[dict[str, Any]] = []
        for r, cells in enumerate(rows[1:], 2):
            self.at = (f"第 {self.tables} 个表格（{key}）第 {r} 行", f"table {self.tables} ({key}), row {r}")
            record: dict[str, Any] = {}
            if not any(c.replace(MISSING, "").strip() for c in cells):
                continue  # an empty row (a space left in it is layout, not a record)
            for col, cell in zip(columns, cells, strict=False):
                sub = _node(items, col) if col else None
                text = _verbatim(cell) if sub is not None and _is_text(sub) else _clean(cell)
                if col and sub is not None and text:
                    v = self.value(sub, text, f"{key}.{col}", f"{key}[{len(records)}].{col}")
                    if v is not None:
                        _set(record, col.split("."), v)
            if record:
                records.append(record)
        self.extend(key, records)

    def column(self, key: str, items: Mapping[str, Any], text: str) -> str | None:
        """The record key a header cell carries (``站点ID id``; ``sites.id`` also works)."""
        words = text.split()
        col = words[-1] if words and _KEY.match(words[-1]) else None
        if col is not None and col.startswith(key + "."):
            col = col[len(key) + 1 :]
        sub = _node(items, col) if col else None
        if sub is not None and _is_value(sub):
            return col
        if text.strip() not in ("", "序号", "#", "No.", "编号"):
            self.problem(
                f"表头“{text.strip()}”不认识，该列未导入。",
                f"the column '{text.strip()}' is not recognised; not imported.",
                f"{key}.{col}" if col else key,
            )
        return None

    def extend(self, key: str, values: list[Any]) -> None:
        """Add the rows to the list (a list may be split over several tables, e.g. by level)."""
        if values:
            existing = _get(self.data, key)
            _set(self.data, key.split("."), (existing if isinstance(existing, list) else []) + values)


def _wanted(node: Mapping[str, Any]) -> tuple[str, str]:
    types = _types(node)
    if "array" in types:
        items = node.get("items")
        return _wanted(items) if isinstance(items, dict) else ("列表", "a list")
    if "enum" in node:
        shown = "、".join(str(v) for v in node["enum"])
        return f"可选值之一（{shown}）", f"one of {shown}"
    if "integer" in types:
        return "整数", "a whole number"
    if "number" in types:
        return "数字", "a number"
    if node.get("format") == "date":
        return "日期（如 2026-03-02、2026/3/2、2026年3月2日）", "a date (2026-03-02, 2026/3/2 or 2026年3月2日)"
    return "文本", "text"


def _get(data: Any, key: str) -> Any:
    for part in key.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        nxt = data.get(part)
        if not isinstance(nxt, dict):
            nxt = data[part] = {}
        data = nxt
    data[parts[-1]] = value


# ------------------------------------------------------------------ entry points


def _open(data: bytes) -> tuple[Any, Problem | None]:
    """The python-docx document, or why it cannot be opened."""
    if not data:
        return None, Problem("文件是空的。", "The file is empty.")
    if len(data) > MAX_BYTES:
        return None, Problem(
            f"文件过大（上限 {MAX_BYTES // 1024 // 1024} MB）。",
            f"The file is too large (limit {MAX_BYTES // 1024 // 1024} MB).",
        )
    not_docx = Problem(
        "这不是 Word 2007 及以上的 .docx 文件（用 Word 或 WPS“另存为 .docx”后再导入）。",
        "This is not a .docx file (save it as .docx in Word or WPS, then import it).",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED:
                return None, Problem("文件解压后过大。", "The file is too large once unzipped.")
        return Document(io.BytesIO(data)), None
    except Exception:  # a bad file of any kind (zip, XML, package) is the user's, not a bug
        return None, not_docx


def read_application(
    data: bytes, schema: Mapping[str, Any] | None = None, engineers: Mapping[str, str] | None = None
) -> ImportResult:
    """Read a filled application form (.docx bytes) into dossier data; never raises for a bad
    file. ``engineers`` maps engineers' names to ids, for a form that names them (张伟)."""
    doc, bad = _open(data)
    if bad is not None:
        return ImportResult({}, [bad])
    schema = schema if schema is not None else client_schema()
    texts = [p.text for p in doc.paragraphs[:40]]
    props = doc.core_properties
    head = "\n".join([props.title or "", props.subject or "", *texts])
    other = next((t for t in ("问题定界分析报告", "客户运维知识库") if t in head), None)
    if other and "申请表" not in head:
        return ImportResult(
            {},
            [
                Problem(
                    f"这是《{other}》，不是《专属工程师服务申请表》。",
                    f"This is the 《{other}》 form, not the application form.",
                )
            ],
        )
    reader = _Reader(schema)
    try:
        reader.walk(doc)
    except Exception:  # pragma: no cover - python-docx on a malformed part; the user's file, not a bug
        return ImportResult(
            {}, [Problem("文件内容损坏，无法读取。", "The file's content is damaged and cannot be read.")]
        )
    if not reader.carried:
        return ImportResult(
            {},
            [
                Problem(
                    "文件里没有带字段标签的内容：这不是 kb 导出的《专属工程师服务申请表》。",
                    "The file has no labelled fields: it is not an application form exported by kb.",
                )
            ],
        )
    reader.at = ("表单", "form")
    for key in REQUIRED:
        if key not in reader.data:
            reader.problem(f"缺少必填项“{key}”。", f"the required field '{key}' is missing.", key)
    _resolve(reader.data, engineers or {})
    return ImportResult(_ordered(reader.data, schema), reader.problems, frozenset(reader.carried))


def _resolve(data: dict[str, Any], engineers: Mapping[str, str]) -> None:
    """Ids a person wrote as names: a site by its name in the form's site table, an engineer
    by name (what is still not an id is left for ``kb check`` to report)."""
    sites = {s["name"]: s["id"] for s in data.get("sites") or () if isinstance(s, dict) and "name" in s and "id" in s}
    refs: list[tuple[dict[str, Any], str, Mapping[str, str]]]
    refs = [(r, k, sites) for lst, k in _SITE_REFS for r in data.get(lst) or () if isinstance(r, dict)]
    refs += [(data[g], k, engineers) for g, k in _ENGINEER_REFS if isinstance(data.get(g), dict)]
    for record, key, names in refs:
        value = record.get(key)
        if isinstance(value, str) and not is_slug(value) and value in names:
            record[key] = names[value]


def engineer_names(root: Path) -> dict[str, str]:
    """Each engineer's name → id, from ``engineers/*.yml``."""
    out = {}
    for path in sorted((root / "engineers").glob("*.yml")):
        data = load_file(root, f"engineers/{path.name}").data
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            out[data["name"].strip()] = path.stem
    return out
