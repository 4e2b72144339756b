"""The values the Word forms show, prepared from the model (no docx here).

Each value is text ready for a cell (:func:`cell`): user text with the characters XML cannot
hold removed, escaped for the template's XML; a missing *required* item is ``【缺】`` and a
missing optional one ``—``. "Required" is what the rules require — the §8.1 materials of
``rules/clients.py`` (:func:`material_gaps` mirrors ``_materials``; a test keeps the two in
step), the workflow and handoff items of ``rules/workflow.py``, the split of §9.2, the load
plan of §7.3 and the six knowledge-base sections of ``facts.kb_sections``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from ..facts import ACTIVE, APPLIED_OR_LATER, kb_completeness, kb_sections, served_by
from ..model import KB, Client, Handoff, Person
from ..roles import role
from .views import HANDOFF, LEVEL, STATUS, TRIGGER

MISSING = "【缺】"
NONE = "—"

KIND = {"core": "核心站点", "hub": "HUB 站点", "idc": "IDC 站点", "branch": "分支站点", "cloud": "公有云站点"}
LEVEL_NAMES = {"technical": "技术层", "business": "业务层", "decision": "决策层"}
TIER = {"platinum": "铂金，重保", "gold": "金", "silver": "银"}
RESULT = {"passed": "通过", "approved": "批准", "rejected": "驳回"}
CADENCE = {"monthly": "月度", "quarterly": "季度"}

# XML 1.0 cannot hold these (FIELD-NOTES "Word"): C0 controls but tab/LF/CR, U+FFFE/U+FFFF and
# lone surrogates (python-docx raises ValueError or fails on save).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

Tree = dict[str, Any]


def clean(text: str) -> str:
    """``text`` without the characters XML cannot hold, line ends as ``\\n``; the rest is kept."""
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def plain(value: Any) -> str:
    """A model value as the text a cell shows: dates ISO, numbers as typed (no separators),
    lists one item per line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int | dt.date):
        return str(value)
    if isinstance(value, tuple | list):
        return "\n".join(s for s in (plain(v) for v in value) if s)
    return clean(str(value))


def xml_text(text: str) -> Markup:
    """Cleaned (:func:`clean`) and escaped for the template's XML. docxtpl turns ``{_{``,
    ``}_}``, ``{_%`` and ``%_}`` in its output into ``{{`` … (its own escape for literal
    braces); a character reference for the underscore keeps such text as typed."""
    return Markup(str(escape(clean(text))).replace("{_", "{&#95;").replace("_}", "&#95;}"))


def cell(value: Any, required: bool = False) -> Markup:
    text = plain(value)
    if text:
        return xml_text(text)
    return Markup(MISSING if required else NONE)


def coded(code: str | None, names: Mapping[str, str], required: bool = False) -> Markup:
    """An enum value or id as ``code（中文）`` — the importer reads the part before ``（``."""
    if not code:
        return cell(None, required)
    name = names.get(code)
    return xml_text(f"{clean(code)}（{name}）" if name and name != code else clean(code))


def person_text(p: Person | None, default_role: str = "") -> str:
    """A handoff party as ``姓名（角色）`` (plain text; empty when no name)."""
    if p is None or not p.name:
        return ""
    name, role = clean(p.name), clean(p.role or default_role)
    if not role:
        return name
    return f"{name}（{role}）" if "（" not in role else f"{name}，{role}"


def person(p: Person | None, default_role: str = "", required: bool = False) -> Markup:
    return cell(person_text(p, default_role), required)


def lines(items: Iterable[str]) -> list[Markup]:
    return [xml_text(clean(x)) for x in items]


# ------------------------------------------------------------------ what is required


def material_gaps(kb: KB, c: Client) -> list[str]:
    """Every missing item of the four §8.1 materials as a path — one per finding of
    ``rules.clients._materials``, in its order: ``business.main_business``, ``sites:idc``,
    ``applications``, ``applications.0.ports``, ``applications.0.ip``, ``contacts:decision``,
    ``contacts.2.phone``, ``contract.sla.response_minutes``, ``pain_points.history`` …"""
    gaps = []
    b = c.business
    for key in ("main_business", "business_model", "scenarios", "peak_periods"):
        if b is None or not getattr(b, key):
            gaps.append(f"business.{key}")
    p = kb.policy
    kinds = {s.kind for s in c.sites}
    gaps += [f"sites:{k}" for k in (p.required_site_kinds if p else ()) if k not in kinds]
    if not c.applications:
        gaps.append("applications")
    for i, app in enumerate(c.applications):
        for ok, key in ((app.site, "site"), (app.ip or app.domain, "ip"), (app.ports, "ports"), (app.impact, "impact")):
            if not ok:
                gaps.append(f"applications.{i}.{key}")
    levels = {x.level for x in c.contacts}
    gaps += [f"contacts:{lv}" for lv in (p.required_contact_levels if p else ()) if lv not in levels]
    for i, x in enumerate(c.contacts):
        if not (x.phone or x.email):
            gaps.append(f"contacts.{i}.phone")
        if not x.duties:
            gaps.append(f"contacts.{i}.duties")
    ct = c.contract
    for has, key in (
        (ct and ct.number, "number"),
        (ct and ct.start, "start"),
        (ct and ct.end, "end"),
        (ct and ct.service_level, "service_level"),
        (ct and ct.sla and ct.sla.response_minutes is not None, "sla.response_minutes"),
    ):
        if not has:
            gaps.append(f"contract.{key}")
    pp = c.pain_points
    for filled, key in (
        (pp and pp.history, "history"),
        (pp and pp.communication, "communication"),
        (pp and pp.expectations, "expectations"),
    ):
        if not filled:
            gaps.append(f"pain_points.{key}")
    return gaps


def criteria_held(kb: KB, c: Client) -> list[str]:
    """The §7.1 criteria the client meets, in words (as ``client.criteria`` judges them)."""
    cr, p = c.criteria, kb.policy
    if cr is None:
        return []
    held = []
    threshold = p.monthly_contract_cny if p else None
    if cr.monthly_contract_cny is not None and threshold is not None and cr.monthly_contract_cny > threshold:
        held.append(f"月合同金额 {cr.monthly_contract_cny} 元，超过 {threshold} 元")
    margin = p.monthly_margin_cny if p else None
    if cr.monthly_margin_cny is not None and margin is not None and cr.monthly_margin_cny > margin:
        held.append(f"月毛利 {cr.monthly_margin_cny} 元，超过 {margin} 元")
    for value, zh in (
        (cr.brand_value, "重大品牌价值"),
        (cr.complex_environment, "技术环境复杂"),
        (cr.high_sla, "高 SLA 要求"),
    ):
        if value:
            held.append(zh)
    return held


def load_of(kb: KB, c: Client) -> tuple[int, int | None, bool]:
    """(the engineer's active clients, the limit, whether this client needs a resource plan) —
    §7.3 as ``eng.load`` reads it; a client not yet served counts as one more."""
    a = c.assignment
    limit = kb.policy.max_clients if kb.policy else None
    if a is None or not a.engineer:
        return 0, limit, False
    clients = served_by(kb).get(a.engineer, [])
    ids = [x.id for x in clients]
    if c.id in ids:
        return len(clients), limit, limit is not None and ids.index(c.id) >= limit
    return len(clients) + 1, limit, limit is not None and len(clients) >= limit


# ------------------------------------------------------------------ the client's values


def _assigned_under_policy(kb: KB, c: Client) -> bool:
    """The current assignment was made under the policy, so it names who made it (§7.2.3)."""
    a, p = c.assignment, kb.policy
    if a is None or not a.engineer:
        return False
    return a.since is None or p is None or p.effective_on is None or a.since >= p.effective_on


def _engineers(kb: KB) -> dict[str, str]:
    return {eid: e.name for eid, e in kb.engineers.items() if e.name}


def client_tree(kb: KB, c: Client, kb_required: bool = False) -> Tree:
    """Every value of ``client.yml`` a form shows, nested as in the YAML. ``kb_required``
    marks the six §5.2 sections as required (the booklet)."""
    gaps = set(material_gaps(kb, c))
    applied = c.status in APPLIED_OR_LATER
    dedicated = c.status == "dedicated"
    eng = _engineers(kb)
    sites = {s.id: s.name or s.id for s in c.sites}
    am = c.account_manager
    am_reachable = bool(am and (am.phone or am.email))
    b, cr, ct, pp, k, a, app = (
        c.business,
        c.criteria,
        c.contract,
        c.pain_points,
        c.knowledge_base,
        c.assignment,
        c.application,
    )
    sla = ct.sla if ct else None
    split = a.incentive_split if a else None
    _, _, plan_needed = load_of(kb, c)
    sections = {s.key: s.filled for s in kb_sections(c)}
    review, approval = (app.review, app.approval) if app else (None, None)
    ops = bool(split and role(kb.policy, "ops_director").among(split.agreed_by))
    sales = bool(split and role(kb.policy, "sales_director").among(split.agreed_by))

    def gap(path: str) -> bool:
        return path in gaps

    def missing_row(required: bool, keys: Sequence[str]) -> list[Tree]:
        return [{key: Markup(MISSING) if i == 0 else Markup("") for i, key in enumerate(keys)}] if required else []

    site_rows = [
        {
            "id": cell(s.id),
            "name": cell(s.name),
            "kind": coded(s.kind, KIND),
            "city": cell(s.city),
            "address": cell(s.address),
            "subnets": cell(s.subnets),
            "wan_ipv4": cell(s.wan_ipv4),
        }
        for s in c.sites
    ]
    app_rows = [
        {
            "name": cell(x.name),
            "site": coded(x.site, sites, gap(f"applications.{i}.site")),
            "ip": cell(x.ip, gap(f"applications.{i}.ip")),
            "domain": cell(x.domain, gap(f"applications.{i}.ip")),
            "ports": cell(x.ports, gap(f"applications.{i}.ports")),
            "impact": cell(x.impact, gap(f"applications.{i}.impact")),
        }
        for i, x in enumerate(c.applications)
    ]
    order = {"technical": 0, "business": 1, "decision": 2}
    contact_rows = [
        {
            "name": cell(x.name, True),
            "level": coded(x.level, LEVEL),
            "title": cell(x.title),
            "phone": cell(x.phone, gap(f"contacts.{i}.phone")),
            "email": cell(x.email, gap(f"contacts.{i}.phone")),
            "duties": cell(x.duties, gap(f"contacts.{i}.duties")),
        }
        for i, x in sorted(enumerate(c.contacts), key=lambda ix: (order.get(ix[1].level or "", 3), ix[0]))
    ]
    return {
        "id": cell(c.id, True),
        "name": cell(c.name, True),
        "status": coded(c.status, STATUS, True),
        "tier": coded(c.tier, TIER),
        "account_manager": {
            "name": cell(am.name if am else None, True),
            "email": cell(am.email if am else None, not am_reachable),
            "phone": cell(am.phone if am else None, not am_reachable),
        },
        "sync": {"cadence": coded(c.sync_cadence, CADENCE)},
        "criteria": {
            "monthly_contract_cny": cell(cr.monthly_contract_cny if cr else None),
            "monthly_margin_cny": cell(cr.monthly_margin_cny if cr else None),
            "brand_value": cell(cr.brand_value if cr else None),
            "complex_environment": cell(cr.complex_environment if cr else None),
            "high_sla": cell(cr.high_sla if cr else None),
        },
        "business": {
            key: cell(getattr(b, key) if b else None, gap(f"business.{key}"))
            for key in ("main_business", "business_model", "scenarios", "peak_periods")
        },
        "sites": site_rows or missing_row(True, ("id", "name", "kind", "city", "address", "subnets", "wan_ipv4")),
        "lines": [
            {
                "id": cell(x.id),
                "a": coded(x.a, sites, True),
                "b": coded(x.b, sites, True),
                "carrier": cell(x.carrier),
                "type": cell(x.type),
                "bandwidth_mbps": cell(x.bandwidth_mbps),
            }
            for x in c.lines
        ]
        or missing_row(kb_required, ("id", "a", "b", "carrier", "type", "bandwidth_mbps")),
        "applications": app_rows or missing_row(True, ("name", "site", "ip", "domain", "ports", "impact")),
        "contacts": contact_rows or missing_row(True, ("name", "level", "title", "phone", "email", "duties")),
        "contract": {
            "number": cell(ct.number if ct else None, gap("contract.number")),
            "start": cell(ct.start if ct else None, gap("contract.start")),
            "end": cell(ct.end if ct else None, gap("contract.end")),
            "service_level": cell(ct.service_level if ct else None, gap("contract.service_level")),
            "sla": {
                "response_minutes": cell(sla.response_minutes if sla else None, gap("contract.sla.response_minutes")),
                "onsite_hours": cell(sla.onsite_hours if sla else None),
                "restore_hours": cell(sla.restore_hours if sla else None),
            },
            "key_terms": cell(ct.key_terms if ct else None),
        },
        "pain_points": {
            "history": [
                {"date": cell(x.date), "summary": cell(x.summary, True), "impact": cell(x.impact)}
                for x in (pp.history if pp else ())
            ]
            or missing_row(gap("pain_points.history"), ("date", "summary", "impact")),
            "communication": cell(pp.communication if pp else None, gap("pain_points.communication")),
            "expectations": cell(pp.expectations if pp else None, gap("pain_points.expectations")),
        },
        "knowledge_base": {
            "special_notes": cell(k.special_notes if k else None, kb_required and not sections["special_notes"]),
            "service_catalog": [
                {"name": cell(x.title), "description": cell(x.text)} for x in (k.service_catalog if k else ())
            ]
            or missing_row(kb_required, ("name", "description")),
            "network_model": cell(k.network_model if k else None, kb_required and not sections["network_model"]),
            "typical_faults": [
                {"date": cell(x.date), "title": cell(x.title), "cause": cell(x.cause), "resolution": cell(x.resolution)}
                for x in (k.typical_faults if k else ())
            ]
            or missing_row(kb_required, ("date", "title", "cause", "resolution")),
            "common_requests": [
                {"title": cell(x.title), "steps": cell(x.steps)} for x in (k.common_requests if k else ())
            ]
            or missing_row(kb_required, ("title", "steps")),
            "attachments": [{"title": cell(x.title), "path": cell(x.path)} for x in (k.attachments if k else ())],
            "proofread": {  # §7.2.5 内部校对: the booklet is finished when it is proofread
                "by": cell(k.proofread.by if k and k.proofread else None, kb_required and dedicated),
                "on": cell(k.proofread.on if k and k.proofread else None, kb_required and dedicated),
            },
        },
        "assignment": {
            "engineer": coded(a.engineer if a else None, eng, c.status in ACTIVE),
            "backup": coded(a.backup if a else None, eng),
            "since": cell(a.since if a else None, c.status in ACTIVE),
            "assigned_by": cell(a.assigned_by if a else None, dedicated and _assigned_under_policy(kb, c)),
            "load_plan": cell(a.load_plan if a else None, plan_needed),
            "incentive_split": {
                "account_manager": cell(split.account_manager if split else None, dedicated),
                "engineer": cell(split.engineer if split else None, dedicated),
                "agreed_on": cell(split.agreed_on if split else None, dedicated),
                "agreed_by": cell(split.agreed_by if split else None, dedicated and not (ops and sales)),
            },
        },
        "application": {
            "applicant": {
                "name": cell(app.applicant.name if app and app.applicant else None, True),
                "department": cell(app.applicant.department if app and app.applicant else None),
            },
            "submitted_on": cell(app.submitted_on if app else None, applied),
            "materials_received_on": cell(app.materials_received_on if app else None),
            "review": {
                "by": cell(review.by if review else None, dedicated or bool(review and review.on)),
                "on": cell(review.on if review else None, dedicated),
                "result": coded(review.result if review else None, RESULT, dedicated),
                "notes": cell(review.notes if review else None),
            },
            "approval": {
                "by": cell(approval.by if approval else None, dedicated or bool(approval and approval.on)),
                "on": cell(approval.on if approval else None, dedicated),
                "result": coded(approval.result if approval else None, RESULT, dedicated),
                "notes": cell(approval.notes if approval else None),
            },
            "notified_on": cell(app.notified_on if app else None, dedicated),
            "rejected_reason": cell(app.rejected_reason if app else None),
        },
    }


def application_meta(kb: KB, c: Client) -> Tree:
    gaps = material_gaps(kb, c)
    held = criteria_held(kb, c)
    n, limit, plan_needed = load_of(kb, c)
    eng = c.assignment.engineer if c.assignment else None
    if not eng:
        load = NONE
    else:
        load = f"{kb.engineer_name(eng)} 服务 {n} 个客户（上限 {limit if limit is not None else '未设定'}）"
        if plan_needed:
            load += "：超过上限，须附资源协调方案"
    return {
        "criteria": xml_text("满足：" + "；".join(held))
        if held
        else Markup(MISSING + "不满足 §7.1 任何一项关键客户标准（须至少一项并写明依据）"),
        "site_gaps": lines(
            f"{MISSING}缺少{KIND.get(g.split(':', 1)[1], g)}（§8.1）" for g in gaps if g.startswith("sites:")
        ),
        "contact_gaps": lines(
            f"{MISSING}缺少{LEVEL_NAMES.get(g.split(':', 1)[1], g)}联系人（§8.1）"
            for g in gaps
            if g.startswith("contacts:")
        ),
        "load": xml_text(load),
    }


def kb_meta(kb: KB, c: Client, today: dt.date) -> Tree:
    return {"today": cell(today), "completeness": cell(f"{kb_completeness(c)}%")}


def handoff_tree(h: Handoff) -> Tree:
    """The handoff's values; required as ``handoff.report`` requires them (§6)."""
    rep = h.report
    has_evidence = bool(rep and (rep.logs or rep.screenshots))
    agreed = h.status in ("solution-agreed", "implemented", "closed")
    return {
        "ticket": cell(h.ticket),
        "task_id": cell(h.task_id, True),
        "title": cell(h.title),
        "opened_on": cell(h.opened_on),
        "trigger": coded(h.trigger, TRIGGER, True),
        "report": {
            "basis": cell(rep.basis if rep else None, True),
            "reproduction": cell(rep.reproduction if rep else None, True),
            "logs": cell(rep.logs if rep else None, not has_evidence),
            "screenshots": cell(rep.screenshots if rep else None, not has_evidence),
        },
        "coordinator": person(h.coordinator, "客户经理", True),
        "owner": person(h.owner, "", True),
        "ask": cell(h.ask, True),
        "status": coded(h.status, HANDOFF),
        "suspended_on": cell(h.suspended_on, h.status == "suspended"),
        "solution": cell(h.solution, agreed),
        "closed_on": cell(h.closed_on, h.status == "closed"),
    }


def handoff_meta(kb: KB, c: Client, h: Handoff) -> Tree:
    a = c.assignment
    task = "\n".join(
        (
            f"跨部门协同任务 {h.task_id or MISSING}（原始工单 {h.ticket or NONE}）",
            f"@协调责任人 {person_text(h.coordinator, '客户经理') or MISSING}",
            f"@接收方负责人 {person_text(h.owner) or MISSING}",
            f"需解决事项：{h.ask or MISSING}",
        )
    )
    return {
        "client": xml_text(clean(c.name or c.id)),
        "engineer": xml_text(kb.engineer_name(a.engineer)) if a and a.engineer else Markup(NONE),
        "task": xml_text(clean(task)),
    }
