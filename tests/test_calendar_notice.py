"""The State Council notice parser, checked against chinesecalendar's days (data no one here wrote)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.calendar_notice import Day, Notice, parse_notice

NOTICES = Path(__file__).resolve().parent / "fixtures" / "notices"
TITLE = "国务院办公厅关于2026年部分节假日安排的通知\n"


def notice_text(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def days_of(year: int, last: dt.date | None = None) -> list[dt.date]:
    d, out = dt.date(year, 1, 1), []
    while d.year == year and (last is None or d <= last):
        out.append(d)
        d += dt.timedelta(days=1)
    return out


def dates(days: tuple[Day, ...]) -> set[dt.date]:
    return {x.date for x in days}


def assert_agrees(notices: list[Notice], year: int, last: dt.date | None = None) -> None:
    """Day by day over ``year`` (up to ``last``): working or not, as chinesecalendar says."""
    holidays = set().union(*(dates(n.holidays) for n in notices))
    workdays = set().union(*(dates(n.workdays) for n in notices))
    wrong = [d for d in days_of(year, last)
             if (d in workdays or (d.weekday() < 5 and d not in holidays)) != chinese_calendar.is_workday(d)]
    assert wrong == []
    theirs = {d for d in days_of(year, last) if d.weekday() >= 5 and chinese_calendar.is_workday(d)}
    assert {d for d in workdays if d.year == year and (last is None or d <= last)} == theirs


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if marker in line)


# --- the real notices -----------------------------------------------------------------------


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_real_notice_gives_chinese_calendar_days(year: int) -> None:
    n = parse_notice(notice_text(year))
    assert n.problems == ()
    assert n.ok and n.year == year
    assert_agrees([n], year)
    # every day of every range, weekends inside included: exactly chinesecalendar's days off
    assert dates(n.holidays) == {d for d in chinese_calendar.holidays if d.year == year}
    assert [d.date for d in n.holidays] == sorted(dates(n.holidays))  # sorted, no duplicates


def test_real_notice_names_and_ranges() -> None:
    n = parse_notice(notice_text(2025))
    by_date = {d.date: d.name for d in n.holidays}
    assert by_date[dt.date(2025, 10, 6)] == "国庆节、中秋节"
    assert by_date[dt.date(2025, 1, 28)] == "春节"
    # a range across months, the Sunday inside it included
    assert [d for d in by_date if dt.date(2025, 5, 30) <= d <= dt.date(2025, 6, 3)] == [
        dt.date(2025, 5, 31), dt.date(2025, 6, 1), dt.date(2025, 6, 2)]
    assert Day(dt.date(2025, 9, 28), "国庆节、中秋节") in n.workdays
    assert len(parse_notice(notice_text(2026)).holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7  # every day of every range


OLDER = [2009, 2010, 2011, 2012, 2013, 2014, 2016, 2017, 2018, 2021, 2022, 2023]


@pytest.mark.parametrize("year", OLDER)
def test_older_notices_agree_with_chinese_calendar(year: int) -> None:
    """A year's last week may be arranged by the next year's notice (2012's makes 2011-12-31 a
    working Saturday): with that notice here it joins in, without it the comparison stops at 24 Dec."""
    n = parse_notice(notice_text(year))
    assert n.ok, n.problems
    neighbours = [parse_notice(notice_text(y)) for y in (year - 1, year + 1) if (NOTICES / f"{y}.txt").exists()]
    has_next = any(x.ok and x.year == year + 1 for x in neighbours)
    assert_agrees([n, *(x for x in neighbours if x.ok)], year, None if has_next else dt.date(year, 12, 24))


def test_2023_notice_starts_in_2022_with_explicit_years() -> None:
    n = parse_notice(notice_text(2023))
    assert [d for d in n.holidays if d.date.year == 2022] == [Day(dt.date(2022, 12, 31), "元旦")]


def test_2019_notice_writes_2018_days_without_their_year_and_is_refused() -> None:
    text = notice_text(2019)
    n = parse_notice(text)
    assert not n.ok and n.holidays == () and n.workdays == ()
    assert {p.line for p in n.problems} == {line_of(text, "一、元旦")}
    assert any("早于" in p.message.zh and "before" in p.message.en for p in n.problems)


def test_encouragement_to_rest_on_new_years_eve_is_not_a_holiday() -> None:
    text = notice_text(2024)
    eve = dt.date(2024, 2, 9)
    assert chinese_calendar.is_workday(eve)  # the record: a working Friday, not a holiday
    n = parse_notice(text)
    assert eve not in dates(n.holidays) and eve not in dates(n.workdays)
    sentence = "鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。"
    assert sentence in text
    assert parse_notice(text.replace(sentence, "")) == n  # skipped, not half-read
    bare = parse_notice(text.replace(sentence, "安排职工在除夕（2月9日）休息。"))  # no 鼓励: an arrangement we cannot read
    assert not bare.ok and [p.line for p in bare.problems] == [line_of(text, "二、春节")]


# --- the year ---------------------------------------------------------------------------------


def test_year_comes_from_title_or_preamble_not_signature() -> None:
    text = notice_text(2026)
    without_title = "\n".join(line for line in text.split("\n") if "关于2026年" not in line)
    assert parse_notice(without_title).year == 2026  # the preamble: 现将2026年…
    lines = [line for line in text.split("\n") if "2026年" not in line]
    assert "2025年11月4日" in "\n".join(lines)
    n = parse_notice("\n".join(lines))
    assert n.year is None and not n.ok and n.holidays == ()
    assert [(p.line, p.column) for p in n.problems] == [(1, 1)] and "年份" in n.problems[0].message.zh
    chinese_signature = "\n".join(lines).replace("2025年11月4日", "二〇二五年十一月四日")
    assert parse_notice(chinese_signature).year is None
    assert parse_notice("\n".join(lines), year=2026).holidays == parse_notice(text).holidays


def test_year_given_explicitly_overrides() -> None:
    n = parse_notice("一、元旦：1月1日（周四）放假，共1天。", year=2026)
    assert n.ok and n.holidays == (Day(dt.date(2026, 1, 1), "元旦"),)
    assert parse_notice(TITLE + "一、元旦：1月1日（周四）放假。", year=2027).problems  # 2027-01-01 is a Friday


@pytest.mark.parametrize(("text", "year"), [("国务院办公厅关于1900年部分节假日安排的通知\n一、元旦：1月1日放假。", None),
                                           ("一、元旦：1月1日放假。", 10)])
def test_implausible_year_is_refused(text: str, year: int | None) -> None:
    n = parse_notice(text, year=year)
    assert not n.ok and n.holidays == () and "不合理" in n.problems[0].message.zh


def test_title_split_over_two_lines_as_gov_cn_shows_it() -> None:
    text = notice_text(2026).replace("关于2026年部分节假日", "关于2026年\n部分节假日")
    assert parse_notice(text).holidays == parse_notice(notice_text(2026)).holidays


def test_title_and_preamble_disagree() -> None:
    text = notice_text(2026).replace("现将2026年", "现将2025年")
    n = parse_notice(text)
    assert not n.ok and [p.line for p in n.problems] == [line_of(text, "现将2025年")]


# --- each form in isolation -------------------------------------------------------------------

D = dt.date
FORMS = [
    ("一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。", [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)], [D(2026, 1, 4)]),
    ("五、端午节：5月31日（周日）至6月2日（周二）放假，共3天。", [D(2026, 5, 31), D(2026, 6, 1), D(2026, 6, 2)], []),
    ("二、春节：2月16日（农历除夕、周一）至18日（农历正月初二、周三）放假，共3天。", [D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18)], []),
    ("二、春节：2月16日（农历除夕）至18日放假。", [D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18)], []),
    ("一、元旦：1月1日放假，与周末连休。", [D(2026, 1, 1)], []),
    ("一、元旦：1月1日（周四）放假1天，不调休。", [D(2026, 1, 1)], []),
    ("三、清明节：4月5日放假，共1天。", [D(2026, 4, 5)], []),
    ("三、清明节：4月5日放假。", [D(2026, 4, 5)], []),
    ("一、元旦：1月1日放假三天，与周末连休。", None, None),  # 放假三天 for one day: refused
    ("一、元旦：1月1日放假，1月2日（星期五）补休。", [D(2026, 1, 1), D(2026, 1, 2)], []),
    ("二、春节：2月15日至23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班。", [D(2026, 2, 15) + dt.timedelta(days=k) for k in range(9)], [D(2026, 2, 14), D(2026, 2, 28)]),
    ("二、春节：2月15日至23日放假调休，共9天。2月14日（星期六）、28日（星期六）上班。", [D(2026, 2, 15) + dt.timedelta(days=k) for k in range(9)], [D(2026, 2, 14), D(2026, 2, 28)]),
    ("七、国庆节：10月1日至7日放假调休，共7天。9月20日（星期日）、10月10日（星期六）上班。", [D(2026, 10, k) for k in range(1, 8)], [D(2026, 9, 20), D(2026, 10, 10)]),
    ("七、国庆节：10月1日至7日放假调休，共7天。9月20日（星期天）上班。", [D(2026, 10, k) for k in range(1, 8)], [D(2026, 9, 20)]),
    ("七、国庆节：10月1日至7日放假调休，共7天，9月20日（周日）上班。", [D(2026, 10, k) for k in range(1, 8)], [D(2026, 9, 20)]),
    ("四、劳动节：5月1日至5日放假公休，共5天。", [D(2026, 5, k) for k in range(1, 6)], []),
    ("四、劳动节：5月1日—5日放假，共5天。", [D(2026, 5, k) for k in range(1, 6)], []),
    ("一、元旦：2025年12月31日至2026年1月2日放假调休，共3天。", [D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 2)], []),
    ("一、元旦：1月1日至3日放假。2025年12月27日（星期六）上班。", [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)], [D(2025, 12, 27)]),
    # ASCII punctuation, full-width digits, no indentation, CRLF
    ("一、元旦:1月1日(周四)至3日(周六)放假调休,共3天.1月4日(周日)上班.\r", [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)], [D(2026, 1, 4)]),
    ("　　一、元旦：１月１日（周四）至３日（周六）放假调休，共３天。１月４日（周日）上班。", [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)], [D(2026, 1, 4)]),
]


@pytest.mark.parametrize(("item", "holidays", "workdays"), FORMS, ids=[f[0][:20] for f in FORMS])
def test_form(item: str, holidays: list[dt.date] | None, workdays: list[dt.date] | None) -> None:
    n = parse_notice(TITLE + item)
    if holidays is None:
        assert not n.ok and n.problems
        return
    assert n.problems == ()
    assert [d.date for d in n.holidays] == holidays
    assert [d.date for d in n.workdays] == (workdays or [])


def test_joined_festivals_name_every_day() -> None:
    n = parse_notice(TITLE + "六、国庆节、中秋节：10月1日（周四）至8日（周四）放假调休，共8天。9月27日（周日）上班。")
    assert {d.name for d in n.holidays + n.workdays} == {"国庆节、中秋节"}


def test_make_up_day_on_a_line_of_its_own_continues_the_item() -> None:
    n = parse_notice(TITLE + "一、元旦：1月1日至3日放假，共3天。\n\n　　1月4日（星期日）上班。\n节假日期间，各地区要妥善安排好值班。")
    assert n.workdays == (Day(dt.date(2026, 1, 4), "元旦"),)


def test_whole_notice_in_other_clothes_reads_the_same() -> None:
    text = notice_text(2026)
    want = parse_notice(text)
    ascii_punct = text.translate(str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "。": "."}))
    for variant in (text.replace("\n", "\r\n"), ascii_punct, text.replace("\u3000", ""), text.replace("\n", "\n\n")):
        assert parse_notice(variant) == want


# --- mangled notices: refused, with the line ---------------------------------------------------


def mangled(old: str, new: str, year: int = 2026) -> tuple[str, Notice]:
    text = notice_text(year)
    assert old in text
    text = text.replace(old, new)
    return text, parse_notice(text)


MANGLED = [
    ("1月1日（周四）至3日", "1月1日（周五）至3日", "一、元旦", "周四", "Thursday"),
    ("2月28日（周六）上班", "2月30日（周六）上班", "二、春节", "日期不存在", "no such date"),
    ("5月9日（周六）上班", "5月6日（周三）上班", "四、劳动节", "不是周六或周日", "not a Saturday or Sunday"),
    ("4月4日（周六）至6日（周一）放假，共3天", "4月4日（周六）至6日（周一）放假，共4天", "三、清明节", "共4天", "4 days"),
    ("4月4日（周六）至6日（周一）放假，共3天。", "4月4日（周六）至", "三、清明节", "“4月4日（周六）至”", "end date"),
    ("4月4日（周六）至6日（周一）放假，共3天。", "4月4日前后放假。", "三、清明节", "“前后放假”", "前后放假"),
    ("1月4日（周日）上班", "1月3日（周六）上班", "一、元旦", "既是放假日又是调休上班日", "both"),
    ("10月1日（周四）至7日（周三）", "10月7日（周三）至1日（周四）", "七、国庆节", "早于", "before"),
    ("1月1日（周四）至3日", "2025年12月20日至2026年1月3日", "一、元旦", "不在2026年内", "not in 2026"),
    ("三、清明节：", "三、清明节　", "三、清明节", "冒号", "colon"),
    ("鼓励单位和个人结合落实带薪年休假等制度", "国务院办公厅另行安排12月31日休息", "国务院办公厅另行", "读不懂", "cannot read"),
]


@pytest.mark.parametrize(("old", "new", "marker", "zh", "en"), MANGLED, ids=[m[1][:16] for m in MANGLED])
def test_mangled_notice_is_refused_at_its_line(old: str, new: str, marker: str, zh: str, en: str) -> None:
    text, n = mangled(old, new)
    assert not n.ok
    assert n.holidays == () and n.workdays == ()
    assert [p.line for p in n.problems] == [line_of(text, marker)]
    p = n.problems[0]
    assert zh in p.message.zh and en in p.message.en
    assert p.hint.zh and p.hint.en


def test_problem_column_points_at_the_date() -> None:
    text, n = mangled("1月1日（周四）至3日", "1月1日（周五）至3日")
    line = text.split("\n")[line_of(text, "一、元旦") - 1]
    assert n.problems[0].column == line.index("1月1日") + 1  # the U+3000 indentation counts


def test_several_problems_are_all_reported() -> None:
    text, _ = mangled("2月28日（周六）上班", "2月30日（周六）上班")
    text = text.replace("5月9日（周六）上班", "5月6日（周三）上班")
    n = parse_notice(text)
    assert [p.line for p in n.problems] == [line_of(text, "二、春节"), line_of(text, "四、劳动节")]


@pytest.mark.parametrize("text", ["", "\n\n", "国务院办公厅关于2026年部分节假日安排的通知\n经国务院批准，现将2026年元旦放假安排通知如下。",
                                  "一、元旦：1月4日（周日）上班。"])
def test_text_without_any_arrangement_is_refused(text: str) -> None:
    n = parse_notice(text, year=2026 if "2026" not in text else None)
    assert not n.ok and n.holidays == ()
    assert any("没有找到任何放假安排" in p.message.zh for p in n.problems)


def test_empty_text_has_no_year_either() -> None:
    n = parse_notice("")
    assert n.year is None and {p.message.en for p in n.problems} >= {"the notice's year is missing"}


# --- never an exception ------------------------------------------------------------------------

REAL = notice_text(2026)
ALPHABET = st.sampled_from(sorted(set(REAL + notice_text(2024) + "0123456789()：:,.;—～年月日至和、\r\n\u3000")))


def _sane(n: Notice, text: str) -> None:
    lines = text.count("\n") + 1
    assert all(1 <= p.line <= lines and p.column >= 1 for p in n.problems)
    assert n.ok == (not n.problems and bool(n.holidays))
    if n.problems:
        assert n.holidays == () and n.workdays == ()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    _sane(parse_notice(text), text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(REAL)), st.integers(0, 6), st.text(ALPHABET, max_size=6)), max_size=6))
def test_mutated_real_notice_never_raises(edits: list[tuple[int, int, str]]) -> None:
    text = REAL
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut:]
    _sane(parse_notice(text), text)
    _sane(parse_notice(text, year=2026), text)
