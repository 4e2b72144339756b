"""The model's vocabulary: facts about records that rules judge, renderers show and derived
figures count — which statuses are active, who serves whom, period arithmetic, whether a
client's knowledge base is complete. Pure functions of the model (STYLE.md habit 12): nothing
here judges; the rules do.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from .model import KB, Client, Review

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
    six months from 2025-08-01 end on 2026-01-31 (§10.3, §9.3.3)."""
    return add_months(start, months) - dt.timedelta(days=1)


def transition_end(kb: KB) -> dt.date | None:
    """The last day of the §10.3 transition (inclusive): ``transition_months`` from ``effective_on``."""
    p = kb.policy
    if p is None or p.effective_on is None or p.transition_months is None:
        return None
    return period_end(p.effective_on, p.transition_months)


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
