"""Stage 3 — validated dicts to the frozen records of :mod:`generator.model`.

The readers are lenient on purpose: each getter returns ``None`` (or an empty tuple)
when a value has the wrong type, so a dossier with a schema error is still modelled
and its other problems are still found. The schema finding already tells the user
about the wrong type; the model simply does not see that value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .formats import is_date
from .load import Loaded
from .model import (
    ApplicationForm,
    Assignment,
    Business,
    BusinessApp,
    Certificate,
    Client,
    Contact,
    Contract,
    Criteria,
    Engineer,
    Event,
    Fault,
    Handoff,
    Incident,
    KnowledgeBase,
    Kpi,
    Leave,
    Meeting,
    NamedText,
    NetLine,
    PainPoints,
    PastAssignment,
    PastIssue,
    Period,
    Person,
    Pool,
    Renewal,
    Report,
    Site,
    Sla,
    Split,
    Step,
    Transition,
    Where,
)

Raw = dict[str, Any]


def _m(d: Any, key: str) -> Raw | None:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, dict) else None


def _s(d: Any, key: str) -> str | None:
    v = d.get(key) if isinstance(d, dict) else None
    if isinstance(v, str):
        return v.strip() or None
    return None


def _n(d: Any, key: str) -> float | None:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _i(d: Any, key: str) -> int | None:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _b(d: Any, key: str) -> bool:
    v = d.get(key) if isinstance(d, dict) else None
    return v is True


def _date(d: Any, key: str) -> dt.date | None:
    v = _s(d, key)
    return dt.date.fromisoformat(v) if v and is_date(v) else None


def _list(d: Any, key: str) -> list[Any]:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, list) else []


def _strs(d: Any, key: str) -> tuple[str, ...]:
    v = d.get(key) if isinstance(d, dict) else None
    if isinstance(v, str):
        return (v,) if v.strip() else ()
    return tuple(x for x in _list(d, key) if isinstance(x, str) and x.strip())


def _items(d: Any, key: str, where: Where) -> list[tuple[Raw, Where]]:
    return [(x, where.sub(key, i)) for i, x in enumerate(_list(d, key)) if isinstance(x, dict)]


def _person(d: Raw | None) -> Person | None:
    if d is None:
        return None
    return Person(
        name=_s(d, "name"),
        email=_s(d, "email"),
        phone=_s(d, "phone"),
        handle=_s(d, "handle"),
        department=_s(d, "department"),
        title=_s(d, "title"),
        role=_s(d, "role"),
    )


def _step(d: Raw | None) -> Step | None:
    if d is None:
        return None
    return Step(
        by=_strs(d, "by") or _strs(d, "approved_by"),
        on=_date(d, "on"),
        result=_s(d, "result"),
        notes=_s(d, "notes"),
        kind=_s(d, "type"),
        cc=_strs(d, "cc"),
    )


def client(loaded: Loaded, data: Any, folder: str, valid: bool) -> Client:
    d: Raw = data if isinstance(data, dict) else {}
    w = Where(loaded.file, loaded.positions)
    criteria = _m(d, "criteria")
    business = _m(d, "business")
    contract = _m(d, "contract")
    pain = _m(d, "pain_points")
    kb = _m(d, "knowledge_base")
    asg = _m(d, "assignment")
    app = _m(d, "application")
    trans = _m(d, "transition")
    prio = _m(d, "temporary_priority")
    split = _m(asg, "incentive_split")
    sla = _m(contract, "sla")
    kbw = w.sub("knowledge_base")
    return Client(
        id=_s(d, "id") or folder,
        name=_s(d, "name"),
        status=_s(d, "status"),
        folder=folder,
        tier=_s(d, "tier"),
        account_manager=_person(_m(d, "account_manager")),
        criteria=None
        if criteria is None
        else Criteria(
            _i(criteria, "monthly_contract_cny"),
            _i(criteria, "monthly_margin_cny"),
            _s(criteria, "brand_value"),
            _s(criteria, "complex_environment"),
            _s(criteria, "high_sla"),
        ),
        business=None
        if business is None
        else Business(
            _s(business, "main_business"),
            _s(business, "business_model"),
            _s(business, "scenarios"),
            _strs(business, "peak_periods"),
        ),
        sites=tuple(
            Site(
                _s(x, "id") or "",
                _s(x, "name"),
                _s(x, "kind"),
                _s(x, "city"),
                _s(x, "address"),
                _strs(x, "subnets"),
                _strs(x, "wan_ipv4"),
                _strs(x, "wan_ipv6"),
                xw,
            )
            for x, xw in _items(d, "sites", w)
        ),
        lines=tuple(
            NetLine(
                _s(x, "id") or "", _s(x, "a"), _s(x, "b"), _s(x, "carrier"), _s(x, "type"), _n(x, "bandwidth_mbps"), xw
            )
            for x, xw in _items(d, "lines", w)
        ),
        applications=tuple(
            BusinessApp(
                _s(x, "name") or "",
                _s(x, "site"),
                _s(x, "ip"),
                _s(x, "domain"),
                tuple(p for p in _list(x, "ports") if isinstance(p, int) and not isinstance(p, bool)),
                _s(x, "impact"),
                xw,
            )
            for x, xw in _items(d, "applications", w)
        ),
        contacts=tuple(
            Contact(
                _s(x, "name") or "", _s(x, "level"), _s(x, "title"), _s(x, "phone"), _s(x, "email"), _s(x, "duties"), xw
            )
            for x, xw in _items(d, "contacts", w)
        ),
        contract=None
        if contract is None
        else Contract(
            _s(contract, "number"),
            _date(contract, "start"),
            _date(contract, "end"),
            _s(contract, "service_level"),
            None
            if sla is None
            else Sla(_n(sla, "response_minutes"), _n(sla, "onsite_hours"), _n(sla, "restore_hours")),
            _strs(contract, "key_terms"),
        ),
        pain_points=None
        if pain is None
        else PainPoints(
            tuple(
                PastIssue(_s(x, "summary") or "", _date(x, "date"), _s(x, "impact"))
                for x in _list(pain, "history")
                if isinstance(x, dict)
            ),
            _s(pain, "communication"),
            _s(pain, "expectations"),
        ),
        knowledge_base=None
        if kb is None
        else KnowledgeBase(
            special_notes=_s(kb, "special_notes"),
            service_catalog=tuple(
                NamedText(_s(x, "name") or "", _s(x, "description"), where=xw)
                for x, xw in _items(kb, "service_catalog", kbw)
            ),
            network_model=_s(kb, "network_model"),
            typical_faults=tuple(
                Fault(_s(x, "title") or "", _date(x, "date"), _s(x, "cause"), _s(x, "resolution"))
                for x in _list(kb, "typical_faults")
                if isinstance(x, dict)
            ),
            common_requests=tuple(
                NamedText(_s(x, "title") or "", steps=_strs(x, "steps"), where=xw)
                for x, xw in _items(kb, "common_requests", kbw)
            ),
            attachments=tuple(
                NamedText(_s(x, "title") or "", path=_s(x, "path"), where=xw)
                for x, xw in _items(kb, "attachments", kbw)
            ),
        ),
        assignment=None
        if asg is None
        else Assignment(
            engineer=_s(asg, "engineer"),
            backup=_s(asg, "backup"),
            since=_date(asg, "since"),
            history=tuple(
                PastAssignment(_s(x, "engineer") or "", _date(x, "from"), _date(x, "to"), _s(x, "reason"))
                for x in _list(asg, "history")
                if isinstance(x, dict)
            ),
            incentive_split=None
            if split is None
            else Split(
                _i(split, "account_manager"),
                _i(split, "engineer"),
                _date(split, "agreed_on"),
                _strs(split, "agreed_by"),
            ),
            load_plan=_s(asg, "load_plan"),
        ),
        application=None
        if app is None
        else ApplicationForm(
            _person(_m(app, "applicant")),
            _date(app, "submitted_on"),
            _date(app, "materials_received_on"),
            _step(_m(app, "review")),
            _step(_m(app, "approval")),
            _date(app, "notified_on"),
            _s(app, "rejected_reason"),
        ),
        sync_cadence=_s(_m(d, "sync"), "cadence"),
        events=tuple(
            Event(
                _s(x, "type") or "",
                _date(x, "occurred_on"),
                _s(x, "summary"),
                _s(x, "protection_lead"),
                _s(x, "recorded_by"),
                xw,
            )
            for x, xw in _items(d, "events", w)
        ),
        renewals=tuple(
            Renewal(_i(x, "year") or 0, _date(x, "renewed_on"), _i(x, "bonus_cny"))
            for x in _list(d, "renewals")
            if isinstance(x, dict)
        ),
        transition=None
        if trans is None
        else Transition(
            _s(trans, "class"),
            _date(trans, "assessed_on"),
            _s(trans, "plan"),
            _strs(trans, "gaps"),
            _date(trans, "closed_on"),
        ),
        temporary_priority=None
        if prio is None
        else Period(_date(prio, "from"), _date(prio, "until"), _s(prio, "reason"), _s(prio, "requested_by")),
        valid=valid,
        where=w,
    )


def meeting(loaded: Loaded, data: Any, client_id: str) -> Meeting:
    d: Raw = data if isinstance(data, dict) else {}
    return Meeting(
        client_id,
        _date(d, "date"),
        _s(d, "kind"),
        _strs(d, "attendees"),
        _s(d, "business_updates"),
        _s(d, "needs_and_risks"),
        _s(d, "renewal_plan"),
        _strs(d, "conclusions"),
        _date(d, "shared_with_engineer_on"),
        _s(d, "shared_via"),
        Where(loaded.file, loaded.positions),
    )


def handoff(loaded: Loaded, data: Any, client_id: str) -> Handoff:
    d: Raw = data if isinstance(data, dict) else {}
    rep = _m(d, "report")
    return Handoff(
        client_id,
        _s(d, "task_id"),
        _s(d, "ticket"),
        _s(d, "title"),
        _date(d, "opened_on"),
        _s(d, "trigger"),
        None
        if rep is None
        else Report(_s(rep, "basis"), _s(rep, "reproduction"), _strs(rep, "logs"), _strs(rep, "screenshots")),
        _person(_m(d, "coordinator")),
        _person(_m(d, "owner")),
        _s(d, "ask"),
        _s(d, "status"),
        _date(d, "suspended_on"),
        _s(d, "solution"),
        _date(d, "closed_on"),
        Where(loaded.file, loaded.positions),
    )


def engineer(loaded: Loaded, data: Any, stem: str, valid: bool) -> Engineer:
    d: Raw = data if isinstance(data, dict) else {}
    w = Where(loaded.file, loaded.positions)
    pool = _m(d, "pool")
    return Engineer(
        id=_s(d, "id") or stem,
        name=_s(d, "name"),
        level=_s(d, "level"),
        ops_since=_date(d, "ops_since"),
        joined_on=_date(d, "joined_on"),
        email=_s(d, "email"),
        phone=_s(d, "phone"),
        handle=_s(d, "handle"),
        products=_strs(d, "products"),
        certifications=tuple(
            Certificate(
                _s(x, "name") or "",
                _s(x, "kind"),
                _s(x, "vendor"),
                _s(x, "grade"),
                _date(x, "obtained"),
                _date(x, "expires"),
                xw,
            )
            for x, xw in _items(d, "certifications", w)
        ),
        pool=None
        if pool is None
        else Pool(_step(_m(pool, "nomination")), _step(_m(pool, "evaluation")), _step(_m(pool, "appointment"))),
        incidents=tuple(
            Incident(_date(x, "date"), _s(x, "summary"), _b(x, "human_caused"), xw)
            for x, xw in _items(d, "incidents", w)
        ),
        leave=tuple(
            Leave(_date(x, "from"), _date(x, "to"), _s(x, "backup"), _s(x, "handover"), xw)
            for x, xw in _items(d, "leave", w)
        ),
        kpis=tuple(
            Kpi(_s(x, "period") or "", _n(x, "satisfaction"), _n(x, "mttr_hours"), _s(x, "notes"))
            for x in _list(d, "kpis")
            if isinstance(x, dict)
        ),
        valid=valid,
        where=w,
    )
