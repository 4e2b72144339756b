"""The working-day calendar as a user meets it: `kb calendar import` (the State Council's notice
→ calendar/<year>.yml), `kb calendar show`, and the rules calendar.coverage / calendar.conflict /
calendar.file — on real KBs with the real CLI. The notice parser itself: test_calendar_notice.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import chinese_calendar
import pytest

from generator.pipeline import check

from .conftest import REPO, copy_base

NOTICES = REPO / "tests" / "fixtures" / "notices"
# A made-up 2027 arrangement in the notice's own form (weekdays true to the 2027 calendar) — NOT
# the official one, which did not exist when this was written: it exercises a year that no
# package covers. The real notices of 2024–2026 are under tests/fixtures/notices/.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知（测试用虚构文本）

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2027年元旦、春节、劳动节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周五）至3日（周日）放假，共3天。
　　二、春节：2月6日（农历除夕、周六）至13日（周六）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。
　　三、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
　　四、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
　　国务院办公厅
　　2026年11月10日
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = copy_base(tmp_path / "kb")
    policy = root / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8").replace('coverage_from: "12-01"', 'coverage_from: "11-01"'),
                      encoding="utf-8")
    return root


def _coverage(root: Path, today: dt.date) -> list[str]:
    return [f"{f.severity.value} {f.message.zh}" for f in check(root, today, git=False).findings
            if f.rule.startswith("calendar.")]


def test_december_tells_that_next_year_is_not_covered(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--root", str(kb), "--today", "2026-12-01", "--format", "json")
    hits = [f for f in json.loads(r.stdout) if f["rule"] == "calendar.coverage"]
    assert len(hits) == 1 and hits[0]["severity"] == "warning" and hits[0]["file"] == "policy.yml", r.stdout
    assert "2027 年" in hits[0]["message"] and "还剩 31 天" in hits[0]["message"]
    assert "kb calendar import" in hits[0]["hint"]
    assert r.returncode == 0  # a warning: it must not block every pull request of December
    assert _coverage(kb, dt.date(2026, 10, 31)) == []  # before the lead date: quiet
    (kb / "policy.yml").write_text((kb / "policy.yml").read_text(encoding="utf-8").replace(
        'coverage_from: "11-01"', 'coverage_from: "12-15"'), encoding="utf-8")
    assert _coverage(kb, dt.date(2026, 12, 1)) == []  # the lead date is a policy parameter


def test_a_year_no_source_covers_is_an_error(kb: Path) -> None:
    got = _coverage(kb, dt.date(2027, 3, 1))
    assert len(got) == 1 and got[0].startswith("error 今年（2027 年）"), got  # 2028: not before 11-01
    got = _coverage(kb, dt.date(2027, 11, 2))
    assert [g.split(" ")[0] for g in got] == ["error", "warning"] and "2028 年" in got[1], got


def test_import_covers_the_year(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("calendar", "import", "-", "--root", str(kb), input=NOTICE_2027)
    assert r.returncode == 0, r.stderr
    assert "calendar/2027.yml" in r.stdout and "调休上班 6 天" in r.stdout
    written = (kb / "calendar" / "2027.yml").read_text(encoding="utf-8")
    assert written.startswith("# yaml-language-server: $schema=")
    assert "source: " in written and "2027年部分节假日安排的通知" in written
    assert _coverage(kb, dt.date(2026, 12, 1)) == []
    kb_model = check(kb, dt.date(2026, 12, 1), git=False).kb
    cal = kb_model.work_calendar()
    assert cal.source_of(2027) == "calendar/2027.yml"
    assert not cal.is_workday(dt.date(2027, 2, 8)) and cal.is_workday(dt.date(2027, 2, 20))
    assert cal.is_workday(dt.date(2027, 2, 15)) and not cal.is_workday(dt.date(2027, 2, 21))
    assert cal.add_workdays(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 8)
    # the routing command, which refused 2027 before, now answers
    route = run_kb("route", "acme", "--at", "2027-02-20 10:00", "--root", str(kb), "--format", "json")
    assert route.returncode == 0, route.stderr
    # once written, never overwritten without --force
    again = run_kb("calendar", "import", "-", "--root", str(kb), input=NOTICE_2027.replace("10月9日", "10月16日"))
    assert again.returncode == 1 and "--force" in again.stderr
    assert (kb / "calendar" / "2027.yml").read_text(encoding="utf-8") == written
    forced = run_kb("calendar", "import", "-", "--force", "--root", str(kb),
                    input=NOTICE_2027.replace("10月9日", "10月16日"))
    assert forced.returncode == 0 and "2027-10-16" in (kb / "calendar" / "2027.yml").read_text(encoding="utf-8")


def test_show_names_the_source(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("calendar", "show", "2026", "--root", str(kb), "--format", "json")
    shown = json.loads(r.stdout)
    assert r.returncode == 0 and shown["source"].startswith("chinesecalendar")
    made_up = {dt.date.fromisoformat(w["date"]) for w in shown["workdays"]}
    assert made_up == {d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5}
    off = {dt.date.fromisoformat(h["date"]) for h in shown["holidays"]}
    assert off == {d for d in chinese_calendar.holidays if d.year == 2026}
    text = run_kb("calendar", "show", "2026", "--root", str(kb))
    assert "2026-10-01（周四） 至 2026-10-07（周三）  国庆节  7 天" in text.stdout, text.stdout
    missing = run_kb("calendar", "show", "2027", "--root", str(kb))
    assert missing.returncode == 1 and "没有任何来源" in missing.stderr and "kb calendar import" in missing.stderr
    run_kb("calendar", "import", "-", "--root", str(kb), input=NOTICE_2027)
    mine = run_kb("calendar", "show", "2027", "--root", str(kb))
    assert mine.returncode == 0 and "来源：calendar/2027.yml" in mine.stdout, mine.stdout


def test_a_mangled_notice_is_refused_and_nothing_is_written(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    bad = NOTICE_2027.replace("1月1日（周五）", "1月1日（周四）")
    r = run_kb("calendar", "import", "-", "--root", str(kb), input=bad)
    assert r.returncode == 1 and "<标准输入>:5:" in r.stderr and "周四" in r.stderr, r.stderr
    assert "什么也没有写" in r.stderr and not (kb / "calendar").exists()
    truncated = NOTICE_2027.replace("4月25日（周日）、5月8日（周六）上班。", "4月25日（周日）、5月8日")
    r = run_kb("calendar", "import", "-", "--root", str(kb), input=truncated)
    assert r.returncode == 1 and "<标准输入>:7:" in r.stderr and not (kb / "calendar").exists(), r.stderr
    r = run_kb("calendar", "import", "-", "--root", str(kb), input="今天天气很好。\n")
    assert r.returncode == 1 and not (kb / "calendar").exists()
    assert "Traceback" not in r.stderr


def test_import_reads_gbk_files_and_refuses_a_wrong_year(kb: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    notice = tmp_path / "通知.txt"
    notice.write_bytes((NOTICES / "2026.txt").read_text(encoding="utf-8").encode("gb18030"))
    r = run_kb("calendar", "import", str(notice), "--root", str(kb))
    assert r.returncode == 0, r.stderr
    assert "国办发明电〔2025〕7号" in (kb / "calendar" / "2026.yml").read_text(encoding="utf-8")
    assert [f for f in check(kb, dt.date(2026, 10, 24), git=False).findings if f.rule.startswith("calendar")] == []
    wrong = run_kb("calendar", "import", str(NOTICES / "2025.txt"), "--year", "2026", "--force", "--root", str(kb))
    assert wrong.returncode == 1 and "周" in wrong.stderr  # the weekdays in brackets give the wrong year away


def test_sources_that_disagree_are_an_error_naming_both(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    assert run_kb("calendar", "import", str(NOTICES / "2026.txt"), "--root", str(kb)).returncode == 0
    year = kb / "calendar" / "2026.yml"
    text = year.read_text(encoding="utf-8")
    year.write_text(text.replace("{date: 2026-10-07, name: 国庆节}", "{date: 2026-10-08, name: 国庆节}"), encoding="utf-8")
    line = next(i for i, s in enumerate(year.read_text(encoding="utf-8").splitlines(), 1) if "2026-10-08" in s)
    findings = [f for f in check(kb, dt.date(2026, 11, 24), git=False).findings if f.rule == "calendar.conflict"]
    by_day = {f.message.zh.split(" ")[0]: f for f in findings}
    assert set(by_day) == {"2026-10-07", "2026-10-08"}, [f.message.zh for f in findings]
    assert by_day["2026-10-08"].line == line and by_day["2026-10-08"].file == "calendar/2026.yml"
    assert "chinesecalendar 为工作日，calendar/2026.yml 为休息日" in by_day["2026-10-08"].message.zh
    policy = kb / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "  holidays: []", "  holidays:\n    - {date: 2026-11-24, name: 误写的假日}"), encoding="utf-8")
    got = [f for f in check(kb, dt.date(2026, 11, 24), git=False).findings
           if f.rule == "calendar.conflict" and f.file == "policy.yml"]
    said = sorted(f.message.zh for f in got)  # against each of the two other sources
    assert len(got) == 2 and "policy.yml 为休息日，calendar/2026.yml 为工作日" in said[0], said
    assert "policy.yml 为休息日，chinesecalendar 为工作日" in said[1], said
    assert got[0].line == got[1].line == next(i for i, s in enumerate(policy.read_text(encoding="utf-8").splitlines(), 1)
                               if "2026-11-24" in s)


@pytest.mark.parametrize(("edit", "says"), [
    (lambda t: t.replace("year: 2026", "year: 2025"), "文件名 calendar/2026.yml 与年份"),
    (lambda t: t.replace("{date: 2026-10-10, name: 国庆节}", "{date: 2026-10-14, name: 国庆节}"), "不是周末"),
    (lambda t: t.replace("{date: 2026-10-10, name: 国庆节}", "{date: 2026-10-03, name: 国庆节}"), "同时列为"),
    (lambda t: t.replace("{date: 2026-10-10, name: 国庆节}", "{date: 2027-03-06, name: 国庆节}"), "不在 2026 年内"),
])
def test_a_year_file_must_be_what_its_name_says(kb: Path, run_kb, edit, says: str) -> None:  # type: ignore[no-untyped-def]
    assert run_kb("calendar", "import", str(NOTICES / "2026.txt"), "--root", str(kb)).returncode == 0
    year = kb / "calendar" / "2026.yml"
    year.write_text(edit(year.read_text(encoding="utf-8")), encoding="utf-8")
    got = [f.message.zh for f in check(kb, dt.date(2026, 11, 24), git=False).findings if f.rule == "calendar.file"]
    assert any(says in g for g in got), got
