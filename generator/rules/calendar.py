"""Rules: the working-day calendar itself — does it cover the coming year, do its sources agree,
is each ``calendar/<year>.yml`` what its name says.

Every working-day deadline (§8.2's 1 business day, the meeting record) needs the State
Council's holiday arrangement of the year it touches. The calendar package stops at the last
year it was released for; the notice for the next year comes out in Oct–Dec. These rules make
the gap visible in December instead of on 2 January.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..finding import Finding, Severity
from ..model import KB, CalendarYear
from ..workdays import POLICY, Disagreement, WorkCalendar, disagreements
from . import rule
from .common import make

E, W = Severity.ERROR, Severity.WARNING
_WORK = ("工作日", "a working day")
_REST = ("休息日", "a day off")


def _fix(year: int) -> tuple[str, str]:
    return (
        f"国务院办公厅公布《关于{year}年部分节假日安排的通知》后，把通知全文交给 kb calendar import"
        f"（文件，或用 - 从标准输入粘贴），生成 calendar/{year}.yml 并提交；或升级 chinesecalendar。",
        f"When the State Council publishes its {year} holiday notice, pass its text to kb calendar import "
        f"(a file, or - to paste it on standard input) to write calendar/{year}.yml and commit it; or upgrade chinesecalendar.",
    )


@rule("calendar.coverage")
def check_coverage(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """The working-day calendar covers this year, and — from ``calendar.coverage_from`` (1 November
    by default) — the coming year, before it starts."""
    p = kb.policy
    if p is None:
        return
    cal = kb.work_calendar()
    where = p.where.at("calendar")
    if not cal.covers(today.year):
        fix = _fix(today.year)
        yield make(
            E,
            where,
            "calendar.coverage",
            f"今年（{today.year} 年）的法定节假日与调休安排没有任何来源收录，工作日期限无法计算。",
            f"No source covers this year's ({today.year}) holidays and make-up working days: "
            "working-day deadlines cannot be computed.",
            *fix,
            due=today,
        )
    if p.calendar_coverage_from is None:
        return
    month, day = p.calendar_coverage_from
    lead = dt.date(today.year, month, min(day, 28) if (month, day) == (2, 29) else day)
    nxt = today.year + 1
    if today >= lead and not cal.covers(nxt):
        starts = dt.date(nxt, 1, 1)
        left = (starts - today).days
        fix = _fix(nxt)
        yield make(
            W,
            where,
            "calendar.coverage",
            f"{nxt} 年的法定节假日与调休安排尚未收录：还剩 {left} 天到 {starts}，"
            f"之后涉及 {nxt} 年日期的工作日期限将无法计算。",
            f"The {nxt} holidays and make-up working days are not covered yet: {left} days until {starts}; "
            f"after that, working-day deadlines that touch {nxt} cannot be computed.",
            *fix,
            due=starts,
        )


@rule("calendar.conflict")
def check_conflicts(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """Two calendar sources (policy.yml's days, chinesecalendar, calendar/<year>.yml) must not
    disagree about a day: the deadline would depend on which one is read first."""
    if kb.policy is None and not kb.calendars:
        return
    cal = kb.work_calendar()
    for d in disagreements(cal):
        first = _WORK if d.first_says_workday else _REST
        second = _WORK if d.second_says_workday else _REST
        yield make(
            E,
            _where_of(kb, cal, d),
            "calendar.conflict",
            f"{d.day} 在两个来源中不一致：{d.first} 为{first[0]}，{d.second} 为{second[0]}。",
            f"{d.day} is {first[1]} in {d.first} but {second[1]} in {d.second}.",
            "核对国务院办公厅的通知，改正错误的一方（calendar/<year>.yml 可用 kb calendar import --force 重新生成；"
            "policy.yml 的 calendar 只写日历库或通知确实有误的日期）。",
            "Check the State Council's notice and correct the wrong source (regenerate calendar/<year>.yml with "
            "kb calendar import --force; policy.yml's calendar is only for days the package or a notice gets wrong).",
        )


def _where_of(kb: KB, cal: WorkCalendar, d: Disagreement) -> tuple[str, int, int]:
    """The line that states the day: policy.yml's entry, else the year file's entry (or its lists)."""
    if d.first == POLICY and kb.policy is not None:
        p = kb.policy
        for key, days in (("holidays", p.extra_holidays), ("workdays", p.extra_workdays)):
            for i, (day, _) in enumerate(days):
                if day == d.day:
                    return p.where.at("calendar", key, i, "date")
        return p.where.at("calendar")
    for c in kb.calendars:
        if c.where.file == d.second:
            return _entry(c, d.day)
    return ("policy.yml", 1, 1)


def _entry(c: CalendarYear, day: dt.date) -> tuple[str, int, int]:
    for key, days in (("holidays", c.holidays), ("workdays", c.workdays)):
        for i, (d, _) in enumerate(days):
            if d == day:
                return c.where.at(key, i, "date")
    return c.where.at("holidays")


@rule("calendar.file")
def check_files(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """Each ``calendar/<year>.yml`` holds its own year: the name and ``year`` agree, every day lies
    in that year (a 元旦 range may reach a few days into the neighbouring year), make-up working
    days fall on a weekend, and no day is both a holiday and a make-up day."""
    years: dict[int, str] = {}
    for c in kb.calendars:
        stem = c.where.file.rsplit("/", 1)[-1].removesuffix(".yml")
        if c.year is None:
            continue
        if stem != str(c.year):
            yield make(
                E,
                c.where.at("year"),
                "calendar.file",
                f"文件名 {c.where.file} 与年份 year: {c.year} 不一致。",
                f"The file name {c.where.file} does not match year: {c.year}.",
                f"把文件改名为 calendar/{c.year}.yml，或改正 year。",
                f"Rename the file to calendar/{c.year}.yml or correct year.",
            )
        elif c.year in years:
            continue
        years[c.year] = c.where.file
        holidays = {d for d, _ in c.holidays}
        for key, days in (("holidays", c.holidays), ("workdays", c.workdays)):
            for i, (day, _) in enumerate(days):
                where = c.where.at(key, i, "date")
                near = (
                    dt.date(c.year, 1, 1) - dt.timedelta(days=7)
                    <= day
                    <= dt.date(c.year, 12, 31) + dt.timedelta(days=7)
                )
                if day.year != c.year and not (key == "holidays" and near):
                    yield make(
                        E,
                        where,
                        "calendar.file",
                        f"{day} 不在 {c.year} 年内。",
                        f"{day} is not in {c.year}.",
                        "每个年份文件只写该年的安排；用 kb calendar import 重新生成。",
                        "A year file holds only that year's arrangement; regenerate it with kb calendar import.",
                    )
                elif key == "workdays" and day.weekday() < 5:
                    yield make(
                        E,
                        where,
                        "calendar.file",
                        f"调休上班日 {day} 不是周末（调休上班日总在周六或周日）。",
                        f"The make-up working day {day} is not a weekend day (make-up days are Saturdays or Sundays).",
                        "核对通知原文中的日期。",
                        "Check the date against the notice.",
                    )
                elif key == "workdays" and day in holidays:
                    yield make(
                        E,
                        where,
                        "calendar.file",
                        f"{day} 同时列为放假日和调休上班日。",
                        f"{day} is listed both as a holiday and as a make-up working day.",
                        "核对通知原文，删去错误的一项。",
                        "Check the notice and delete the wrong entry.",
                    )
