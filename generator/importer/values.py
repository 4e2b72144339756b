"""Schema lookups, and text from a form cell to a typed value."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..load.encoding import BAD_CHARS
from ..pipeline import PACKAGE_SCHEMAS, find_schemas
from ..schemas import long_forms
from .common import (
    _ALIASES,
    _BULLET,
    _CHECKED,
    _CODED,
    _DATE,
    _EMPTY,
    _FORM_NONE,
    _NUMBER,
    _NUMBERED,
    MISSING,
    SHORT_ITEM,
)

# ------------------------------------------------------------------ schema lookups


@functools.lru_cache(maxsize=4)
def _raw_schema(path: Path) -> Mapping[str, Any]:
    schema: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@functools.lru_cache(maxsize=4)
def _load_schema(path: Path) -> Mapping[str, Any]:
    return long_forms(dict(_raw_schema(path)))


def _schema_file(root: Path | None) -> Path:
    return (find_schemas(root) if root is not None else PACKAGE_SCHEMAS) / "client.schema.json"


def client_schema(root: Path | None = None) -> Mapping[str, Any]:
    """The client schema of the KB at ``root`` (or the package's own), each key in its long form:
    the forms hold records and lists, and the importer writes them so."""
    return _load_schema(_schema_file(root))


SENTENCE = ""  # short_forms: a list of text that may be written as one sentence


def short_forms(root: Path | None = None) -> Mapping[str, str]:
    """Dotted key (lists stepped through, as :func:`_node` reads them) → the short form the
    client schema also accepts there: :data:`SENTENCE`, or the key a plain name stands for
    (``knowledge_base.service_catalog`` → ``name``)."""
    return _short_forms(_schema_file(root))


@functools.lru_cache(maxsize=4)
def _short_forms(path: Path) -> Mapping[str, str]:
    out: dict[str, str] = {}

    def walk(node: Any, key: str) -> None:
        if not isinstance(node, dict):
            return
        forms = node.get("anyOf") or node.get("oneOf") or []
        if len(forms) == 2 and _types(forms[1]) == {"string"}:
            first = forms[0]
            if "array" in _types(first):
                out[key] = SENTENCE
            elif "object" in _types(first) and first.get("required"):
                out[key.rsplit(".", 1)[0] if key.endswith(".[]") else key] = str(first["required"][0])
        for form in forms[:1]:
            walk({k: v for k, v in form.items() if k not in ("anyOf", "oneOf")}, key)
        for name, sub in (node.get("properties") or {}).items():
            walk(sub, f"{key}.{name}" if key else name)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{key}.[]")

    walk(_raw_schema(path), "")
    return {k.replace(".[]", ""): v for k, v in out.items()}


def says_the_same(written: Any, value: Any, form: str) -> bool:
    """Whether ``written`` — what the dossier holds, in the key's short ``form`` — says exactly
    what the form's ``value`` (the long form) says: one sentence for a one-item list, plain names
    for records that hold only their name. Then ``kb import --force`` keeps the dossier's words."""
    if form == SENTENCE:
        return isinstance(written, str) and value == [written]
    return (
        isinstance(written, list)
        and isinstance(value, list)
        and len(written) == len(value)
        and all(w == v or (isinstance(w, str) and v == {form: w}) for w, v in zip(written, value, strict=True))
    )


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


def _normalised(text: str) -> str:
    """Line ends as ``\\n``, the characters YAML cannot hold dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return BAD_CHARS.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n"))


def _clean(text: str) -> str:
    """A cell to be read as a number, date, choice, id or list: trimmed, and the ways people
    write "nothing" (``—``, ``-``, ``/``) read as empty."""
    text = _normalised(text.replace(MISSING, "")).strip()
    return "" if text in _EMPTY else text


def _is_text(node: Mapping[str, Any]) -> bool:
    """A free-text value (a name, a note): kept exactly as written."""
    return _types(node) == {"string"} and "enum" not in node and node.get("format") not in ("date", "slug")


def _verbatim(text: str) -> str:
    """A free-text cell as the person wrote it: ``-``, a lone space and a leading non-breaking
    space are values. Only what the form itself puts there is not: its ``【缺】`` marker (with
    the layout around it), its ``—`` for "nothing", and empty paragraphs around the text."""
    if MISSING in text:
        return _clean(text)
    text = _normalised(text).strip("\n")
    return "" if text in _FORM_NONE else text


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
