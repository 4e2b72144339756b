"""Who serves whom: the assignment itself (§7.2.3) and the engineer still being employed (§4.1).

``app.assignment`` is about the dossier's ``assignment``: the ops manager assigns the engineer
after the department head's approval, and a replaced engineer's record says why and how the work
was handed over (§9.3.2). ``eng.employment`` keeps a departed engineer (§4.1 在职) out of every
assignment and backup. Both report at the client's keys, where the fix is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..finding import Finding, Severity
from ..model import KB, Client
from ..roles import role
from . import rule
from .common import acted_by, make

E, W = Severity.ERROR, Severity.WARNING

# Statuses with a current assignment to judge (an exited client has none: client.lifecycle says so).
_ASSIGNED = ("applied", "dedicated", "suspended")


def _under_policy(kb: KB, day: dt.date | None) -> bool:
    """An assignment made on or after the policy took effect (earlier ones are §10.1 准专属)."""
    p = kb.policy
    return day is not None and (p is None or p.effective_on is None or day >= p.effective_on)


@rule("app.assignment", "§7.2.3")
def check_assignment(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§7.2.3: after the department head's approval the ops manager assigns the engineer — so
    ``assignment.since`` is on or after the approval, and ``assignment.assigned_by`` names the ops
    manager (by title or by the name policy.yml gives); a replaced engineer's record in
    ``assignment.history`` has its reason and handover (§9.3.2). Assignments that predate the
    policy are not held to it."""
    om = role(kb.policy, "ops_manager")
    for c in kb.clients.values():
        a = c.assignment
        yield from _replacements(kb, c)
        if c.status not in _ASSIGNED or a is None or not a.engineer:
            continue
        aw = c.where.sub("assignment")
        if a.since is not None and not _under_policy(kb, a.since):
            continue
        yield from _before_approval(kb, c)
        yield from acted_by(
            om,
            "assignment.assigned_by",
            a.assigned_by,
            (
                aw.at("assigned_by") if aw.has("assigned_by") else aw.at("engineer"),
                f"没有记录由谁指派专属工程师 {kb.engineer_name(a.engineer)}（§7.2.3 终审通过后由{om.label}指派）。",
                f"The assignment of {a.engineer} does not say who made it (§7.2.3: the {om.title_en}, after the approval).",
            ),
            (
                aw.at("assigned_by"),
                f"专属工程师须由{om.label}指派（§7.2.3），记录为：{a.assigned_by}。",
                f"The engineer must be assigned by the {om.title_en} (§7.2.3); recorded: {a.assigned_by}.",
            ),
            "app.assignment",
        )


def _replacements(kb: KB, c: Client) -> Iterator[Finding]:
    """§9.3.2: a replaced engineer's record (an ``assignment.history`` entry another engineer took
    over from) says why (``reason``) and how the work was handed over (``handover``) — for
    replacements under the policy (ended on or after ``effective_on``)."""
    a = c.assignment
    if a is None:
        return
    starts = [h.start for h in a.history if h.start is not None]
    if a.engineer and a.since is not None and c.status != "exited":
        starts.append(a.since)
    for i, h in enumerate(a.history):
        if h.start is None or h.end is None or not _under_policy(kb, h.end):
            continue
        if not any(s > h.start for s in starts):
            continue  # nobody took over: the client left dedicated service (client.lifecycle)
        hw = c.where.sub("assignment", "history", i)
        who = kb.engineer_name(h.engineer)
        for key, ok, zh, en in (
            ("reason", h.reason, "原因 reason", "the reason"),
            ("handover", h.handover, "交接说明 handover", "the handover"),
        ):
            if not ok:
                yield make(
                    E,
                    hw.at(key) if hw.has(key) else hw.at(),
                    "app.assignment",
                    f"{who}于 {h.end} 被替换，但替换记录没有写{zh}（§9.3.2 由工程运维部启动替换程序，确保平稳交接）。",
                    f"{h.engineer} was replaced on {h.end} but the record lacks {en} (§9.3.2: a smooth handover).",
                    "在这条 assignment.history 中写明 reason（及 trigger：incidents / assessment / development / departure / load）"
                    "与 handover（进行中的工单、待启动操作、已同步给谁）。",
                    "Write reason (and trigger) and handover (open tickets, pending actions, who was briefed) in this entry.",
                )


def _before_approval(kb: KB, c: Client) -> Iterator[Finding]:
    """The service started before the application was approved (§7.2.3 审批通过后…指派)."""
    a, app = c.assignment, c.application
    if a is None or a.since is None:
        return
    ap = app.approval if app is not None else None
    where = c.where.at("assignment", "since")
    if ap is not None and ap.on is not None and ap.result == "approved":
        if a.since < ap.on:
            yield make(
                E,
                where,
                "app.assignment",
                f"开始服务日期 {a.since} 早于终审通过日期 {ap.on}：§7.2.3 终审通过后才由运维经理指派专属工程师。",
                f"The service starts on {a.since}, before the approval on {ap.on} (§7.2.3: assigned after the approval).",
                "since 写终审通过后实际指派、开始服务的日期（保有奖励按服务月份计，未获批的月份不计）；若终审日期记错，改正 approval.on。",
                "Set since to the day the engineer was actually assigned after the approval (bonus months count from it); "
                "or correct approval.on.",
            )
    elif c.status in ("applied", "dedicated"):
        # app.workflow reports the missing or negative approval itself; here: service has started anyway
        yield make(
            E,
            where,
            "app.assignment",
            f"申请尚未终审通过，却已指派 {kb.engineer_name(a.engineer)} 自 {a.since} 开始服务（§7.2.3 终审通过后才指派）。",
            f"{a.engineer} serves since {a.since} but the application is not approved (§7.2.3).",
            "终审通过后再写 assignment；或补记 application.approval（by、on、result: approved）。",
            "Write the assignment after the approval, or record application.approval.",
        )


# Statuses in which the dossier's assignment names people who serve the client (§4.1 applies to them).
_SERVING = ("applied", "dedicated", "suspended", "temporary-priority")


@rule("eng.employment", "§4.1")
def check_employment(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§4.1: only an engineer in employment (在职) serves: a departed engineer (``employment.status:
    left``) is neither a client's engineer nor its backup nor a leave backup, and no past assignment
    runs beyond the day they left; one leaving soon (``left_on`` ahead) is a warning to reassign."""
    for e in kb.engineers.values():
        emp = e.employment
        if emp is None or (emp.status != "left" and emp.left_on is None):
            continue
        who = kb.engineer_name(e.id)
        if emp.status == "left" and emp.left_on is None:
            yield make(
                E,
                e.where.at("employment"),
                "eng.employment",
                f"{who}已离职（status: left），但没有写离职日期 left_on。",
                f"{e.id} has left (status: left) but left_on is missing.",
                "添加 employment.left_on: YYYY-MM-DD（最后在职日）。",
                "Add employment.left_on: YYYY-MM-DD (the last day employed).",
            )
        gone = emp.gone_by(today)
        when = f"已于 {emp.left_on} 离职" if emp.left_on and gone else "已离职" if gone else f"将于 {emp.left_on} 离职"
        when_en = f"left on {emp.left_on}" if emp.left_on and gone else "has left" if gone else f"leaves on {emp.left_on}"
        sev = E if gone else W
        for c in kb.clients.values():
            a = c.assignment
            if a is None:
                continue
            aw = c.where.sub("assignment")
            if c.status in _SERVING:
                for key, zh, en in (("engineer", "专属工程师", "the engineer"), ("backup", "备份工程师", "the backup")):
                    if getattr(a, key) != e.id:
                        continue
                    yield make(
                        sev,
                        aw.at(key),
                        "eng.employment",
                        f"{who}{when}（§4.1 须为在职工程师），仍是{c.name or c.id}的{zh}。",
                        f"{e.id} {when_en} (§4.1: engineers in employment only) but is still {en} of {c.id}.",
                        "改派在职的工程师，把这段服务移入 assignment.history（写 to、reason 与 handover，§9.3.2 平稳交接）。"
                        if key == "engineer"
                        else "改为另一位在职工程师。",
                        "Assign an engineer in employment; move this stint to assignment.history (to, reason, handover)."
                        if key == "engineer"
                        else "Name another engineer in employment.",
                        due=None if gone else emp.left_on,
                    )
            for i, h in enumerate(a.history):
                if h.engineer == e.id and emp.left_on is not None and h.end is not None and h.end > emp.left_on:
                    yield make(
                        E,
                        aw.at("history", i, "to"),
                        "eng.employment",
                        f"{who}于 {emp.left_on} 离职，{c.name or c.id}的服务记录却到 {h.end} 才结束。",
                        f"{e.id} left on {emp.left_on} but the stint at {c.id} ends on {h.end}.",
                        "核对离职日期与 to。",
                        "Check left_on and to.",
                    )
        for o in kb.engineers.values():
            for lv in o.leave:
                if lv.backup != e.id or emp.left_on is None or lv.end is None or lv.end <= emp.left_on:
                    continue
                yield make(
                    sev,
                    lv.where.at("backup"),
                    "eng.employment",
                    f"{kb.engineer_name(o.id)}休假 {lv.start or '?'}～{lv.end} 的备份工程师{who}{when}（§4.1、§7.4）。",
                    f"The backup of {o.id}'s leave {lv.start or '?'}–{lv.end}, {e.id}, {when_en} (§4.1, §7.4).",
                    "改为另一位在职工程师。",
                    "Name another engineer in employment.",
                    due=None if gone else emp.left_on,
                )
