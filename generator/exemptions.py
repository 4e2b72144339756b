"""Exemptions: how the policy's "原则上" cases are recorded (DESIGN.md §2 ``exemptions``, rule ``exemption``).

§7.3 says an engineer serves "原则上不超过4个" clients: the limit admits exceptions, and someone must
approve them. An exemption is written in the file the finding is about (``client.yml`` or
``engineers/<id>.yml``)::

    exemptions:
      - {rule: eng.load, reason: …, approved_by: 工程运维部负责人, approved_on: 2026-10-15, expires: 2027-03-31}

It is applied once, after the rules, by the pipeline — :func:`apply` is a pure function from the
rules' findings, the model and the day to findings; the rules never see exemptions. While it is
current, each finding of its ``rule`` in its file (only those at or below ``key`` when it names a
key path such as ``events[2]`` or ``certifications[1]``) becomes ``info`` — "已豁免至 YYYY-MM-DD（理由，
批准人）：" and the finding's own words — and stays on the dashboard; its ``due`` is the expiry, the
day it comes back. An exemption that is not approved by the role ``policy.yml exemption.approver``
names (default the department head, by title or by the name ``roles`` gives), has no reason, lasts
longer than ``exemption.max_months`` (default 6: the expiry at most that many months after the
approval), names a rule that does not exist or a key that is not in the file, or exempts what can
never be exempted (:data:`NEVER`), applies nothing and is an ``exemption`` error; an expired one
applies nothing and is an ``exemption`` warning, so the original finding is back with its own
severity.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace

from .facts import add_months
from .finding import Finding, Msg, Severity, error, warning
from .load import KeyPath
from .model import KB, Exemption, Where
from .roles import default_roles

RULE = "exemption"
# What no exemption can touch: a file that cannot be read or does not match its schema, a blank to
# fill in, a secret, a link out of the KB, the history stage's own findings, and exemptions themselves
# — they are about whether kb can trust what it reads, not about the policy's judgement.
NEVER = ("load", "schema", "todo", "secret", "boundary", "history", RULE)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_-]*(\[\d+\])*)*")
_SEVERITY = {
    Severity.ERROR: Msg("错误", "an error"),
    Severity.WARNING: Msg("警告", "a warning"),
    Severity.INFO: Msg("提示", "info"),
}


@dataclass(frozen=True)
class Judged:
    """An exemption with its owner's file and what was found wrong with it (empty: it is current
    or, with ``expired``, it was)."""

    exemption: Exemption
    file: str
    problems: tuple[Finding, ...]
    expired: bool = False

    @property
    def current(self) -> bool:
        return not self.problems and not self.expired


def key_path(text: str) -> KeyPath | None:
    """``events[2].occurred_on`` → ``("events", 2, "occurred_on")``; None when it is not a key path."""
    if not _KEY.fullmatch(text):
        return None
    out: list[str | int] = []
    for part in text.split("."):
        name, *indices = part.split("[")
        out.append(name)
        out.extend(int(i.rstrip("]")) for i in indices)
    return tuple(out)


def _lines(where: Where, path: KeyPath) -> set[int]:
    """The lines of the key at ``path`` and of every key below it (empty: no such key in the file)."""
    return {pos[0] for p, pos in where.positions.items() if p[: len(path)] == path}


def lines_of(x: Exemption) -> set[int]:
    """The lines the exemption's own entry takes in its file (where its findings are)."""
    return _lines(x.where, x.where.base)


def owners(kb: KB) -> Iterator[tuple[str, Sequence[Exemption]]]:
    """(file, its exemptions) of every dossier and engineer file that has some."""
    for c in kb.clients.values():
        if c.exemptions:
            yield c.where.file, c.exemptions
    for e in kb.engineers.values():
        if e.exemptions:
            yield e.where.file, e.exemptions


def judge(kb: KB, file: str, x: Exemption, today: dt.date, known: Collection[str] = ()) -> Judged:
    """What is wrong with one exemption today (``known``: the rule ids there are; empty: not checked)."""
    p = kb.policy
    roles = p.roles if p is not None else default_roles()
    role = roles.get((p.exemption_approver if p is not None else "department_head") or "")
    months = p.exemption_max_months if p is not None else 6
    at, out = x.where, []

    def bad(where: tuple[str, int, int], zh: str, en: str, hint_zh: str, hint_en: str) -> None:
        out.append(error(*where, RULE, Msg(zh, en), Msg(hint_zh, hint_en)))

    if x.rule in NEVER:
        bad(
            at.at("rule"),
            f"规则“{x.rule}”不能豁免：文件能否读取、是否符合格式、待填写项、密钥、知识库边界、历史记录和豁免本身都不能豁免。",
            f"Rule '{x.rule}' cannot be exempted: loading, schemas, to-dos, secrets, the KB boundary, history and exemptions never are.",
            "修正文件本身；删除这条豁免。",
            "Fix the file itself; delete this exemption.",
        )
    elif x.rule is not None and known and x.rule not in known:
        near = difflib.get_close_matches(x.rule, sorted(known), n=1, cutoff=0.6)
        bad(
            at.at("rule"),
            f"没有规则“{x.rule}”：这条豁免不会生效。",
            f"There is no rule '{x.rule}': this exemption applies nothing.",
            f"是不是想写“{near[0]}”？" if near else "写 kb check 报告中的规则 ID（README 的规则表）。",
            f"Did you mean '{near[0]}'?"
            if near
            else "Write a rule id as kb check reports it (the README's rules table).",
        )
    if x.key is not None:
        path = key_path(x.key)
        if path is None or not _lines(at, path):
            bad(
                at.at("key"),
                f"本文件中没有键“{x.key}”：豁免只能限定到文件中已有的键（如 events[2]、certifications[1]）。",
                f"This file has no key '{x.key}': an exemption can only narrow to a key the file has (events[2], certifications[1]).",
                "改成发现所在的键路径，或删除 key 以豁免本文件中这条规则的全部发现。",
                "Name the key path of the finding, or drop key to exempt all of the rule's findings in this file.",
            )
    if x.reason is None:
        bad(
            at.at(),
            "豁免没有写明理由（reason）：不会生效。",
            "The exemption gives no reason: it applies nothing.",
            "写明为什么按“原则上”的例外处理，以及期间的补偿措施。",
            "Say why this is an exception and what makes up for it meanwhile.",
        )
    who = role.label if role is not None else "工程运维部负责人"
    if x.approved_by is None or x.approved_on is None:
        bad(
            at.at("approved_by" if x.approved_by is None else "approved_on"),
            f"豁免未经批准（缺少{'批准人 approved_by' if x.approved_by is None else '批准日期 approved_on'}）：不会生效。",
            f"The exemption is not approved (no {'approved_by' if x.approved_by is None else 'approved_on'}): it applies nothing.",
            f"由{who}批准后写明批准人和日期。",
            f"Have it approved by {who} and record who and when.",
        )
    elif role is None or not role.named_in(x.approved_by):
        bad(
            at.at("approved_by"),
            f"豁免须由{who}批准，“{x.approved_by}”不是：不会生效。"
            if role is not None
            else f"policy.yml 的 exemption.approver 没有指明批准豁免的角色，“{x.approved_by}”的批准无法核对：不会生效。",
            f"An exemption must be approved by {who}; '{x.approved_by}' is not: it applies nothing."
            if role is not None
            else "policy.yml exemption.approver names no role, so the approval cannot be checked: it applies nothing.",
            f"写{who}的岗位名称或 policy.yml roles 中的姓名。",
            f"Write the role title of {who} or the name policy.yml roles gives.",
        )
    elif x.approved_on > today:
        bad(
            at.at("approved_on"),
            f"批准日期 {x.approved_on} 在今天（{today}）之后：豁免尚未批准，不会生效。",
            f"Approved on {x.approved_on}, after today ({today}): not approved yet, it applies nothing.",
            "写实际批准的日期。",
            "Write the day it was approved.",
        )
    if x.expires is None:
        bad(
            at.at(),
            f"豁免没有到期日（expires）：最长 {months} 个月，不会生效。"
            if months
            else "豁免没有到期日（expires）：不会生效。",
            "The exemption has no expiry: it applies nothing.",
            "写明到期日（最后一天仍然有效）。",
            "Write the last day it applies.",
        )
    elif x.approved_on is not None and x.expires < x.approved_on:
        bad(
            at.at("expires"),
            f"到期日 {x.expires} 早于批准日期 {x.approved_on}：不会生效。",
            f"Expires on {x.expires}, before its approval on {x.approved_on}: it applies nothing.",
            "检查两个日期。",
            "Check the two dates.",
        )
    elif x.approved_on is not None and (months is None or x.expires > add_months(x.approved_on, months)):
        limit = add_months(x.approved_on, months) if months is not None else None
        bad(
            at.at("expires"),
            f"豁免从 {x.approved_on} 到 {x.expires}，超过最长 {months} 个月（最晚到 {limit}）：不会生效。"
            if limit
            else "policy.yml 的 exemption.max_months 不是整数，豁免期限无法核对：不会生效。",
            f"From {x.approved_on} to {x.expires} is longer than {months} months (at most {limit}): it applies nothing."
            if limit
            else "policy.yml exemption.max_months is not a whole number: the term cannot be checked, it applies nothing.",
            "缩短期限；到期后仍需例外，再批准一次新的豁免。",
            "Shorten it; if the exception is still needed then, approve a new one.",
        )
    expired = not out and x.expires is not None and x.expires < today
    return Judged(x, file, tuple(out), expired)


def _matches(j: Judged, f: Finding) -> bool:
    x = j.exemption
    if f.file != j.file or f.rule != x.rule or x.rule in NEVER:
        return False
    if x.key is None:
        return True
    path = key_path(x.key)
    return path is not None and f.line in _lines(x.where, path)


def _exempted(f: Finding, j: Judged) -> Finding:
    x = j.exemption
    reason = x.reason or ""
    reason = reason if len(reason) <= 60 else reason[:59] + "…"
    line = x.where.at()[1]
    was = _SEVERITY[f.severity]
    return replace(
        f,
        severity=Severity.INFO,
        message=Msg(
            f"已豁免至 {x.expires}（{reason}，{x.approved_by}）：{f.message.zh}",
            f"Exempted until {x.expires} ({reason}, {x.approved_by}): {f.message.en}",
        ),
        hint=Msg(
            f"豁免记录在本文件第 {line} 行；到期后恢复为{was.zh}。" + (f"原提示：{f.hint.zh}" if f.hint.zh else ""),
            f"The exemption is at line {line} of this file; after it expires this is {was.en} again."
            + (f" Hint: {f.hint.en}" if f.hint.en else ""),
        ),
        due=x.expires,
    )


def judged(kb: KB, today: dt.date, known: Collection[str] = ()) -> list[Judged]:
    """Every exemption of the KB, judged for ``today``."""
    return [judge(kb, file, x, today, known) for file, xs in owners(kb) for x in xs]


def apply(findings: Sequence[Finding], kb: KB, today: dt.date, known: Collection[str] = ()) -> list[Finding]:
    """The rules' ``findings`` with every current exemption applied (matching findings become info),
    plus the ``exemption`` findings (invalid: error; expired: warning). ``known``: the rule ids there
    are, to say when an exemption names none of them (the findings' own rules count too)."""
    every = judged(kb, today, {*known, *(f.rule for f in findings)} if known else ())
    current = [j for j in every if j.current]
    out = []
    for f in findings:
        hits = [j for j in current if _matches(j, f)]
        # several exemptions of one finding: the one that lasts longest speaks
        out.append(_exempted(f, max(hits, key=lambda j: j.exemption.expires or today)) if hits else f)
    for j in every:
        out.extend(j.problems)
        if j.expired:
            x = j.exemption
            back = sum(_matches(j, f) for f in findings)
            out.append(
                warning(
                    *x.where.at("expires"),
                    RULE,
                    Msg(
                        f"对规则 {x.rule} 的豁免已于 {x.expires} 到期，不再生效"
                        + (f"：{back} 条发现恢复为原级别。" if back else "（目前没有它要豁免的发现）。"),
                        f"The exemption of rule {x.rule} expired on {x.expires} and applies no more"
                        + (
                            f": {back} finding(s) are back at their own severity."
                            if back
                            else " (nothing to exempt now)."
                        ),
                    ),
                    Msg(
                        f"仍需例外：重新批准（新的批准日期与到期日，最长 {kb.policy.exemption_max_months if kb.policy else 6} 个月）；不再需要：删除这条豁免。",
                        "Still needed: approve it again (new dates). Not needed: delete it.",
                    ),
                )
            )
    return out
