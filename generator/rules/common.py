"""What several rule families share: which clients are active, date arithmetic, findings."""

from __future__ import annotations

import calendar
import datetime as dt

from ..finding import Finding, Msg, Severity
from ..model import KB, Client

# Clients whose engineer is serving them now (§7.2.4 service started; §9.3.3 temporary priority).
ACTIVE = ("dedicated", "temporary-priority")
# An application has been filed (§7.2.1) or approved.
APPLIED_OR_LATER = ("applied", "dedicated")


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus whole months, clamped to the month's last day (2026-08-31 + 6 → 2027-02-28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: dt.date, years: int) -> dt.date:
    return add_months(d, 12 * years)


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


def names(clients: list[Client], most: int = 6) -> str:
    """Client names for a message; a long list is cut ("… 等 50 个") so the message stays readable."""
    shown = "、".join(c.name or c.id for c in clients[:most])
    return shown if len(clients) <= most else f"{shown} 等 {len(clients)} 个"


def make(
    severity: Severity,
    where: tuple[str, int, int],
    rule: str,
    zh: str,
    en: str,
    hint_zh: str = "",
    hint_en: str = "",
    due: dt.date | None = None,
) -> Finding:
    return Finding(*where, rule, severity, Msg(zh, en), Msg(hint_zh, hint_en), due)


def pre_existing(kb: KB, c: Client) -> bool:
    """A relationship that existed before the policy took effect (准专属服务, §10.1)."""
    p = kb.policy
    if p is None or p.effective_on is None or c.assignment is None:
        return False
    dates = [c.assignment.since, *(h.start for h in c.assignment.history)]
    return any(d is not None and d < p.effective_on for d in dates)
