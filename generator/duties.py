"""The applying department's duties of §8.2 and what it missed: events recorded late (the
one-business-day update duty) and sync periods without a meeting record. Facts, not judgements:
the deadline rules report each miss (``change.1bd``, ``sync.cadence``) and the §8.4 review rule
(``client.review``) counts them, from this one computation.

Pure functions of the model, the history, the working-day calendar and ``today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .facts import add_months
from .history import Commit, History
from .model import KB, Client, Event
from .policy import Policy
from .workdays import CalendarGap, WorkCalendar


@dataclass(frozen=True)
class LateEvent:
    """An event (§8.2) as written down: its first commit, its deadline and how late (0: on time)."""

    client: Client
    event: Event
    commit: Commit  # the commit that first recorded it
    deadline: dt.date
    late: int  # working days after the deadline


@dataclass(frozen=True)
class Period:
    """One month or quarter of the sync cadence (both ends inclusive)."""

    start: dt.date
    end: dt.date
    quarterly: bool


def untrusted(commit: Commit, today: dt.date) -> bool:
    """A commit dated after today: its date says nothing (the history rule points at it), so no
    deadline is judged by it — judging would only yield a nonsense lateness or a calendar gap."""
    return commit.date > today


def lateness(
    cal: WorkCalendar, day: dt.date, workdays: int, recorded: dt.date, gaps: set[int]
) -> tuple[dt.date, int] | None:
    """The deadline ``workdays`` working days after ``day``, and how many working days after it
    ``recorded`` falls (0 when on time); None when a year no calendar covers is in the way — that
    year is added to ``gaps`` (the rules report each such year once)."""
    try:
        deadline = cal.add_workdays(day, workdays)
        return deadline, cal.workdays_between(deadline, recorded) if recorded > deadline else 0
    except CalendarGap as gap:
        gaps.add(gap.year)
        return None


def recorded_events(
    kb: KB, history: History, cal: WorkCalendar, today: dt.date, clients: list[Client] | None = None
) -> tuple[list[LateEvent], set[int]]:
    """Every judged event (§8.2) with the commit that first recorded it, its deadline of
    ``change_business_days`` working days and how late it was (0: on time), and the years no
    calendar covers (their deadlines cannot be computed). Events dated before ``adopted_on`` or
    after today, files with uncommitted changes and commits dated after today are not judged."""
    p = kb.policy
    out: list[LateEvent] = []
    gaps: set[int] = set()
    n = p.change_business_days if p is not None else None
    if p is None or n is None:
        return out, gaps
    for c in clients if clients is not None else list(kb.clients.values()):
        file = c.where.file
        if file in history.dirty:
            continue
        for ev in c.events:
            if ev.occurred_on is None or ev.occurred_on > today or not p.judged(ev.occurred_on):
                continue
            commit = history.first_recorded(file, f"event:{ev.type}:{ev.occurred_on.isoformat()}")
            if commit is None or untrusted(commit, today):
                continue
            judged = lateness(cal, ev.occurred_on, n, commit.date, gaps)
            if judged is not None:
                out.append(LateEvent(c, ev, commit, *judged))
    return out, gaps


def late_events(
    kb: KB, history: History, cal: WorkCalendar, today: dt.date, clients: list[Client] | None = None
) -> tuple[list[LateEvent], set[int]]:
    """The events of :func:`recorded_events` written down after their deadline."""
    events, gaps = recorded_events(kb, history, cal, today, clients)
    return [e for e in events if e.late], gaps


def sync_periods(p: Policy, c: Client, today: dt.date) -> list[Period]:
    """The client's sync periods (§8.2: calendar months, or quarters for a quarterly cadence) from
    the one holding the assignment's start (or ``adopted_on``, when later) to the one holding
    ``today``; none without an assignment date."""
    start = c.assignment.since if c.assignment else None
    if start is None:
        return []
    if p.adopted_on is not None and p.adopted_on > start:
        start = p.adopted_on
    quarterly = (c.sync_cadence or p.default_cadence) == "quarterly"
    step = 3 if quarterly else 1
    first = dt.date(start.year, ((start.month - 1) // step) * step + 1, 1)
    out = []
    day = first
    while day <= today:
        nxt = add_months(day, step)
        out.append(Period(day, nxt - dt.timedelta(days=1), quarterly))
        day = nxt
    return out


def without_meeting(periods: list[Period], c: Client) -> list[Period]:
    """The periods in which no sync meeting of ``c`` is dated."""
    dated = [m.date for m in c.meetings if m.date is not None]
    return [x for x in periods if not any(x.start <= d <= x.end for d in dated)]


def missed_meetings(p: Policy, c: Client, today: dt.date) -> list[Period]:
    """The ended periods (before ``today``) in which a dedicated client had no sync meeting."""
    return [x for x in without_meeting(sync_periods(p, c, today), c) if x.end < today]
