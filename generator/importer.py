"""Back again: a filled 《专属工程师服务申请表》 (.docx) read into a client dossier.

The forms share one labelling convention with ``render/forms.py``: every field label
carries its YAML key path as its last word, in a small grey run after the Chinese label
(``客户名称 name``, ``月合同金额（元） criteria.monthly_contract_cny``), and the value sits
in the next cell of the row (or, when the label ends its row, in the row below). A
repeating table has a header row of labelled cells (``站点ID id``, ``名称 name``), and the
paragraph right before it is a title carrying the list key (``站点 sites``). ``【缺】``
marks a missing value and reads as empty.

Reading is schema-driven: the client schema says which key paths exist and what each
value is — integers for money, ports and bandwidth (``320000``, ``32万``, ``1G``); dates
also as ``2026/3/2`` or ``2026年3月2日``; enum values and ids as the forms write them
(``technical（技术）``, ``sh-idc（上海外高桥IDC）``) or as a person types them (``technical``,
``技术``; a site or engineer by name); lists one item per line (as the forms write them),
or on one line separated by ，、；: always for ports and addresses, for text only when every
part is short (``运维总监、销售总监``) — one line of prose stays one item
(``每年 3 月、9 月新车型量产爬坡``), so export → import keeps it. Nothing here raises for a
bad file: what could not be read becomes a :class:`Problem` and the rest goes on.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .finding import Lang, Msg
from .load import load_file
from .pipeline import PACKAGE_SCHEMAS, find_schemas

SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/client.schema.json"
MISSING = "【缺】"
REQUIRED = ("id", "name", "status")
MAX_BYTES = 20 * 1024 * 1024  # a form is text and a few pictures
SHORT_ITEM = 10  # a one-line text list is split at ，、； only when every part is this short (names, roles)
MAX_UNZIPPED = 200 * 1024 * 1024  # refuse zip bombs before python-docx inflates them

_KEY = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*\Z")
_SLUG = re.compile(r"[a-z0-9][a-z0-9\-]*\Z")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff]")
_EMPTY = frozenset({"", "—", "——", "-", "–", "/", "／"})
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\Z")
_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)(万)?(元|人民币|mbps|mb|m|gbps|gb|g|分钟|min|小时|h|个|%)?\Z", re.I)
_NUMBERED = re.compile(r"\s*(\d+)\s*[.、)）]\s*")
_BULLET = re.compile(r"\s*[•·▪◦\-*]\s+")
_CHECKED = "☑☒✔✓■√"
_CODED = re.compile(r"([^\s（(]+)\s*[（(].*[）)]\Z", re.S)
_SITE_REFS = (("applications", "site"), ("lines", "a"), ("lines", "b"))
_ENGINEER_REFS = (("assignment", "engineer"), ("assignment", "backup"))
# Chinese names the forms, the site or people use for enum values, beside those in the schema
_ALIAS_TEXT = """专属服务中=dedicated 专属=dedicated 已申请=applied 申请中=applied 候选=candidate
    临时优先级=temporary-priority 已退出=exited 铂金（重保）=platinum 重保=platinum 金牌=gold 银牌=silver
    核心站点=core 核心=core 分支=branch 云=cloud 技术层=technical 业务层=business 决策层=decision
    同意=approved 不通过=rejected 未通过=rejected 不同意=rejected 月度=monthly 每月=monthly
    季度=quarterly 每季度=quarterly"""
_ALIASES = dict(pair.split("=") for pair in _ALIAS_TEXT.split())


@dataclass(frozen=True)
class Problem:
    """Something the importer could not read: a message in both languages and where
    (the key path when known, e.g. ``applications[1].ports``; the message names the place
    in the document)."""

    zh: str
    en: str
    where: str = ""

    def __call__(self, lang: Lang) -> str:
        text = self.en if lang == "en" else self.zh
        return f"{self.where}: {text}" if self.where else text

    def render(self, lang: Lang) -> str:
        """One line for the command's output: ``where: message``."""
        return self(lang)

    @property
    def message(self) -> Msg:
        return Msg(self.zh, self.en)


@dataclass(frozen=True)
class ImportResult:
    """The dossier data read from a form, what could not be read, and every key path the
    form carries (``carried``: dotted paths of its fields and list keys of its tables,
    filled or not) — with ``--force`` those replace the dossier's, the rest is kept."""

    data: dict[str, Any]
    problems: list[Problem]
    carried: frozenset[str] = frozenset()


# ------------------------------------------------------------------ schema lookups


@functools.lru_cache(maxsize=4)
def _load_schema(path: Path) -> Mapping[str, Any]:
    schema: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def client_schema(root: Path | None = None) -> Mapping[str, Any]:
    """The client schema of the KB at ``root`` (or the package's own)."""
    folder = find_schemas(root) if root is not None else PACKAGE_SCHEMAS
    return _load_schema(folder / "client.schema.json")


def _types(node: Mapping[str, Any]) -> set[str]:
    t = node.get("type")
    return set(t) if isinstance(t, list) else {t} if isinstance(t, str) else set()


def _node(schema: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """The schema of dotted ``key`` below ``schema`` (arrays are stepped through)."""
    node: Mapping[str, Any] | None = schema
    for part in key.split("."):
        while node is not None and "array" in _types(node) and isinstance(node.get("items"), dict):
            node = node["items"]
        props = node.get("properties") if node is not None else None
        node = props.get(part) if isinstance(props, dict) else None
        if node is None:
            return None
    return node


def _is_table(node: Mapping[str, Any]) -> bool:
    items = node.get("items")
    return "array" in _types(node) and isinstance(items, dict) and "object" in _types(items)


def _lists(schema: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Key paths of every list of records (``sites``, ``knowledge_base.typical_faults`` …)."""
    out = []
    for key, node in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        if isinstance(node, dict) and _is_table(node):
            out.append(path)
        elif isinstance(node, dict) and "object" in _types(node):
            out.extend(_lists(node, f"{path}."))
    return out


def _is_value(node: Mapping[str, Any]) -> bool:
    return "object" not in _types(node) and not _is_table(node)


# ------------------------------------------------------------------ text to values


def _clean(text: str) -> str:
    text = text.replace(MISSING, "").replace("\r\n", "\n").replace("\r", "\n")
    text = _BAD_CHARS.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n")).strip()
    return "" if text in _EMPTY else text


def _split(text: str, extra: str = "") -> list[str]:
    """List items written one per line (as the forms write them), or on one line separated
    by ，,、;； outside brackets (and by the ``extra`` separators: spaces for addresses, also
    / for ports)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) > 1:
        nums = [_NUMBERED.match(ln) for ln in lines]
        if all(m and int(m.group(1)) == i for i, m in enumerate(nums, 1)):
            lines = [ln[m.end() :] for ln, m in zip(lines, nums, strict=True) if m]
        return [_BULLET.sub("", ln, count=1) if _BULLET.match(ln) else ln for ln in lines]
    seps = ",，、;；" + extra
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch in "（([【《") - (ch in "）)]】》")
        if ch in seps and depth <= 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [x for x in out if x]


def _enum(node: Mapping[str, Any], text: str) -> str | None:
    values = [v for v in node["enum"] if isinstance(v, str)]
    if text in values:
        return text
    if text.lower() in values:
        return text.lower()
    for ch in _CHECKED:  # ☑通过 ☐驳回: the ticked option
        if ch in text:
            text = re.split(r"[☐□☑☒✔✓■√]", text.split(ch, 1)[1])[0].strip()
            break
    words: set[str] = {w for w in re.findall(r"[A-Za-z][\w-]*", text) if w in values}
    if len(words) == 1:
        return words.pop()
    names = dict(_ALIASES)
    desc = str(node.get("description", ""))
    for value, note in re.findall(r"([A-Za-z][\w-]*)（([^（）]*)）", desc):
        if value in values:
            names[note] = value
            names[re.split(r"[，,：:]", note)[0]] = value
    for name in sorted(names, key=len, reverse=True):
        if names[name] in values and (text == name or text.startswith(name)):
            return str(names[name])
    return None


def _number(text: str, key: str, integer: bool) -> int | float | None:
    m = _NUMBER.match(unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", ""))
    if not m:
        return None
    n = float(m.group(1)) * (10000 if m.group(2) else 1)
    if (m.group(3) or "").lower() in ("g", "gb", "gbps") and key.endswith("_mbps"):
        n *= 1000
    if n.is_integer():
        return int(n)
    return None if integer else n


def _date(text: str) -> str | None:
    m = _DATE.match(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def convert(node: Mapping[str, Any], text: str, key: str) -> tuple[Any, list[str]]:
    """``text`` as the schema at ``key`` wants it, and the parts that did not fit."""
    types = _types(node)
    if "array" in types:
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        assert isinstance(items, dict)
        numbers = bool(_types(items) & {"integer", "number"})
        extra = " \t/" if numbers else " \t" if items.get("format") not in (None, "date") else ""
        parts = _split(text, extra)
        if "\n" not in text and items.get("format") is None and not numbers and max(map(len, parts)) > SHORT_ITEM:
            parts = [text]  # one line of prose is one item: 每年 3 月、9 月新车型量产爬坡
        values, bad = [], []
        for part in parts:
            v, b = convert(items, part, key)
            bad.extend(b)
            if not b:
                values.append(v)
        return values, bad
    if "enum" in node:
        v = _enum(node, text)
        return (v, []) if v is not None else (None, [text])
    if types & {"integer", "number"}:
        n = _number(text, key, "number" not in types)
        return (n, []) if n is not None else (None, [text])
    if "boolean" in types:
        flag = {"true": True, "是": True, "✓": True, "false": False, "否": False}.get(text.lower())
        return (flag, []) if flag is not None else (None, [text])
    if node.get("format") == "date":
        d = _date(text)
        return (d, []) if d is not None else (None, [text])
    if node.get("format") == "slug":  # the forms write ids as code（中文）: sh-idc（上海外高桥IDC）
        m = _CODED.match(text)
        return (m.group(1) if m else text), []
    return text, []


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
        text = _clean(raw)
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
            for col, cell in zip(columns, cells, strict=False):
                sub = _node(items, col) if col else None
                text = _clean(cell)
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
        if isinstance(value, str) and not _SLUG.match(value) and value in names:
            record[key] = names[value]


def engineer_names(root: Path) -> dict[str, str]:
    """Each engineer's name → id, from ``engineers/*.yml``."""
    out = {}
    for path in sorted((root / "engineers").glob("*.yml")):
        data = load_file(root, f"engineers/{path.name}").data
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            out[data["name"].strip()] = path.stem
    return out


def _ordered(data: Any, schema: Mapping[str, Any] | None) -> Any:
    """``data`` with keys in the schema's (the data contract's) order."""
    if isinstance(data, list):
        items = schema.get("items") if schema else None
        return [_ordered(x, items if isinstance(items, dict) else None) for x in data]
    if not isinstance(data, dict):
        return data
    props = schema.get("properties") if schema else None
    props = props if isinstance(props, dict) else {}
    keys = [k for k in props if k in data] + [k for k in data if k not in props]
    return {k: _ordered(data[k], props.get(k)) for k in keys}


_STR = "tag:yaml.org,2002:str"


class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, dates plain (our loader keeps them
    text); every other string that YAML 1.1 would type (010, no, 22:30, true) is quoted."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_Dumper.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Multi-line text as a ``|`` block; text YAML would read as a number, boolean or null
    (a phone number, ``010``, ``no``) in double quotes, as the README writes ``"13800000000"``."""
    style: str | None = "|" if "\n" in value else None
    if style is None and cast(Any, dumper).resolve(yaml.ScalarNode, value, (True, False)) != _STR:
        style = '"'
    return dumper.represent_scalar(_STR, value, style=style)


def _float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    text = repr(value)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text if "e" not in text else f"{value:f}")


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    """A short list of one-line scalars in flow style (``ports: [443, 8443]``), as people write it."""
    flow = len(str(value)) <= 80 and all(
        isinstance(v, int | float) or (isinstance(v, str) and "\n" not in v) for v in value
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.MappingNode:
    """Keys as the data contract spells them: ``on:`` plain (our loader reads it as text;
    PyYAML would quote it as a YAML 1.1 boolean)."""
    node = dumper.represent_mapping("tag:yaml.org,2002:map", value)
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and _KEY.match(key.value):
            key.tag = cast(Any, dumper).resolve(yaml.ScalarNode, key.value, (True, False))
            key.style = None
    return node


_Dumper.add_representer(str, _str)
_Dumper.add_representer(dict, _dict)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(float, _float)


def to_yaml(data: Mapping[str, Any]) -> str:
    """The dossier text for ``data``: the schema line, then the keys in the data contract's
    order, block style, Chinese as typed; it loads back with ``load_text`` to ``data``."""
    body = yaml.dump(
        _ordered(dict(data), client_schema()),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )
    return f"{SCHEMA_LINE}\n{body}"


def _drop(data: dict[str, Any], parts: list[str]) -> None:
    """Remove the key at ``parts`` and the groups that leaves empty."""
    for depth in range(len(parts), 0, -1):
        parent = _get(data, ".".join(parts[: depth - 1])) if depth > 1 else data
        if not isinstance(parent, dict):
            return
        if depth == len(parts) or parent.get(parts[depth - 1]) == {}:
            parent.pop(parts[depth - 1], None)


def _keep_rows(old: list[Any], new: list[Any], columns: set[str]) -> list[Any]:
    """The form's rows, each keeping what the dossier's row of the same id (or name, title)
    had in columns the form does not show (a site's subnets, say)."""
    ident = next((k for k in ("id", "name", "title") if k in columns), None)
    if ident is None:
        return new
    before = {r.get(ident): r for r in old if isinstance(r, dict)}
    out = []
    for row in new:
        prev = before.get(row.get(ident)) if isinstance(row, dict) else None
        out.append({**{k: v for k, v in prev.items() if k not in columns}, **row} if prev else row)
    return out


def _merge(
    old: dict[str, Any], new: dict[str, Any], carried: frozenset[str], schema: Mapping[str, Any]
) -> dict[str, Any]:
    """``old`` with every key path the form carries taken from ``new`` (or dropped)."""
    out = copy.deepcopy(old)
    tables = {k for k in carried if (node := _node(schema, k)) is not None and _is_table(node)}
    for key in sorted(carried, key=len):
        if any(key.startswith(t + ".") for t in tables):
            continue  # a table's column: merged with its table
        prev, value = _get(out, key), _get(new, key)
        _drop(out, key.split("."))
        if key in tables and isinstance(prev, list) and isinstance(value, list):
            value = _keep_rows(prev, value, {c[len(key) + 1 :] for c in carried if c.startswith(key + ".")})
        if value is not None:
            _set(out, key.split("."), value)
    return out


def import_application(root: Path, data: bytes, force: bool = False) -> tuple[Path | None, list[Problem]]:
    """Read the form and write ``clients/<id>/client.yml`` under ``root``. An existing
    dossier is left alone unless ``force``; with it, the keys the form carries replace the
    dossier's and the others (events, renewals, …) are kept. Returns the written path (None
    when nothing was written) and everything that could not be read."""
    result = read_application(data, client_schema(root), engineer_names(root))
    problems = list(result.problems)
    cid = result.data.get("id")
    if not isinstance(cid, str):
        return None, problems
    if not _SLUG.match(cid):
        problems.append(
            Problem(
                f"客户 ID“{cid}”不是小写短名（小写字母、数字和连字符，如 hx-logistics），未写入档案。",
                f"The client id '{cid}' is not a lowercase slug (letters, digits, hyphens, e.g. hx-logistics); nothing was written.",
                "id",
            )
        )
        return None, problems
    path = root / "clients" / cid / "client.yml"
    rel = f"clients/{cid}/client.yml"
    out = result.data
    if path.exists():
        if not force:
            problems.append(
                Problem(
                    f"{rel} 已存在，未覆盖；确认要用表单内容更新它时加 --force。",
                    f"{rel} exists and was not overwritten; add --force to update it from the form.",
                    "id",
                )
            )
            return None, problems
        old = load_file(root, rel).data
        if isinstance(old, dict):
            schema = client_schema(root)
            out = _ordered(_merge(old, result.data, result.carried, schema), schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".client.yml.importing")
    tmp.write_text(to_yaml(out), encoding="utf-8")
    tmp.replace(path)
    return path, problems
