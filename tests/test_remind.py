"""kb remind's derive stage (generator/remind.py): which deadlines exist, who they are for, and
which are announced on a day — stateless, from the dates and the real Chinese working-day calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator import remind
from generator.finding import NO_HINT, Finding, Msg, Severity
from generator.pipeline import check, read_model
from generator.policy import DEFAULT_LEAD_DAYS
from generator.workdays import CalendarGap, WorkCalendar

from .conftest import REPO, TODAY, copy_base, init_repo

CAL = WorkCalendar()  # chinesecalendar: 2026 with its 调休
LEAD = (30, 7, 1, 0)
D = dt.date


def _deadline(due: dt.date, severity: Severity = Severity.WARNING, from_finding: bool = True) -> remind.Deadline:
    return remind.Deadline(
        due, severity, "x.rule", "§1", "clients/acme/client.yml", 1, 1, Msg("m", "m"), NO_HINT,
        Msg("艾克美", "acme"), "generated/clients/acme.html", (), remind._uid("x", due), "acme", None, from_finding,
    )


def _announced(d: remind.Deadline, day: dt.date, lead: tuple[int, ...] = LEAD) -> list[remind.Reminder]:
    return remind.due_on([d], day, CAL, lead)


# ------------------------------------------------------------------ policy.yml notify, engineers' mobile


def test_example_policy_names_four_channels_by_environment_variable_only() -> None:
    kb = read_model(REPO).kb
    assert kb.policy is not None
    n = kb.policy.notify
    assert n.lead_days == (30, 7, 1, 0)
    assert [(c.id, c.kind, c.url_env, c.secret_env) for c in n.channels] == [
        ("ops-dingtalk", "dingtalk", "KB_DINGTALK_URL", "KB_DINGTALK_SECRET"),
        ("ops-wecom", "wecom", "KB_WECOM_URL", None),
        ("sales-feishu", "feishu", "KB_FEISHU_URL", "KB_FEISHU_SECRET"),
        ("mail", "email", "KB_SMTP_URL", None),
    ]
    assert n.channels[3].sender == "kb@yunqiao.example"
    assert kb.policy.site_url == "https://kb.yunqiao.example/"
    assert kb.engineers["zhang-wei"].mobile == "13800010001"


def test_notify_defaults_and_schema(tmp_path: Path) -> None:
    kb_dir = copy_base(tmp_path / "kb")
    policy = kb_dir / "policy.yml"
    base = policy.read_text(encoding="utf-8")
    outcome = read_model(kb_dir)
    assert outcome.kb.policy is not None and outcome.kb.policy.notify.lead_days == DEFAULT_LEAD_DAYS
    assert outcome.kb.policy.notify.channels == ()
    policy.write_text(
        base
        + "notify:\n  lead_days: [3, 0, 14]\n  channels:\n"
        + "    - {id: a, kind: wecom, url_env: KB_A}\n"
        + "    - {id: b, kind: telegram, url_env: KB_B}\n"
        + "    - {id: c, kind: dingtalk, url_env: https://oapi.dingtalk.com/robot/send}\n",
        encoding="utf-8",
    )
    outcome = read_model(kb_dir)
    p = outcome.kb.policy
    assert p is not None and p.notify.lead_days == (14, 3, 0)
    assert [c.id for c in p.notify.channels] == ["a", "c"]  # an unknown kind is not a channel
    schema = [f for f in outcome.findings if f.file == "policy.yml" and f.rule == "schema"]
    assert {f.line for f in schema} == {base.count("\n") + 5, base.count("\n") + 6}, schema  # kind; a URL, not a name


# ------------------------------------------------------------------ which day announces what


def test_lead_days_on_working_days() -> None:
    d = _deadline(D(2026, 12, 8))  # a Tuesday
    (r,) = _announced(d, D(2026, 12, 1))
    assert (r.kind, r.days) == ("upcoming", 7)
    assert r.when() == Msg("还有 7 天", "7 day(s) left")
    assert _announced(d, D(2026, 12, 2)) == []
    assert [r.kind for r in _announced(d, D(2026, 12, 7))] == ["upcoming"]  # the day before
    assert [r.kind for r in _announced(d, D(2026, 12, 8))] == ["today"]
    assert _announced(d, D(2026, 12, 1), lead=(1, 0)) == []


def test_a_day_off_is_announced_on_the_last_working_day_before() -> None:
    # National Day 2026: 10-01 to 10-07 off; 09-30 (Wed) is the last working day before
    d = _deadline(D(2026, 10, 3))
    assert [r.days for r in _announced(d, D(2026, 9, 30))] == [3]  # lead days 1 and 0 both speak here: once
    for day in (D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 3)):
        assert _announced(d, day) == [], day
    # 30 days before is 09-03 (Thu), a working day: announced that very day
    assert len(_announced(d, D(2026, 9, 3))) == 1
    # 7 days before is 09-26 (Sat, off; 09-25 is the Mid-Autumn holiday): announced on Thu 09-24
    assert [r.days for r in _announced(d, D(2026, 9, 24))] == [9]
    assert _announced(d, D(2026, 9, 28)) == []


def test_make_up_working_days_count_and_weekends_do_not() -> None:
    d = _deadline(D(2026, 9, 20))  # a Sunday that is a 调休 working day
    assert [r.kind for r in _announced(d, D(2026, 9, 20))] == ["today"]
    assert _announced(d, D(2026, 9, 18), lead=(0,)) == []  # Friday: the Sunday is worked, it announces itself
    assert [r.days for r in _announced(d, D(2026, 9, 18))] == [2]  # lead 1 is the Saturday (off): said on Friday
    assert remind.due_on([_deadline(D(2026, 11, 30))], D(2026, 11, 28), CAL, LEAD) == []  # Saturday: nothing at all


def test_overdue_errors_every_working_day_warnings_weekly() -> None:
    err = _deadline(D(2026, 11, 18), Severity.ERROR)
    days = [D(2026, 11, 18) + dt.timedelta(days=i) for i in range(1, 15)]
    sent = [d for d in days if _announced(err, d)]
    assert sent == [d for d in days if CAL.is_workday(d)]
    assert _announced(err, D(2026, 11, 24))[0].when() == Msg("已逾期 6 天", "6 day(s) overdue")
    warn = _deadline(D(2026, 11, 18), Severity.WARNING)  # a Wednesday
    assert [d for d in days if _announced(warn, d)] == [D(2026, 11, 25), D(2026, 12, 2)]
    sat = _deadline(D(2026, 11, 21), Severity.WARNING)  # a Saturday: +7 is a Saturday too → the Friday before
    after = [D(2026, 11, 21) + dt.timedelta(days=i) for i in range(1, 15)]
    assert [d for d in after if _announced(sat, d)] == [D(2026, 11, 27), D(2026, 12, 4)]


def test_facts_no_rule_reports_are_announced_ahead_only() -> None:
    fact = _deadline(D(2026, 11, 18), Severity.INFO, from_finding=False)
    assert _announced(fact, D(2026, 11, 11)) and _announced(fact, D(2026, 11, 18))
    assert not any(_announced(fact, D(2026, 11, 18) + dt.timedelta(days=i)) for i in range(1, 30))


def test_a_year_no_calendar_covers() -> None:
    with pytest.raises(CalendarGap) as gap:
        remind.due_on([_deadline(D(2027, 1, 8))], D(2027, 1, 4), CAL, LEAD)
    assert gap.value.year == 2027
    # the last working day of 2026 speaks for the unknown days after it (announced early, never missed)
    span = remind.window(D(2026, 12, 31), CAL)
    assert span[0] == D(2026, 12, 31) and len(span) == remind.MAX_WINDOW
    assert [r.days for r in _announced(_deadline(D(2027, 1, 1)), D(2026, 12, 31))] == [1]


# ------------------------------------------------------------------ deadlines of a KB, and who they are for


def _kb_with(tmp_path: Path, expires: str) -> Path:
    kb = copy_base(tmp_path / "kb")
    eng = kb / "engineers" / "zhang-wei.yml"
    text = eng.read_text(encoding="utf-8")
    old = "  - {name: Fortinet NSE 4, kind: fortinet, obtained: 2023-01-10}\n"
    assert old in text
    eng.write_text(text.replace(old, f"  - {{name: Fortinet NSE 4, kind: fortinet, obtained: 2023-01-10, expires: {expires}}}\n"
                                 "  - {name: PMP, kind: bonus, obtained: 2023-12-01, expires: 2026-12-01}\n"), encoding="utf-8")
    policy = kb / "policy.yml"
    policy.write_text(
        policy.read_text(encoding="utf-8")
        + "roles:\n  ops_manager: {name: 陈静, handle: chenjing-yq, email: chenjing@example.com}\n",
        encoding="utf-8",
    )
    return init_repo(kb)


def test_deadlines_of_a_kb(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path, "2026-12-01")  # 7 days after TODAY (2026-11-24)
    outcome = check(kb_dir, TODAY)
    cert = [f for f in outcome.findings if f.rule == "eng.certs"]
    assert [f.due for f in cert] == [D(2026, 12, 1)]  # the rule warns of the required certificate
    items = remind.deadlines(outcome.kb, outcome.findings, {"eng.certs": "§4.1", "eng.leave": "§7.4"})
    mine = [d for d in items if d.file == "engineers/zhang-wei.yml" and d.due == D(2026, 12, 1)]
    # the finding, the bonus certificate (no rule reports it) and the leave of 12-01: one each
    assert sorted((d.rule, d.from_finding, d.severity.value) for d in mine) == [
        ("eng.certs", False, "info"),
        ("eng.certs", True, "warning"),
        ("eng.leave", False, "info"),
    ]
    assert all(d.section in ("§4.1", "§7.4") for d in mine)
    assert {d.page for d in mine} == {"generated/engineers/zhang-wei.html"}
    (person,) = {p for d in mine for p in d.people}
    assert (person.key, person.name, person.email, person.mobile) == (
        "engineer:zhang-wei", "张伟", "zhangwei@example.com", "13700000001"
    )
    # stable identities: the same KB gives the same uids, and no two deadlines share one
    again = remind.deadlines(check(kb_dir, TODAY).kb, check(kb_dir, TODAY).findings, {})
    assert [d.uid for d in again] == [d.uid for d in items]
    assert len({d.uid for d in items}) == len(items)
    # on TODAY the required certificate (lead 7) and the leave (lead 7) are announced
    due = remind.due_on(items, TODAY, outcome.kb.work_calendar(), LEAD)
    assert {(r.deadline.rule, r.deadline.from_finding, r.days) for r in due} >= {
        ("eng.certs", True, 7), ("eng.certs", False, 7), ("eng.leave", False, 7)
    }


def test_who_a_deadline_is_for(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path, "2027-05-01")
    kb = read_model(kb_dir).kb
    subject, people, client, engineer = remind.responsible(kb, "clients/acme/meetings/2026-11-12.yml")
    assert subject == Msg("艾克美物流", "艾克美物流") and (client, engineer) == ("acme", "zhang-wei")
    assert [(p.key, p.role.zh, p.mobile) for p in people] == [
        ("engineer:zhang-wei", "专属工程师", "13700000001"),
        ("account-manager:acme", "客户经理", "13800000000"),
    ]
    _s, people, _c, _e = remind.responsible(kb, "policy.yml")
    assert [(p.key, p.name, p.email) for p in people] == [("ops-manager", "陈静", "chenjing@example.com")]
    assert remind.page_of("policy.yml") == "generated/compliance.html"
    assert remind.page_of("clients/acme/handoffs/t-2026-001.yml") == "generated/clients/acme.html"
    assert remind.link("https://kb.example/", "generated/clients/acme.html") == "https://kb.example/generated/clients/acme.html"
    assert remind.link(None, "generated/clients/acme.html") is None


def test_each_person_gets_only_their_items_and_the_ops_manager_all(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path, "2026-12-01")
    kb = read_model(kb_dir).kb
    client_item = remind.Reminder(
        remind.Deadline(
            D(2026, 12, 1), Severity.ERROR, "client.kb-30d", "§7.2.5", "clients/acme/client.yml", 3, 1, Msg("a", "a"),
            NO_HINT, Msg("艾克美物流", "艾克美物流"), "generated/clients/acme.html",
            remind.responsible(kb, "clients/acme/client.yml")[1], "u1",
        ),
        TODAY, "upcoming", 7,
    )
    engineer_item = remind.Reminder(
        remind.Deadline(
            D(2026, 12, 1), Severity.INFO, "eng.certs", "§4.1", "engineers/li-na.yml", 3, 1, Msg("b", "b"), NO_HINT,
            Msg("李娜", "李娜"), "generated/engineers/li-na.html", remind.responsible(kb, "engineers/li-na.yml")[1], "u2",
        ),
        TODAY, "upcoming", 7,
    )
    got = {p.key: [r.deadline.uid for r in items] for p, items in remind.recipients([client_item, engineer_item], kb)}
    # zhang-wei and the account manager have addresses; li-na has none in the base KB
    assert got == {"engineer:zhang-wei": ["u1"], "account-manager:acme": ["u1"], "ops-manager": ["u1", "u2"]}


def test_findings_without_a_date_are_not_deadlines() -> None:
    f = Finding("policy.yml", 1, 1, "x", Severity.ERROR, Msg("a", "a"))
    kb = read_model(REPO).kb
    assert [d for d in remind.deadlines(kb, [f], {}) if d.rule == "x"] == []
