"""Skeleton files for ``kb new``: text in, text out (nothing here reads or writes files).

A skeleton holds the values we know (ids, names, the date, the account manager) and
leaves every other key it should hold empty, each with a comment made of the schema's
Chinese title and description — one source for the words, the same ones VS Code shows
on hover. An empty value is what ``kb check`` reports as ``todo`` ("请填写…"), so a
fresh skeleton fails only with its to-do list. Keys follow the schema's order.

Lists of records (sites, contacts …) get empty items rather than commented examples:
each blank is then a to-do at its own line, and the items the policy asks for are
typed in advance (a site per required kind, a contact per required level).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from .explain import TODO, description
from .finding import Finding
from .load import KeyPath, load_text
from .schemas import SchemaSet
from .validate import validate

COMMENT_COLUMN = 33  # display column where the comments start, as in the example dossiers

Spec = dict[str, Any]  # keys to write (put in the schema's order); None = left for the user


def path_of(kind: str, *ids: str) -> str:
    """Where a new file of ``kind`` goes, KB-relative: ``client`` (id), ``engineer`` (id),
    ``meeting`` (client id, date), ``handoff`` (client id, task id)."""
    if kind == "client":
        return f"clients/{ids[0]}/client.yml"
    if kind == "engineer":
        return f"engineers/{ids[0]}.yml"
    if kind == "meeting":
        return f"clients/{ids[0]}/meetings/{ids[1]}.yml"
    if kind == "handoff":
        return f"clients/{ids[0]}/handoffs/{ids[1]}.yml"
    raise ValueError(kind)


def client(
    schemas: SchemaSet,
    schema_ref: str,
    client_id: str,
    name: str,
    *,
    tier: str | None = None,
    account_manager: str | None = None,
    site_kinds: Sequence[str] = (),
    contact_levels: Sequence[str] = (),
) -> str:
    """A candidate client's dossier: the interface person, the §7.1 criteria and the four
    §8.1 materials an application needs, with a site per ``site_kinds`` and a contact per
    ``contact_levels`` (the policy's ``materials`` lists)."""
    spec: Spec = {
        "id": client_id,
        "name": name,
        "status": "candidate",
        "tier": tier,
        "account_manager": {"name": account_manager, "email": None, "phone": None},
        "criteria": dict.fromkeys(
            ("monthly_contract_cny", "monthly_margin_cny", "brand_value", "complex_environment", "high_sla")
        ),
        "business": dict.fromkeys(("main_business", "business_model", "scenarios", "peak_periods")),
        "sites": [{"id": None, "name": None, "kind": k} for k in (site_kinds or (None,))],
        "applications": [dict.fromkeys(("name", "site", "ip", "domain", "ports", "impact"))],
        "contacts": [{"name": None, "level": v, "phone": None, "duties": None} for v in (contact_levels or (None,))],
        "contract": {
            **dict.fromkeys(("number", "start", "end", "service_level")),
            "sla": dict.fromkeys(("response_minutes", "onsite_hours", "restore_hours")),
        },
        "pain_points": {"history": [{"date": None, "summary": None}], "communication": None, "expectations": None},
    }
    notes = (
        "criteria 中不适用的标准保持空（即 null）；知识库、指派、申请流程等其余键见 schemas/client.schema.json。",
        "终审通过后由运维经理指派：assignment 写 engineer、since（不早于终审日期）与 assigned_by（§7.2.3）；"
        "知识库六部分完成并内部校对后写 knowledge_base.proofread: {by, on}（§7.2.5）。",
    )
    return render(schemas, "client", schema_ref, spec, notes)


def engineer(schemas: SchemaSet, schema_ref: str, engineer_id: str, name: str, *, level: str | None = None) -> str:
    """An engineer's profile, not in the dedicated-engineer pool yet (no ``pool``: §4.2 starts
    with a nomination, which the pool rules then hold to §4.1)."""
    spec: Spec = {
        "id": engineer_id,
        "name": name,
        "level": level,
        **dict.fromkeys(("email", "phone", "joined_on", "ops_since", "products")),
        "employment": {"status": "active"},  # §4.1 在职; on leaving: status left + left_on
        "certifications": [dict.fromkeys(("name", "kind", "obtained"))],
    }
    notes = ("进入专属工程师资源池时添加 pool（提名 → 评估 → 任命，§4.2），见 schemas/engineer.schema.json。",)
    return render(schemas, "engineer", schema_ref, spec, notes)


def meeting(schemas: SchemaSet, schema_ref: str, date: str, *, kind: str | None = None) -> str:
    """A sync meeting record (§8.2) of ``date``; ``kind`` is the client's cadence when known."""
    spec: Spec = {
        "date": date,
        "kind": kind,
        **dict.fromkeys(
            (
                "attendees",
                "business_updates",
                "needs_and_risks",
                "renewal_plan",
                "conclusions",
                "shared_with_engineer_on",
                "shared_via",
            )
        ),
    }
    return render(schemas, "meeting", schema_ref, spec)


def handoff(
    schemas: SchemaSet,
    schema_ref: str,
    task_id: str,
    opened_on: str,
    *,
    ticket: str | None = None,
    coordinator: str | None = None,
) -> str:
    """A cross-department handoff (§6), open, with its 《问题定界分析报告》 to write; the
    coordinator is the client's account manager (§6.3) when the dossier names one."""
    spec: Spec = {
        "ticket": ticket,
        "task_id": task_id,
        "title": None,
        "opened_on": opened_on,
        "trigger": None,
        "report": dict.fromkeys(("basis", "reproduction", "logs", "screenshots")),
        "coordinator": {"name": coordinator, "role": "客户经理" if coordinator else None},
        "owner": {"name": None, "role": None},
        "ask": None,
        "status": "open",
    }
    return render(schemas, "handoff", schema_ref, spec)


def render(schemas: SchemaSet, kind: str, schema_ref: str, spec: Mapping[str, Any], notes: Sequence[str] = ()) -> str:
    """The skeleton text: the schema modeline, a header, then ``spec`` in block style with a
    comment on every key (``title：description`` on a list's first item, the title after)."""
    title = schemas.schemas[kind].get("title") or kind
    lines = [
        f"# yaml-language-server: $schema={schema_ref}",
        f"# {title}（kb new 生成）：空着的值都要填写，kb check 会逐项列出“请填写”；每个键后的注释说明要填什么。",
        "# 确实不适用的项可以删除整行（政策要求的项，kb check 会指出）。",
        *(f"# {n}" for n in notes),
    ]
    _mapping(schemas, kind, (), spec, 0, lines, True)
    return "\n".join(lines) + "\n"


def check(text: str, kind: str, file: str, schemas: SchemaSet) -> tuple[list[Finding], list[Finding]]:
    """What ``kb check`` will say about a skeleton by itself: its to-dos, and anything else
    (a name too long for the schema, a tier that is not one of its values) — which the command
    refuses to write, so a skeleton never fails for what it was given."""
    loaded = load_text(text, file)
    findings = list(loaded.findings)
    if loaded.usable:
        findings += validate(loaded, kind, schemas)[1]
    return [f for f in findings if f.rule == TODO], [f for f in findings if f.rule != TODO]


# ------------------------------------------------------------------ writing YAML


def _order(schemas: SchemaSet, kind: str, path: KeyPath, keys: Sequence[str]) -> list[str]:
    props = list((schemas.subschema(kind, path) or {}).get("properties", {}))
    return sorted(keys, key=lambda k: props.index(k) if k in props else len(props))


def _mapping(
    schemas: SchemaSet, kind: str, path: KeyPath, data: Mapping[str, Any], indent: int, lines: list[str], full: bool
) -> None:
    for key in _order(schemas, kind, path, list(data)):
        value = data[key]
        here = (*path, key)
        comment = _comment(schemas, kind, here, full)
        head = " " * indent + f"{key}:"
        if isinstance(value, dict | list) and not path:
            lines.append("")  # a blank line before each section, as the example dossiers read
        if isinstance(value, dict):
            lines.append(_line(head, comment))
            _mapping(schemas, kind, here, value, indent + 2, lines, full)
        elif isinstance(value, list):
            lines.append(_line(head, comment))
            for i, item in enumerate(value):
                _item(schemas, kind, (*here, i), item, indent + 2, lines, full and i == 0)
        else:
            lines.append(_line(head if value is None else f"{head} {scalar(value)}", comment))


def _item(schemas: SchemaSet, kind: str, path: KeyPath, item: Any, indent: int, lines: list[str], full: bool) -> None:
    if isinstance(item, dict):
        body: list[str] = []
        _mapping(schemas, kind, path, item, indent + 2, body, full)
        body[0] = " " * indent + "- " + body[0][indent + 2 :]
        lines.extend(body)
    else:
        lines.append(" " * indent + "-" + ("" if item is None else f" {scalar(item)}"))


def _comment(schemas: SchemaSet, kind: str, path: KeyPath, full: bool) -> str:
    title = " ".join((schemas.title(kind, path) or "").split())
    desc = description(kind, path, schemas) if full else None
    if title and desc:
        return f"{title}：{desc}"
    return title or desc or ""


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line(text: str, comment: str) -> str:
    if not comment:
        return text
    return text + " " * max(COMMENT_COLUMN - _width(text), 2) + "# " + comment


def scalar(value: Any) -> str:
    """``value`` as YAML our loader reads back to exactly ``value`` (also with a comment
    after it): plain when that is safe, else a double-quoted JSON string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    probe = load_text(f"k: {text}  # c\n", "probe.yml")
    if probe.usable and not probe.findings and probe.data == {"k": text}:
        return text
    return json.dumps(text, ensure_ascii=False)
