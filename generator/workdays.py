"""Chinese working days: statutory holidays and 调休 make-up days, from three sources.

1. ``policy.yml``'s ``calendar`` block: single days, holidays or make-up working days (a
   correction of any day, or a few days of a year nothing else covers yet);
2. ``chinesecalendar``, which knows the State Council's schedule for the years it covers
   (2004–2026 in 1.11);
3. ``calendar/<year>.yml``: a whole year's notice, written by ``kb calendar import``.

A day is answered by the first source that knows it, in that order. A day in a year that none
covers raises :class:`CalendarGap` — a rule turns it into a finding naming the year and the
fix; we never guess Monday to Friday. Where two sources disagree about a day,
:func:`disagreements` lists it (the ``calendar.conflict`` rule reports it as an error).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import chinese_calendar


class CalendarGap(Exception):
    """No working-day schedule is known for ``year``."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year


PACKAGE = "chinesecalendar"
POLICY = "policy.yml"


@dataclass(frozen=True)
class YearTable:
    """One year's complete arrangement from a ``calendar/<year>.yml`` file: every holiday and
    every make-up working day; any other day is a working day from Monday to Friday."""

    year: int
    source: str  # the file, e.g. calendar/2027.yml
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    def is_workday(self, day: dt.date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def package_is_workday(day: dt.date) -> bool | None:
    """What ``chinesecalendar`` says of ``day``; None for a year it does not cover."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def package_covers(year: int) -> bool:
    return package_is_workday(dt.date(year, 6, 1)) is not None


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = frozenset()  # policy.yml's single days
    workdays: frozenset[dt.date] = frozenset()
    _policy_years: frozenset[int] = field(default=frozenset(), repr=False)
    tables: Mapping[int, YearTable] = field(default_factory=dict, repr=False)  # calendar/<year>.yml

    @classmethod
    def from_days(
        cls, holidays: Iterable[dt.date], workdays: Iterable[dt.date], tables: Iterable[YearTable] = ()
    ) -> WorkCalendar:
        h, w = frozenset(holidays), frozenset(workdays)
        return cls(h, w, frozenset(d.year for d in h | w), {t.year: t for t in tables})

    def covers(self, year: int) -> bool:
        return self.source_of(year) is not None

    def source_of(self, year: int) -> str | None:
        """Which source answers for ``year`` beyond policy.yml's single days (None: no source)."""
        if package_covers(year):
            return PACKAGE
        if year in self.tables:
            return self.tables[year].source
        if year in self._policy_years:
            return POLICY
        return None

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        known = package_is_workday(day)
        if known is not None:
            return known
        table = self.tables.get(day.year)
        if table is not None:
            return table.is_workday(day)
        if day.year in self._policy_years:  # the policy lists this year's exceptions; the rest is the week
            return day.weekday() < 5
        raise CalendarGap(day.year)

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


@dataclass(frozen=True)
class Disagreement:
    """Two sources say different things of one day."""

    day: dt.date
    first: str  # the source that answers (policy.yml, chinesecalendar, calendar/<year>.yml)
    first_says_workday: bool
    second: str
    second_says_workday: bool


def disagreements(cal: WorkCalendar) -> Iterator[Disagreement]:
    """Every day on which two sources disagree: policy.yml's days against the package and the
    year files, and each year file against the package, day by day over its year."""
    for day in sorted(cal.holidays | cal.workdays):
        says = day in cal.workdays
        for name, other in ((PACKAGE, package_is_workday(day)), _table_says(cal, day)):
            if other is not None and other != says:
                yield Disagreement(day, POLICY, says, name, other)
    for year, table in sorted(cal.tables.items()):
        if not package_covers(year):
            continue
        day = dt.date(year, 1, 1)
        while day.year == year:
            package = package_is_workday(day)
            if package is not None and package != table.is_workday(day):
                yield Disagreement(day, PACKAGE, package, table.source, table.is_workday(day))
            day += dt.timedelta(days=1)


def _table_says(cal: WorkCalendar, day: dt.date) -> tuple[str, bool | None]:
    table = cal.tables.get(day.year)
    return (table.source, table.is_workday(day)) if table is not None else ("", None)
