"""The model's vocabulary: facts about records that rules judge, renderers show and derived
figures count — which statuses are active, who serves whom, period arithmetic, whether a
client's knowledge base is complete. Pure functions of the model (STYLE.md habit 12): nothing
here judges; the rules do.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import KB, Client, Kpi, KpiFigures, Review

if TYPE_CHECKING:
    from .policy import Policy

# Clients whose engineer is serving them now (§7.2.4 service started; §9.3.3 temporary priority).
# A suspended client (§8.4) is not: its tickets go to the standard queue and it does not count
# against its engineer's load, but it keeps its knowledge base (KEEPS_KB).
ACTIVE = ("dedicated", "temporary-priority")
# An application has been filed (§7.2.1) or approved.
APPLIED_OR_LATER = ("applied", "dedicated")

# ------------------------------------------------------------------ the lifecycle (§7.2, §8.4, §9.3, §10.4)
# Every status of the data contract, in the order a client lives through them.
STATES = ("candidate", "applied", "dedicated", "suspended", "temporary-priority", "exited")
# The moves a status may make from one version of client.yml to the next:
# candidate → applied → dedicated ⇄ suspended → exited, and temporary-priority → applied | exited.
# The few moves beyond the picture, each a reading the README lists: a candidate is
# given temporary priority (§9.3.3, that is how a client enters it); an application rejected at
# review goes back to candidate (§7.2.1 驳回); a client that left may apply again.
LIFECYCLE: dict[str, tuple[str, ...]] = {
    "candidate": ("applied", "temporary-priority"),
    "applied": ("dedicated", "candidate"),
    "dedicated": ("suspended", "exited"),
    "suspended": ("dedicated", "exited"),
    "temporary-priority": ("applied", "exited"),
    "exited": ("candidate", "applied"),
}
# Statuses whose knowledge base is kept and published with its completeness (§8.4: a suspended
# client keeps its KB, so that service can resume).
KEEPS_KB = (*ACTIVE, "suspended")


def may_move(old: str, new: str) -> bool:
    """Whether the lifecycle allows the status ``old`` to become ``new`` (staying is allowed)."""
    return old == new or new in LIFECYCLE.get(old, ())


def latest_review(c: Client, on: dt.date) -> Review | None:
    """The client's last §8.4 review dated on or before ``on``: it decides the status now."""
    held = [r for r in c.reviews if r.on is not None and r.on <= on]
    # two reviews on one day: the later in the file is the later decision
    return sorted(held, key=lambda r: r.on or dt.date.min)[-1] if held else None


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus whole months, clamped to the month's last day (2026-08-31 + 6 → 2027-02-28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: dt.date, years: int) -> dt.date:
    return add_months(d, 12 * years)


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` months that begins on ``start`` — inclusive and exact:
    the day before the same day ``months`` on, so six months from 2025-08-01 end on 2026-01-31
    (§10.3, §9.3.3). When that month has no such day (from 2026-08-31: no 2027-02-31) the period
    runs to the month's last day (2027-02-28), not one day short of the clamped date."""
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    if start.day > calendar.monthrange(year, month)[1]:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def transition_end(kb: KB) -> dt.date | None:
    """The last day of the §10.3 transition (inclusive): ``transition_months`` from ``effective_on``."""
    p = kb.policy
    if p is None or p.effective_on is None or p.transition_months is None:
        return None
    return period_end(p.effective_on, p.transition_months)


def criteria_met(c: Client, p: Policy | None) -> list[str]:
    """The §7.1 key-client criteria the client meets, in the policy's words (empty: none): a monthly
    contract above ``key_client.monthly_contract_cny``, a margin above a set ``monthly_margin_cny``,
    brand value, a complex environment, a higher SLA — each with its evidence written."""
    cr = c.criteria
    if cr is None:
        return []
    held = []
    contract, margin = cr.monthly_contract_cny, cr.monthly_margin_cny
    if contract is not None and p and p.monthly_contract_cny is not None and contract > p.monthly_contract_cny:
        held.append(f"月合同金额 {contract:,} 元超过 {p.monthly_contract_cny:,} 元")
    if margin is not None and p and p.monthly_margin_cny is not None and margin > p.monthly_margin_cny:
        held.append(f"月毛利 {margin:,} 元超过 {p.monthly_margin_cny:,} 元")
    for value, zh in ((cr.brand_value, "品牌价值"), (cr.complex_environment, "技术环境复杂"), (cr.high_sla, "高 SLA 要求")):
        if value:
            held.append(f"{zh}：{value}")
    return held


def served_by(kb: KB) -> dict[str, list[Client]]:
    """Active clients per engineer id, in the order they were assigned."""
    out: dict[str, list[Client]] = {}
    for c in kb.clients.values():
        if c.status in ACTIVE and c.assignment is not None and c.assignment.engineer:
            out.setdefault(c.assignment.engineer, []).append(c)
    # A client without an assignment date counts as the newest, so it cannot slip under the limit.
    for clients in out.values():
        clients.sort(key=lambda c: (c.assignment.since if c.assignment and c.assignment.since else dt.date.max, c.id))
    return out


def pre_existing(kb: KB, c: Client) -> bool:
    """A relationship that existed before the policy took effect (准专属服务, §10.1)."""
    p = kb.policy
    if p is None or p.effective_on is None or c.assignment is None:
        return False
    dates = [c.assignment.since, *(h.start for h in c.assignment.history)]
    return any(d is not None and d < p.effective_on for d in dates)


# ------------------------------------------------------------------ the knowledge base of §5.2
# ``kb_sections`` lists the six sections of the client knowledge base and whether each is
# filled; ``kb_completeness`` is the percentage the KPI of §9.1 uses.


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    title_en: str
    filled: bool
    path: tuple[str, ...]  # where the section lives in client.yml
    hint_zh: str
    hint_en: str


def kb_sections(c: Client) -> list[Section]:
    kb = c.knowledge_base
    return [
        Section(
            "special_notes",
            "特殊情况说明",
            "special notes",
            bool(kb and kb.special_notes),
            ("knowledge_base", "special_notes"),
            "填写 knowledge_base.special_notes：变更窗口、审批要求等特殊约定。",
            "Fill in knowledge_base.special_notes.",
        ),
        Section(
            "service_catalog",
            "服务目录信息",
            "service catalog",
            bool(kb and kb.service_catalog),
            ("knowledge_base", "service_catalog"),
            "在 knowledge_base.service_catalog 中列出提供的服务。",
            "List the services under knowledge_base.service_catalog.",
        ),
        Section(
            "network_model",
            "基本网络模型",
            "network model",
            bool(kb and kb.network_model),
            ("knowledge_base", "network_model"),
            "在 knowledge_base.network_model 中描述组网结构。",
            "Describe the network under knowledge_base.network_model.",
        ),
        Section(
            "lines_and_applications",
            "全网线路以及业务应用信息",
            "lines and applications",
            bool(c.lines and c.applications),
            ("lines",) if not c.lines else ("applications",),
            "在 lines 中列出全网线路，在 applications 中列出业务应用。",
            "List the lines and the applications.",
        ),
        Section(
            "typical_faults",
            "典型历史故障信息",
            "typical faults",
            bool(kb and kb.typical_faults),
            ("knowledge_base", "typical_faults"),
            "在 knowledge_base.typical_faults 中记录典型故障：时间、现象、原因、处理。",
            "Record typical faults under knowledge_base.typical_faults.",
        ),
        Section(
            "common_requests",
            "常见服务请求",
            "common requests",
            bool(kb and kb.common_requests),
            ("knowledge_base", "common_requests"),
            "在 knowledge_base.common_requests 中写明常见请求及处理步骤。",
            "Record common requests and their steps under knowledge_base.common_requests.",
        ),
    ]


def kb_completeness(c: Client) -> int:
    """The share of the six §5.2 sections that are filled, in whole percent."""
    sections = kb_sections(c)
    return round(100 * sum(s.filled for s in sections) / len(sections))


def kb_deadline(c: Client, days: int | None) -> dt.date | None:
    """§7.2.5: the day a dedicated client's knowledge base is due — ``days`` (policy.yml
    ``kb_calendar_days``) calendar days after ``application.materials_received_on``; None when
    it has none (not dedicated, no materials date, no deadline set)."""
    a = c.application
    if days is None or c.status != "dedicated" or a is None or a.materials_received_on is None:
        return None
    return a.materials_received_on + dt.timedelta(days=days)


def kb_proofread_on(c: Client, today: dt.date) -> dt.date | None:
    """The day the knowledge base was internally proofread (§7.2.5), when that is recorded for a
    day on or before ``today``; None otherwise."""
    pr = c.knowledge_base.proofread if c.knowledge_base else None
    return pr.on if pr is not None and pr.on is not None and pr.on <= today else None


# ------------------------------------------------------------------ tickets and KPIs (§5.1, §5.3, §9.1)
# Who was a client's engineer on a day (the current assignment from ``since``, earlier ones from
# ``assignment.history``), who stood in during a recorded leave, and a quarter's KPI figures with
# the targets of policy.yml ``kpi`` they miss — read by the ``kpi`` rule, the pages, the
# incentive report and §9.3.2's replacement trigger.


def engineer_on(c: Client, day: dt.date) -> str | None:
    """The client's dedicated engineer on ``day`` (None when it had none)."""
    a = c.assignment
    if a is None:
        return None
    if a.engineer and (a.since is None or a.since <= day) and c.status != "exited":
        return a.engineer
    for h in a.history:
        if (h.start is None or h.start <= day) and (h.end is None or day <= h.end):
            return h.engineer
    return None


def standing_in(kb: KB, c: Client, engineer: str, day: dt.date) -> tuple[str, ...]:
    """Who covers ``engineer`` for ``c`` on ``day``: the leave's backup and the client's backup
    while a recorded leave (§7.4) covers the day; () when the engineer is not on leave."""
    e = kb.engineers.get(engineer)
    if e is None:
        return ()
    for lv in e.leave:
        if lv.start is not None and lv.start <= day <= (lv.end or lv.start):
            return tuple(x for x in (lv.backup, c.assignment.backup if c.assignment else None) if x)
    return ()


def quarter_of(day: dt.date) -> str:
    """``2026-Q3`` for a day in July–September 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of ``2026-Q3``; None for anything else."""
    year, _, q = quarter.partition("-Q")
    if not (year.isdigit() and len(year) == 4 and q in ("1", "2", "3", "4")):
        return None
    first = dt.date(int(year), 3 * int(q) - 2, 1)
    return first, add_months(first, 3) - dt.timedelta(days=1)


def last_ended_quarter(today: dt.date) -> str:
    """The quarter before the one ``today`` is in."""
    return quarter_of(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - dt.timedelta(days=1))


@dataclass(frozen=True)
class KpiView:
    """An engineer's KPI figures for a quarter and where they come from: ``kpis/<q>.yml``
    (imported from tickets, preferred) or the hand-typed ``kpis`` list of ``engineers/<id>.yml``
    (kept readable for KBs from before ``kb import tickets``)."""

    quarter: str
    file: str
    imported: bool
    mttr_hours: float | None
    satisfaction: float | None
    continuity: float | None
    figures: KpiFigures | None = None  # the imported figures
    typed: Kpi | None = None  # the hand-typed entry


def kpi_for(kb: KB, engineer_id: str, quarter: str) -> KpiView | None:
    """The engineer's figures for the quarter: imported ones first, else hand-typed ones."""
    for period in kb.kpis:
        if period.period == quarter and engineer_id in period.engineers:
            f = period.engineers[engineer_id]
            return KpiView(quarter, period.where.file, True, f.mttr_hours, f.satisfaction, f.continuity, figures=f)
    e = kb.engineers.get(engineer_id)
    for k in e.kpis if e is not None else ():
        if k.period == quarter:
            return KpiView(quarter, e.where.file if e else "", False, k.mttr_hours, k.satisfaction, None, typed=k)
    return None


def kpi_quarters(kb: KB, engineer_id: str) -> list[KpiView]:
    """Every quarter with figures for the engineer, oldest first."""
    quarters = {p.period for p in kb.kpis if p.period and engineer_id in p.engineers}
    e = kb.engineers.get(engineer_id)
    quarters |= {k.period for k in (e.kpis if e else ()) if quarter_bounds(k.period) is not None}
    return [v for v in (kpi_for(kb, engineer_id, q) for q in sorted(quarters)) if v is not None]


@dataclass(frozen=True)
class KpiFailure:
    """One target of policy.yml ``kpi`` a quarter's figure misses."""

    quarter: str
    measure: str  # satisfaction | mttr_hours | continuity
    value: float
    target: float  # the minimum (satisfaction, continuity) or maximum (mttr_hours)
    file: str


def kpi_failures(kb: KB, engineer_id: str, quarter: str) -> list[KpiFailure]:
    """The targets the engineer's figures for the quarter miss (§9.1); none when a target is unset
    (the policy gives no numbers: shown, not judged) or there are no figures. §9.3.2's replacement
    trigger reads this."""
    p, v = kb.policy, kpi_for(kb, engineer_id, quarter)
    if p is None or v is None:
        return []
    out = []
    for measure, value, target, low_is_bad in (
        ("satisfaction", v.satisfaction, p.kpi_satisfaction_min, True),
        ("mttr_hours", v.mttr_hours, p.kpi_mttr_max_hours, False),
        ("continuity", v.continuity, p.kpi_continuity_min, True),
    ):
        if value is not None and target is not None and (value < target if low_is_bad else value > target):
            out.append(KpiFailure(quarter, measure, value, target, v.file))
    return out
