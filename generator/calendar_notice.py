"""Read the State Council's yearly holiday notice (国务院办公厅关于 YYYY 年部分节假日安排的通知).

Pure: text in, :class:`Notice` out. Nothing is guessed: a text is taken whole or refused,
each refusal a :class:`NoticeProblem` with its line and column.

What is read (full-width and ASCII punctuation alike, U+3000 indentation, CRLF):

* **The year** from the title (``关于2026年部分节假日安排``) or the preamble (``现将2026年…``),
  never from the signature date; ``year=`` overrides both.
* **Items**: a line ``一、`` … ``十、`` with the festival names and a colon (``六、国庆节、中秋节：``),
  then sentences ending in ``。`` or ``；``::

      sentence := "鼓励…"                                  (encouragement: not an arrangement)
                | dates ("上班"|"补休") tails               (make-up working days | days off)
                | span "放假" ["调休"|"公休"] [N "天"] tails  (a holiday range)
      span     := date [("至"|"—"|"～") date]
      dates    := date {("、"|"，"|"和") date}
      tails    := {"，" ("共" N "天" | "与周末连休" | "不调休" | dates ("上班"|"补休"))}
      date     := [YYYY "年"] [M "月"] D "日" ["（" part {"、" part} "）"]
      part     := ("周"|"星期") ("一"…"六"|"日"|"天")  |  "农历…"  |  "除夕"

  N is written in digits or Chinese numerals (三). A date without its month (``至3日``) takes
  the month and year of the date before it; a date without a year is in the notice's year.
* A line after the first item that is not an item but holds a month-day date and 放假, 上班,
  休息, 补休 or 调休 continues the item above it and must read the same way. The preamble,
  addressees, closing paragraph, issuing office and signature are not arrangements.

Checks: the date exists; it lies in the year (a date of the adjacent year only when written
with its year and within 7 days of the boundary, as ``2022年12月31日至2023年1月2日``); a
bracketed weekday matches; ``共N天`` matches the range; a range does not end before it starts;
make-up days are Saturdays or Sundays and not also holidays; something was arranged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from .finding import Msg


@dataclass(frozen=True)
class Day:
    date: dt.date
    name: str  # the item's festival name(s), e.g. "国庆节、中秋节"


@dataclass(frozen=True)
class NoticeProblem:
    line: int  # 1-based, in the text as given
    column: int  # 1-based
    message: Msg
    hint: Msg


@dataclass(frozen=True)
class Notice:
    """``holidays``: every day of each 放假 range (weekends included), sorted; ``workdays``: the
    make-up working days (调休上班). Both are empty when there is any problem."""

    year: int | None
    holidays: tuple[Day, ...]
    workdays: tuple[Day, ...]
    problems: tuple[NoticeProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.holidays)


# One character for one, so columns in the normalized line are columns in the text.
_ASCII = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "。": ".", "；": ";", "．": ".",
                        "\u3000": " ", "\t": " ", **{chr(0xFF10 + i): str(i) for i in range(10)}})
_TITLE_YEAR = re.compile(r"关于\s*(?P<y>[0-9]{4})\s*年|现将\s*(?:调整\s*)?(?P<p>[0-9]{4})\s*年")  # title | preamble
_ITEM = re.compile(r"\s*[一二三四五六七八九十]+\s*[、.]\s*")  # 一、 … 十、
_ITEM_NAME = re.compile(r"(?P<name>[^:,.;0-9()]+?)\s*:")  # 国庆节、中秋节：
_MONTH_DAY = re.compile(r"[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日")
_ARRANGING = re.compile(r"放假|上班|休息|补休|调休")  # with a month-day date: a sentence that must be read
_DATE = re.compile(r"\s*(?P<date>(?:(?P<year>[0-9]{4})\s*年\s*)?(?:(?P<month>[0-9]{1,2})\s*月\s*)?(?P<day>[0-9]{1,2})\s*日)")
_BRACKET = re.compile(r"\s*\((?P<inner>[^()]*)\)")  # (农历除夕、周二)
_WEEKDAY = re.compile(r"(?:周|星期)(?P<d>[一二三四五六日天])")
_LUNAR = re.compile(r"农历\S+|除夕")
_TO = re.compile(r"\s*(?:至|[-—–－~～]+)")  # older notices write ranges with dashes
_AND = re.compile(r"\s*[、,和]")  # between the dates of a list
_NUMBER = r"(?P<n>[0-9]{1,3}|[一二三四五六七八九十]{1,3})"
_REST = re.compile(r"\s*放假(?:调休|公休)?(?:\s*" + _NUMBER + r"\s*天)?")  # 放假调休 / 放假1天
_WORK = re.compile(r"\s*(?P<kind>上班|补休)")  # after dates: make-up days, or days off in lieu
_COMMA = re.compile(r"\s*,")
_COUNT = re.compile(r"\s*共\s*" + _NUMBER + r"\s*天")
_NO_EFFECT = re.compile(r"\s*(?:与周末连休|不调休)")  # says nothing the dates do not
_ENCOURAGEMENT = re.compile(r"\s*[^.;0-9]*鼓励[^.;]*")  # 鼓励 before any date: advice, not a holiday
_END = re.compile(r"\s*(?:[.;]|$)")
_SENTENCES = re.compile(r"[^.;]+")

_WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HINT_FORM = Msg("按通知原文粘贴，例如“1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。”",
                 "paste the notice as published, e.g. “1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。”")
_HINT_DATE = Msg("核对通知原文中的这个日期", "check this date against the published notice")


@dataclass(frozen=True)
class _Written:
    """A date as written: ``year`` None means the notice's year."""

    year: int | None
    month: int
    day: int
    weekday: int | None
    line: int
    column: int
    text: str


@dataclass(frozen=True)
class _Said:
    """One holiday range (``end`` None: one day) or one make-up day, as the notice says it."""

    work: bool
    start: _Written
    end: _Written | None
    count: int | None  # 共N天 / 放假N天
    count_column: int
    name: str


class _Unreadable(Exception):
    def __init__(self, pos: int, clause: int, expected: Msg) -> None:
        super().__init__(pos)
        self.pos, self.clause, self.expected = pos, clause, expected


def _number(s: str) -> int:
    """3 or 三 (up to 九十九); 0 for a malformed numeral, which the day count then refuses."""
    if s.isdigit():
        return int(s)
    digit = {c: i for i, c in enumerate("一二三四五六七八九", 1)}
    tens, _, ones = s.rpartition("十")
    if "十" not in s:
        return digit.get(s, 0) if len(s) == 1 else 0
    return (digit.get(tens, 0) if tens else 1) * 10 + (digit.get(ones, 0) if ones else 0)


class _Sentence:
    """Reads one sentence of an item from ``pos`` in a normalized line (grammar: module doc)."""

    def __init__(self, s: str, pos: int, line: int, name: str) -> None:
        self.s, self.pos, self.clause, self.line, self.name = s, pos, pos, line, name

    def take(self, rx: re.Pattern[str]) -> re.Match[str] | None:
        m = rx.match(self.s, self.pos)
        if m:
            self.pos = m.end()
        return m

    def need(self, rx: re.Pattern[str], expected: Msg) -> re.Match[str]:
        m = self.take(rx)
        if m is None:
            raise _Unreadable(self.pos, self.clause, expected)
        return m

    def date(self, prev: _Written | None) -> _Written | None:
        m = _DATE.match(self.s, self.pos)
        if m is None:
            return None
        if m["month"]:
            year, month = (int(m["year"]) if m["year"] else None), int(m["month"])
        elif prev is not None and not m["year"]:  # "至3日": the month and year of the date before
            year, month = prev.year, prev.month
        else:
            return None
        self.pos = m.end()
        weekday = None
        if b := self.take(_BRACKET):
            for part in re.split(r"[、,]", b["inner"]):
                if (w := _WEEKDAY.fullmatch(part.strip())) and weekday is None:
                    weekday = min("一二三四五六日天".index(w["d"]), 6)
                elif not _LUNAR.fullmatch(part.strip()):
                    raise _Unreadable(b.start("inner"), self.clause, Msg("星期（如“周四”）或农历日期", "a weekday (周四) or a lunar date"))
        return _Written(year, month, int(m["day"]), weekday, self.line, m.start("date") + 1, m["date"])

    def dates(self, expected: Msg) -> list[_Written]:
        """date {、 date}: the first with its month."""
        first = self.date(None)
        if first is None:
            raise _Unreadable(self.pos, self.clause, expected)
        out = [first]
        while True:
            at = self.pos
            if not self.take(_AND) or (d := self.date(out[-1])) is None:
                self.pos = at
                return out
            out.append(d)

    def days_off_or_on(self, days: list[_Written], expected: Msg) -> list[_Said]:
        """What follows a list of dates: 上班 (make-up days) or 补休 (days off)."""
        kind = self.need(_WORK, expected)["kind"]
        return [_Said(kind == "上班", d, None, None, 0, self.name) for d in days]

    def read(self) -> list[_Said]:
        if self.take(_ENCOURAGEMENT):  # 鼓励…安排职工在除夕（2月9日）休息
            self.need(_END, Msg("句末", "the end of the sentence"))
            return []
        first = self.dates(Msg("以日期开头的放假或上班安排", "an arrangement that starts with a date"))
        end = None
        if len(first) == 1 and self.take(_TO) and (end := self.date(first[0])) is None:
            raise _Unreadable(self.pos, self.clause, Msg("“至”后面的结束日期", "the end date after 至"))
        holiday: _Said | None = None
        said: list[_Said] = []
        if len(first) == 1 and (rest := self.take(_REST)):
            holiday = _Said(False, first[0], end, _number(rest["n"]) if rest["n"] else None, rest.start("n") + 1, self.name)
        elif end is not None:
            raise _Unreadable(self.pos, self.clause, Msg("“放假”", "放假"))
        else:
            said += self.days_off_or_on(first, Msg("“至”、“放假”、“上班”或“补休”", "至, 放假, 上班 or 补休"))
        while self.take(_COMMA):
            self.clause = self.pos
            if holiday is not None and (m := self.take(_COUNT)):
                holiday = replace(holiday, count=_number(m["n"]), count_column=m.start("n") + 1)
            elif not self.take(_NO_EFFECT):
                more = self.dates(Msg("“共N天”或日期", "共N天 or a date"))
                said += self.days_off_or_on(more, Msg("“上班”或“补休”", "上班 or 补休"))
        self.need(_END, Msg("句号（“。”）", "the end of the sentence (。)"))
        return ([holiday] if holiday else []) + said


def _find_year(lines: list[str], problems: list[NoticeProblem]) -> int | None:
    """The year the title and preamble name (they must agree)."""
    found: int | None = None
    for no, s in enumerate(lines, 1):
        for m in _TITLE_YEAR.finditer(s):
            y = int(m["y"] or m["p"])
            if found is not None and y != found:
                problems.append(NoticeProblem(no, m.start() + 1, Msg(f"标题和正文的年份不一致：{found}年与{y}年", f"the title and the text disagree on the year: {found} and {y}"),
                                              Msg("粘贴同一份通知的全文", "paste one notice, whole")))
            found = y if found is None else found
    return found


def _unreadable(no: int, raw: str, e: _Unreadable) -> NoticeProblem:
    """Quotes the rest of the sentence from where reading stopped (or the clause, at its end)."""
    tail = _SENTENCES.match(raw.translate(_ASCII), e.pos)
    quote = (raw[e.pos:tail.end()] if tail else raw[e.clause:e.pos]).strip() or raw[e.clause:e.pos].strip()
    quote = quote if len(quote) <= 40 else quote[:40] + "…"
    return NoticeProblem(no, e.pos + 1, Msg(f"读不懂“{quote}”：这里应为{e.expected.zh}", f"cannot read “{quote}”: expected {e.expected.en} here"), _HINT_FORM)


def _read_lines(raw_lines: list[str], problems: list[NoticeProblem]) -> tuple[list[_Said], int]:
    """Everything the items say, and the index of the first item line (len(lines) if none)."""
    said: list[_Said] = []
    name = ""
    first_item = len(raw_lines)
    for i, raw in enumerate(raw_lines):
        s = raw.translate(_ASCII)
        head = _ITEM.match(s)
        spans: list[tuple[int, int]] = []
        if head and (_ARRANGING.search(s) or _MONTH_DAY.search(s)):
            first_item = min(first_item, i)
            m = _ITEM_NAME.match(s, head.end())
            if m is None:
                problems.append(NoticeProblem(i + 1, head.end() + 1, Msg("条目缺少节日名称和冒号（应为“三、清明节：……”）", "the item lacks its festival name and colon (三、清明节：…)"), _HINT_FORM))
                continue
            name, spans = m["name"].strip(), [(m.end(), len(s))]
        elif i > first_item:  # the items began: a sentence arranging days continues the item above
            spans = [m.span() for m in _SENTENCES.finditer(s) if _MONTH_DAY.search(m[0]) and _ARRANGING.search(m[0])]
        for pos, stop in spans:
            while pos < stop and s[pos:stop].strip():
                reader = _Sentence(s, pos, i + 1, name)
                try:
                    said += reader.read()
                    pos = reader.pos
                except _Unreadable as e:  # report it, then read on from the next sentence
                    problems.append(_unreadable(i + 1, raw, e))
                    tail = _SENTENCES.match(s, e.pos)
                    pos = tail.end() + 1 if tail else e.pos + 1
    return said, first_item


def _problem(w: _Written, zh: str, en: str, hint: Msg = _HINT_DATE) -> NoticeProblem:
    return NoticeProblem(w.line, w.column, Msg(zh, en), hint)


def _resolve(w: _Written, year: int, problems: list[NoticeProblem]) -> dt.date | None:
    try:
        d = dt.date(w.year if w.year is not None else year, w.month, w.day)
    except ValueError:
        problems.append(_problem(w, f"日期不存在：{w.text}", f"no such date: {w.text}"))
        return None
    if d.year != year and not dt.date(year - 1, 12, 25) <= d <= dt.date(year + 1, 1, 7):
        problems.append(_problem(w, f"{w.text}不在{year}年内", f"{w.text} is not in {year}",
                                 Msg("相邻年份的日期须写明年份且离年界不超过7天，如“2022年12月31日”",
                                     "a date of the adjacent year is written with its year and lies within 7 days of the boundary, e.g. 2022年12月31日")))
        return None
    if w.weekday is not None and w.weekday != d.weekday():
        problems.append(_problem(w, f"{w.text}是{_WEEKDAY_ZH[d.weekday()]}，括号里写的却是{_WEEKDAY_ZH[w.weekday]}",
                                 f"{d.isoformat()} is a {_WEEKDAY_EN[d.weekday()]}, not a {_WEEKDAY_EN[w.weekday]}"))
    return d


def _days(said: list[_Said], year: int, problems: list[NoticeProblem]) -> tuple[dict[dt.date, str], dict[dt.date, _Said]]:
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, _Said] = {}
    for it in said:
        start = _resolve(it.start, year, problems)
        end = _resolve(it.end, year, problems) if it.end is not None else start
        if start is None or end is None:
            continue
        if it.work:
            if start.weekday() < 5:
                problems.append(_problem(it.start, f"调休上班日{it.start.text}是{_WEEKDAY_ZH[start.weekday()]}，不是周六或周日",
                                         f"the make-up working day {start.isoformat()} is a {_WEEKDAY_EN[start.weekday()]}, not a Saturday or Sunday"))
            workdays.setdefault(start, it)
            continue
        if end < start:
            problems.append(_problem(it.end or it.start, f"结束日期{end.isoformat()}早于开始日期{start.isoformat()}",
                                     f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                                     Msg("跨年的日期要写明年份，如“2022年12月31日至2023年1月2日”", "write the year of a date across the year boundary, e.g. 2022年12月31日至2023年1月2日")))
            continue
        length = (end - start).days + 1
        if it.count is not None and it.count != length:
            problems.append(NoticeProblem(it.start.line, it.count_column, Msg(f"写着共{it.count}天，但{start.isoformat()}至{end.isoformat()}是{length}天",
                                          f"it says {it.count} days, but {start.isoformat()} to {end.isoformat()} is {length}"), _HINT_DATE))
        for k in range(length):
            holidays.setdefault(start + dt.timedelta(days=k), it.name)
    for d, it in workdays.items():
        if d in holidays:
            problems.append(_problem(it.start, f"{d.isoformat()}既是放假日又是调休上班日", f"{d.isoformat()} is both a holiday and a make-up working day"))
    return holidays, workdays


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read a notice pasted as text (the module docstring says what is understood).

    ``year`` overrides the year of the title and preamble. Any problem empties the days: a
    caller writes nothing unless :attr:`Notice.ok`.
    """
    raw_lines = [raw.removesuffix("\r") for raw in text.split("\n")]
    problems: list[NoticeProblem] = []
    said, first_item = _read_lines(raw_lines, problems)
    unreadable = bool(problems)
    if year is None:
        year = _find_year([s.translate(_ASCII) for s in raw_lines[:first_item]], problems)
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, _Said] = {}
    if year is None or not 1950 <= year <= 2999:
        problems.append(NoticeProblem(1, 1, Msg("找不到通知的年份", "the notice's year is missing") if year is None else Msg(f"年份{year}不合理", f"{year} is not a plausible year"),
                                      Msg("连同标题“国务院办公厅关于2026年部分节假日安排的通知”一起粘贴，或明确给出年份",
                                          "paste the title (国务院办公厅关于2026年部分节假日安排的通知) too, or give the year")))
    else:
        holidays, workdays = _days(said, year, problems)
    if not unreadable and all(it.work for it in said):  # read it all, and no day off in it
        problems.append(NoticeProblem(1, 1, Msg("没有找到任何放假安排", "no holiday arrangement found"),
                                      Msg("粘贴通知全文，包括“一、元旦：……”等条目", "paste the whole notice, with its items (一、元旦：…)")))
    if problems:
        return Notice(year, (), (), tuple(sorted(problems, key=lambda p: (p.line, p.column))))
    return Notice(year, tuple(Day(d, n) for d, n in sorted(holidays.items())),
                  tuple(Day(d, workdays[d].name) for d in sorted(workdays)), ())
