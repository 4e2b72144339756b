"""Lifecycle rules: a client's status against its records and its history (§7.2, §8.4, §9.3,
§10.4), the §8.4 collaboration review, and the transition's outcomes for C- and B-class clients.

The state machine itself (``facts.LIFECYCLE``) is the model's vocabulary; here it is judged:
the status must match the records that decide it (the latest review, the exit record, the
assignment), and every status change read from git must be a move the machine allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..duties import late_events, missed_meetings
from ..facts import ACTIVE, LIFECYCLE, STATES, add_months, latest_review, may_move, pre_existing, transition_end
from ..finding import Finding, Severity
from ..history import History
from ..labels import STATUS
from ..model import KB, Client
from . import rule
from .common import make

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

OUTCOMES = {"paid-service": "转为额外付费服务", "return-to-standard": "服务模式回归计划"}


def _label(status: str | None) -> str:
    """``dedicated（专属服务中）`` for messages."""
    if status is None:
        return "（未写）"
    named = STATUS.get(status)
    return f"{status}（{named.zh}）" if named else status


# ------------------------------------------------------------------ the status matches its records


@rule("client.lifecycle", "§8.4、§9.3.1")
def check_records(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§8.4, §9.3.1: the status matches the records that decide it — suspended ⇔ the latest
    review suspended service, a revoke review ⇒ exited; exited ⇔ an exit record in effect, and an
    exited client has no current engineer or backup (its last engineer is in the history, with
    ``to`` no later than the exit)."""
    for c in kb.clients.values():
        yield from _reviews_decide(c, today)
        yield from _exit_record(c, today)


def _reviews_decide(c: Client, today: dt.date) -> Iterator[Finding]:
    r = latest_review(c, today)
    w = c.where
    if c.status == "suspended" and (r is None or r.outcome != "suspend"):
        last = f"最近一次复审（{r.on}）的结论是 {r.outcome}" if r is not None else "没有复审记录"
        yield make(
            E,
            w.at("status"),
            "client.lifecycle",
            f"状态为 suspended（暂停专属服务），但{last}：暂停须由 §8.4 的服务复审决定。",
            "The status is suspended, but no review suspended the service (§8.4)"
            + (f": the latest review ({r.on}) says {r.outcome}." if r is not None else "."),
            "在 reviews 中记录暂停的复审（on, by, evidence, outcome: suspend）；已恢复服务的记一次 outcome: continue 并把 status 改回 dedicated。",
            "Record the suspending review under reviews, or, if service resumed, a continue review and status dedicated.",
        )
    if r is None:
        return
    if r.outcome == "suspend" and c.status in ("dedicated", "temporary-priority"):
        yield make(
            E,
            r.where.at("outcome"),
            "client.lifecycle",
            f"{r.on} 的复审决定暂停专属服务，状态仍为 {_label(c.status)}（§8.4）。",
            f"The review of {r.on} suspended the service, but the status is still {c.status} (§8.4).",
            "把 status 改为 suspended：工单回到标准流程，不计入工程师负载，知识库保留。",
            "Set status: suspended (tickets go to the standard queue; the KB is kept).",
        )
    if r.outcome == "revoke" and c.status != "exited":
        yield make(
            E,
            r.where.at("outcome"),
            "client.lifecycle",
            f"{r.on} 的复审决定撤销专属服务，状态仍为 {_label(c.status)}：应退回标准服务流程（§8.4）。",
            f"The review of {r.on} revoked the service, but the status is still {c.status} (§8.4).",
            "把 status 改为 exited，写 exit: {on, reason: review-revoked, decided_by}，把工程师移入 assignment.history。",
            "Set status: exited, add exit with reason review-revoked, move the engineer to assignment.history.",
        )


def _exit_record(c: Client, today: dt.date) -> Iterator[Finding]:
    w = c.where
    x = c.exit
    if c.status == "exited":
        if x is None:
            yield make(
                E,
                w.at("status"),
                "client.lifecycle",
                "状态为 exited（已退出），但没有退出记录 exit（§9.3.1：经提议、讨论后取消专属服务）。",
                "The status is exited, but there is no exit record (§9.3.1).",
                "添加 exit: {on: 退出日期, reason: criteria-lost | retention-replacement | review-revoked | contract-ended | transition-c | priority-ended, decided_by: [决定的部门]}。",
                "Add exit: {on, reason, decided_by}.",
            )
        elif x.on is not None and x.on > today:
            yield make(
                E,
                w.at("exit", "on"),
                "client.lifecycle",
                f"退出日期 {x.on} 还没到，状态却已是 exited：到退出日前仍按原状态服务。",
                f"The exit is dated {x.on}, after today, but the status is already exited.",
                "退出日当天再把 status 改为 exited，或核对日期。",
                "Set exited on the exit day, or check the date.",
            )
        a = c.assignment
        for key, zh in (("engineer", "专属工程师"), ("backup", "备份工程师")):
            eid = getattr(a, key) if a is not None else None
            if eid:
                yield make(
                    E,
                    w.at("assignment", key),
                    "client.lifecycle",
                    f"已退出的客户仍指派着{zh} {eid}：退出后没有当前指派（§9.3.1）。",
                    f"An exited client still names its {key} {eid} (§9.3.1).",
                    "删除 assignment.engineer / backup / since，把最后一任工程师写进 assignment.history（engineer, from, to，to 不晚于退出日期）。"
                    if key == "engineer"
                    else "删除 assignment.backup。",
                    "Move the engineer to assignment.history with from and to; remove the current assignment.",
                )
        for i, past in enumerate(a.history if a is not None else ()):
            if past.end is None:
                yield make(
                    E,
                    w.at("assignment", "history", i),
                    "client.lifecycle",
                    f"已退出的客户，历任工程师 {past.engineer} 没有写结束日期 to。",
                    f"The exited client's past engineer {past.engineer} has no end date (to).",
                    f"写上 to: {x.on if x is not None and x.on else 'YYYY-MM-DD'}（服务结束日，不晚于退出日期）。",
                    "Add to: the last day of service.",
                )
            elif x is not None and x.on is not None and past.end > x.on:
                yield make(
                    E,
                    w.at("assignment", "history", i),
                    "client.lifecycle",
                    f"历任工程师 {past.engineer} 服务到 {past.end}，晚于退出日期 {x.on}。",
                    f"The past engineer {past.engineer} served until {past.end}, after the exit on {x.on}.",
                    "核对 to 与 exit.on。",
                    "Check to and exit.on.",
                )
    elif x is not None:
        if x.on is not None and x.on > today:
            yield make(
                INFO,
                w.at("exit", "on"),
                "client.lifecycle",
                f"计划于 {x.on} 退出专属服务（还有 {(x.on - today).days} 天）：届时把 status 改为 exited，工程师移入 assignment.history。",
                f"The client leaves dedicated service on {x.on} ({(x.on - today).days} days left).",
                due=x.on,
            )
        else:
            yield make(
                E,
                w.at("status"),
                "client.lifecycle",
                f"已记录退出（exit.on：{x.on or '未写'}），状态却是 {_label(c.status)}。",
                f"An exit is recorded (on {x.on}), but the status is {c.status}.",
                "把 status 改为 exited，并把工程师移入 assignment.history；若退出已撤回，删除 exit。",
                "Set status: exited (or remove the exit if it was withdrawn).",
            )
    if x is not None and x.reason == "review-revoked" and not any(r.outcome == "revoke" for r in c.reviews):
        yield make(
            E,
            w.at("exit", "reason"),
            "client.lifecycle",
            "退出原因是 review-revoked（复审撤销），但 reviews 中没有 outcome: revoke 的复审（§8.4）。",
            "The exit reason is review-revoked, but no review revoked the service (§8.4).",
            "在 reviews 中记录撤销的复审，或改正退出原因。",
            "Record the revoking review, or correct the reason.",
        )
    if x is not None and x.reason == "transition-c" and (c.transition is None or c.transition.klass != "C"):
        yield make(
            E,
            w.at("exit", "reason"),
            "client.lifecycle",
            "退出原因是 transition-c（过渡期 C 类回归），但 transition.class 不是 C（§10.4）。",
            "The exit reason is transition-c, but the client is not C-class (§10.4).",
            "核对 transition.class 或退出原因。",
            "Check transition.class or the reason.",
        )


# ------------------------------------------------------------------ status changes in git


def _allowed(status: str) -> str:
    nxt = LIFECYCLE.get(status, ())
    return "、".join(nxt) if nxt else "（无）"


@rule("client.lifecycle", "§7.2、§8.4、§9.3")
def check_moves(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """Every status change read from git follows the lifecycle (``facts.LIFECYCLE``): candidate →
    applied → dedicated ⇄ suspended → exited, temporary-priority → applied | exited. A jump (say
    candidate → dedicated without the application) is flagged once, naming the commit that made it,
    as a warning (history cannot change); an uncommitted jump is an error (it can still be fixed)."""
    if not isinstance(history, History) or not history.available:
        return
    for c in kb.clients.values():
        file = c.where.file
        where = c.where.at("status")
        for commit, old, new in history.status_changes(file):
            if old not in STATES or new not in STATES or may_move(old, new):
                continue
            skipped = "跳过了申请与审批（applied，§7.2）；" if old == "candidate" and new == "dedicated" else ""
            subject = commit.subject if len(commit.subject) <= 40 else commit.subject[:39] + "…"
            yield make(
                W,
                where,
                "client.lifecycle",
                f"提交 {commit.sha[:8]}（{commit.date}，{commit.author}：“{subject}”）把状态从 {_label(old)} 直接改为 {_label(new)}，"
                f"不符合客户生命周期：{skipped}{old} 之后只能是 {_allowed(old)}。",
                f"Commit {commit.sha[:8]} ({commit.date}, {commit.author}) changed the status from {old} to {new}, "
                f"which the lifecycle does not allow (after {old}: {', '.join(LIFECYCLE.get(old, ()))}).",
                "历史无法更改：此条保留在合规看板上。以后按生命周期逐步改状态（见 README 的生命周期图）。",
                "History cannot change: this stays on the dashboard. Change the status step by step from now on.",
            )
        if file in history.dirty and c.status in STATES:
            last = history.last_status(file)
            if last in STATES and last is not None and not may_move(last, c.status or ""):
                yield make(
                    E,
                    where,
                    "client.lifecycle",
                    f"未提交的修改把状态从 {_label(last)} 直接改为 {_label(c.status)}，不符合客户生命周期：{last} 之后只能是 {_allowed(last)}。",
                    f"An uncommitted change moves the status from {last} to {c.status}, which the lifecycle does not allow.",
                    "按生命周期逐步改状态，每一步单独提交（如 candidate → applied → dedicated）。",
                    "Change the status one step at a time, each in its own commit.",
                )


# ------------------------------------------------------------------ §8.4 collaboration reviews


@rule("client.review", "§8.4")
def check_reviews(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§8.4: a review is due (warning, with the evidence) when the applying department of a
    dedicated client missed ``collaboration_review.missed_duties`` duties — events recorded late
    (change.1bd) and sync periods without a meeting (sync.cadence) — within ``within_months``
    months and since its last review; each review is complete (improve names its deadline,
    suspend and revoke their evidence) and an improvement deadline that passed is followed up."""
    for c in kb.clients.values():
        yield from _review_records(c, today)
    p = kb.policy
    if p is None or p.review_missed_duties is None or p.review_window_months is None:
        return
    if not isinstance(history, History) or not history.available:
        return  # the misses are read from git, as the deadline rules read them (they say why not)
    dedicated = [c for c in kb.clients.values() if c.status == "dedicated"]
    late, _gaps = late_events(kb, history, kb.work_calendar(), today, dedicated)  # gaps: change.1bd says
    for c in dedicated:
        since = add_months(today, -p.review_window_months)
        last = latest_review(c, today)
        if last is not None and last.on is not None and last.on > since:
            since = last.on
        misses = [
            (x.deadline, f"{x.event.type} {x.event.occurred_on} 晚 {x.late} 个工作日记录")
            for x in late
            if x.client is c and x.deadline > since
        ]
        misses += [
            (m.end, f"{m.start:%Y-%m}{' 季度' if m.quarterly else ''} 无例会记录")
            for m in missed_meetings(p, c, today)
            if m.end > since
        ]
        if len(misses) < p.review_missed_duties:
            continue
        misses.sort()
        became_due = misses[p.review_missed_duties - 1][0]
        evidence = "；".join(f"{d} {text}" for d, text in misses)
        after = f"上次复审 {last.on} 以来" if last is not None and last.on is not None and last.on == since else ""
        yield make(
            W,
            c.where.at("reviews") if c.where.has("reviews") else c.where.at("status"),
            "client.review",
            f"应发起协作复审（§8.4）：申请部门{after or f'近 {p.review_window_months} 个月内'}有 {len(misses)} 次未履行协作责任"
            f"（门槛 {p.review_missed_duties} 次）：{evidence}。",
            f"A collaboration review is due (§8.4): the applying department missed {len(misses)} duties "
            f"(threshold {p.review_missed_duties}) {'since the last review' if after else f'in {p.review_window_months} months'}: "
            + "; ".join(f"{d} {t}" for d, t in misses)
            + ".",
            "由工程运维部发起服务复审，结论记在 reviews（on, by, evidence, outcome: continue | improve | suspend | revoke）。",
            "The engineering-operations department reviews; record it under reviews.",
            due=became_due,
        )


def _review_records(c: Client, today: dt.date) -> Iterator[Finding]:
    last = latest_review(c, today)
    for r in c.reviews:
        if r.outcome == "improve" and r.until is None:
            yield make(
                E,
                r.where.at("outcome"),
                "client.review",
                "复审结论为限期改进（improve），没有写改进期限 until（§8.4）。",
                "An improve review names no deadline (until) (§8.4).",
                "添加 until: YYYY-MM-DD。",
                "Add until.",
            )
        if r.outcome in ("suspend", "revoke") and not r.evidence:
            yield make(
                E,
                r.where.at("outcome"),
                "client.review",
                f"复审决定{'暂停' if r.outcome == 'suspend' else '撤销'}专属服务，没有写依据 evidence（申请部门未履行的协作责任，§8.4）。",
                f"A {r.outcome} review states no evidence (§8.4).",
                "添加 evidence：哪些同步、通知义务没有履行。",
                "Add the evidence.",
            )
        if (
            r is last
            and r.outcome == "improve"
            and r.until is not None
            and r.until < today
            and c.status in ("dedicated", "suspended")
        ):
            yield make(
                W,
                r.where.at("until"),
                "client.review",
                f"限期改进已于 {r.until} 到期，尚无后续复审（§8.4）：评估改进结果，决定继续、暂停或撤销。",
                f"The improvement deadline {r.until} has passed with no follow-up review (§8.4).",
                "在 reviews 中记录后续复审。",
                "Record the follow-up review.",
                due=r.until,
            )


# ------------------------------------------------------------------ §10.4 outcomes of the transition


@rule("transition", "§10.4")
def check_outcomes(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§10.4: by the transition's end each C-class client has its outcome — paid service or a return
    to standard service — with the date it takes effect, no later than the end; after the end a
    C-class client still served without one is an error, and one returning to standard service is
    exited by its date. A B-class client unresolved at the end has its special-tracking meeting
    (``tracking``: on, decision)."""
    end = transition_end(kb)
    for c in kb.clients.values():
        t = c.transition
        if t is None:
            continue
        tw = c.where.sub("transition")
        if t.outcome and t.klass != "C":
            yield make(
                E,
                tw.at("outcome"),
                "transition",
                f"transition.outcome 只用于 C 类（不再符合）客户，本客户是 {t.klass or '未分类'}（§10.4）。",
                "transition.outcome applies to C-class clients only (§10.4).",
                "删除 outcome，或核对 class。",
                "Remove outcome or check the class.",
            )
        if end is None:
            continue
        if t.klass == "C" and c.status in (*ACTIVE, "suspended", "exited"):
            yield from _c_outcome(c, t.outcome, t.return_by, end, today)
        if (
            t.klass == "B"
            and t.closed_on is None
            and t.tracking is not None
            and today > end
            and c.status in ACTIVE
            and pre_existing(kb, c)
        ):
            tr = t.tracking
            if tr.on is None or tr.on > today or not tr.decision:
                yield make(
                    E,
                    tw.at("tracking"),
                    "transition",
                    "B 类资料在过渡期结束时仍未补齐，专项跟踪会议"
                    + (f"定于 {tr.on}，尚未召开" if tr.on is not None and tr.on > today else "没有写日期或决定")
                    + "（§10.4 第三步）。",
                    "The special-tracking meeting of an unresolved B-class client is not held or has no decision (§10.4).",
                    "会后填写 tracking: {on, decision}。",
                    "After the meeting, fill in tracking: {on, decision}.",
                    due=tr.on if tr.on is not None and tr.on > today else None,
                )


def _c_outcome(
    c: Client, outcome: str | None, return_by: dt.date | None, end: dt.date, today: dt.date
) -> Iterator[Finding]:
    tw = c.where.sub("transition")
    if outcome not in OUTCOMES or return_by is None:
        what = "去向（outcome）与转换日期（return_by）" if outcome not in OUTCOMES else "转换日期（return_by）"
        if today <= end:
            yield make(
                INFO,
                tw.at("outcome") if outcome else tw.at("class"),
                "transition",
                f"C 类（不再符合）客户须在过渡期结束（{end}）前与保有部门商定{what}：paid-service（额外付费服务）或 return-to-standard（服务模式回归计划），还剩 {(end - today).days} 天（§10.4）。",
                f"A C-class client needs its outcome (paid-service or return-to-standard) and return_by by {end} (§10.4).",
                due=end,
            )
        else:
            yield make(
                W if c.status == "exited" else E,
                tw.at("outcome") if outcome else tw.at("class"),
                "transition",
                f"过渡期已于 {end} 结束，C 类（不再符合）客户仍没有{what}"
                + (
                    "：补记当时的决定（§10.4）。"
                    if c.status == "exited"
                    else f"，状态为 {_label(c.status)}（§10.4：过渡期结束后所有服务须严格按办法执行）。"
                ),
                f"The transition ended on {end}; the C-class client has no outcome and return_by (§10.4).",
                "写 transition.outcome: paid-service | return-to-standard 与 return_by；回归标准服务的客户改为 exited（exit.reason: transition-c）。",
                "Set transition.outcome and return_by; a client returning to standard service is exited (reason transition-c).",
                due=end,
            )
        return
    if return_by > end:
        yield make(
            E,
            tw.at("return_by"),
            "transition",
            f"C 类客户的转换日期 {return_by} 晚于过渡期结束日 {end}（§10.4：过渡期结束后所有服务须严格按办法执行）。",
            f"The C-class client's return_by {return_by} is after the transition's end {end} (§10.4).",
            f"把 return_by 提前到 {end} 或更早。",
            f"Set return_by to {end} or earlier.",
            due=end,
        )
    if outcome == "return-to-standard" and c.status != "exited":
        if today > return_by:
            yield make(
                E,
                c.where.at("status"),
                "transition",
                f"按服务模式回归计划，客户应于 {return_by} 回归标准服务，状态仍为 {_label(c.status)}（§10.4）。",
                f"Under its return plan the client was due back on standard service on {return_by}, but is {c.status} (§10.4).",
                "把 status 改为 exited，写 exit: {on, reason: transition-c, decided_by}，工程师移入 assignment.history。",
                "Set status: exited with exit reason transition-c.",
                due=return_by,
            )
        else:
            yield make(
                INFO,
                tw.at("return_by"),
                "transition",
                f"按服务模式回归计划于 {return_by} 回归标准服务（还有 {(return_by - today).days} 天）。",
                f"Returns to standard service on {return_by} ({(return_by - today).days} days left).",
                due=return_by,
            )
