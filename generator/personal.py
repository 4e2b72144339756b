"""The staff site: personal data masked once, between the model and every output.

What counts as personal data is declared in one place, the JSON Schemas: a property marked
``"x-personal": "phone" | "email" | "address"`` (draft-07 ignores keywords it does not know,
and so do VS Code and jsonschema-rs). :func:`masks` reads the values of those keys from every
file read, and :func:`mask_outcome` gives the renderers a model in which each of them — where
the key holds it, and wherever the same text is repeated (a meeting's notes, a finding's
message) — reads masked: ``138****0001``, ``z***@example.com``. It is the same kind of
transform as :mod:`generator.redact` (which withholds secrets) and is applied the same way,
so pages, search index, Word forms and exports all get it from one place. Names and roles stay:
people must know whom to ask.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from .finding import Finding, Msg
from .load import Loaded
from .pipeline import Outcome
from .redact import Transform, apply
from .schemas import SchemaSet, long_form

KEYWORD = "x-personal"
KINDS = ("phone", "email", "address")
AUDIENCES = ("staff", "team")  # staff: masked (everyone in the company); team: the full site

_DIGIT_RUN = re.compile(r"\+?\d[\d\s()\-]*\d")


def mask(kind: str, value: str) -> str:
    """``value`` of a key marked ``kind``, masked: a phone number keeps its first 3 and last 4
    digits (``138****0001``, ``021****5678``), an e-mail its first letter and domain
    (``z***@example.com``), an address its first 6 characters."""
    v = value.strip()
    if kind == "email":
        local, at, domain = v.rpartition("@")
        return f"{local[:1]}***@{domain}" if at and local else "***"
    if kind == "phone":

        def digits(m: re.Match[str]) -> str:
            d = re.sub(r"\D", "", m.group())
            return f"{d[:3]}****{d[-4:]}" if len(d) >= 8 else "****"

        return _DIGIT_RUN.sub(digits, v)
    return f"{v[:6]}****" if len(v) > 6 else "****"


def _kind_of(rel: str) -> str | None:
    """The schema a file read is validated by, from where it lies."""
    parts = rel.split("/")
    if rel == "policy.yml":
        return "policy"
    if parts[0] == "engineers" and len(parts) == 2:
        return "engineer"
    if parts[0] == "clients" and len(parts) == 3 and parts[2] == "client.yml":
        return "client"
    if parts[0] == "clients" and len(parts) == 4 and parts[2] in ("meetings", "handoffs"):
        return parts[2][:-1]
    return None


def _collect(root: dict[str, Any], node: Any, data: Any, out: dict[str, str]) -> None:
    node = long_form(root, node) if isinstance(node, dict) else None
    if node is None:
        return
    kind = node.get(KEYWORD)
    if kind in KINDS and isinstance(data, (str, int)) and not isinstance(data, bool):
        text = str(data).strip()
        if text:
            out[text] = mask(str(kind), text)
        return
    if isinstance(data, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for key, value in data.items():
                if key in props:
                    _collect(root, props[key], value, out)
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for value in data:
            _collect(root, node["items"], value, out)


def masks(loaded: Mapping[str, Loaded], schemas: SchemaSet) -> dict[str, str]:
    """Every value of a key the schemas mark ``x-personal``, in every file read, with what it
    reads as in the staff site (as written: ``source_text`` keeps an unquoted number's digits)."""
    out: dict[str, str] = {}
    for rel, ld in loaded.items():
        kind = _kind_of(rel)
        if kind is None or not ld.usable or kind not in schemas.schemas:
            continue
        root = schemas.schemas[kind]
        _collect(root, root, ld.data, out)
        for path, typed in ld.source_text.items():  # 13800000000 typed without quotes
            found: dict[str, str] = {}
            node = schemas.subschema(kind, path)
            if node is not None and node.get(KEYWORD) in KINDS:
                _collect(root, node, typed, found)
            out.update(found)
    return out


class _Masker(Transform):
    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = dict(table)
        needles = sorted((v for v in self.table if len(v) >= 3), key=len, reverse=True)  # the longest first
        self.pattern = re.compile("|".join(map(re.escape, needles))) if needles else None

    def text(self, s: str, file: str = "") -> str:
        if self.pattern is None:
            return s
        hit = self.table.get(s.strip())
        if hit is not None:
            return hit
        return self.pattern.sub(lambda m: self.table[m.group()], s) if self.pattern.search(s) else s

    def msg(self, m: Msg) -> Msg:
        zh, en = self.text(m.zh), self.text(m.en)
        return m if (zh, en) == (m.zh, m.en) else Msg(zh, en)


def mask_outcome(outcome: Outcome, schemas: SchemaSet) -> Outcome:
    """The outcome the staff site is rendered from: every personal value masked in the model
    and in the findings' messages and hints (reports and the compliance page are outputs too)."""
    m = _Masker(masks(outcome.loaded, schemas))
    if m.pattern is None:
        return outcome
    findings: list[Finding] = [
        dataclasses.replace(f, message=m.msg(f.message), hint=m.msg(f.hint)) for f in outcome.findings
    ]
    return dataclasses.replace(outcome, kb=apply(outcome.kb, m), findings=findings)


def masker(outcome: Outcome, schemas: SchemaSet) -> Transform:
    """The transform itself, for text published outside the model (a text attachment)."""
    return _Masker(masks(outcome.loaded, schemas))
