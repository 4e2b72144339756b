"""Client rules: key-client criteria (§7.1, §9.3.1), the four mandatory materials (§8.1) — the
CI gate —, the knowledge base (§5.2), the interface person (§8.2), the 重保 lead (§3.2),
the incentive split (§9.2), temporary priority (§9.3.3) and the transition (§10)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..facts import ACTIVE, APPLIED_OR_LATER, kb_sections, period_end, pre_existing, transition_end
from ..finding import Finding, Severity
from ..model import KB, Client
from ..roles import role
from . import rule
from .common import make

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_LEVEL_NAMES = {
    "technical": ("技术层", "technical"),
    "business": ("业务层", "business"),
    "decision": ("决策层", "decision"),
}
_SITE_NAMES = {"core": "核心站点", "hub": "HUB 站点", "idc": "IDC 站点", "branch": "分支站点", "cloud": "公有云站点"}


def _in_transition(kb: KB, c: Client, today: dt.date) -> bool:
    """A B-class client still inside the transition period may complete its papers (§10.4)."""
    p = kb.policy
    if (
        c.transition is None
        or c.transition.klass != "B"
        or p is None
        or not p.effective_on
        or p.transition_months is None
    ):
        return False
    end = transition_end(kb)  # the period's last day, inclusive (§10.3)
    return pre_existing(kb, c) and end is not None and today <= end


@rule("client.criteria", "§7.1")
def check_criteria(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§7.1: an applying or dedicated client meets at least one key-client criterion; a dedicated
    client that no longer does is flagged for the exit review of §9.3.1."""
    p = kb.policy
    for c in kb.clients.values():
        if c.status not in APPLIED_OR_LATER:
            continue
        cr = c.criteria
        held = []
        if cr is not None:
            if (
                cr.monthly_contract_cny is not None
                and p
                and p.monthly_contract_cny is not None
                and cr.monthly_contract_cny > p.monthly_contract_cny
            ):
                held.append("contract")
            if cr.monthly_margin_cny is not None:
                if p is not None and p.monthly_margin_cny is not None:
                    if cr.monthly_margin_cny > p.monthly_margin_cny:
                        held.append("margin")
                elif p is not None:
                    yield make(
                        INFO,
                        c.where.at("criteria", "monthly_margin_cny"),
                        "client.criteria",
                        "月毛利门槛“X 万元”在办法中尚未设定（§7.1），月毛利不参与判断。",
                        'The monthly-margin threshold "X" is not set by the policy (§7.1); the margin is not evaluated.',
                        "门槛确定后写入 policy.yml 的 key_client.monthly_margin_cny。",
                        "Once decided, set key_client.monthly_margin_cny in policy.yml.",
                    )
            held += [k for k in ("brand_value", "complex_environment", "high_sla") if getattr(cr, k)]
        if held:
            continue
        if c.status == "applied":
            yield make(
                E,
                c.where.at("criteria"),
                "client.criteria",
                "申请专属服务的客户不满足 §7.1 任何一项关键客户标准（月合同金额、月毛利、品牌价值、技术环境复杂、高 SLA）。",
                "The applying client meets none of §7.1's key-client criteria.",
                "在 criteria 中写明满足的标准及依据；都不满足时可申请临时优先级服务（§9.3.3）。",
                "State the criterion met and its evidence under criteria; otherwise consider temporary priority (§9.3.3).",
            )
        else:
            yield make(
                W,
                c.where.at("criteria"),
                "client.criteria",
                "该专属客户已不满足任何一项关键客户标准：按 §9.3.1 提请客户维度退出复审。",
                "This dedicated client no longer meets any key-client criterion: flag for the exit review of §9.3.1.",
                "由保有部门提供达标情况汇报，讨论是否取消专属服务。",
                "The retention team reports on the criteria; the department decides on exit.",
            )


def _materials(c: Client, kb: KB) -> Iterator[tuple[tuple[str, int, int], str, str]]:
    """Every missing item of the four §8.1 materials, in the policy's words, where it belongs."""
    w = c.where
    b = c.business
    bg = "《客户业务背景说明》"
    for key, zh, en in (
        ("main_business", "主营业务", "main business"),
        ("business_model", "业务模式", "business model"),
        ("scenarios", "使用我方服务的具体场景", "usage scenarios"),
        ("peak_periods", "业务高峰期", "peak periods"),
    ):
        if b is None or not getattr(b, key):
            yield w.at("business", key), f"{bg}缺少{zh}", f"Business background: {en} missing"
    p = kb.policy
    kinds = {s.kind for s in c.sites}
    for kind in p.required_site_kinds if p else ():
        if kind not in kinds:
            yield w.at("sites"), f"{bg}缺少{_SITE_NAMES.get(kind, kind)}", f"Business background: no {kind} site"
    if not c.applications:
        yield w.at("applications"), f"{bg}缺少重要业务情况", "Business background: no important business application"
    for app in c.applications:
        label = f"重要业务“{app.name}”"
        for ok, zh, en in (
            (app.site, "业务所在节点", "site"),
            (app.ip or app.domain, "IP 或域名", "IP or domain"),
            (app.ports, "端口", "ports"),
            (app.impact, "业务影响范围", "impact"),
        ):
            if not ok:
                yield app.where.at(), f"{label}缺少{zh}", f"Application '{app.name}': {en} missing"
    cl = "《客户关键联系人清单》"
    levels = {x.level for x in c.contacts}
    for level in p.required_contact_levels if p else ():
        if level not in levels:
            zh, en = _LEVEL_NAMES.get(level, (level, level))
            yield w.at("contacts"), f"{cl}缺少{zh}联系人", f"Key contacts: no {en}-level contact"
    for x in c.contacts:
        if not (x.phone or x.email):
            yield (
                x.where.at(),
                f"{cl}中联系人“{x.name}”缺少联系方式",
                f"Key contacts: '{x.name}' has no phone or e-mail",
            )
        if not x.duties:
            yield x.where.at(), f"{cl}中联系人“{x.name}”缺少职责范围", f"Key contacts: '{x.name}' has no duties"
    ct = c.contract
    sla = "《服务合同及SLA关键条款》"
    for has, key, zh, en in (
        (ct and ct.number, "number", "合同编号", "contract number"),
        (ct and ct.start, "start", "合同开始日期", "start date"),
        (ct and ct.end, "end", "合同结束日期", "end date"),
        (ct and ct.service_level, "service_level", "服务等级", "service level"),
        (ct and ct.sla and ct.sla.response_minutes is not None, "sla", "响应时间", "response time"),
    ):
        if not has:
            yield w.at("contract", key), f"{sla}缺少{zh}", f"Contract and SLA: {en} missing"
    pp = c.pain_points
    pain = "《客户痛点及历史问题摘要》"
    for filled, key, zh, en in (
        (pp and pp.history, "history", "过往遇到的主要问题", "past problems"),
        (pp and pp.communication, "communication", "沟通难点", "communication difficulties"),
        (pp and pp.expectations, "expectations", "期望专属工程师解决的核心痛点", "expectations"),
    ):
        if not filled:
            yield w.at("pain_points", key), f"{pain}缺少{zh}", f"Pain points: {en} missing"


@rule("client.materials", "§8.1")
def check_materials(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§8.1, §7.2.1: an application (status applied or later) carries the four mandatory materials
    complete — an incomplete application is rejected. One finding per missing item."""
    for c in kb.clients.values():
        if c.status not in APPLIED_OR_LATER:
            continue
        sev = W if _in_transition(kb, c, today) else E
        for where, zh, en in _materials(c, kb):
            yield make(
                sev,
                where,
                "client.materials",
                f"{zh}（§8.1 必备资料，资料不全的申请将被驳回）。",
                f"{en} (§8.1 mandatory material; an incomplete application is rejected).",
                "由申请部门补齐后再提交审核。",
                "The applying department completes it before review.",
            )


@rule("client.kb", "§5.2")
def check_kb(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§5.2: the client's knowledge base has its six sections filled (a completeness score in %;
    the 30-day deadline of §7.2.5 is the ``client.kb-30d`` rule)."""
    for c in kb.clients.values():
        if c.status not in ACTIVE or c.status == "temporary-priority":
            continue
        sections = kb_sections(c)
        missing = [s for s in sections if not s.filled]
        pct = round(100 * (len(sections) - len(missing)) / len(sections))
        for s in missing:
            yield make(
                W,
                c.where.at(*s.path),
                "client.kb",
                f"《客户运维知识库》缺少“{s.title}”（完善度 {pct}%，§5.2）。",
                f"The knowledge base lacks '{s.title_en}' ({pct}% complete, §5.2).",
                s.hint_zh,
                s.hint_en,
            )


@rule("client.interface", "§8.2")
def check_interface(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§8.2: the applying department names a fixed interface person (today the account manager)."""
    for c in kb.clients.values():
        if c.status not in (*APPLIED_OR_LATER, "temporary-priority"):
            continue
        am = c.account_manager
        if am is None or not am.name:
            yield make(
                E,
                c.where.at("account_manager"),
                "client.interface",
                "没有指定客户接口人（客户经理），§8.2 要求申请部门指派一名固定接口人。",
                "No interface person (account manager) is named (§8.2).",
                "添加 account_manager: {name, email, phone}。",
                "Add account_manager: {name, email, phone}.",
            )
        elif not (am.phone or am.email):
            yield make(
                E,
                c.where.at("account_manager"),
                "client.interface",
                f"客户接口人 {am.name} 没有联系方式（§8.2）。",
                f"The interface person {am.name} has no phone or e-mail (§8.2).",
                "添加 phone 或 email。",
                "Add phone or email.",
            )


@rule("client.platinum-lead", "§3.2")
def check_platinum_lead(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§3.2: for a platinum (重保) client, major activities preferably name its dedicated
    engineer as protection lead (a warning: the policy says "优先")."""
    for c in kb.clients.values():
        if c.tier != "platinum" or c.status not in ACTIVE:
            continue
        engineer = c.assignment.engineer if c.assignment else None
        for ev in c.events:
            if ev.type != "major-activity":
                continue
            if not ev.protection_lead:
                yield make(
                    W,
                    ev.where.at(),
                    "client.platinum-lead",
                    f"铂金客户的重大活动“{ev.summary or ev.occurred_on}”没有指定保障组长（§3.2 优先安排专属工程师）。",
                    f"The platinum client's major activity '{ev.summary or ev.occurred_on}' names no protection lead (§3.2).",
                    f"添加 protection_lead: {engineer or '专属工程师 id'}。",
                    f"Add protection_lead: {engineer or '<engineer id>'}.",
                )
            elif engineer and ev.protection_lead != engineer:
                yield make(
                    W,
                    ev.where.at("protection_lead"),
                    "client.platinum-lead",
                    f"重大活动的保障组长是 {kb.engineer_name(ev.protection_lead)}，不是专属工程师 {kb.engineer_name(engineer)}（§3.2 优先安排专属工程师）。",
                    f"The protection lead is {ev.protection_lead}, not the dedicated engineer {engineer} (§3.2).",
                    "如有特殊原因，在 summary 中说明。",
                    "If there is a reason, say so in the summary.",
                )


@rule("incentive.split", "§9.2")
def check_split(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§9.2.3: the retention-bonus split is agreed at assignment by the ops director and the
    sales/customer-success director, recorded in writing, and sums to 100."""
    for c in kb.clients.values():
        if c.status != "dedicated":
            continue
        aw = c.where.sub("assignment")
        split = c.assignment.incentive_split if c.assignment else None
        if split is None:
            yield make(
                E,
                aw.at("incentive_split"),
                "incentive.split",
                "没有备案保有奖励分配比例（§9.2，建议基准 客户经理 70 : 专属工程师 30）。",
                "No retention-bonus split is recorded (§9.2; baseline 70:30).",
                "添加 assignment.incentive_split: {account_manager, engineer, agreed_on, agreed_by}。",
                "Add assignment.incentive_split.",
            )
            continue
        sw = aw.sub("incentive_split")
        if split.account_manager is None or split.engineer is None:
            yield make(
                E,
                sw.at(),
                "incentive.split",
                "分配比例须写明客户经理与专属工程师各自的百分比（§9.2）。",
                "The split must give both percentages (§9.2).",
                "填写 account_manager 与 engineer。",
                "Fill in both.",
            )
        elif split.account_manager + split.engineer != 100:
            total = split.account_manager + split.engineer
            yield make(
                E,
                sw.at("engineer"),
                "incentive.split",
                f"分配比例合计 {total}%，应为 100%（客户经理 {split.account_manager} + 专属工程师 {split.engineer}）。",
                f"The split sums to {total}%, not 100%.",
                "调整两个比例使合计为 100。",
                "Make the two add up to 100.",
            )
        if split.agreed_on is None:
            yield make(
                E,
                sw.at("agreed_on"),
                "incentive.split",
                "分配比例没有备案日期 agreed_on（§9.2 书面备案）。",
                "The split has no agreed_on date (§9.2).",
                "添加 agreed_on: YYYY-MM-DD。",
                "Add agreed_on.",
            )
        ops_d, sales_d = role(kb.policy, "ops_director"), role(kb.policy, "sales_director")
        if not (ops_d.among(split.agreed_by) and sales_d.among(split.agreed_by)):
            yield make(
                E,
                sw.at("agreed_by"),
                "incentive.split",
                f"分配比例须由{ops_d.label}与{sales_d.label}共同商定（§9.2）"
                + (f"，记录为：{'、'.join(split.agreed_by)}。" if split.agreed_by else "，未记录商定人。"),
                "The split must be agreed by the ops director and the sales/customer-success director (§9.2.3).",
                "agreed_by: [运维总监, 销售总监]（或两位的姓名，见 policy.yml 的 roles）",
                "agreed_by: [运维总监, 销售总监] (or their names, see policy.yml roles)",
            )


@rule("priority.temporary", "§9.3.3")
def check_temporary(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§9.3.3: temporary priority support is granted for at most ``temporary_priority_months``."""
    p = kb.policy
    for c in kb.clients.values():
        if c.status != "temporary-priority":
            continue
        tp = c.temporary_priority
        if tp is None or tp.start is None or tp.until is None:
            yield make(
                E,
                c.where.at("temporary_priority"),
                "priority.temporary",
                "临时优先级服务须写明起止日期（temporary_priority.from / until，§9.3.3）。",
                "Temporary priority needs its from and until dates (§9.3.3).",
                "添加 temporary_priority: {from, until, reason}。",
                "Add temporary_priority: {from, until, reason}.",
            )
            continue
        if tp.until < tp.start:
            yield make(
                E,
                c.where.at("temporary_priority", "until"),
                "priority.temporary",
                f"临时优先级的结束日期 {tp.until} 早于开始日期 {tp.start}。",
                f"until {tp.until} is before from {tp.start}.",
                "核对日期。",
                "Check the dates.",
            )
        elif p is not None and p.temporary_priority_months is not None:
            limit = period_end(tp.start, p.temporary_priority_months)  # inclusive: 6 months from 09-01 end 02-28
            if tp.until > limit:
                yield make(
                    E,
                    c.where.at("temporary_priority", "until"),
                    "priority.temporary",
                    f"临时优先级 {tp.start}～{tp.until} 超过 {p.temporary_priority_months} 个月（最晚到 {limit}，§9.3.3）。",
                    f"Temporary priority {tp.start}–{tp.until} exceeds {p.temporary_priority_months} months (latest {limit}, §9.3.3).",
                    f"把 until 改为不晚于 {limit}；届时仍未达标的客户回归标准服务。",
                    f"Set until to {limit} at the latest.",
                    due=limit,
                )
        if not tp.reason:
            yield make(
                E,
                c.where.at("temporary_priority"),
                "priority.temporary",
                "临时优先级服务须写明原因（客户努力达标的服务提升需求，§9.3.3）。",
                "Temporary priority needs a reason (§9.3.3).",
                "添加 reason。",
                "Add reason.",
            )


@rule("transition", "§10")
def check_transition(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """§10.4: every pre-existing (准专属) client is classed A/B/C; a B client lists what it must
    complete; a C client has its plan (extra-paid service or return to standard service)."""
    for c in kb.clients.values():
        if c.status not in (*ACTIVE, "suspended", "exited") or not pre_existing(kb, c):
            continue
        t = c.transition
        if t is None or not t.klass:
            yield make(
                E,
                c.where.at("transition"),
                "transition",
                "政策生效前已存在的准专属服务须在过渡期盘点分类（A/B/C，§10.4）。",
                "A relationship that predates the policy must be classed A, B or C (§10.4).",
                "添加 transition: {class, assessed_on, plan}。",
                "Add transition: {class, assessed_on, plan}.",
            )
            continue
        if t.klass == "B" and not (t.plan or t.gaps):
            yield make(
                E,
                c.where.at("transition", "class"),
                "transition",
                "B 类客户须写明要调整的问题（客户剥离或限期补充的资料，§10.4）。",
                "A B-class client must say what is to be adjusted (§10.4).",
                "添加 transition.gaps（缺失的资料）或 transition.plan。",
                "Add transition.gaps or transition.plan.",
            )
        if t.klass == "C" and not t.plan and not t.outcome:  # an outcome is the plan's choice (rules/lifecycle.py)
            yield make(
                E,
                c.where.at("transition", "class"),
                "transition",
                "C 类客户须有方案：转为额外付费服务，或服务模式回归计划（§10.4）。",
                "A C-class client needs a plan: extra-paid service or a return to standard service (§10.4).",
                "添加 transition.plan。",
                "Add transition.plan.",
            )
