"""Chinese working days: statutory holidays and 调休 make-up days, with policy overrides.

``chinesecalendar`` knows the State Council's schedule for the years it covers (2004–2026
in 1.11). ``policy.yml``'s ``calendar`` block adds holidays and make-up working days for
later years (and can correct any day). A day in a year that neither covers raises
:class:`CalendarGap` — a rule turns it into a finding naming the year and the fix; we
never guess Monday to Friday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar


class CalendarGap(Exception):
    """No working-day schedule is known for ``year``."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    _policy_years: frozenset[int] = field(default=frozenset(), repr=False)

    @classmethod
    def from_days(cls, holidays: Iterable[dt.date], workdays: Iterable[dt.date]) -> WorkCalendar:
        h, w = frozenset(holidays), frozenset(workdays)
        return cls(h, w, frozenset(d.year for d in h | w))

    def covers(self, year: int) -> bool:
        if year in self._policy_years:
            return True
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year in self._policy_years:  # the policy lists this year's exceptions; the rest is the week
                return day.weekday() < 5
            raise CalendarGap(day.year) from None

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself never counts)."""
        d = day
        left = n
        while left > 0:
            d += dt.timedelta(days=1)
            if self.is_workday(d):
                left -= 1
        return d

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in ``(start, end]``: how many working days ``end`` is after ``start``."""
        if end <= start:
            return 0
        count = 0
        d = start
        while d < end:
            d += dt.timedelta(days=1)
            count += self.is_workday(d)
        return count
