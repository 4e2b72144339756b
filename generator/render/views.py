"""View values for the site's pages: plain dicts and strings prepared from the model.

Templates only lay these out; every value they print is escaped (see ``escape.py``).
Missing required items are marked 【缺】 so an incomplete page cannot pass for complete.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup

from .. import exemptions, labels
from ..facts import ACTIVE, kb_completeness, kb_sections, kpi_failures, kpi_quarters, served_by
from ..finding import Finding, Severity
from ..history import History
from ..model import KB, Client, Engineer, Step
from . import diagrams
from .escape import link, text

if TYPE_CHECKING:
    from ..trends import Trends

STATUS = {k: v.zh for k, v in labels.STATUS.items()}
TIER = {k: v.zh for k, v in labels.TIER.items()}
KIND = {"core": "核心站点", "hub": "HUB", "idc": "IDC", "branch": "分支", "cloud": "云"}
LEVEL = {"technical": "技术", "business": "业务", "decision": "决策"}
EVENT = {
    "contract-renewal": "合同续约",
    "contract-change": "合约变更",
    "contract-termination": "合同终止",
    "contact-change": "联系人变动",
    "major-activity": "重大活动",
    "negative-feedback": "负面反馈",
}
TRIGGER = {"product-defect": "产品缺陷/限制", "sales-mismatch": "销售资源错配", "architecture": "前期方案架构问题"}
HANDOFF = {
    "open": "进行中",
    "suspended": "工单挂起-等待外部资源",
    "solution-agreed": "方案已确认",
    "implemented": "已实施",
    "closed": "已关闭",
}
# assignment.history trigger (§9.3.2 and the other reasons an engineer stops serving a client)
TRIGGER_9_3_2 = {
    "incidents": "年度人为事故达到上限",
    "assessment": "考核不达标",
    "development": "个人发展需要",
    "departure": "离职",
    "load": "负载调整/客户剥离",
    "transition": "过渡期调整",
    "other": "其他",
}
MISSING = Markup('<span class="kb-missing">【缺】</span>')
CHART_ROWS = 30


@dataclass(frozen=True)
class SiteInput:
    kb: KB
    findings: Sequence[Finding]
    history: History | None
    today: dt.date
    trends: Trends | None = None  # the month-end figures (generator.trends); None: not read

    @functools.cached_property
    def by_file(self) -> dict[str, list[Finding]]:
        """Findings grouped by file (pages look them up per client, thousands of times)."""
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.file, []).append(f)
        return out

    @functools.cached_property
    def by_client(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            parts = f.file.split("/", 2)
            if parts[0] == "clients" and len(parts) == 3:
                out.setdefault(parts[1], []).append(f)
        return out

    def of_client(self, folder: str) -> list[Finding]:
        return self.by_client.get(folder, [])


def _or_missing(value: Any) -> Any:
    return value if value not in (None, "", ()) else MISSING


def join(values: Sequence[Any], sep: str = "、") -> str:
    return sep.join(str(v) for v in values if v not in (None, ""))


def _changed(h: History | None, file: str, section: str) -> str:
    if h is None or not h.available:
        return ""
    c = h.last_changed(file, section)
    return f"{c.date} 由 {c.author}（{c.sha[:8]}）" if c else ""


def file_subject(kb: KB, file: str) -> tuple[str, str, str]:
    """(client id, engineer id, display subject) of a finding's file."""
    parts = file.split("/")
    if parts[0] == "clients" and len(parts) > 1:
        c = kb.clients.get(parts[1])
        engineer = c.assignment.engineer if c and c.assignment and c.assignment.engineer else ""
        return parts[1], engineer or "", (c.name if c and c.name else parts[1])
    if parts[0] == "engineers":
        eid = PurePosixPath(file).stem
        return "", eid, kb.engineer_name(eid)
    return "", "", file


def exemption_rows(s: SiteInput, file: str | None = None) -> list[dict[str, Any]]:
    """The exemptions of ``file`` (every file's when None), each with its state as ``kb check``
    judged it: 无效 when an ``exemption`` error sits on it, 已过期 for a warning, else 生效中."""
    rows = []
    for owner, xs in exemptions.owners(s.kb):
        if file is not None and owner != file:
            continue
        said = [f for f in s.by_file.get(owner, []) if f.rule == exemptions.RULE]
        _, _, subject = file_subject(s.kb, owner)
        for x in xs:
            lines = exemptions.lines_of(x)
            severities = {f.severity for f in said if f.line in lines}
            rows.append(
                {
                    "subject": subject,
                    "rule": x.rule or "",
                    "key": x.key or "全文件",
                    "reason": _or_missing(x.reason),
                    "approved": _or_missing(join([x.approved_by, x.approved_on and str(x.approved_on)], "，")),
                    "expires": _or_missing(x.expires),
                    "state": "无效"
                    if Severity.ERROR in severities
                    else "已过期"
                    if Severity.WARNING in severities
                    else "生效中",
                    "file": owner,
                    "line": x.where.at()[1],
                }
            )
    return rows


def finding_rows(kb: KB, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    rows = []
    for f in findings:
        client, engineer, subject = file_subject(kb, f.file)
        rows.append(
            {
                "severity": f.severity.value,
                "rank": f.severity.rank,
                "rule": f.rule,
                "file": f.file,
                "line": f.line,
                "message": f.message.zh,
                "hint": f.hint.zh,
                "client": client,
                "engineer": engineer,
                "subject": subject,
                "due": f.due.isoformat() if f.due else "",
                "due_sort": f.due.isoformat() if f.due else "9999",
            }
        )
    return rows


def _step(name: str, step: Step | None, date: dt.date | None = None, cc_required: bool = False) -> dict[str, Any]:
    cc = join(step.cc) if step else ""
    return {
        "name": name,
        "by": _or_missing(join(step.by) if step else ""),
        "on": _or_missing((step.on if step else None) or date),
        "result": (step.result or "") if step else "",
        "cc": _or_missing(cc) if cc_required and step is not None else cc,  # §4.2.3: the appointment's CC
    }


def client_view(s: SiteInput, c: Client, diagram: str | None, attachments: Mapping[str, str]) -> dict[str, Any]:
    kb, h = s.kb, s.history
    file = c.where.file
    a = c.assignment
    k = c.knowledge_base
    sections = [
        {
            "key": x.key,
            "title": x.title,
            "filled": x.filled,
            "changed": _changed(h, file, "knowledge_base." + x.key if x.key != "lines_and_applications" else "lines"),
        }
        for x in kb_sections(c)
    ]
    ct = c.contract
    contract = [
        ("合同编号", _or_missing(ct.number if ct else None)),
        ("起止", f"{ct.start or '?'} 至 {ct.end or '?'}" if ct else MISSING),
        ("服务等级", _or_missing(ct.service_level if ct else None)),
        (
            "响应时间",
            f"{ct.sla.response_minutes:g} 分钟" if ct and ct.sla and ct.sla.response_minutes is not None else MISSING,
        ),
        ("到场时间", f"{ct.sla.onsite_hours:g} 小时" if ct and ct.sla and ct.sla.onsite_hours is not None else "—"),
        ("恢复时间", f"{ct.sla.restore_hours:g} 小时" if ct and ct.sla and ct.sla.restore_hours is not None else "—"),
        ("关键条款", join(ct.key_terms) if ct else "—"),
    ]
    cr = c.criteria
    criteria = join(
        [
            f"月合同金额 {cr.monthly_contract_cny:,} 元" if cr and cr.monthly_contract_cny else "",
            f"品牌价值：{cr.brand_value}" if cr and cr.brand_value else "",
            f"技术环境复杂：{cr.complex_environment}" if cr and cr.complex_environment else "",
            f"高 SLA：{cr.high_sla}" if cr and cr.high_sla else "",
        ],
        "；",
    )
    sites = {x.id: x.name or x.id for x in c.sites}
    app = c.application
    return {
        "name": c.name or c.id,
        "status": STATUS.get(c.status or "", c.status),
        "tier": TIER.get(c.tier or "", "—"),
        "engineer": kb.engineer_name(a.engineer) if a and a.engineer else "—",
        "backup": kb.engineer_name(a.backup) if a and a.backup else "—",
        "interface": (c.account_manager.name or "—") if c.account_manager else MISSING,
        "cadence": {"monthly": "月度", "quarterly": "季度"}.get(c.sync_cadence or "", "—"),
        "kb": f"{kb_completeness(c)}%",
        "proofread": _proofread(c),
        "findings": finding_rows(kb, s.of_client(c.folder)),
        "exemptions": exemption_rows(s, c.where.file),
        "kb_sections": sections,
        "special_notes": k.special_notes if k else None,
        "service_catalog": k.service_catalog if k else (),
        "network_model": k.network_model if k else None,
        "diagram": diagram,
        "attachments": [
            # not published (missing, refused, withheld): the title and the path, which then says why
            Markup(link(x.title or x.path, attachments[x.path]))
            if x.path in attachments
            else (f"{x.title}（{x.path}）" if x.title else x.path)
            for x in (k.attachments if k else ())
            if x.path
        ],
        "sites": [
            {
                "id": x.id,
                "name": x.name,
                "kind": KIND.get(x.kind or "", x.kind),
                "city": x.city or "",
                "address": x.address or "",
                "subnets": join(x.subnets),
            }
            for x in c.sites
        ],
        "lines": [
            {
                "id": x.id,
                "a": sites.get(x.a or "", x.a),
                "b": sites.get(x.b or "", x.b),
                "carrier": x.carrier or "",
                "type": x.type or "",
                "bandwidth": diagrams.bandwidth_label(x.bandwidth_mbps),
            }
            for x in c.lines
        ],
        "applications": [
            {
                "name": x.name,
                "site": _or_missing(sites.get(x.site or "", x.site)),
                "ip": _or_missing(x.ip),
                "domain": x.domain or "",
                "ports": _or_missing(join(x.ports, ", ")),
                "impact": _or_missing(x.impact),
            }
            for x in c.applications
        ],
        "faults": [
            {"date": x.date or "", "title": x.title, "cause": x.cause or "", "resolution": x.resolution or ""}
            for x in (k.typical_faults if k else ())
        ],
        "requests": [{"title": x.title, "steps": x.steps} for x in (k.common_requests if k else ())],
        "business": {
            "main_business": _or_missing(c.business.main_business if c.business else None),
            "business_model": _or_missing(c.business.business_model if c.business else None),
            "scenarios": _or_missing(c.business.scenarios if c.business else None),
            "peak_periods": _or_missing(join(c.business.peak_periods) if c.business else None),
        },
        "criteria": _or_missing(criteria),
        "business_changed": _changed(h, file, "business"),
        "contacts": [
            {
                "name": x.name,
                "level": LEVEL.get(x.level or "", x.level),
                "title": x.title or "",
                "phone": x.phone or "",
                "email": x.email or "",
                "duties": _or_missing(x.duties),
            }
            for x in c.contacts
        ],
        "contacts_changed": _changed(h, file, "contacts"),
        "contract": contract,
        "contract_changed": _changed(h, file, "contract"),
        "pain_history": [
            {"date": x.date or "", "summary": x.summary, "impact": x.impact or ""}
            for x in (c.pain_points.history if c.pain_points else ())
        ],
        "pain_communication": _or_missing(c.pain_points.communication if c.pain_points else None),
        "pain_expectations": _or_missing(c.pain_points.expectations if c.pain_points else None),
        "pain_changed": _changed(h, file, "pain_points"),
        "meetings": [
            {
                "date": m.date or "?",
                "kind": {"monthly": "月度例会", "quarterly": "季度例会", "ad-hoc": "临时会议"}.get(m.kind or "", ""),
                "attendees": join(m.attendees),
                "business_updates": _or_missing(m.business_updates),
                "needs_and_risks": _or_missing(m.needs_and_risks),
                "renewal_plan": _or_missing(m.renewal_plan),
                "conclusions": join(m.conclusions, "；"),
                "shared": _or_missing(
                    f"{m.shared_with_engineer_on}（{m.shared_via or '方式未注明'}）"
                    if m.shared_with_engineer_on
                    else None
                ),
            }
            for m in sorted(c.meetings, key=lambda m: m.date or dt.date.min, reverse=True)
        ],
        "handoffs": [
            {
                "task_id": x.task_id,
                "title": x.title or "",
                "ticket": x.ticket or "",
                "opened_on": x.opened_on or "",
                "trigger": TRIGGER.get(x.trigger or "", x.trigger),
                "status": HANDOFF.get(x.status or "", x.status),
                "basis": _or_missing(x.report.basis if x.report else None),
                "reproduction": _or_missing(x.report.reproduction if x.report else None),
                "coordinator": _or_missing(
                    join([x.coordinator.name, x.coordinator.role], " ") if x.coordinator else None
                ),
                "owner": _or_missing(join([x.owner.name, x.owner.role], " ") if x.owner else None),
                "ask": _or_missing(x.ask),
                "solution": x.solution or "—",
                "attachments": [
                    Markup(link(PurePosixPath(p).name, attachments[p])) if p in attachments else p
                    for p in ((*x.report.logs, *x.report.screenshots) if x.report else ())
                ],
            }
            for x in c.handoffs
        ],
        "events": [
            {
                "occurred_on": e.occurred_on or "?",
                "type": EVENT.get(e.type, e.type),
                "summary": e.summary or "",
                "lead": kb.engineer_name(e.protection_lead) if e.protection_lead else "",
                "recorded": _recorded(h, file, e.type, e.occurred_on),
            }
            for e in sorted(c.events, key=lambda e: e.occurred_on or dt.date.min, reverse=True)
        ],
        "workflow": [
            {
                "name": "提交申请",
                "by": _or_missing(app.applicant.name if app and app.applicant else None),
                "on": _or_missing(app.submitted_on if app else None),
                "result": "",
            },
            {"name": "资料到齐", "by": "", "on": _or_missing(app.materials_received_on if app else None), "result": ""},
            _step("运维经理初审", app.review if app else None),
            _step("工程运维部负责人终审", app.approval if app else None),
            {"name": "邮件通知", "by": "", "on": _or_missing(app.notified_on if app else None), "result": ""},
        ]
        if app
        else [],
        "split": (
            f"客户经理 {a.incentive_split.account_manager}% : 专属工程师 {a.incentive_split.engineer}%"
            f"（{a.incentive_split.agreed_on or '?'}，{join(a.incentive_split.agreed_by)}）"
        )
        if a and a.incentive_split
        else "—",
        "assigned": _assigned(kb, c),
        "temporary": _temporary(c),
        "load_plan": a.load_plan if a and a.load_plan else "—",
        "transition": f"{c.transition.klass} 类" + (f"：{c.transition.plan}" if c.transition.plan else "")
        if c.transition and c.transition.klass
        else "—",
        "assignment_history": [
            join(
                [
                    f"{kb.engineer_name(x.engineer)} {x.start or '?'}～{x.end or '?'}",
                    x.reason,
                    f"替换条件：{TRIGGER_9_3_2.get(x.trigger, x.trigger)}" if x.trigger else None,
                    f"交接：{x.handover}" if x.handover else None,
                ],
                "；",
            )
            for x in (a.history if a else ())
        ],
        "kpis": client_kpi_rows(kb, c.id),
    }


def _temporary(c: Client) -> str:
    """"2026-09-01～2027-02-28，客户成功部 周婷 申请：…" — temporary priority and its earlier periods (§9.3.3)."""
    tp = c.temporary_priority
    if tp is None:
        return "—"
    now = f"{tp.start or '?'}～{tp.until or '?'}，{tp.requested_by or '申请部门未写'} 申请" + (f"：{tp.reason}" if tp.reason else "")
    earlier = join([f"{x.start or '?'}～{x.until or '?'}" for x in tp.history])
    return now + (f"（此前：{earlier}）" if earlier else "")


def _proofread(c: Client) -> Any:
    """"内部校对：李娜，2025-08-08" (§7.2.5); 【缺】 for a dedicated client without it."""
    pr = c.knowledge_base.proofread if c.knowledge_base else None
    if pr is not None and pr.on is not None:
        return f"{join(pr.by) or '?'}，{pr.on}"
    return MISSING if c.status == "dedicated" else "—"


def _assigned(kb: KB, c: Client) -> Any:
    """"张伟（zhang-wei）自 2025-08-01，陈静 指派" — who was assigned, since when, by whom (§7.2.3)."""
    a = c.assignment
    if a is None or not a.engineer:
        return "—"
    by = f"{text(a.assigned_by)} 指派" if a.assigned_by else MISSING + "指派人"
    return Markup(f"{text(kb.engineer_name(a.engineer))} 自 {text(a.since or '?')}，{by}（§7.2.3）")


def _recorded(h: History | None, file: str, kind: str, day: dt.date | None) -> str:
    if h is None or not h.available or day is None:
        return "—"
    c = h.first_recorded(file, f"event:{kind}:{day.isoformat()}")
    return f"{c.date}（{c.author}）" if c else "未提交"


def engineer_view(s: SiteInput, e: Engineer) -> dict[str, Any]:
    kb, today = s.kb, s.today
    serving = served_by(kb).get(e.id, [])
    limit = kb.policy.max_clients if kb.policy else None
    mine = s.by_file.get(e.where.file, [])
    errors = [f for f in mine if f.severity is Severity.ERROR and f.rule.startswith("eng.")]
    years = f"{(today - e.ops_since).days / 365.25:.1f} 年（自 {e.ops_since}）" if e.ops_since else MISSING
    pool = e.pool
    return {
        "name": f"{e.name or e.id}（{e.id}）",
        # kb build writes public/calendar/<id>.ics; the page is public/generated/engineers/<id>.html
        "feed": Markup(f'<a href="../../calendar/{quote(e.id)}.ics">{text(e.id)}.ics</a>'),
        "level": e.level or "—",
        "tenure": years,
        "load": f"{len(serving)}/{limit}" if limit else str(len(serving)),
        "employment": _employment(e, today),
        "eligibility": "不适用：已离职（§4.1 在职工程师）"
        if e.employment is not None and e.employment.gone_by(today)
        else "不合格：" + join(sorted({f.rule for f in errors}))
        if errors
        else "合格",
        "clients": [
            {
                "link": link(c.name or c.id, f"../clients/{c.folder}.md"),
                "tier": TIER.get(c.tier or "", "—"),
                "since": c.assignment.since if c.assignment and c.assignment.since else "?",
                "kb": f"{kb_completeness(c)}%",
            }
            for c in serving
        ],
        "backup_for": join(
            [
                c.name or c.id
                for c in kb.clients.values()
                if c.status in ACTIVE and c.assignment and c.assignment.backup == e.id
            ]
        ),
        "certs": [
            {
                "name": x.name,
                "kind": x.kind or "",
                "vendor": join([x.vendor, x.grade], " / "),
                "obtained": x.obtained or "",
                "expires": _expiry(x.expires, today),
            }
            for x in e.certifications
        ],
        "products": join(e.products) or MISSING,
        "pool": [
            _step("提名", pool.nomination if pool else None),
            _step("评估", pool.evaluation if pool else None),
            _step("任命", pool.appointment if pool else None, cc_required=True),
        ],
        "kpis": engineer_kpi_rows(kb, e),
        "kpi_chart": None,  # set by build_pages when there are figures to draw
        "incidents": [
            {"date": x.date or "", "summary": x.summary or "", "human": "是" if x.human_caused else "否"}
            for x in e.incidents
        ],
        "leave": [
            {
                "span": f"{x.start or '?'}～{x.end or '?'}",
                "backup": kb.engineer_name(x.backup) if x.backup else MISSING,
                "handover": _or_missing(x.handover),
            }
            for x in e.leave
        ],
        "findings": finding_rows(kb, mine),
        "exemptions": exemption_rows(s, e.where.file),
    }


def _employment(e: Engineer, today: dt.date) -> str:
    """在职 / 已于 … 离职 / 将于 … 离职 (§4.1)."""
    emp = e.employment
    if emp is None or (emp.status != "left" and emp.left_on is None):
        return "在职"
    if emp.gone_by(today):
        return f"已于 {emp.left_on} 离职" if emp.left_on else "已离职"
    return f"在职，将于 {emp.left_on} 离职"


def _fmt(x: float | None, suffix: str = "") -> str:
    return "—" if x is None else f"{x:g}{suffix}"


def _share(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def engineer_kpi_rows(kb: KB, e: Engineer) -> list[dict[str, Any]]:
    """The engineer's KPI table (§9.1), one row per quarter: the imported figures from
    kpis/<q>.yml when there are any, else the hand-typed entry of engineers/<id>.yml; a figure that
    misses a policy.yml target is marked (shown, never judged here: facts.kpi_failures says which)."""
    rows = []
    for v in kpi_quarters(kb, e.id):
        missed = {m.measure for m in kpi_failures(kb, e.id, v.quarter)}
        f = v.figures

        def mark(measure: str, shown: str, missed: set[str] = missed) -> Any:
            return Markup(f"<strong>{text(shown)}</strong> ✗") if measure in missed else shown

        rows.append({
            "period": v.quarter,
            "tickets": str(f.tickets) if f else "—",
            "mttr": mark("mttr_hours", _fmt(v.mttr_hours)),
            "mttr_median": _fmt(f.mttr_median_hours) if f else "—",
            "satisfaction": mark("satisfaction", _fmt(v.satisfaction)),
            "answers": str(f.satisfaction_answers) if f else "—",
            "continuity": mark("continuity", _share(v.continuity)) if f else "—",
            "source": v.file if v.imported else "手工记录",
            "notes": (v.typed.notes or "") if v.typed else "",
        })
    return rows


def client_kpi_rows(kb: KB, client_id: str) -> list[dict[str, str]]:
    """The client's tickets and MTTR per quarter, from kpis/*.yml."""
    return [
        {
            "period": p.period or "?",
            "tickets": str(f.tickets),
            "mttr": _fmt(f.mttr_hours),
            "mttr_median": _fmt(f.mttr_median_hours),
            "satisfaction": _fmt(f.satisfaction),
            "continuity": _share(f.continuity),
        }
        for p in kb.kpis
        if (f := p.clients.get(client_id)) is not None
    ]


def _expiry(day: dt.date | None, today: dt.date) -> Any:
    if day is None:
        return "长期有效"
    left = (day - today).days
    if left < 0:
        return Markup(f'<span class="kb-missing">{text(day)}（已过期）</span>')
    return f"{day}（还有 {left} 天）" if left <= 90 else str(day)


def on_leave(e: Engineer | None, today: dt.date) -> bool:
    return e is not None and any(x.start and x.end and x.start <= today <= x.end for x in e.leave)
