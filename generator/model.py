"""The typed model: frozen records that rules and renderers read instead of raw YAML.

Every record carries a :class:`Where` so a rule can report at the line of the key that is
wrong (``client.where.at("assignment", "engineer")``). Dates are ``datetime.date``;
optional values are ``None``; lists are tuples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .load import KeyPath, Pos

if TYPE_CHECKING:
    from .policy import Policy
    from .source import Tree
    from .workdays import WorkCalendar, YearTable

Date = dt.date


@dataclass(frozen=True)
class Where:
    """A record's file and the key-path prefix of the record inside it."""

    file: str
    positions: Mapping[KeyPath, Pos] = field(default_factory=dict, compare=False, repr=False)
    base: KeyPath = ()

    def at(self, *path: str | int) -> tuple[str, int, int]:
        """File, line and column of ``path`` below this record (or its nearest ancestor)."""
        p: KeyPath = (*self.base, *path)
        while p:
            hit = self.positions.get(p)
            if hit is not None:
                return (self.file, *hit)
            p = p[:-1]
        line, col = self.positions.get((), (1, 1))
        return self.file, line, col

    def sub(self, *path: str | int) -> Where:
        return Where(self.file, self.positions, (*self.base, *path))

    def has(self, *path: str | int) -> bool:
        return (*self.base, *path) in self.positions


NOWHERE = Where("")


# ------------------------------------------------------------------ shared pieces


@dataclass(frozen=True)
class Person:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    handle: str | None = None
    department: str | None = None
    title: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Step:
    """One signed step of a workflow: who, when, and the outcome."""

    by: tuple[str, ...] = ()
    on: Date | None = None
    result: str | None = None
    notes: str | None = None
    kind: str | None = None  # nomination type (nominated | applied)
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exemption:
    """One entry of ``exemptions`` in a dossier or an engineer's file (DESIGN.md §2): while it is
    current, the findings of ``rule`` in this file — only those at or below ``key`` (a key path such
    as ``events[2]``) when it names one — read as info. How it is judged and applied: exemptions.py."""

    rule: str | None
    key: str | None = None
    reason: str | None = None
    approved_by: str | None = None
    approved_on: Date | None = None
    expires: Date | None = None  # the last day it applies
    where: Where = NOWHERE


# ------------------------------------------------------------------ client dossier


@dataclass(frozen=True)
class Criteria:
    monthly_contract_cny: int | None = None
    monthly_margin_cny: int | None = None
    brand_value: str | None = None
    complex_environment: str | None = None
    high_sla: str | None = None


@dataclass(frozen=True)
class Business:
    main_business: str | None = None
    business_model: str | None = None
    scenarios: str | None = None
    peak_periods: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    id: str
    name: str | None
    kind: str | None
    city: str | None = None
    address: str | None = None
    subnets: tuple[str, ...] = ()
    wan_ipv4: tuple[str, ...] = ()
    wan_ipv6: tuple[str, ...] = ()
    where: Where = NOWHERE


@dataclass(frozen=True)
class NetLine:
    id: str
    a: str | None
    b: str | None
    carrier: str | None = None
    type: str | None = None
    bandwidth_mbps: float | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class BusinessApp:
    name: str
    site: str | None = None
    ip: str | None = None
    domain: str | None = None
    ports: tuple[int, ...] = ()
    impact: str | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Contact:
    name: str
    level: str | None
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    duties: str | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Sla:
    response_minutes: float | None = None
    onsite_hours: float | None = None
    restore_hours: float | None = None


@dataclass(frozen=True)
class Contract:
    number: str | None = None
    start: Date | None = None
    end: Date | None = None
    service_level: str | None = None
    sla: Sla | None = None
    key_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class PastIssue:
    summary: str
    date: Date | None = None
    impact: str | None = None


@dataclass(frozen=True)
class PainPoints:
    history: tuple[PastIssue, ...] = ()
    communication: str | None = None
    expectations: str | None = None


@dataclass(frozen=True)
class NamedText:
    """A titled item: a service-catalog entry, an attachment, a common request."""

    title: str
    text: str | None = None
    steps: tuple[str, ...] = ()
    path: str | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Fault:
    title: str
    date: Date | None = None
    cause: str | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    special_notes: str | None = None
    service_catalog: tuple[NamedText, ...] = ()
    network_model: str | None = None
    typical_faults: tuple[Fault, ...] = ()
    common_requests: tuple[NamedText, ...] = ()
    attachments: tuple[NamedText, ...] = ()
    proofread: Step | None = None  # §7.2.5 内部校对: by whom and when


@dataclass(frozen=True)
class PastAssignment:
    engineer: str
    start: Date | None = None
    end: Date | None = None
    reason: str | None = None
    trigger: str | None = None  # §9.3.2: incidents | assessment | development | departure | load | transition | other
    handover: str | None = None  # §9.3.2 平稳交接: what the successor was handed


@dataclass(frozen=True)
class Split:
    account_manager: int | None = None
    engineer: int | None = None
    agreed_on: Date | None = None
    agreed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    engineer: str | None = None
    backup: str | None = None
    since: Date | None = None
    history: tuple[PastAssignment, ...] = ()
    incentive_split: Split | None = None
    load_plan: str | None = None
    assigned_by: str | None = None  # §7.2.3: the ops manager, after the approval


@dataclass(frozen=True)
class ApplicationForm:
    applicant: Person | None = None
    submitted_on: Date | None = None
    materials_received_on: Date | None = None
    review: Step | None = None
    approval: Step | None = None
    notified_on: Date | None = None
    rejected_reason: str | None = None


@dataclass(frozen=True)
class Event:
    type: str
    occurred_on: Date | None
    summary: str | None
    protection_lead: str | None = None
    recorded_by: str | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Renewal:
    year: int
    renewed_on: Date | None = None
    bonus_cny: int | None = None


@dataclass(frozen=True)
class Tracking:
    """§10.4 step 3: the special-tracking meeting for a client still unresolved at the transition's end."""

    on: Date | None = None
    decision: str | None = None


@dataclass(frozen=True)
class Transition:
    klass: str | None = None  # "class" in YAML
    assessed_on: Date | None = None
    plan: str | None = None
    gaps: tuple[str, ...] = ()
    closed_on: Date | None = None  # when the B-class gaps were closed
    outcome: str | None = None  # C class: paid-service | return-to-standard (§10.4 step 2)
    return_by: Date | None = None  # C class: off dedicated service as it was by this day
    tracking: Tracking | None = None


@dataclass(frozen=True)
class Review:
    """A §8.4 collaboration review of the applying department; the latest decides the status."""

    on: Date | None
    outcome: str | None  # continue | improve | suspend | revoke
    by: tuple[str, ...] = ()
    evidence: str | None = None
    until: Date | None = None  # improve: the department's deadline to improve
    where: Where = NOWHERE


@dataclass(frozen=True)
class Exit:
    """Leaving dedicated service (§9.3.1, §8.4 revoke, §10.4 C class)."""

    on: Date | None = None
    reason: str | None = None  # criteria-lost | retention-replacement | review-revoked | contract-ended | transition-c | priority-ended
    decided_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Period:
    start: Date | None = None
    until: Date | None = None
    reason: str | None = None
    requested_by: str | None = None
    history: tuple[Period, ...] = ()  # §9.3.3: earlier periods of temporary priority (at most 6 months in all)


@dataclass(frozen=True)
class Meeting:
    client: str
    date: Date | None
    kind: str | None = None
    attendees: tuple[str, ...] = ()
    business_updates: str | None = None
    needs_and_risks: str | None = None
    renewal_plan: str | None = None
    conclusions: tuple[str, ...] = ()
    shared_with_engineer_on: Date | None = None
    shared_via: str | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Report:
    basis: str | None = None
    reproduction: str | None = None
    logs: tuple[str, ...] = ()
    screenshots: tuple[str, ...] = ()


@dataclass(frozen=True)
class Handoff:
    client: str
    task_id: str | None
    ticket: str | None = None
    title: str | None = None
    opened_on: Date | None = None
    trigger: str | None = None
    report: Report | None = None
    coordinator: Person | None = None
    owner: Person | None = None
    ask: str | None = None
    status: str | None = None
    suspended_on: Date | None = None
    solution: str | None = None
    closed_on: Date | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Client:
    id: str
    name: str | None
    status: str | None
    folder: str  # the folder name under clients/
    tier: str | None = None
    account_manager: Person | None = None
    criteria: Criteria | None = None
    business: Business | None = None
    sites: tuple[Site, ...] = ()
    lines: tuple[NetLine, ...] = ()
    applications: tuple[BusinessApp, ...] = ()
    contacts: tuple[Contact, ...] = ()
    contract: Contract | None = None
    pain_points: PainPoints | None = None
    knowledge_base: KnowledgeBase | None = None
    assignment: Assignment | None = None
    application: ApplicationForm | None = None
    sync_cadence: str | None = None
    events: tuple[Event, ...] = ()
    renewals: tuple[Renewal, ...] = ()
    transition: Transition | None = None
    temporary_priority: Period | None = None
    reviews: tuple[Review, ...] = ()  # §8.4, in the file's order
    exit: Exit | None = None
    meetings: tuple[Meeting, ...] = ()
    handoffs: tuple[Handoff, ...] = ()
    exemptions: tuple[Exemption, ...] = ()  # the policy's "原则上" cases of this dossier (exemptions.py)
    valid: bool = True  # False when the dossier has schema errors (read leniently)
    where: Where = NOWHERE


# ------------------------------------------------------------------ engineer


@dataclass(frozen=True)
class Certificate:
    name: str
    kind: str | None
    vendor: str | None = None
    grade: str | None = None
    obtained: Date | None = None
    expires: Date | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Pool:
    nomination: Step | None = None
    evaluation: Step | None = None
    appointment: Step | None = None


@dataclass(frozen=True)
class Incident:
    date: Date | None
    summary: str | None
    human_caused: bool = False
    where: Where = NOWHERE


@dataclass(frozen=True)
class Leave:
    start: Date | None
    end: Date | None
    backup: str | None = None
    handover: str | None = None
    where: Where = NOWHERE


@dataclass(frozen=True)
class Kpi:
    period: str
    satisfaction: float | None = None
    mttr_hours: float | None = None
    notes: str | None = None
    result: str | None = None  # the assessment's conclusion: passed | failed (§9.1; failed: §9.3.2)


@dataclass(frozen=True)
class Employment:
    """§4.1 在职: ``status`` active | left, ``left_on`` the last day employed (also ahead of time)."""

    status: str | None = None
    left_on: Date | None = None

    def gone_by(self, day: Date) -> bool:
        """Whether the engineer no longer works here on ``day``."""
        if self.left_on is not None:
            return self.left_on < day
        return self.status == "left"


@dataclass(frozen=True)
class Engineer:
    id: str
    name: str | None
    level: str | None
    ops_since: Date | None = None
    joined_on: Date | None = None
    email: str | None = None
    phone: str | None = None
    handle: str | None = None
    products: tuple[str, ...] = ()
    mobile: str | None = None  # for @-mentions in group-robot reminders (kb remind)
    certifications: tuple[Certificate, ...] = ()
    pool: Pool | None = None
    incidents: tuple[Incident, ...] = ()
    leave: tuple[Leave, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    exemptions: tuple[Exemption, ...] = ()  # of findings about this file (exemptions.py)
    employment: Employment | None = None  # §4.1 在职; None: active
    valid: bool = True
    where: Where = NOWHERE


# ------------------------------------------------------------------ the whole KB


@dataclass(frozen=True)
class CalendarYear:
    """``calendar/<year>.yml``: one year's official holiday arrangement (DESIGN.md §2), for a year
    the calendar package does not cover yet; written by ``kb calendar import``."""

    year: int | None
    source: str | None
    holidays: tuple[tuple[Date, str], ...]
    workdays: tuple[tuple[Date, str], ...]  # the make-up working days (调休上班)
    where: Where

    def table(self) -> YearTable | None:
        """The year as the working-day calendar reads it (None without a year)."""
        from .workdays import YearTable

        if self.year is None:
            return None
        return YearTable(
            self.year, self.where.file, frozenset(d for d, _ in self.holidays), frozenset(d for d, _ in self.workdays)
        )


@dataclass(frozen=True)
class KpiFigures:
    """One engineer's or one client's figures for a quarter, computed from a ticket export by
    ``kb import tickets`` (aggregates only). ``continuity`` is the share (0–1) of the
    ``continuity_tickets`` — tickets of a client while it had a dedicated engineer — that its
    engineer handled, or the backup while the engineer was on recorded leave (§5.1, §5.3)."""

    tickets: int = 0
    resolved: int = 0
    mttr_hours: float | None = None  # mean time to resolve of the resolved tickets
    mttr_median_hours: float | None = None
    satisfaction: float | None = None  # mean of the answers (1–5)
    satisfaction_answers: int = 0
    continuity: float | None = None
    continuity_tickets: int = 0
    where: Where = NOWHERE


@dataclass(frozen=True)
class KpiPeriod:
    """``kpis/<YYYY-Qn>.yml``: one quarter's figures (DESIGN.md §2), written by ``kb import tickets``."""

    period: str | None  # 2026-Q3
    source: str | None  # the export's file name
    sha256: str | None
    rows: int | None  # data rows of the export
    engineers: Mapping[str, KpiFigures]
    clients: Mapping[str, KpiFigures]
    where: Where


@dataclass(frozen=True)
class KB:
    """Everything that was readable, by id; files that could not be read are absent."""

    root: Path
    clients: Mapping[str, Client]
    engineers: Mapping[str, Engineer]
    policy: Policy | None
    known_engineer_ids: frozenset[str] = frozenset()  # includes unreadable engineer files
    files: tuple[str, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict, repr=False)  # the readable files' text
    calendars: tuple[CalendarYear, ...] = ()  # calendar/<year>.yml, by year
    tree: Tree | None = field(default=None, repr=False, compare=False)  # where the files were read (None: root)
    kpis: tuple[KpiPeriod, ...] = ()  # kpis/<YYYY-Qn>.yml, by period

    def work_calendar(self) -> WorkCalendar:
        """Chinese working days: policy.yml's days, the calendar package, then calendar/*.yml."""
        from .workdays import WorkCalendar

        p = self.policy
        tables = [t for t in (c.table() for c in self.calendars) if t is not None]
        return WorkCalendar.from_days(
            (d for d, _ in p.extra_holidays) if p else (), (d for d, _ in p.extra_workdays) if p else (), tables
        )

    def engineer_name(self, eid: str | None) -> str:
        """“张伟（zhang-wei）” for messages; the bare id when unknown."""
        e = self.engineers.get(eid or "")
        return f"{e.name}（{eid}）" if e is not None and e.name else str(eid)
