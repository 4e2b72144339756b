"""Deadline rules: when things were written down, read from git, in Chinese working days.

Severity follows what the user can still do (DESIGN.md §3): something recorded late, or a
past period without a meeting, is a warning that stays on the dashboard; what can still be
fixed by editing (an overdue knowledge base, the last period's missing meeting record, an
expired temporary priority, an overdue policy review) is an error. Records dated before
``adopted_on`` were imported when the KB was adopted: their commit dates say nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..duties import Period, late_events, sync_periods, without_meeting
from ..duties import lateness as _lateness
from ..duties import untrusted as _untrusted
from ..facts import ACTIVE, add_months, kb_completeness, kb_deadline, kb_proofread_on, pre_existing, transition_end
from ..finding import Finding, Severity
from ..history import History
from ..model import KB
from ..policy import Policy
from ..workdays import WorkCalendar
from . import rule
from .common import make

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_EVENT_NAMES = {
    "contract-renewal": "合同续约",
    "contract-change": "合约变更",
    "contract-termination": "合同终止",
    "contact-change": "关键联系人变动",
    "major-activity": "重大业务活动",
    "negative-feedback": "负面反馈",
}


def _ready(kb: KB, history: Any) -> tuple[Policy, History, WorkCalendar] | None:
    if kb.policy is None or not isinstance(history, History) or not history.available:
        return None
    p = kb.policy
    return p, history, kb.work_calendar()


def _gap(kb: KB, year: int) -> Finding:
    return make(
        E,
        kb.policy.where.at("calendar") if kb.policy else ("policy.yml", 1, 1),
        "history",
        f"{year} 年的法定节假日与调休安排未知（chinesecalendar 尚未收录，policy.yml 的 calendar 也没有），无法计算工作日期限。",
        f"The {year} holidays and make-up working days are unknown (not in chinesecalendar nor in policy.yml's calendar); working-day deadlines cannot be computed.",
        f"按国务院办公厅公布的 {year} 年放假安排，在 policy.yml 的 calendar.holidays 与 calendar.workdays 中逐日补充；或升级 chinesecalendar。",
        f"Add the State Council's {year} schedule to calendar.holidays and calendar.workdays in policy.yml, or upgrade chinesecalendar.",
    )


@rule("history", "—")
def check_history(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """The deadline rules can read the history: not a shallow clone, git present, the files they
    read committed; commits are not dated in the future."""
    if not isinstance(history, History):
        return
    if not history.available and history.problem is not None:
        shallow = "shallow" in history.problem.en
        yield make(
            E if shallow else W,
            ("policy.yml", 1, 1),
            "history",
            history.problem.zh + "期限规则已跳过，其余规则照常运行。",
            history.problem.en + " Deadline rules were skipped; the other rules ran.",
            "修复后重新运行 kb check。",
            "Fix this and run kb check again.",
        )
        return
    for f in sorted(history.dirty):
        if f.endswith(".yml"):
            yield make(
                W,
                (f, 1, 1),
                "history",
                "该文件有未提交的修改：期限规则按提交日期计算，已跳过这个文件。",
                "This file has uncommitted changes: deadline rules use commit dates and skipped it.",
                "提交（git commit）后再检查期限。",
                "Commit it, then check the deadlines again.",
            )
    for c in history.commits:
        if c.date > today:
            subject = c.subject if len(c.subject) <= 60 else c.subject[:59] + "…"
            yield make(
                W,
                (_first_file(kb, c), 1, 1),
                "history",
                f"提交 {c.sha[:8]}（“{subject}”，{c.author}）的日期 {c.when:%Y-%m-%d %H:%M} 在今天之后（今天：{today}）："
                "这个日期不可信，期限规则没有按它判断这个提交里的记录。",
                f'Commit {c.sha[:8]} ("{subject}", {c.author}) is dated {c.when:%Y-%m-%d %H:%M}, after today '
                f"({today}): that date cannot be right, so the deadline rules did not judge the records it holds by it.",
                "检查提交者电脑的时钟（git log -1 --format=%cd 查看提交日期）；改正时钟后，以后的提交日期才可信。",
                "Check the committer's clock (git log -1 --format=%cd shows the commit date); later commits are "
                "trustworthy once it is right.",
            )


def _first_file(kb: KB, c: Any) -> str:
    """Where a finding about commit ``c`` is shown: the first KB file it touched that still
    exists (a clickable place in the PR), else policy.yml."""
    present = set(kb.files)
    return next((f for f in getattr(c, "files", ()) if f in present), "policy.yml")


def _skip(history: History, file: str) -> bool:
    return file in history.dirty


@rule("change.1bd", "§8.2")
def check_change_1bd(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§8.2: each major change (contract renewal/change/termination, contact change, major
    activity, negative feedback) is recorded within ``change_business_days`` working days of
    ``occurred_on``; a contract change is highlighted. Late records are warnings (history)."""
    ready = _ready(kb, history)
    if ready is None:
        return
    p, h, cal = ready
    n = p.change_business_days
    found, gaps = late_events(kb, h, cal, today)  # the same facts client.review counts (duties.py)
    for x in found:
        ev, commit, deadline, late = x.event, x.commit, x.deadline, x.late
        name = _EVENT_NAMES.get(ev.type, ev.type)
        flag = "【重点提醒：合约变更】" if ev.type == "contract-change" else ""
        yield make(
            W,
            ev.where.at("occurred_on"),
            "change.1bd",
            f"{flag}{name}（{ev.occurred_on}）于 {commit.date} 才记录，晚了 {late} 个工作日（须在 {n} 个工作日内、即 {deadline} 前书面通知，§8.2）。",
            ("[Contract change] " if flag else "")
            + f"{ev.type} of {ev.occurred_on} was recorded on {commit.date}, {late} working day(s) late (due {deadline}, §8.2).",
            f"记录提交 {commit.sha[:8]}（{commit.author}）。历史无法更改：此条保留在合规看板上。",
            f"Recorded in {commit.sha[:8]} by {commit.author}. History cannot change: this stays on the dashboard.",
        )
    for year in sorted(gaps):
        yield _gap(kb, year)


@rule("client.kb-30d", "§7.2.5")
def check_kb_30d(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§7.2.5: the knowledge base is generated (all six §5.2 sections) **and internally proofread**
    (``knowledge_base.proofread``) within ``kb_calendar_days`` calendar days of
    ``materials_received_on``."""
    ready = _ready(kb, history)
    if ready is None:
        return
    p, h, _cal = ready
    days = p.kb_calendar_days
    if days is None:
        return
    for c in kb.clients.values():
        deadline = kb_deadline(c, days)
        if deadline is None or _skip(h, c.where.file):
            continue
        a = c.application
        assert a is not None and a.materials_received_on is not None  # kb_deadline had both
        pct = kb_completeness(c)
        pr = c.knowledge_base.proofread if c.knowledge_base else None
        proofread = kb_proofread_on(c, today) is not None
        where = c.where.at("application", "materials_received_on")
        if pr is not None and not pr.by:
            yield make(
                E,
                c.where.at("knowledge_base", "proofread"),
                "client.kb-30d",
                "内部校对没有写明校对人 by（§7.2.5）。",
                "The proofreading does not say by whom (§7.2.5).",
                "添加 knowledge_base.proofread.by。",
                "Add knowledge_base.proofread.by.",
            )
        if pct < 100 or not proofread:
            todo_zh = f"完成并内部校对，当前完善度 {pct}%" if pct < 100 else "内部校对（六部分已齐，knowledge_base.proofread 尚未记录）"
            todo_en = f"complete and proofread, {pct}% complete" if pct < 100 else "proofread (all six sections filled, no knowledge_base.proofread)"
            if today <= deadline:
                yield make(
                    INFO,
                    where,
                    "client.kb-30d",
                    f"《客户运维知识库》须在 {deadline} 前完成并内部校对（收到资料后 {days} 个自然日，§7.2.5），还剩 {(deadline - today).days} 天，尚待{todo_zh}。",
                    f"The knowledge base is due on {deadline} ({days} days after the materials, §7.2.5): {(deadline - today).days} days left, still to {todo_en}.",
                    due=deadline,
                )
            else:
                yield make(
                    E,
                    where if pct < 100 else c.where.at("knowledge_base"),
                    "client.kb-30d",
                    f"《客户运维知识库》已逾期 {(today - deadline).days} 天仍未完成（应于 {deadline} 前生成并内部校对，§7.2.5），当前完善度 {pct}%。"
                    if pct < 100
                    else f"《客户运维知识库》已逾期 {(today - deadline).days} 天仍未完成内部校对（应于 {deadline} 前生成并内部校对，§7.2.5）。",
                    f"The knowledge base is {(today - deadline).days} days overdue (due {deadline}, §7.2.5): still to {todo_en}.",
                    "补齐 client.kb 列出的缺失部分，校对后写 knowledge_base.proofread: {by, on}。"
                    if pct < 100
                    else "校对后写 knowledge_base.proofread: {by: 校对人, on: YYYY-MM-DD}。",
                    "Fill in the sections client.kb lists, proofread, and record knowledge_base.proofread: {by, on}."
                    if pct < 100
                    else "Proofread and record knowledge_base.proofread: {by, on}.",
                    due=deadline,
                )
            continue
        if pr is not None and pr.on is not None and pr.on > deadline:
            yield make(
                W,
                c.where.at("knowledge_base", "proofread", "on"),
                "client.kb-30d",
                f"《客户运维知识库》于 {pr.on} 才完成内部校对，比期限 {deadline} 晚 {(pr.on - deadline).days} 天（§7.2.5）。",
                f"The knowledge base was proofread on {pr.on}, {(pr.on - deadline).days} days after the deadline {deadline} (§7.2.5).",
                "历史无法更改：此条保留在合规看板上。",
                "History cannot change: this stays on the dashboard.",
            )
        if not p.judged(a.materials_received_on):
            continue
        first = h.first_kb_complete(c.where.file, a.materials_received_on)
        if first is not None and first.date > deadline and not _untrusted(first, today):
            yield make(
                W,
                where,
                "client.kb-30d",
                f"《客户运维知识库》于 {first.date} 才完成，比期限 {deadline} 晚 {(first.date - deadline).days} 天（§7.2.5）。",
                f"The knowledge base was completed on {first.date}, {(first.date - deadline).days} days after the deadline {deadline} (§7.2.5).",
                f"完成于提交 {first.sha[:8]}。历史无法更改：此条保留在合规看板上。",
                f"Completed in {first.sha[:8]}. History cannot change: this stays on the dashboard.",
            )


@rule("client.kb-30d", "§7.2.5")
def check_kb_clock(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§7.2.5: an approved application records when the materials arrived — the 30-day clock
    starts there, and without it the deadline would silently never start."""
    for c in kb.clients.values():
        a = c.application
        if c.status not in ("applied", "dedicated", "suspended") or a is None or a.materials_received_on is not None:
            continue
        if a.approval is None or a.approval.result != "approved":
            continue
        yield make(
            E,
            c.where.at("application", "materials_received_on")
            if c.where.has("application", "materials_received_on")
            else c.where.at("application"),
            "client.kb-30d",
            "申请已终审通过，却没有记录资料提供日期 materials_received_on：§7.2.5 知识库 30 个自然日的准备期从这天起算，缺了它期限无从计算。",
            "The application is approved but materials_received_on is missing: §7.2.5's 30-day clock starts there, "
            "and without it the deadline never starts.",
            "添加 application.materials_received_on: YYYY-MM-DD（申请部门提供齐全资料的日期）。",
            "Add application.materials_received_on: YYYY-MM-DD (when the applying department supplied the materials).",
        )


def _label(period: Period) -> str:
    s = period.start
    return f"{s.year} 年第 {(s.month - 1) // 3 + 1} 季度" if period.quarterly else f"{s.year} 年 {s.month} 月"


@rule("sync.cadence", "§8.2")
def check_sync(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§8.2: a sync meeting record in every month (or quarter) since the assignment, with the
    dedicated-service agenda (business updates, technical needs and risks, renewal plan) and
    its conclusions fed back to the engineer, recorded within ``meeting_record_business_days``."""
    ready = _ready(kb, history)
    if ready is None:
        return
    p, h, cal = ready
    gaps: set[int] = set()
    for c in kb.clients.values():
        if c.status != "dedicated":
            continue
        for m in c.meetings:
            yield from _meeting_content(m)
        if c.assignment is None or c.assignment.since is None:
            continue
        periods = sync_periods(p, c, today)  # the same facts client.review counts (duties.py)
        quarterly = bool(periods) and periods[0].quarterly
        ended = [x for x in periods if x.end < today]
        for period in without_meeting(periods, c):
            label = _label(period)
            where = c.where.at("sync")
            if period.end >= today:
                left = (period.end - today).days + 1
                yield make(
                    INFO,
                    where,
                    "sync.cadence",
                    f"{label}尚无同步会议记录（本期还剩 {left} 天，§8.2）。",
                    f"No sync meeting recorded yet for {period.start:%Y-%m} period ({left} days left, §8.2).",
                    due=period.end,
                )
            elif ended and period == ended[-1]:
                yield make(
                    E,
                    where,
                    "sync.cadence",
                    f"{label}没有同步会议记录（§8.2 {'季度' if quarterly else '月度'}例行拜访须增加专属服务议题）。",
                    f"No sync meeting record for the period starting {period.start} (§8.2).",
                    "在 meetings/ 下添加该期会议记录（YYYY-MM-DD.yml）。",
                    "Add the meeting record under meetings/.",
                    due=period.end,
                )
            else:
                yield make(
                    W,
                    where,
                    "sync.cadence",
                    f"{label}没有同步会议记录（§8.2）。历史无法更改：此条保留在合规看板上。",
                    f"No sync meeting record for the period starting {period.start} (§8.2); kept on the dashboard.",
                )
        n = p.meeting_record_business_days
        for m in c.meetings:
            if n is None or m.date is None or not p.judged(m.date) or _skip(h, m.where.file):
                continue
            added = h.added(m.where.file)
            if added is None or _untrusted(added, today):
                continue
            judged = _lateness(cal, m.date, n, added.date, gaps)
            if judged is None or not judged[1]:
                continue
            deadline, late = judged
            yield make(
                W,
                m.where.at("date"),
                "sync.cadence",
                f"{m.date} 的会议记录于 {added.date} 才提交，晚了 {late} 个工作日（须在 {n} 个工作日内、即 {deadline} 前反馈，§8.2）。",
                f"The meeting of {m.date} was recorded on {added.date}, {late} working day(s) late (due {deadline}).",
                "历史无法更改：此条保留在合规看板上。",
                "History cannot change: this stays on the dashboard.",
            )
    for year in sorted(gaps):
        yield _gap(kb, year)


def _meeting_content(m: Any) -> Iterator[Finding]:
    for key, zh, en in (
        ("business_updates", "客户近期业务动态", "business updates"),
        ("needs_and_risks", "潜在技术需求或风险", "technical needs and risks"),
        ("renewal_plan", "服务续约计划", "renewal plan"),
    ):
        if not getattr(m, key):
            yield make(
                E,
                m.where.at(key),
                "sync.cadence",
                f"会议记录缺少专属服务议题“{zh}”（§8.2）。",
                f"The meeting record lacks the agenda item '{en}' (§8.2).",
                f"添加 {key}。",
                f"Add {key}.",
            )
    if m.shared_with_engineer_on is None:
        yield make(
            E,
            m.where.at("shared_with_engineer_on"),
            "sync.cadence",
            "会议结论没有记录反馈给专属工程师的日期（§8.2 须以邮件或持久化表格主动反馈）。",
            "The meeting does not record when its conclusions were shared with the engineer (§8.2).",
            "添加 shared_with_engineer_on 与 shared_via。",
            "Add shared_with_engineer_on and shared_via.",
        )


@rule("policy.review", "文末")
def check_policy_review(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """The policy is reviewed every ``policy_review_months`` (end of the policy)."""
    p = kb.policy
    if p is None or p.policy_review_months is None:
        return
    where = p.where.at("reviewed_on")
    if p.reviewed_on is None:
        yield make(
            E,
            where,
            "policy.review",
            "policy.yml 没有记录最近一次评审日期 reviewed_on（办法每年评审一次）。",
            "policy.yml records no review date (the policy is reviewed yearly).",
            "添加 reviewed_on。",
            "Add reviewed_on.",
        )
        return
    due = add_months(p.reviewed_on, p.policy_review_months)
    if due < today:
        yield make(
            E,
            where,
            "policy.review",
            f"办法的年度评审已逾期 {(today - due).days} 天（上次 {p.reviewed_on}，应于 {due} 前评审）。",
            f"The yearly policy review is {(today - due).days} days overdue (last {p.reviewed_on}, due {due}).",
            "由工程运维部组织评审，核对 policy.yml 的参数后更新 reviewed_on（有修订时同时更新 version）。",
            "Review the policy, check policy.yml and update reviewed_on (and version if it changed).",
            due=due,
        )
    elif (due - today).days <= 30:
        yield make(
            INFO,
            where,
            "policy.review",
            f"办法的年度评审将于 {due} 到期（还有 {(due - today).days} 天）。",
            f"The yearly policy review is due on {due} ({(due - today).days} days left).",
            due=due,
        )


@rule("transition", "§10.4")
def check_transition_deadline(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§10.3–10.4: B-class gaps are closed by the end of the transition (``transition_months``
    after ``effective_on``); after it, clients still incomplete go to the special-tracking meeting."""
    p = kb.policy
    if p is None or p.effective_on is None or p.transition_months is None:
        return
    end = transition_end(kb) or p.effective_on  # the last day of the transition, inclusive (§10.3)
    for c in kb.clients.values():
        t = c.transition
        if t is None or t.klass != "B" or c.status not in ACTIVE or not pre_existing(kb, c):
            continue
        where = c.where.at("transition", "closed_on") if t.closed_on else c.where.at("transition")
        if t.closed_on is None and t.tracking is not None and today > end:
            continue  # special tracking (§10.4 step 3) is recorded: rules/lifecycle.py judges the meeting
        if t.closed_on is None:
            if today > end:
                yield make(
                    E,
                    where,
                    "transition",
                    f"B 类客户的资料未在过渡期结束（{end}）前补齐：按 §10.4 交申请部门与工程运维部上会专项跟踪。",
                    f"The B-class gaps were not closed by the end of the transition ({end}): special tracking per §10.4.",
                    "补齐 transition.gaps 所列资料后填写 transition.closed_on。",
                    "Close the gaps and set transition.closed_on.",
                    due=end,
                )
            else:
                yield make(
                    INFO,
                    where,
                    "transition",
                    f"B 类客户须在过渡期结束（{end}）前补齐资料，还剩 {(end - today).days} 天。",
                    f"The B-class gaps must be closed by {end}: {(end - today).days} days left.",
                    due=end,
                )
        elif t.closed_on > end:
            yield make(
                W,
                where,
                "transition",
                f"B 类资料于 {t.closed_on} 才补齐，晚于过渡期结束日 {end}（§10.3）。",
                f"The B-class gaps were closed on {t.closed_on}, after the transition ended on {end} (§10.3).",
                "历史无法更改：此条保留在合规看板上。",
                "History cannot change: this stays on the dashboard.",
            )


@rule("priority.temporary", "§9.3.3")
def check_temporary_expired(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§9.3.3: a temporary priority that has ended is not still in force."""
    for c in kb.clients.values():
        tp = c.temporary_priority
        if c.status == "temporary-priority" and tp is not None and tp.until is not None and tp.until < today:
            yield make(
                E,
                c.where.at("temporary_priority", "until"),
                "priority.temporary",
                f"临时优先级已于 {tp.until} 到期，客户仍是 temporary-priority（§9.3.3）。",
                f"Temporary priority ended on {tp.until} but the client is still temporary-priority (§9.3.3).",
                "达标的客户按流程申请专属服务（status: applied）；未达标的回归标准服务（删除临时优先级并改 status）。",
                "Apply for dedicated service if the client now qualifies; otherwise return it to standard service.",
                due=tp.until,
            )
