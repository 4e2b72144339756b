"""Engineer rules: eligibility (§4.1), selection (§4.2), load (§7.3), leave (§7.4), incidents (§9.3.2).

An engineer is held to §4.1 once they serve an active client or were appointed to the
pool (an error), and while only nominated or evaluated (a warning: they would not pass).
Facts about the engineer are reported in their own file; facts about one assignment at
that client's ``assignment`` keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..facts import add_years, served_by
from ..finding import Finding, Severity
from ..model import KB, Certificate, Engineer
from ..policy import Policy
from ..roles import role
from . import rule
from .common import make, names

E, W = Severity.ERROR, Severity.WARNING

_KIND_NAMES = {"nova": "Nova 自研认证", "fortinet": "飞塔（Fortinet）认证", "velo": "VeloCloud 认证"}


def _subjects(kb: KB) -> Iterator[tuple[Engineer, Severity, str, str]]:
    """Engineers held to §4.1, with the severity and why (zh, en)."""
    serving = served_by(kb)
    for e in kb.engineers.values():
        if e.employment is not None and e.employment.status == "left":
            continue  # §4.1 is about serving: a departed engineer serves no one (eng.employment)
        clients = serving.get(e.id, [])
        pool = e.pool
        if clients:
            yield e, E, f"服务 {names(clients)}", f"serving {', '.join(c.id for c in clients)}"
        elif pool is not None and pool.appointment is not None:
            yield e, E, "已任命进入资源池", "appointed to the pool"
        elif pool is not None and (pool.nomination is not None or pool.evaluation is not None):
            yield e, W, "已被提名/申请", "nominated or applying"


@rule("eng.level", "§4.1")
def check_level(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§4.1: a dedicated engineer is L2 or above (``engineer.eligible_levels`` in policy.yml)."""
    p = kb.policy
    if p is None or not p.eligible_levels:
        return
    allowed = "、".join(p.eligible_levels)
    for e, sev, why_zh, why_en in _subjects(kb):
        if e.level not in p.eligible_levels:
            yield make(
                sev,
                e.where.at("level"),
                "eng.level",
                f"{kb.engineer_name(e.id)}{why_zh}，但级别 {e.level or '（未填）'} 不符合专属工程师资格（须为 {allowed}，§4.1）。",
                f"{e.id} is {why_en}, but level {e.level or '(none)'} is not eligible (must be {', '.join(p.eligible_levels)}, §4.1).",
                "改派符合级别的工程师；晋级后更新 level。"
                if sev is E
                else "被提名人须满足 §4.1 的全部条件：晋级后再进入评估。",
                "Assign an eligible engineer; update level after a promotion."
                if sev is E
                else "A nominee must meet all of §4.1: evaluate after the promotion.",
            )


@rule("eng.tenure", "§4.1")
def check_tenure(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§4.1: at least ``min_ops_years`` in operations — today, and on the day of each assignment."""
    p = kb.policy
    if p is None or p.min_ops_years is None:
        return
    years = p.min_ops_years
    for e, sev, why_zh, why_en in _subjects(kb):
        if e.ops_since is None:
            yield make(
                sev,
                e.where.at("ops_since"),
                "eng.tenure",
                f"{kb.engineer_name(e.id)}{why_zh}，但没有填写从事运维的起始日期 ops_since，无法确认满 {years} 年（§4.1）。",
                f"{e.id} is {why_en} but has no ops_since, so {years} years in operations cannot be confirmed (§4.1).",
                "添加 ops_since: YYYY-MM-DD（在本公司从事运维工作的起始日期）。",
                "Add ops_since: YYYY-MM-DD.",
            )
        elif add_years(e.ops_since, years) > today:
            yield make(
                sev,
                e.where.at("ops_since"),
                "eng.tenure",
                f"{kb.engineer_name(e.id)}{why_zh}，但自 {e.ops_since} 起从事运维不满 {years} 年（满 {years} 年之日为 {add_years(e.ops_since, years)}，§4.1）。",
                f"{e.id} is {why_en} but has been in operations since {e.ops_since}, less than {years} years (§4.1).",
                "改派满足年限的工程师。",
                "Assign an engineer with enough years in operations.",
            )
    effective = p.effective_on
    for eid, clients in served_by(kb).items():
        eng = kb.engineers.get(eid)
        if eng is None or eng.ops_since is None:
            continue
        for c in clients:
            since = c.assignment.since if c.assignment else None
            enough_on = add_years(eng.ops_since, years)
            # Not enough at assignment, enough today (not enough today is the error above).
            # (assignments made before the policy took effect are not held to it)
            if since is not None and since < enough_on <= today and (effective is None or since >= effective):
                yield make(
                    W,
                    c.where.at("assignment", "since"),
                    "eng.tenure",
                    f"指派时（{since}）{kb.engineer_name(eid)}从事运维不满 {years} 年（自 {eng.ops_since} 起，§4.1）。",
                    f"When assigned ({since}), {eid} had less than {years} years in operations (since {eng.ops_since}, §4.1).",
                    "历史事实无法更改：记录在案，供复审参考。",
                    "A past fact: kept on record for review.",
                )


def _valid(c: Certificate, today: dt.date) -> bool:
    return (c.obtained is None or c.obtained <= today) and (c.expires is None or c.expires >= today)


def _cert_groups(e: Engineer, p: Policy) -> list[tuple[str, str, list[Certificate], int]]:
    """(name zh, name en, certificates that count, how many are needed) per requirement."""
    groups = [
        (_KIND_NAMES.get(k, k), k, [c for c in e.certifications if c.kind == k], 1) for k in p.required_cert_kinds
    ]
    if p.general_min:
        general = [
            c
            for c in e.certifications
            if c.kind == "general" and p.general_vendor_counts(c.vendor) and p.grade_at_least(c.grade)
        ]
        vendors = "/".join(p.general_vendors)
        # §4.1「华为、思科、H3C、锐捷等」: open unless policy.yml closes the list
        zh_vendors, en_vendors = (vendors, vendors) if p.general_vendors_only else (f"{vendors} 等", f"{vendors} etc.")
        groups.append(
            (
                f"通用认证（{zh_vendors}中级及以上）" if not p.general_vendors_only else f"通用认证（{vendors} 中级及以上）",
                f"general ({en_vendors}, {p.general_min_grade}+)",
                general,
                p.general_min,
            )
        )
    return groups


@rule("eng.certs", "§4.1")
def check_certs(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§4.1: the mandatory certificates (Nova, Fortinet, ≥1 general of intermediate grade from the
    named vendors) are held and not expired; a warning ``cert_expiry_warning_days`` before expiry."""
    p = kb.policy
    if p is None:
        return
    window = p.cert_expiry_warning_days
    for e, sev, why_zh, why_en in _subjects(kb):
        for name_zh, name_en, certs, need in _cert_groups(e, p):
            valid = [c for c in certs if _valid(c, today)]
            if len(valid) < need:
                expired = [c for c in certs if c.expires is not None and c.expires < today]
                latest = max(expired, key=lambda c: c.expires or today) if expired else None
                where = latest.where.at("expires") if latest else e.where.at("certifications")
                detail_zh = f"（{latest.name} 已于 {latest.expires} 过期）" if latest else ""
                detail_en = f" ({latest.name} expired on {latest.expires})" if latest else ""
                yield make(
                    sev,
                    where,
                    "eng.certs",
                    f"{kb.engineer_name(e.id)}{why_zh}，但缺少有效的{name_zh}{detail_zh}（§4.1 强制认证）。",
                    f"{e.id} is {why_en} but holds no valid {name_en} certificate{detail_en} (§4.1).",
                    "取得或续期证书后在 certifications 中登记（含 obtained 与 expires）。",
                    "Record the obtained or renewed certificate under certifications (obtained, expires).",
                )
            elif window is not None:
                lasting = [c for c in valid if c.expires is None or (c.expires - today).days > window]
                if len(lasting) < need:
                    soon = max((c for c in valid if c.expires is not None), key=lambda c: c.expires or today)
                    days = ((soon.expires or today) - today).days
                    yield make(
                        W,
                        soon.where.at("expires"),
                        "eng.certs",
                        f"{kb.engineer_name(e.id)}的 {soon.name} 将于 {soon.expires} 到期（还有 {days} 天），到期后不再满足 §4.1 的{name_zh}要求。",
                        f"{e.id}'s {soon.name} expires on {soon.expires} ({days} days left); then §4.1's {name_en} requirement is no longer met.",
                        "安排续证，取得新证后登记到 certifications。",
                        "Plan the renewal and record the new certificate.",
                        due=soon.expires,
                    )


@rule("eng.products", "§4.1")
def check_products(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§4.1: proficient in the core products (自研、飞塔、Velo — ``core_products``)."""
    p = kb.policy
    if p is None:
        return
    for e, sev, why_zh, why_en in _subjects(kb):
        missing = [x for x in p.core_products if x not in e.products]
        if missing:
            yield make(
                sev,
                e.where.at("products"),
                "eng.products",
                f"{kb.engineer_name(e.id)}{why_zh}，但未精通核心产品：{', '.join(missing)}（§4.1）。",
                f"{e.id} is {why_en} but is not proficient in core products: {', '.join(missing)} (§4.1).",
                "通过考核后把产品加入 products。",
                "Add the products to products once proficiency is assessed.",
            )


def _evaluators_ok(by: tuple[str, ...], kb: KB) -> tuple[bool, bool]:
    """§4.2.2: (the ops manager is among ``by``, an L3 expert is) — by title, by the name policy.yml
    gives the role, or by the name or id of any L3 engineer."""
    l3 = {x for e in kb.engineers.values() if e.level == "L3" for x in (e.id, e.name) if x}
    ops = role(kb.policy, "ops_manager").among(by)
    expert = role(kb.policy, "l3_expert").among(by) or any(n in b for b in by for n in l3)
    return ops, expert


def _pool_roles(kb: KB, e: Engineer) -> Iterator[Finding]:
    """§4.2: a department nomination is the ops manager's; the appointment is approved by the
    department head and copied (CC) to the head of the technical operations centre."""
    pool = e.pool
    if pool is None:
        return
    who = kb.engineer_name(e.id)
    pw = e.where.sub("pool")
    nom = pool.nomination
    om = role(kb.policy, "ops_manager")
    if nom is not None and nom.kind == "nominated" and nom.by and not om.among(nom.by):
        yield make(
            E,
            pw.at("nomination", "by"),
            "eng.pool",
            f"{who}的部门提名须由{om.label}提出（§4.2.1），记录为：{'、'.join(nom.by)}。",
            f"{e.id}'s department nomination must be by the {om.title_en} (§4.2.1); recorded: {', '.join(nom.by)}.",
            f"by 写{om.label}；本人申请时 type 写 applied、by 写本人。",
            f"Write {om.label} under by; a self-application is type: applied, by the engineer.",
        )
    ap = pool.appointment
    if ap is None:
        return
    head = role(kb.policy, "department_head")
    if ap.by and not head.among(ap.by):
        yield make(
            E,
            pw.at("appointment", "approved_by"),
            "eng.pool",
            f"{who}的任命须由{head.label}最终审批（§4.2.3），记录为：{'、'.join(ap.by)}。",
            f"{e.id}'s appointment must be approved by the {head.title_en} (§4.2.3); recorded: {', '.join(ap.by)}.",
            f"approved_by 写{head.label}。",
            f"Write {head.label} under approved_by.",
        )
    cc = role(kb.policy, "tech_ops_head")
    if not cc.among(ap.cc):
        yield make(
            E,
            pw.at("appointment", "cc") if pw.has("appointment", "cc") else pw.at("appointment"),
            "eng.pool",
            f"{who}的任命没有同步抄送{cc.label}（§4.2.3「最终审批同步 CC 技术运营中心负责人」）"
            + (f"，抄送记录为：{'、'.join(ap.cc)}。" if ap.cc else "。"),
            f"{e.id}'s appointment is not copied to the {cc.title_en} (§4.2.3)"
            + (f"; cc recorded: {', '.join(ap.cc)}." if ap.cc else "."),
            f"添加 cc: [{cc.title}]（审批邮件同步抄送）。",
            f"Add cc: [{cc.title}].",
        )


@rule("eng.pool", "§4.2")
def check_pool(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§4.2: nominated (or applied) → evaluated by the ops manager and an L3 expert → appointed by
    the head of department, in that order, before the first assignment under the policy."""
    serving = served_by(kb)
    effective = kb.policy.effective_on if kb.policy else None
    for e in kb.engineers.values():
        clients = serving.get(e.id, [])
        pool = e.pool
        appointed = pool is not None and pool.appointment is not None
        if not clients and not appointed:
            continue
        who = kb.engineer_name(e.id)
        if pool is None:
            yield make(
                E,
                e.where.at("pool"),
                "eng.pool",
                f"{who}服务 {names(clients)}，但没有资源池选拔记录 pool（提名→评估→任命，§4.2）。",
                f"{e.id} serves {', '.join(c.id for c in clients)} but has no pool record (§4.2).",
                "补充 pool.nomination、pool.evaluation、pool.appointment。",
                "Add pool.nomination, pool.evaluation and pool.appointment.",
            )
            continue
        steps = (
            ("nomination", "提名", pool.nomination),
            ("evaluation", "评估", pool.evaluation),
            ("appointment", "任命", pool.appointment),
        )
        last: tuple[str, dt.date] | None = None
        for key, zh, step in steps:
            pw = e.where.sub("pool")
            if step is None:
                yield make(
                    E,
                    pw.at(key),
                    "eng.pool",
                    f"{who}缺少资源池选拔的“{zh}”记录 pool.{key}（§4.2）。",
                    f"{e.id} has no pool.{key} record (§4.2).",
                    f"补充 pool.{key}：谁、何时。",
                    f"Add pool.{key}: who and when.",
                )
                continue
            if step.on is None:
                yield make(
                    E,
                    pw.at(key),
                    "eng.pool",
                    f"{who}的“{zh}”没有日期 on（§4.2）。",
                    f"{e.id}'s pool.{key} has no date (§4.2).",
                    "添加 on: YYYY-MM-DD。",
                    "Add on: YYYY-MM-DD.",
                )
            elif last is not None and step.on < last[1]:
                yield make(
                    E,
                    pw.at(key, "on"),
                    "eng.pool",
                    f"{who}的“{zh}”日期 {step.on} 早于“{last[0]}”日期 {last[1]}：顺序应为提名→评估→任命（§4.2）。",
                    f"{e.id}'s pool.{key} ({step.on}) is before the previous step ({last[1]}) (§4.2).",
                    "核对日期。",
                    "Check the dates.",
                )
            if step.on is not None:
                last = (zh, step.on)
            if not step.by:
                yield make(
                    E,
                    pw.at(key),
                    "eng.pool",
                    f"{who}的“{zh}”没有写明由谁进行（by）（§4.2）。",
                    f"{e.id}'s pool.{key} does not say by whom (§4.2).",
                    "添加 by。",
                    "Add by.",
                )
        yield from _pool_roles(kb, e)
        ev = pool.evaluation
        if ev is not None:
            ops, expert = _evaluators_ok(ev.by, kb)
            if ev.by and not (ops and expert):
                yield make(
                    E,
                    e.where.at("pool", "evaluation", "by"),
                    "eng.pool",
                    f"{who}的评估须由{role(kb.policy, 'ops_manager').label}与{role(kb.policy, 'l3_expert').label}共同进行（§4.2.2），记录为：{'、'.join(ev.by)}。",
                    f"{e.id}'s evaluation must be by the ops manager and an L3 expert (§4.2); recorded: {', '.join(ev.by)}.",
                    "在 by 中写明运维经理和三级专家。",
                    "List the ops manager and the L3 expert under by.",
                )
            if ev.result is not None and ev.result != "passed":
                yield make(
                    E,
                    e.where.at("pool", "evaluation", "result"),
                    "eng.pool",
                    f"{who}的评估结果为 {ev.result}，未通过评估不能进入资源池（§4.2）。",
                    f"{e.id}'s evaluation result is {ev.result}; only a passed evaluation leads to the pool (§4.2).",
                    "重新评估通过后再任命。",
                    "Re-evaluate before appointing.",
                )
        appointed_on = pool.appointment.on if pool.appointment else None
        for c in clients:
            since = c.assignment.since if c.assignment else None
            if appointed_on and since and since < appointed_on and (effective is None or since >= effective):
                yield make(
                    W,
                    c.where.at("assignment", "since"),
                    "eng.pool",
                    f"指派日期 {since} 早于{who}进入资源池的任命日期 {appointed_on}（§4.2 先任命后指派）。",
                    f"Assigned on {since}, before {e.id} was appointed to the pool on {appointed_on} (§4.2).",
                    "历史事实无法更改：记录在案，供复审参考。",
                    "A past fact: kept on record for review.",
                )


@rule("eng.load", "§7.3")
def check_load(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§7.3: at most ``max_clients`` clients per engineer; beyond it each further client's
    application carries a resource plan (``assignment.load_plan``)."""
    p = kb.policy
    if p is None or p.max_clients is None:
        return
    limit = p.max_clients
    for eid, clients in served_by(kb).items():
        who = kb.engineer_name(eid)
        n = len(clients)
        for c in clients[limit:]:
            if not (c.assignment and c.assignment.load_plan):
                yield make(
                    E,
                    c.where.at("assignment", "engineer"),
                    "eng.load",
                    f"{who}已服务 {n} 个客户（{names(clients)}），超过 §7.3 的上限 {limit} 个：本客户须提供资源协调方案。",
                    f"{eid} serves {n} clients, more than the limit of {limit} (§7.3): this client needs a resource plan.",
                    "在 assignment.load_plan 中写明资源协调方案，或改派其他工程师。",
                    "Write the resource plan under assignment.load_plan, or assign another engineer.",
                )
        e = kb.engineers.get(eid)
        if e is not None and n >= limit:
            planned = all(c.assignment and c.assignment.load_plan for c in clients[limit:])
            tail_zh = (
                "已达上限，新客户须另派工程师或附资源协调方案（§7.3）。"
                if n == limit
                else "，超过上限；超出部分已有资源协调方案（§7.3）。"
                if planned
                else "，超过上限（§7.3）。"
            )
            tail_en = (
                ": at the limit (§7.3)."
                if n == limit
                else ", beyond the limit with resource plans (§7.3)."
                if planned
                else ", beyond the limit (§7.3)."
            )
            yield make(
                W,
                e.where.at("id"),
                "eng.load",
                f"{who}的负载 {n}/{limit}（{names(clients)}）" + tail_zh,
                f"{eid}'s load is {n}/{limit}" + tail_en,
                "新申请请优先指派负载较低的工程师。",
                "Prefer engineers with a lower load for new applications.",
            )


@rule("eng.incidents", "§9.3.2")
def check_incidents(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§9.3.2: ``incident_limit_per_year`` or more human-caused incidents in a calendar year
    trigger the replacement procedure (a warning kept on the dashboard)."""
    p = kb.policy
    if p is None or not p.incident_limit_per_year:
        return
    limit = p.incident_limit_per_year
    for e in kb.engineers.values():
        by_year: dict[int, list[int]] = {}
        dated = sorted((inc.date, i) for i, inc in enumerate(e.incidents) if inc.human_caused and inc.date is not None)
        for day, i in dated:  # by date, so the finding sits on the incident that reached the limit
            by_year.setdefault(day.year, []).append(i)
        for year, idx in sorted(by_year.items()):
            if len(idx) >= limit:
                yield make(
                    W,
                    e.incidents[idx[limit - 1]].where.at("date"),
                    "eng.incidents",
                    f"{kb.engineer_name(e.id)}在 {year} 年发生 {len(idx)} 次人为事故，达到 §9.3.2 的替换程序条件（年度≥{limit} 次）。",
                    f"{e.id} had {len(idx)} human-caused incidents in {year}: §9.3.2's replacement procedure applies (≥{limit} a year).",
                    "由工程运维部启动替换评估，确保平稳交接。",
                    "The department starts the replacement review.",
                )


@rule("eng.incidents", "§9.3.2")
def check_failed_assessment(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§9.3.2: an engineer whose latest assessment is recorded as failed (``kpis[].result: failed``,
    考核不达标) while serving a dedicated client meets the replacement procedure's condition (a
    warning on the dashboard, like the incident limit; figures missing policy.yml's targets are the
    ``kpi`` rule's)."""
    for eid, clients in served_by(kb).items():
        e = kb.engineers.get(eid)
        if e is None:
            continue
        assessed = [(k.period, i) for i, k in enumerate(e.kpis) if k.result in ("passed", "failed")]
        if not assessed:
            continue
        period, i = max(assessed)
        if e.kpis[i].result != "failed":
            continue
        yield make(
            W,
            e.where.at("kpis", i, "result"),
            "eng.incidents",
            f"{kb.engineer_name(eid)}{period} 考核不达标，仍服务 {names(clients)}：达到 §9.3.2 的替换程序条件（考核不达标）。",
            f"{eid} failed the {period} assessment and still serves {', '.join(c.id for c in clients)}: "
            "§9.3.2's replacement procedure applies (assessment not met).",
            "由工程运维部启动替换评估；替换后在客户档案的 assignment.history 中写明 trigger: assessment、reason 与 handover。",
            "The department starts the replacement review; record trigger: assessment, reason and handover in assignment.history.",
        )


@rule("eng.leave", "§7.4")
def check_leave(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§7.4: every leave names a backup and a handover note (what is pending, what to start)."""
    for e in kb.engineers.values():
        who = kb.engineer_name(e.id)
        for lv in e.leave:
            past = lv.end is not None and lv.end < today
            sev = W if past else E
            span = f"{lv.start or '?'}～{lv.end or '?'}"
            if lv.start and lv.end and lv.end < lv.start:
                yield make(
                    E,
                    lv.where.at("to"),
                    "eng.leave",
                    f"{who}的休假 {span} 结束日期早于开始日期。",
                    f"{e.id}'s leave {span} ends before it starts.",
                    "核对日期。",
                    "Check the dates.",
                )
            if not lv.backup:
                yield make(
                    sev,
                    lv.where.at("backup") if lv.where.has("backup") else lv.where.at(),
                    "eng.leave",
                    f"{who}的休假 {span} 没有指定备份工程师（§7.4）。",
                    f"{e.id}'s leave {span} names no backup (§7.4).",
                    "添加 backup: 工程师 id。",
                    "Add backup: <engineer id>.",
                )
            elif lv.backup == e.id:
                yield make(
                    sev,
                    lv.where.at("backup"),
                    "eng.leave",
                    f"{who}的休假 {span} 把自己写成了备份工程师。",
                    f"{e.id}'s leave {span} names themselves as backup.",
                    "改为另一名工程师。",
                    "Name another engineer.",
                )
            else:
                b = kb.engineers.get(lv.backup)
                if (
                    b is not None
                    and lv.start
                    and lv.end
                    and any(o.start and o.end and o.start <= lv.end and lv.start <= o.end for o in b.leave)
                ):
                    yield make(
                        W,
                        lv.where.at("backup"),
                        "eng.leave",
                        f"{who}休假 {span} 期间，备份工程师 {kb.engineer_name(b.id)}也在休假。",
                        f"During {e.id}'s leave {span} the backup {b.id} is on leave too.",
                        "另选一名备份工程师。",
                        "Choose another backup.",
                    )
            if not lv.handover:
                yield make(
                    sev,
                    lv.where.at("handover") if lv.where.has("handover") else lv.where.at(),
                    "eng.leave",
                    f"{who}的休假 {span} 没有交接说明：须在 Case 工单中标注注意事项与待启动操作（§7.4）。",
                    f"{e.id}'s leave {span} has no handover note (§7.4).",
                    "添加 handover：注意事项、待启动操作、已同步给谁。",
                    "Add handover: notes, pending actions, who was briefed.",
                )
