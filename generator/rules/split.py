"""When the retention-bonus split was agreed (§9.2.3): "在服务指派之初 … 以书面形式备案".

The split is part of the rule ``incentive.split`` (its content is checked in ``clients.py``).
Here: it is agreed no later than the start of the assignment it was agreed for, plus
``incentive.split_grace_days`` (a past fact: a warning that stays on the dashboard), and in any
case before a renewal it pays — finance pays by the split recorded beforehand (§9.2.4), so a
renewal dated before it has none (an error; the incentive report refuses that renewal too).
A relationship older than the policy (§10.1 准专属) had no split to agree: its split is due by
the end of the transition (§10.3), when such clients complete their papers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..facts import transition_end
from ..finding import Finding, Severity
from ..model import KB, Client
from . import rule
from .common import make

E, W = Severity.ERROR, Severity.WARNING

# Statuses whose split has paid or will pay renewals (§9.2, §9.3.1).
_PAYING = ("dedicated", "suspended", "exited")


def _starts(c: Client) -> list[dt.date]:
    """The start of every stint of dedicated service, in order."""
    a = c.assignment
    if a is None:
        return []
    days = [h.start for h in a.history if h.start is not None]
    if a.engineer and a.since is not None and c.status != "exited":
        days.append(a.since)
    return sorted(days)


def split_due(kb: KB, c: Client, agreed_on: dt.date) -> tuple[dt.date, dt.date] | None:
    """(the start of the assignment the split was agreed for, the last day it could be agreed);
    None when it was agreed before any service began."""
    started = [d for d in _starts(c) if d <= agreed_on]
    if not started:
        return None
    start = started[-1]
    p = kb.policy
    grace = p.split_grace_days if p is not None else 0
    if p is not None and p.effective_on is not None and start < p.effective_on:
        end = transition_end(kb)  # a pre-existing relationship: by the end of the transition
        return start, (end or p.effective_on) + dt.timedelta(days=grace)
    return start, start + dt.timedelta(days=grace)


@rule("incentive.split", "§9.2.3")
def check_split_timing(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§9.2.3: the split is agreed at the start of the assignment (within ``split_grace_days``;
    a warning when late) and before every renewal it pays (an error: §9.2.4 pays by the split
    recorded beforehand)."""
    p = kb.policy
    effective = p.effective_on if p else None
    for c in kb.clients.values():
        a = c.assignment
        split = a.incentive_split if a else None
        if c.status not in _PAYING or split is None or split.agreed_on is None:
            continue
        starts = _starts(c)
        if not starts:
            continue
        sw = c.where.sub("assignment", "incentive_split")
        paid_from = max(starts[0], effective) if effective else starts[0]
        early = [
            (i, r)
            for i, r in enumerate(c.renewals)
            if r.renewed_on is not None and paid_from <= r.renewed_on < split.agreed_on
        ]
        for i, r in early:
            yield make(
                E,
                c.where.at("renewals", i, "renewed_on"),
                "incentive.split",
                f"{r.year} 年的续约（{r.renewed_on}）早于分配比例的备案日期 {split.agreed_on}：§9.2.4 财务按事先备案的比例核算发放，"
                "这次续约没有事先备案的比例（§9.2.3「在服务指派之初」商定并书面备案）。",
                f"The {r.year} renewal ({r.renewed_on}) is dated before the split was agreed ({split.agreed_on}): "
                "finance pays by the split recorded beforehand (§9.2.4), and this renewal had none (§9.2.3).",
                "若比例其实在续约前已书面备案，把 agreed_on 改为备案日期；否则由两位总监就这次续约的分配另行书面确认，"
                "在 exemptions 中记录（rule: incentive.split）。",
                "If the split was recorded before the renewal, correct agreed_on; otherwise the two directors confirm "
                "this renewal's split in writing, recorded under exemptions (rule: incentive.split).",
            )
        if early:
            continue
        due = split_due(kb, c, split.agreed_on)
        if due is None or split.agreed_on <= due[1]:
            continue
        start, last = due
        late = (split.agreed_on - last).days
        yield make(
            W,
            sw.at("agreed_on"),
            "incentive.split",
            f"分配比例于 {split.agreed_on} 才商定备案，服务自 {start} 开始：§9.2.3 要求在服务指派之初书面备案"
            f"（最晚 {last}，晚了 {late} 天）。历史无法更改：此条保留在合规看板上。",
            f"The split was agreed on {split.agreed_on}, the service started on {start}: §9.2.3 asks for it at the "
            f"start of the assignment (by {last}, {late} days late). History cannot change: this stays on the dashboard.",
            "今后的指派在开始服务前（policy.yml 的 incentive.split_grace_days 宽限内）由两位总监商定并备案。",
            "For later assignments, agree and record the split before the service starts (within incentive.split_grace_days).",
        )
