"""The one clock: what "today" and "now" are for every command.

``--today`` pins the day for one run; ``KB_TODAY=YYYY-MM-DD`` pins it for a whole shell or CI
job (reproducible builds, reruns of an old pipeline, the test suite). Without either, the day
is the calendar day in China (UTC+8) — the policy's deadlines are Chinese working days, so a
build machine in UTC must not be a day behind in the morning. Nothing else in ``generator``
reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

# China keeps UTC+8 all year (no daylight saving): a fixed offset needs no tz database.
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
ENV = "KB_TODAY"


def wall_now() -> dt.datetime:
    """The wall clock in China time, to the minute."""
    return dt.datetime.now(CHINA).replace(second=0, microsecond=0)


def pinned(environ: Mapping[str, str] | None = None) -> str | None:
    """The value of ``KB_TODAY`` if set and not blank."""
    value = (os.environ if environ is None else environ).get(ENV, "").strip()
    return value or None


def today(value: str | None = None, environ: Mapping[str, str] | None = None) -> dt.date:
    """``value`` (the ``--today`` option), else ``KB_TODAY``, else today in China.
    Raises ValueError for a value that is not an ISO date."""
    text = value or pinned(environ)
    if text:
        return dt.date.fromisoformat(text.strip())
    return wall_now().date()


def now(environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The moment in China time: with ``KB_TODAY`` set, that day at the wall clock's time of day."""
    moment = wall_now()
    text = pinned(environ)
    if text:
        return dt.datetime.combine(dt.date.fromisoformat(text), moment.time(), tzinfo=CHINA)
    return moment
