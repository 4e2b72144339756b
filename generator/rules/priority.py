"""Temporary priority (§9.3.3) beyond its dates: who asks for it, whom it is for, how long in all.

``priority.temporary`` in ``clients.py`` checks one period's dates and reason; here: the retention
department asks for it ("由保有部门申请"), it is for a client that does not meet §7.1 yet (one that
does applies for dedicated service — "承诺客户达标后优先安排专属服务，无需排队等待"), and all its
periods together stay within ``temporary_priority_months`` of the first ("在客户努力达标期间（6个月内）").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..facts import criteria_met, period_end
from ..finding import Finding, Severity
from ..model import KB, Client
from ..roles import role
from . import rule
from .common import acted_by, make

E = Severity.ERROR


@rule("priority.temporary", "§9.3.3")
def check_temporary_terms(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§9.3.3: requested by the retention department (policy.yml roles.retention, by name or the
    title 保有部门); not for a client that meets §7.1 (it applies instead); at most
    ``temporary_priority_months`` in all, counted from the first period's start."""
    retention = role(kb.policy, "retention")
    for c in kb.clients.values():
        tp = c.temporary_priority
        if c.status != "temporary-priority" or tp is None:
            continue
        tw = c.where.sub("temporary_priority")
        yield from acted_by(
            retention,
            "temporary_priority.requested_by",
            tp.requested_by,
            (
                tw.at(),
                f"临时优先级服务没有写明申请部门：§9.3.3 由{retention.label}申请。",
                f"Temporary priority does not say who asked for it: the {retention.title_en} does (§9.3.3).",
            ),
            (
                tw.at("requested_by"),
                f"临时优先级须由{retention.label}申请（§9.3.3），记录为：{tp.requested_by}。",
                f"Temporary priority must be asked for by the {retention.title_en} (§9.3.3); recorded: {tp.requested_by}.",
            ),
            "priority.temporary",
            extra_zh="（可加申请人姓名）",
        )
        yield from _qualifies(kb, c)
        yield from _in_all(kb, c)


def _qualifies(kb: KB, c: Client) -> Iterator[Finding]:
    held = criteria_met(c, kb.policy)
    if not held:
        return
    yield make(
        E,
        c.where.at("status"),
        "priority.temporary",
        f"该客户已满足 §7.1 关键客户标准（{'；'.join(held)}）：应申请专属服务，而不是临时优先级"
        "（§9.3.3「承诺客户达标后优先安排专属服务，无需排队等待」；临时优先级只给暂不满足标准的客户）。",
        f"The client meets §7.1 ({'; '.join(held)}): apply for dedicated service instead of temporary priority "
        "(§9.3.3: a client that qualifies is served first, without queueing).",
        "由申请部门填写《专属工程师服务申请表》（application），把 status 改为 applied；临时优先级记录移入 temporary_priority.history。",
        "File the application (application), set status: applied, and move the period to temporary_priority.history.",
    )


def _in_all(kb: KB, c: Client) -> Iterator[Finding]:
    p, tp = kb.policy, c.temporary_priority
    if p is None or p.temporary_priority_months is None or tp is None or not tp.history:
        return
    periods = [x for x in (*tp.history, tp) if x.start is not None and x.until is not None]
    if not periods:
        return
    first = min(x.start for x in periods if x.start is not None)
    last_day = period_end(first, p.temporary_priority_months)
    for x, path in [*((h, ("history", i)) for i, h in enumerate(tp.history)), (tp, ())]:
        if x.until is None or x.until <= last_day:
            continue
        months = p.temporary_priority_months
        yield make(
            E,
            c.where.sub("temporary_priority", *path).at("until"),
            "priority.temporary",
            f"临时优先级自首次 {first} 起合计超过 {months} 个月：各期须在 {last_day} 前结束（§9.3.3「在客户努力达标期间（{months}个月内）」），"
            f"这一期到 {x.until}。",
            f"Temporary priority, first granted on {first}, runs beyond {months} months in all: every period ends by "
            f"{last_day} (§9.3.3); this one runs to {x.until}.",
            "期满仍未达标的客户回归标准服务（status: exited，exit.reason: priority-ended）；达标的申请专属服务。",
            "At the end a client that still does not qualify returns to standard service; one that qualifies applies.",
            due=last_day,
        )
