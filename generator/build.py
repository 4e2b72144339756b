"""Stage 3 — validated dicts to the frozen records of :mod:`generator.model`.

The readers are lenient on purpose: each getter returns ``None`` (or an empty tuple)
when a value has the wrong type, so a dossier with a schema error is still modelled
and its other problems are still found. The schema finding already tells the user
about the wrong type; the model simply does not see that value.
"""

from __future__ import annotations

from typing import Any

from .fields import (
    Raw,
    date_at,
    flag_at,
    int_at,
    items_at,
    list_at,
    mapping_at,
    named_days_at,
    number_at,
    records_at,
    text_at,
    texts_at,
)
from .load import Loaded
from .model import (
    ApplicationForm,
    Assignment,
    Business,
    BusinessApp,
    CalendarYear,
    Certificate,
    Client,
    Contact,
    Contract,
    Criteria,
    Employment,
    Engineer,
    Event,
    Exemption,
    Exit,
    Fault,
    Handoff,
    Incident,
    KnowledgeBase,
    Kpi,
    KpiFigures,
    KpiPeriod,
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
    Review,
    Site,
    Sla,
    Split,
    Step,
    Tracking,
    Transition,
    Where,
)


def _person(d: Raw | None) -> Person | None:
    if d is None:
        return None
    return Person(
        name=text_at(d, "name"),
        email=text_at(d, "email"),
        phone=text_at(d, "phone"),
        handle=text_at(d, "handle"),
        department=text_at(d, "department"),
        title=text_at(d, "title"),
        role=text_at(d, "role"),
    )


def _step(d: Raw | None) -> Step | None:
    if d is None:
        return None
    return Step(
        by=texts_at(d, "by") or texts_at(d, "approved_by"),
        on=date_at(d, "on"),
        result=text_at(d, "result"),
        notes=text_at(d, "notes"),
        kind=text_at(d, "type"),
        cc=texts_at(d, "cc"),
    )


def _tracking(d: Raw | None) -> Tracking | None:
    return None if d is None else Tracking(date_at(d, "on"), text_at(d, "decision"))


def _exit(d: Raw | None) -> Exit | None:
    return None if d is None else Exit(date_at(d, "on"), text_at(d, "reason"), texts_at(d, "decided_by"))


def _exemptions(d: Raw, w: Where) -> tuple[Exemption, ...]:
    return tuple(
        Exemption(
            text_at(x, "rule"),
            text_at(x, "key"),
            text_at(x, "reason"),
            text_at(x, "approved_by"),
            date_at(x, "approved_on"),
            date_at(x, "expires"),
            xw,
        )
        for x, xw in items_at(d, "exemptions", w)
    )


def client(loaded: Loaded, data: Any, folder: str, valid: bool) -> Client:
    d: Raw = data if isinstance(data, dict) else {}
    w = Where(loaded.file, loaded.positions)
    criteria = mapping_at(d, "criteria")
    business = mapping_at(d, "business")
    contract = mapping_at(d, "contract")
    pain = mapping_at(d, "pain_points")
    kb = mapping_at(d, "knowledge_base")
    asg = mapping_at(d, "assignment")
    app = mapping_at(d, "application")
    trans = mapping_at(d, "transition")
    prio = mapping_at(d, "temporary_priority")
    split = mapping_at(asg, "incentive_split")
    sla = mapping_at(contract, "sla")
    kbw = w.sub("knowledge_base")
    return Client(
        id=text_at(d, "id") or folder,
        name=text_at(d, "name"),
        status=text_at(d, "status"),
        folder=folder,
        tier=text_at(d, "tier"),
        account_manager=_person(mapping_at(d, "account_manager")),
        criteria=None
        if criteria is None
        else Criteria(
            int_at(criteria, "monthly_contract_cny"),
            int_at(criteria, "monthly_margin_cny"),
            text_at(criteria, "brand_value"),
            text_at(criteria, "complex_environment"),
            text_at(criteria, "high_sla"),
        ),
        business=None
        if business is None
        else Business(
            text_at(business, "main_business"),
            text_at(business, "business_model"),
            text_at(business, "scenarios"),
            texts_at(business, "peak_periods"),
        ),
        sites=tuple(
            Site(
                text_at(x, "id") or "",
                text_at(x, "name"),
                text_at(x, "kind"),
                text_at(x, "city"),
                text_at(x, "address"),
                texts_at(x, "subnets"),
                texts_at(x, "wan_ipv4"),
                texts_at(x, "wan_ipv6"),
                xw,
            )
            for x, xw in items_at(d, "sites", w)
        ),
        lines=tuple(
            NetLine(
                text_at(x, "id") or "",
                text_at(x, "a"),
                text_at(x, "b"),
                text_at(x, "carrier"),
                text_at(x, "type"),
                number_at(x, "bandwidth_mbps"),
                xw,
            )
            for x, xw in items_at(d, "lines", w)
        ),
        applications=tuple(
            BusinessApp(
                text_at(x, "name") or "",
                text_at(x, "site"),
                text_at(x, "ip"),
                text_at(x, "domain"),
                tuple(p for p in list_at(x, "ports") if isinstance(p, int) and not isinstance(p, bool)),
                text_at(x, "impact"),
                xw,
            )
            for x, xw in items_at(d, "applications", w)
        ),
        contacts=tuple(
            Contact(
                text_at(x, "name") or "",
                text_at(x, "level"),
                text_at(x, "title"),
                text_at(x, "phone"),
                text_at(x, "email"),
                text_at(x, "duties"),
                xw,
            )
            for x, xw in items_at(d, "contacts", w)
        ),
        contract=None
        if contract is None
        else Contract(
            text_at(contract, "number"),
            date_at(contract, "start"),
            date_at(contract, "end"),
            text_at(contract, "service_level"),
            None
            if sla is None
            else Sla(
                number_at(sla, "response_minutes"), number_at(sla, "onsite_hours"), number_at(sla, "restore_hours")
            ),
            texts_at(contract, "key_terms"),
        ),
        pain_points=None
        if pain is None
        else PainPoints(
            tuple(
                PastIssue(text_at(x, "summary") or "", date_at(x, "date"), text_at(x, "impact"))
                for x, _ in records_at(pain, "history", w.sub("pain_points"), "summary")
            ),
            text_at(pain, "communication"),
            text_at(pain, "expectations"),
        ),
        knowledge_base=None
        if kb is None
        else KnowledgeBase(
            special_notes=text_at(kb, "special_notes"),
            service_catalog=tuple(
                NamedText(text_at(x, "name") or "", text_at(x, "description"), where=xw)
                for x, xw in records_at(kb, "service_catalog", kbw, "name")
            ),
            network_model=text_at(kb, "network_model"),
            typical_faults=tuple(
                Fault(text_at(x, "title") or "", date_at(x, "date"), text_at(x, "cause"), text_at(x, "resolution"))
                for x, _ in records_at(kb, "typical_faults", kbw, "title")
            ),
            common_requests=tuple(
                NamedText(text_at(x, "title") or "", steps=texts_at(x, "steps"), where=xw)
                for x, xw in records_at(kb, "common_requests", kbw, "title")
            ),
            attachments=tuple(
                NamedText(text_at(x, "title") or "", path=text_at(x, "path"), where=xw)
                for x, xw in items_at(kb, "attachments", kbw)
            ),
            proofread=_step(mapping_at(kb, "proofread")),
        ),
        assignment=None
        if asg is None
        else Assignment(
            engineer=text_at(asg, "engineer"),
            backup=text_at(asg, "backup"),
            since=date_at(asg, "since"),
            history=tuple(
                PastAssignment(
                    text_at(x, "engineer") or "",
                    date_at(x, "from"),
                    date_at(x, "to"),
                    text_at(x, "reason"),
                    text_at(x, "trigger"),
                    text_at(x, "handover"),
                )
                for x in list_at(asg, "history")
                if isinstance(x, dict)
            ),
            incentive_split=None
            if split is None
            else Split(
                int_at(split, "account_manager"),
                int_at(split, "engineer"),
                date_at(split, "agreed_on"),
                texts_at(split, "agreed_by"),
            ),
            load_plan=text_at(asg, "load_plan"),
            assigned_by=text_at(asg, "assigned_by"),
        ),
        application=None
        if app is None
        else ApplicationForm(
            _person(mapping_at(app, "applicant")),
            date_at(app, "submitted_on"),
            date_at(app, "materials_received_on"),
            _step(mapping_at(app, "review")),
            _step(mapping_at(app, "approval")),
            date_at(app, "notified_on"),
            text_at(app, "rejected_reason"),
        ),
        sync_cadence=text_at(mapping_at(d, "sync"), "cadence"),
        events=tuple(
            Event(
                text_at(x, "type") or "",
                date_at(x, "occurred_on"),
                text_at(x, "summary"),
                text_at(x, "protection_lead"),
                text_at(x, "recorded_by"),
                xw,
            )
            for x, xw in items_at(d, "events", w)
        ),
        renewals=tuple(
            Renewal(int_at(x, "year") or 0, date_at(x, "renewed_on"), int_at(x, "bonus_cny"))
            for x in list_at(d, "renewals")
            if isinstance(x, dict)
        ),
        transition=None
        if trans is None
        else Transition(
            text_at(trans, "class"),
            date_at(trans, "assessed_on"),
            text_at(trans, "plan"),
            texts_at(trans, "gaps"),
            date_at(trans, "closed_on"),
            text_at(trans, "outcome"),
            date_at(trans, "return_by"),
            _tracking(mapping_at(trans, "tracking")),
        ),
        temporary_priority=None
        if prio is None
        else Period(
            date_at(prio, "from"),
            date_at(prio, "until"),
            text_at(prio, "reason"),
            text_at(prio, "requested_by"),
            tuple(
                Period(date_at(x, "from"), date_at(x, "until"), text_at(x, "reason"), text_at(x, "requested_by"))
                for x in list_at(prio, "history")
                if isinstance(x, dict)
            ),
        ),
        reviews=tuple(
            Review(
                date_at(x, "on"),
                text_at(x, "outcome"),
                texts_at(x, "by"),
                text_at(x, "evidence"),
                date_at(x, "until"),
                xw,
            )
            for x, xw in items_at(d, "reviews", w)
        ),
        exit=_exit(mapping_at(d, "exit")),
        exemptions=_exemptions(d, w),
        valid=valid,
        where=w,
    )


def meeting(loaded: Loaded, data: Any, client_id: str) -> Meeting:
    d: Raw = data if isinstance(data, dict) else {}
    return Meeting(
        client_id,
        date_at(d, "date"),
        text_at(d, "kind"),
        texts_at(d, "attendees"),
        text_at(d, "business_updates"),
        text_at(d, "needs_and_risks"),
        text_at(d, "renewal_plan"),
        texts_at(d, "conclusions"),
        date_at(d, "shared_with_engineer_on"),
        text_at(d, "shared_via"),
        Where(loaded.file, loaded.positions),
    )


def handoff(loaded: Loaded, data: Any, client_id: str) -> Handoff:
    d: Raw = data if isinstance(data, dict) else {}
    rep = mapping_at(d, "report")
    return Handoff(
        client_id,
        text_at(d, "task_id"),
        text_at(d, "ticket"),
        text_at(d, "title"),
        date_at(d, "opened_on"),
        text_at(d, "trigger"),
        None
        if rep is None
        else Report(
            text_at(rep, "basis"), text_at(rep, "reproduction"), texts_at(rep, "logs"), texts_at(rep, "screenshots")
        ),
        _person(mapping_at(d, "coordinator")),
        _person(mapping_at(d, "owner")),
        text_at(d, "ask"),
        text_at(d, "status"),
        date_at(d, "suspended_on"),
        text_at(d, "solution"),
        date_at(d, "closed_on"),
        Where(loaded.file, loaded.positions),
    )


def _employment(d: Raw | None) -> Employment | None:
    return None if d is None else Employment(text_at(d, "status"), date_at(d, "left_on"))


def engineer(loaded: Loaded, data: Any, stem: str, valid: bool) -> Engineer:
    d: Raw = data if isinstance(data, dict) else {}
    w = Where(loaded.file, loaded.positions)
    pool = mapping_at(d, "pool")
    return Engineer(
        id=text_at(d, "id") or stem,
        name=text_at(d, "name"),
        level=text_at(d, "level"),
        ops_since=date_at(d, "ops_since"),
        joined_on=date_at(d, "joined_on"),
        email=text_at(d, "email"),
        phone=text_at(d, "phone"),
        handle=text_at(d, "handle"),
        mobile=text_at(d, "mobile"),
        products=texts_at(d, "products"),
        certifications=tuple(
            Certificate(
                text_at(x, "name") or "",
                text_at(x, "kind"),
                text_at(x, "vendor"),
                text_at(x, "grade"),
                date_at(x, "obtained"),
                date_at(x, "expires"),
                xw,
            )
            for x, xw in items_at(d, "certifications", w)
        ),
        pool=None
        if pool is None
        else Pool(
            _step(mapping_at(pool, "nomination")),
            _step(mapping_at(pool, "evaluation")),
            _step(mapping_at(pool, "appointment")),
        ),
        incidents=tuple(
            Incident(date_at(x, "date"), text_at(x, "summary"), flag_at(x, "human_caused"), xw)
            for x, xw in items_at(d, "incidents", w)
        ),
        leave=tuple(
            Leave(date_at(x, "from"), date_at(x, "to"), text_at(x, "backup"), text_at(x, "handover"), xw)
            for x, xw in items_at(d, "leave", w)
        ),
        employment=_employment(mapping_at(d, "employment")),
        kpis=tuple(
            Kpi(
                text_at(x, "period") or "",
                number_at(x, "satisfaction"),
                number_at(x, "mttr_hours"),
                text_at(x, "notes"),
                text_at(x, "result"),
            )
            for x in list_at(d, "kpis")
            if isinstance(x, dict)
        ),
        exemptions=_exemptions(d, w),
        valid=valid,
        where=w,
    )


def kpi_period(loaded: Loaded, data: Any) -> KpiPeriod:
    """``kpis/<YYYY-Qn>.yml``; a file whose name is not its period is refused by the kpi rule."""
    d = data if isinstance(data, dict) else {}
    w = Where(loaded.file, loaded.positions)
    src = mapping_at(d, "source") or {}

    def figures(key: str) -> dict[str, KpiFigures]:
        out: dict[str, KpiFigures] = {}
        for x, xw in items_at(d, key, w):
            fid = text_at(x, "id")
            if fid and fid not in out:
                out[fid] = KpiFigures(
                    tickets=int_at(x, "tickets") or 0,
                    resolved=int_at(x, "resolved") or 0,
                    mttr_hours=number_at(x, "mttr_hours"),
                    mttr_median_hours=number_at(x, "mttr_median_hours"),
                    satisfaction=number_at(x, "satisfaction"),
                    satisfaction_answers=int_at(x, "satisfaction_answers") or 0,
                    continuity=number_at(x, "continuity"),
                    continuity_tickets=int_at(x, "continuity_tickets") or 0,
                    where=xw,
                )
        return out

    return KpiPeriod(
        period=text_at(d, "period"),
        source=text_at(src, "file"),
        sha256=text_at(src, "sha256"),
        rows=int_at(src, "rows"),
        engineers=figures("engineers"),
        clients=figures("clients"),
        where=w,
    )


def calendar_year(loaded: Loaded, data: Any) -> CalendarYear:
    """``calendar/<year>.yml``; a file whose name is not its year is refused by the calendar rule."""
    d = data if isinstance(data, dict) else {}
    return CalendarYear(
        year=int_at(d, "year"),
        source=text_at(d, "source"),
        holidays=named_days_at(d, "holidays"),
        workdays=named_days_at(d, "workdays"),
        where=Where(loaded.file, loaded.positions),
    )

