"""Workflow rules: the application (§7.2) and the cross-department handoff (§6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..facts import pre_existing
from ..finding import Finding, Severity
from ..model import KB, Client, Handoff, Where
from ..roles import role
from . import rule
from .common import make

E, W = Severity.ERROR, Severity.WARNING

# Who acts at each step (§7.2.2 the ops manager reviews; §7.2.3 the department head approves).
_ACTOR = {"review": ("ops_manager", "§7.2.2"), "approval": ("department_head", "§7.2.3")}


def _steps(c: Client) -> list[tuple[tuple[str, ...], str, str, dt.date | None, str | None, str]]:
    """(path, zh, en, date, who, status) for each step of §7.2 that is present."""
    a = c.application
    if a is None:
        return []
    return [
        (
            ("application", "submitted_on"),
            "提交申请",
            "submission",
            a.submitted_on,
            a.applicant.name if a.applicant else None,
            "applied",
        ),
        (
            ("application", "review"),
            "运维经理初审",
            "review",
            a.review.on if a.review else None,
            "、".join(a.review.by) if a.review and a.review.by else None,
            "dedicated",
        ),
        (
            ("application", "approval"),
            "工程运维部负责人终审",
            "approval",
            a.approval.on if a.approval else None,
            "、".join(a.approval.by) if a.approval and a.approval.by else None,
            "dedicated",
        ),
        (("application", "notified_on"), "邮件通知", "notification", a.notified_on, "-", "dedicated"),
    ]


@rule("app.workflow", "§7.2")
def check_workflow(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§7.2: applied → reviewed by the ops manager → approved by the head of department →
    notified, each step with who and when, in date order; an application rejected at review
    (e.g. for incomplete materials, §7.2.1) cannot be approved. Pre-existing relationships
    that entered through the transition (§10) need no application."""
    for c in kb.clients.values():
        if c.status not in ("applied", "dedicated"):
            continue
        a = c.application
        if a is None:
            if c.status == "dedicated" and c.transition is not None and c.transition.klass and pre_existing(kb, c):
                continue
            yield make(
                E,
                c.where.at("application"),
                "app.workflow",
                "没有《专属工程师服务申请表》的流程记录（§7.2）。",
                "No application workflow is recorded (§7.2).",
                "添加 application: {applicant, submitted_on, …}。",
                "Add application: {applicant, submitted_on, …}.",
            )
            continue
        if a.applicant is None or not a.applicant.name:
            yield make(
                E,
                c.where.at("application", "applicant"),
                "app.workflow",
                "申请表没有写明申请人（客户成功/销售经理，§7.2.1）。",
                "The application names no applicant (§7.2.1).",
                "添加 applicant: {name, department}。",
                "Add applicant: {name, department}.",
            )
        required = ("applied",) if c.status == "applied" else ("applied", "dedicated")
        last: tuple[str, dt.date] | None = None
        for path, zh, en, when, who, needed_from in _steps(c):
            if when is None:
                if needed_from in required:
                    yield make(
                        E,
                        c.where.at(*path),
                        "app.workflow",
                        f"专属客户的申请流程缺少“{zh}”的日期（§7.2）。"
                        if c.status == "dedicated"
                        else f"申请流程缺少“{zh}”的日期（§7.2）。",
                        f"The application lacks the date of its {en} (§7.2).",
                        f"补充 {'.'.join(path)}。",
                        f"Add {'.'.join(path)}.",
                    )
                continue
            if not who and path[-1] in ("review", "approval"):
                yield make(
                    E,
                    c.where.at(*path),
                    "app.workflow",
                    f"“{zh}”没有写明由谁进行（by，§7.2）。",
                    f"The {en} does not say by whom (§7.2).",
                    "添加 by。",
                    "Add by.",
                )
            elif who and path[-1] in _ACTOR:
                yield from _wrong_actor(kb, c, path[-1], zh, en)
            if last is not None and when < last[1]:
                key = (*path, "on") if path[-1] in ("review", "approval") else path
                yield make(
                    E,
                    c.where.at(*key),
                    "app.workflow",
                    f"“{zh}”的日期 {when} 早于“{last[0]}”的日期 {last[1]}：顺序应为申请→初审→终审→通知（§7.2）。",
                    f"The {en} ({when}) is dated before the previous step ({last[1]}) (§7.2).",
                    "核对日期。",
                    "Check the dates.",
                )
            last = (zh, when)
        rv, ap = a.review, a.approval
        if c.status == "dedicated":
            if rv is not None and rv.on is not None and rv.result != "passed":
                yield make(
                    E,
                    c.where.at("application", "review", "result"),
                    "app.workflow",
                    f"初审结果为 {rv.result or '（未填）'}，专属客户的申请须初审通过（§7.2.2）。",
                    f"The review result is {rv.result or '(none)'}; a dedicated client's application must pass review.",
                    "填写 result: passed，或把状态改回 applied。",
                    "Set result: passed, or set status back to applied.",
                )
            if ap is not None and ap.on is not None and ap.result != "approved":
                yield make(
                    E,
                    c.where.at("application", "approval", "result"),
                    "app.workflow",
                    f"终审结果为 {ap.result or '（未填）'}，专属客户的申请须终审通过（§7.2.3）。",
                    f"The approval result is {ap.result or '(none)'}; a dedicated client's application must be approved.",
                    "填写 result: approved，或把状态改回 applied。",
                    "Set result: approved, or set status back to applied.",
                )
        if rv is not None and rv.result == "rejected" and ap is not None and ap.result == "approved":
            yield make(
                E,
                c.where.at("application", "approval", "result"),
                "app.workflow",
                "初审已驳回（如资料不全，§7.2.1）的申请不能终审通过：须补齐资料、重新初审。",
                "An application rejected at review (e.g. incomplete materials, §7.2.1) cannot be approved.",
                "补齐资料后重新初审，更新 review。",
                "Complete the materials and review again.",
            )


def _wrong_actor(kb: KB, c: Client, step: str, zh: str, en: str) -> Iterator[Finding]:
    """The review or approval names someone other than the role the policy gives it."""
    a = c.application
    s = getattr(a, step) if a is not None else None
    key, section = _ACTOR[step]
    r = role(kb.policy, key)
    if s is None or not s.by or r.among(s.by):
        return
    yield make(
        E,
        c.where.at("application", step, "by"),
        "app.workflow",
        f"“{zh}”须由{r.label}进行（{section}），记录为：{'、'.join(s.by)}。",
        f"The {en} must be by the {r.title_en} ({section}); recorded: {', '.join(s.by)}.",
        f"by 写岗位名称或姓名：{r.label}（见 policy.yml 的 roles.{key}）。",
        f"Write the role or the person under by: {r.label} (policy.yml roles.{key}).",
    )


def _named(w: Where, key: str) -> tuple[str, ...]:
    """A person's ``name`` line when it is written (a blank one is its to-do's line), else the key's."""
    return (key, "name") if w.has(key, "name") else (key,)


def _handoff_findings(kb: KB, c: Client, h: Handoff) -> Iterator[Finding]:
    w = h.where
    rep = h.report
    missing: list[tuple[tuple[str, ...], str, str, str]] = []
    if not h.trigger:
        missing.append((("trigger",), "触发条件（产品缺陷/销售资源错配/前期方案架构问题）", "trigger", "§6.2"))
    if rep is None:
        missing.append((("report",), "《问题定界分析报告》", "the boundary analysis report", "§6.2"))
    else:
        if not rep.basis:
            missing.append((("report", "basis"), "《问题定界分析报告》的判断依据", "the report's basis", "§6.2"))
        if not rep.reproduction:
            missing.append(
                (
                    ("report", "reproduction"),
                    "《问题定界分析报告》的复现步骤",
                    "the report's reproduction steps",
                    "§6.2",
                )
            )
        if not (rep.logs or rep.screenshots):
            # at the logs key when it is written (then a blank one is the same line as its to-do)
            at = ("report", "logs") if w.has("report", "logs") else ("report",)
            missing.append((at, "《问题定界分析报告》的相关日志或配置截图", "the report's logs or screenshots", "§6.2"))
    if h.coordinator is None or not h.coordinator.name:
        missing.append(
            (_named(w, "coordinator"), "协调责任人（@客户经理）", "the coordinator (@account manager)", "§6.3")
        )
    if h.owner is None or not h.owner.name:
        missing.append(
            (
                _named(w, "owner"),
                "接收方负责人（@产品负责人或商务负责人）",
                "the owner (@product or business owner)",
                "§6.3",
            )
        )
    if not h.ask:
        missing.append((("ask",), "需要对方解决的具体事项", "the specific ask", "§6.3"))
    if h.status == "suspended" and h.suspended_on is None:
        missing.append((("suspended_on",), "原始工单挂起的日期", "the date the ticket was suspended", "§6.4"))
    if h.status in ("solution-agreed", "implemented", "closed") and not h.solution:
        missing.append((("solution",), "解决方案", "the solution", "§6.5"))
    if h.status == "closed" and h.closed_on is None:
        missing.append((("closed_on",), "关闭日期", "the closing date", "§6.5"))
    for path, zh, en, sec in missing:
        yield make(
            E,
            w.at(*path),
            "handoff.report",
            f"跨部门协同任务 {h.task_id} 缺少{zh}（{sec}）。",
            f"Handoff {h.task_id} lacks {en} ({sec}).",
            "补充后再转交。",
            "Add it before handing off.",
        )
    am = c.account_manager.name if c.account_manager else None
    if h.coordinator and h.coordinator.name and am and h.coordinator.name != am:
        yield make(
            W,
            w.at("coordinator"),
            "handoff.report",
            f"协调责任人是 {h.coordinator.name}，不是本客户的客户经理 {am}：§6.3 要求任务 @客户经理，由其成为跨部门协调第一负责人。",
            f"The coordinator is {h.coordinator.name}, not the account manager {am} (§6.3).",
            "改为客户经理，或在档案中更新 account_manager。",
            "Name the account manager, or update account_manager.",
        )
    if h.opened_on and h.suspended_on and h.suspended_on < h.opened_on:
        yield make(
            E,
            w.at("suspended_on"),
            "handoff.report",
            f"挂起日期 {h.suspended_on} 早于协同任务创建日期 {h.opened_on}（§6.4 任务创建后原始工单才挂起）。",
            f"suspended_on {h.suspended_on} is before opened_on {h.opened_on} (§6.4).",
            "核对日期。",
            "Check the dates.",
        )
    if h.opened_on and h.closed_on and h.closed_on < h.opened_on:
        yield make(
            E,
            w.at("closed_on"),
            "handoff.report",
            f"关闭日期 {h.closed_on} 早于创建日期 {h.opened_on}。",
            f"closed_on {h.closed_on} is before opened_on {h.opened_on}.",
            "核对日期。",
            "Check the dates.",
        )


@rule("handoff.report", "§6")
def check_handoffs(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§6: a handoff carries the boundary analysis report (basis, reproduction, logs or
    screenshots), @coordinator (the account manager), @owner and the ask; a suspended
    ticket says since when; a closed one its solution and date."""
    for c in kb.clients.values():
        for h in c.handoffs:
            yield from _handoff_findings(kb, c, h)
