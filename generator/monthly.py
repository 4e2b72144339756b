"""The monthly report (``kb report --month YYYY-MM``): what the ops manager tells the department
head — headline figures with the change from the previous month, the month's late and missed
items, meetings due and held, knowledge bases still incomplete, transitions, exemptions in force,
the last quarter's KPIs and the next month's deadlines.

Both month-ends are read with the ``--as-of`` check (pipeline.check at the last first-parent
commit of that day, judged on that day), so the report says what the dashboard said then.

Which month an item belongs to (README "Readings"): an event recorded late belongs to the month
its record was committed — the month the lateness became a fact; a sync period without a meeting
belongs to the month the period ended (its deadline). An event of January recorded late in
February is a February item, and stays out of every later month's list although the dashboard
keeps showing it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from . import asof, exemptions
from .duties import late_events, sync_periods
from .facts import ACTIVE, engineer_on, kb_completeness, kpi_failures, kpi_for, quarter_bounds, quarter_of, served_by
from .finding import Msg, Severity
from .model import KB, Client
from .pipeline import Outcome, Reuse, check
from .remind import deadlines

KB_RULE = "client.kb-30d"


@dataclass(frozen=True)
class Figure:
    """One headline figure at the month's end and at the previous month's end."""

    key: str
    label: Msg
    value: float | None
    previous: float | None
    percent: bool = False

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 4)


@dataclass(frozen=True)
class Item:
    """A late or missed item of the month."""

    client: str  # folder
    client_name: str
    owner: str  # the engineer responsible then, "姓名（id）"
    rule: str
    section: str
    what: Msg
    due: dt.date
    done: dt.date | None  # when it was recorded (None: never — a meeting not held)
    late_workdays: int | None  # working days after the due date; None for a meeting not held


@dataclass(frozen=True)
class Meetings:
    client: str
    client_name: str
    owner: str
    period: str  # 2026-07 or 2026-Q3
    due: dt.date
    held: bool


@dataclass(frozen=True)
class Incomplete:
    client: str
    client_name: str
    owner: str
    completeness: int  # percent
    due: dt.date | None  # the KB's deadline, when a finding says it


@dataclass(frozen=True)
class TransitionRow:
    client: str
    client_name: str
    klass: str
    assessed_on: dt.date | None
    outcome: str
    return_by: dt.date | None
    closed_on: dt.date | None


@dataclass(frozen=True)
class ExemptionRow:
    """An exemption in force at the month's end (exemptions.py judged it current that day)."""

    subject: str  # the client's or engineer's name
    file: str
    rule: str
    key: str
    reason: str
    approved_by: str
    approved_on: dt.date | None
    expires: dt.date | None


@dataclass(frozen=True)
class KpiRow:
    engineer: str
    name: str
    quarter: str
    mttr_hours: float | None
    satisfaction: float | None
    continuity: float | None  # share 0-1
    missed: int  # targets missed


@dataclass(frozen=True)
class DeadlineRow:
    due: dt.date
    subject: str
    rule: str
    section: str
    severity: str
    what: Msg


@dataclass
class MonthReport:
    month: str  # YYYY-MM
    start: dt.date
    end: dt.date
    commit: str | None  # the month-end's commit (None: no commit yet)
    previous_commit: str | None
    figures: list[Figure] = field(default_factory=list)
    late: list[Item] = field(default_factory=list)
    meetings: list[Meetings] = field(default_factory=list)
    incomplete: list[Incomplete] = field(default_factory=list)
    transitions: list[TransitionRow] = field(default_factory=list)
    exemptions: list[ExemptionRow] = field(default_factory=list)
    kpi_quarter: str | None = None
    kpis: list[KpiRow] = field(default_factory=list)
    next_deadlines: list[DeadlineRow] = field(default_factory=list)

    @property
    def meetings_due(self) -> int:
        return len(self.meetings)

    @property
    def meetings_held(self) -> int:
        return sum(1 for m in self.meetings if m.held)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM`` (ValueError for anything else)."""
    year, mon = (int(x) for x in month.split("-"))
    if len(month) != 7 or not 1 <= mon <= 12:
        raise ValueError(month)
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _owner(kb: KB, c: Client, day: dt.date) -> str:
    eid = engineer_on(c, day) or (c.assignment.engineer if c.assignment else None)
    return kb.engineer_name(eid) if eid else "—"


def _sections() -> dict[str, str]:
    from .rules import all_rules

    return {r.id: r.section for r in all_rules()}


def state_at(
    root: Path, day: dt.date, commits: list[tuple[str, int]], reuse: Reuse | None = None
) -> tuple[str, Outcome] | None:
    """The KB as it stood at the end of ``day`` (the --as-of check), or None before the first commit."""
    sha = asof.commit_on(root, day, commits)
    if sha is None:
        return None
    return sha, check(root, day, at=sha, reuse=reuse)


def _late(out: Outcome, start: dt.date, end: dt.date) -> list[Item]:
    kb, history = out.kb, out.history
    if history is None or not history.available:
        return []
    events, _gaps = late_events(kb, history, kb.work_calendar(), end)
    items = []
    for le in events:
        if not start <= le.commit.date <= end:  # recorded in another month: that month's item
            continue
        c, ev = le.client, le.event
        items.append(
            Item(
                c.folder,
                c.name or c.folder,
                _owner(kb, c, ev.occurred_on or le.deadline),
                "change.1bd",
                "§8.2",
                Msg(
                    f"{ev.type}（{ev.occurred_on}）{'：' + ev.summary if ev.summary else ''}",
                    f"{ev.type} ({ev.occurred_on}){': ' + ev.summary if ev.summary else ''}",
                ),
                le.deadline,
                le.commit.date,
                le.late,
            )
        )
    return items


def meetings_in(kb: KB, start: dt.date, end: dt.date) -> list[Meetings]:
    p = kb.policy
    if p is None:
        return []
    rows = []
    for c in sorted(kb.clients.values(), key=lambda c: c.folder):
        if c.status not in ACTIVE:
            continue
        dated = [m.date for m in c.meetings if m.date is not None]
        for period in sync_periods(p, c, end):
            if not start <= period.end <= end:
                continue
            label = (
                f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
                if period.quarterly
                else period.start.strftime("%Y-%m")
            )
            held = any(period.start <= d <= period.end for d in dated)
            rows.append(Meetings(c.folder, c.name or c.folder, _owner(kb, c, period.end), label, period.end, held))
    return rows


def _missed(kb: KB, meetings: list[Meetings]) -> list[Item]:
    return [
        Item(
            m.client,
            m.client_name,
            m.owner,
            "sync.cadence",
            "§8.2",
            Msg(f"{m.period} 同步例会未召开", f"no sync meeting for {m.period}"),
            m.due,
            None,
            None,
        )
        for m in meetings
        if not m.held
    ]


def _incomplete(out: Outcome, end: dt.date) -> list[Incomplete]:
    kb = out.kb
    due = {f.file: f.due for f in out.findings if f.rule == KB_RULE and f.due is not None}
    rows = []
    for c in sorted(kb.clients.values(), key=lambda c: c.folder):
        if c.status not in ACTIVE:
            continue
        score = kb_completeness(c)
        if score < 100:
            rows.append(Incomplete(c.folder, c.name or c.folder, _owner(kb, c, end), score, due.get(c.where.file)))
    return rows


def _transitions(kb: KB) -> list[TransitionRow]:
    return [
        TransitionRow(
            c.folder,
            c.name or c.folder,
            c.transition.klass or "—",
            c.transition.assessed_on,
            c.transition.outcome or "",
            c.transition.return_by,
            c.transition.closed_on,
        )
        for c in sorted(kb.clients.values(), key=lambda c: c.folder)
        if c.transition is not None and c.transition.klass
    ]


def _exemptions(kb: KB, end: dt.date) -> list[ExemptionRow]:
    names = {c.where.file: c.name or c.folder for c in kb.clients.values()}
    names |= {e.where.file: kb.engineer_name(e.id) for e in kb.engineers.values()}
    rows = []
    for j in exemptions.judged(kb, end):
        if not j.current:
            continue
        x = j.exemption
        rows.append(
            ExemptionRow(
                names.get(j.file, j.file), j.file, x.rule or "", x.key or "", x.reason or "", x.approved_by or "",
                x.approved_on, x.expires,
            )
        )
    return sorted(rows, key=lambda r: (r.file, r.rule, r.key))


def _kpi_quarter(end: dt.date) -> str:
    """The last quarter ended on or before ``end``."""
    q = quarter_of(end)
    bounds = quarter_bounds(q)
    if bounds is not None and bounds[1] == end:
        return q
    return quarter_of(dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1) - dt.timedelta(days=1))


def _kpis(kb: KB, quarter: str) -> list[KpiRow]:
    rows = []
    for eid in sorted(kb.engineers):
        v = kpi_for(kb, eid, quarter)
        if v is None:
            continue
        rows.append(
            KpiRow(
                eid,
                kb.engineer_name(eid),
                quarter,
                v.mttr_hours,
                v.satisfaction,
                v.continuity,
                len(kpi_failures(kb, eid, quarter)),
            )
        )
    return rows


def _next(out: Outcome, end: dt.date) -> list[DeadlineRow]:
    """What falls due next month: the dated findings (remind.py's deadlines) and each active
    client's sync meeting whose period ends then (not yet a finding on the month's last day)."""
    start, stop = end + dt.timedelta(days=1), month_bounds((end + dt.timedelta(days=1)).strftime("%Y-%m"))[1]
    rows = []
    for d in deadlines(out.kb, out.findings, _sections()):
        if start <= d.due <= stop:
            rows.append(DeadlineRow(d.due, d.subject.zh, d.rule, d.section, d.severity.value, d.message))
    known = {(r.rule, r.subject, r.due) for r in rows}
    for m in meetings_in(out.kb, start, stop):
        row = DeadlineRow(
            m.due,
            m.client_name,
            "sync.cadence",
            "§8.2",
            Severity.INFO.value,
            Msg(f"{m.period} 同步例会（负责人 {m.owner}）", f"sync meeting of {m.period} (owner {m.owner})"),
        )
        if (row.rule, row.subject, row.due) not in known and not m.held:
            rows.append(row)
    rows.sort(key=lambda r: (r.due, r.subject, r.rule))
    return rows


def _figures(out: Outcome | None, items: list[Item], meetings: list[Meetings]) -> dict[str, float | None]:
    if out is None:
        return {}
    kb = out.kb
    active = [c for c in kb.clients.values() if c.status in ACTIVE]
    load = served_by(kb)
    serving = [len(v) for v in load.values() if v]
    scores = [kb_completeness(c) for c in active]
    return {
        "clients": len(kb.clients),
        "active": len(active),
        "engineers": len(kb.engineers),
        "load": round(sum(serving) / len(serving), 2) if serving else 0,
        "kb": round(sum(scores) / len(scores) / 100, 4) if scores else None,
        "errors": sum(1 for f in out.findings if f.severity is Severity.ERROR),
        "warnings": sum(1 for f in out.findings if f.severity is Severity.WARNING),
        "late": sum(1 for i in items if i.rule == "change.1bd"),
        "meetings_due": len(meetings),
        "meetings_held": sum(1 for m in meetings if m.held),
    }


_LABELS: dict[str, Msg] = {
    "clients": Msg("客户总数", "Clients"),
    "active": Msg("专属服务中的重点客户", "Key clients in dedicated service"),
    "engineers": Msg("专属工程师", "Dedicated engineers"),
    "load": Msg("每名在岗工程师平均服务客户数", "Clients per serving engineer"),
    "kb": Msg("知识库平均完善度", "Average KB completeness"),
    "errors": Msg("错误", "Errors"),
    "warnings": Msg("警告", "Warnings"),
    "late": Msg("本月晚报的事件", "Events recorded late this month"),
    "meetings_due": Msg("本月应开同步例会", "Sync meetings due this month"),
    "meetings_held": Msg("本月已开同步例会", "Sync meetings held this month"),
}


def _month_items(out: Outcome | None, start: dt.date, end: dt.date) -> tuple[list[Item], list[Meetings]]:
    if out is None:
        return [], []
    meetings = meetings_in(out.kb, start, end)
    items = _late(out, start, end) + _missed(out.kb, meetings)
    items.sort(key=lambda i: (i.due, i.client, i.rule))
    return items, meetings


def monthly_report(root: Path, month: str) -> MonthReport:
    """The report for ``month`` (YYYY-MM) of the KB at ``root``, from git (ValueError: bad month)."""
    start, end = month_bounds(month)
    prev_end = start - dt.timedelta(days=1)
    prev_start = prev_end.replace(day=1)
    commits = asof.first_parent_commits(root)
    reuse = Reuse(root, commits)  # the two month-ends share their unchanged files and one history read
    before = state_at(root, prev_end, commits, reuse)
    now = state_at(root, end, commits, reuse)
    out = now[1] if now else None
    prev = before[1] if before else None
    items, meetings = _month_items(out, start, end)
    prev_items, prev_meetings = _month_items(prev, prev_start, prev_end)
    this, last = _figures(out, items, meetings), _figures(prev, prev_items, prev_meetings)
    report = MonthReport(month, start, end, now[0] if now else None, before[0] if before else None)
    report.figures = [Figure(k, label, this.get(k), last.get(k), k == "kb") for k, label in _LABELS.items()]
    report.late, report.meetings = items, meetings
    if out is not None:
        report.incomplete = _incomplete(out, end)
        report.transitions = _transitions(out.kb)
        report.exemptions = _exemptions(out.kb, end)
        report.kpi_quarter = _kpi_quarter(end)
        report.kpis = _kpis(out.kb, report.kpi_quarter)
        report.next_deadlines = _next(out, end)
    return report
