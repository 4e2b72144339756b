"""The published site's pages, as pure functions: model + findings + history → ``{path: content}``.

Paths are relative to the generated folder inside the docs source (``site/generated/``).
Templates hold layout; this module prepares plain view values. Every value printed by a
template is escaped for Markdown and HTML (see :mod:`generator.render.escape`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..finding import Finding, Severity
from ..history import History
from ..model import KB, Client, Engineer, Step
from ..rules.common import ACTIVE, add_months, served_by
from ..scoring import kb_completeness, kb_sections
from . import diagrams
from .escape import block, finalize, link, text

STATUS = {
    "candidate": "候选",
    "applied": "已申请",
    "dedicated": "专属服务中",
    "temporary-priority": "临时优先级",
    "exited": "已退出",
}
TIER = {"platinum": "铂金（重保）", "gold": "金", "silver": "银"}
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
MISSING = Markup('<span class="kb-missing">【缺】</span>')
CHART_ROWS = 30


@dataclass(frozen=True)
class SiteInput:
    kb: KB
    findings: Sequence[Finding]
    history: History | None
    today: dt.date


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("generator", "templates/site"),
        finalize=finalize,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=True,
    )
    env.globals.update(M=Markup, B=lambda v: Markup(block(v)))
    return env


def _or_missing(value: Any) -> Any:
    return value if value not in (None, "", ()) else MISSING


def _join(values: Sequence[Any], sep: str = "、") -> str:
    return sep.join(str(v) for v in values if v not in (None, ""))


def _changed(h: History | None, file: str, section: str) -> str:
    if h is None or not h.available:
        return ""
    c = h.last_changed(file, section)
    return f"{c.date} 由 {c.author}（{c.sha[:8]}）" if c else ""


def _file_subject(kb: KB, file: str) -> tuple[str, str, str]:
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


def _finding_rows(kb: KB, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    rows = []
    for f in findings:
        client, engineer, subject = _file_subject(kb, f.file)
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


def _step(name: str, step: Step | None, date: dt.date | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "by": _or_missing(_join(step.by) if step else ""),
        "on": _or_missing((step.on if step else None) or date),
        "result": (step.result or "") if step else "",
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
        ("关键条款", _join(ct.key_terms) if ct else "—"),
    ]
    cr = c.criteria
    criteria = _join(
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
        "findings": _finding_rows(kb, [f for f in s.findings if f.file.startswith(f"clients/{c.folder}/")]),
        "kb_sections": sections,
        "special_notes": k.special_notes if k else None,
        "service_catalog": k.service_catalog if k else (),
        "network_model": k.network_model if k else None,
        "diagram": diagram,
        "attachments": [
            Markup(link(x.title or x.path, attachments[x.path])) if x.path in attachments else x.title
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
                "subnets": _join(x.subnets),
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
                "ports": _or_missing(_join(x.ports, ", ")),
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
            "peak_periods": _or_missing(_join(c.business.peak_periods) if c.business else None),
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
                "attendees": _join(m.attendees),
                "business_updates": _or_missing(m.business_updates),
                "needs_and_risks": _or_missing(m.needs_and_risks),
                "renewal_plan": _or_missing(m.renewal_plan),
                "conclusions": _join(m.conclusions, "；"),
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
                    _join([x.coordinator.name, x.coordinator.role], " ") if x.coordinator else None
                ),
                "owner": _or_missing(_join([x.owner.name, x.owner.role], " ") if x.owner else None),
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
            f"（{a.incentive_split.agreed_on or '?'}，{_join(a.incentive_split.agreed_by)}）"
        )
        if a and a.incentive_split
        else "—",
        "load_plan": a.load_plan if a and a.load_plan else "—",
        "transition": f"{c.transition.klass} 类" + (f"：{c.transition.plan}" if c.transition.plan else "")
        if c.transition and c.transition.klass
        else "—",
        "assignment_history": [
            f"{kb.engineer_name(x.engineer)} {x.start or '?'}～{x.end or '?'} {x.reason or ''}"
            for x in (a.history if a else ())
        ],
    }


def _recorded(h: History | None, file: str, kind: str, day: dt.date | None) -> str:
    if h is None or not h.available or day is None:
        return "—"
    c = h.first_recorded(file, f"event:{kind}:{day.isoformat()}")
    return f"{c.date}（{c.author}）" if c else "未提交"


def engineer_view(s: SiteInput, e: Engineer) -> dict[str, Any]:
    kb, today = s.kb, s.today
    serving = served_by(kb).get(e.id, [])
    limit = kb.policy.max_clients if kb.policy else None
    mine = [f for f in s.findings if f.file == e.where.file]
    errors = [f for f in mine if f.severity is Severity.ERROR and f.rule.startswith("eng.")]
    years = f"{(today - e.ops_since).days / 365.25:.1f} 年（自 {e.ops_since}）" if e.ops_since else MISSING
    pool = e.pool
    return {
        "name": f"{e.name or e.id}（{e.id}）",
        "level": e.level or "—",
        "tenure": years,
        "load": f"{len(serving)}/{limit}" if limit else str(len(serving)),
        "eligibility": "不合格：" + _join(sorted({f.rule for f in errors})) if errors else "合格",
        "clients": [
            {
                "link": link(c.name or c.id, f"../clients/{c.folder}.md"),
                "tier": TIER.get(c.tier or "", "—"),
                "since": c.assignment.since if c.assignment and c.assignment.since else "?",
                "kb": f"{kb_completeness(c)}%",
            }
            for c in serving
        ],
        "backup_for": _join(
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
                "vendor": _join([x.vendor, x.grade], " / "),
                "obtained": x.obtained or "",
                "expires": _expiry(x.expires, today),
            }
            for x in e.certifications
        ],
        "products": _join(e.products) or MISSING,
        "pool": [
            _step("提名", pool.nomination if pool else None),
            _step("评估", pool.evaluation if pool else None),
            _step("任命", pool.appointment if pool else None),
        ],
        "kpis": [
            {
                "period": x.period,
                "satisfaction": "" if x.satisfaction is None else f"{x.satisfaction:g}",
                "mttr": "" if x.mttr_hours is None else f"{x.mttr_hours:g}",
                "notes": x.notes or "",
            }
            for x in e.kpis
        ],
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
        "findings": _finding_rows(kb, mine),
    }


def _expiry(day: dt.date | None, today: dt.date) -> Any:
    if day is None:
        return "长期有效"
    left = (day - today).days
    if left < 0:
        return Markup(f'<span class="kb-missing">{text(day)}（已过期）</span>')
    return f"{day}（还有 {left} 天）" if left <= 90 else str(day)


def _on_leave(e: Engineer | None, today: dt.date) -> bool:
    return e is not None and any(x.start and x.end and x.start <= today <= x.end for x in e.leave)


Memo = Callable[[str, Callable[[], bytes | None]], bytes | None]


def _no_memo(key: str, render: Callable[[], bytes | None]) -> bytes | None:
    return render()


def picture_key(*facts: object) -> str:
    """A digest of what a picture draws (plus the drawing code's version), for caching it."""
    import hashlib
    import json

    return hashlib.sha256(
        json.dumps([diagrams.DRAWING_VERSION, *facts], ensure_ascii=False, default=str).encode()
    ).hexdigest()


def build_pages(
    s: SiteInput,
    attachments_by_client: Mapping[str, Mapping[str, str]] | None = None,
    memo: Memo = _no_memo,
) -> dict[str, str | bytes]:
    """Every generated page and picture, keyed by its path under the generated folder.
    ``memo(key, render)`` lets the command layer keep pictures between builds."""

    def picture(key: str, render: Callable[[], bytes | None]) -> bytes | None:
        return memo(key, render)

    def draw(c: Client) -> bytes | None:
        return picture(diagrams.network_key(c, "svg"), lambda: diagrams.network_diagram(c, "svg")) if c.sites else None

    kb, today = s.kb, s.today
    env = _env()
    out: dict[str, str | bytes] = {}
    limit = kb.policy.max_clients if kb.policy else None
    serving = served_by(kb)
    clients = sorted(
        kb.clients.values(), key=lambda c: (list(STATUS).index(c.status) if c.status in STATUS else 9, c.id)
    )
    engineers = sorted(kb.engineers.values(), key=lambda e: (-len(serving.get(e.id, [])), e.id))

    def count(prefix: str, sev: Severity) -> int:
        return sum(1 for f in s.findings if f.file.startswith(prefix) and f.severity is sev)

    out["charts/load.svg"] = diagrams.load_chart(
        [(e.name or e.id, len(serving.get(e.id, []))) for e in engineers], limit
    )
    active = [c for c in clients if c.status in ACTIVE]
    out["charts/kb.svg"] = diagrams.completeness_chart([(c.name or c.id, kb_completeness(c)) for c in active])
    for c in clients:
        attachments = (attachments_by_client or {}).get(c.folder, {})
        svg = draw(c)
        diagram = None
        if svg is not None:
            out[f"clients/{c.folder}/network.svg"] = svg
            diagram = f"{c.folder}/network.svg"
        view = client_view(s, c, diagram, {k: f"{c.folder}/{v}" for k, v in attachments.items()})
        out[f"clients/{c.folder}.md"] = env.get_template("client.md.j2").render(c=view)
    out["clients/index.md"] = env.get_template("clients_index.md.j2").render(
        clients=[
            {
                "link": link(c.name or c.id, f"{c.folder}.md"),
                "status": STATUS.get(c.status or "", c.status),
                "tier": TIER.get(c.tier or "", "—"),
                "engineer": kb.engineer_name(c.assignment.engineer) if c.assignment and c.assignment.engineer else "—",
                "backup": kb.engineer_name(c.assignment.backup) if c.assignment and c.assignment.backup else "—",
                "kb": f"{kb_completeness(c)}%" if c.status in ACTIVE else "—",
                "errors": count(f"clients/{c.folder}/", Severity.ERROR),
                "warnings": count(f"clients/{c.folder}/", Severity.WARNING),
            }
            for c in clients
        ]
    )
    for e in engineers:
        out[f"engineers/{e.id}.md"] = env.get_template("engineer.md.j2").render(e=engineer_view(s, e))
    out["engineers/index.md"] = env.get_template("engineers_index.md.j2").render(
        engineers=[
            {
                "link": link(f"{e.name or e.id}（{e.id}）", f"{e.id}.md"),
                "level": e.level or "—",
                "load": f"{len(serving.get(e.id, []))}/{limit}" if limit else len(serving.get(e.id, [])),
                "eligibility": engineer_view(s, e)["eligibility"],
                "next_expiry": min(
                    (x.expires for x in e.certifications if x.expires and x.expires >= today), default="—"
                ),
            }
            for e in engineers
        ]
    )
    out["pool.md"] = env.get_template("pool.md.j2").render(
        limit=limit or "—",
        engineers=[
            {
                "link": link(f"{e.name or e.id}（{e.id}）", f"engineers/{e.id}.md"),
                "level": e.level or "—",
                "load": f"{len(serving.get(e.id, []))}/{limit}" if limit else len(serving.get(e.id, [])),
                "clients": _join([c.name or c.id for c in serving.get(e.id, [])]) or "—",
                "leave": _join([f"{x.start}～{x.end}" for x in e.leave if x.end and x.end >= today]) or "—",
            }
            for e in engineers
        ],
    )
    rows = _finding_rows(kb, s.findings)
    out["compliance.md"] = env.get_template("compliance.md.j2").render(
        findings=sorted(rows, key=lambda r: (r["rank"], r["due_sort"], r["file"], r["line"])),
        total=len(rows),
        errors=sum(r["severity"] == "error" for r in rows),
        warnings=sum(r["severity"] == "warning" for r in rows),
        infos=sum(r["severity"] == "info" for r in rows),
        clients=[(c.folder, c.name or c.id) for c in clients],
        engineers=[(e.id, e.name or e.id) for e in engineers],
        rules=sorted({r["rule"] for r in rows}),
    )
    out["transition.md"] = _transition_page(env, s, clients)
    out["routing.md"] = _routing_page(env, s, clients)
    upcoming = sorted(
        (f for f in s.findings if f.due is not None and f.due <= today + dt.timedelta(days=90)),
        key=lambda f: (f.due or today, f.severity.rank),
    )
    deadlines = [
        {"due": f.due, "severity": f.severity.value, "subject": _file_subject(kb, f.file)[2], "message": f.message.zh}
        for f in upcoming[:20]
    ]
    h = s.history
    changes = (
        [{"date": c.date, "author": c.author, "subject": c.subject, "files": ""} for c in reversed(h.commits[-10:])]
        if h is not None and h.available
        else []
    )
    # included by site/index.md with pymdownx.snippets; not .md, so it is not also a page of its own
    out["dashboard.snippet"] = env.get_template("dashboard.md.j2").render(
        prefix="",
        today=today,
        deadlines=deadlines,
        changes=changes,
        history_note=(h.problem.zh if h is not None and h.problem else "未读取"),
        counts={
            "clients": len(clients),
            "dedicated": sum(c.status == "dedicated" for c in clients),
            "temporary": sum(c.status == "temporary-priority" for c in clients),
            "applied": sum(c.status == "applied" for c in clients),
            "engineers": len(engineers),
            "errors": sum(f.severity is Severity.ERROR for f in s.findings),
            "warnings": sum(f.severity is Severity.WARNING for f in s.findings),
        },
    )
    out["jieba_userdict.txt"] = user_dictionary(kb)
    return out


def _transition_page(env: Environment, s: SiteInput, clients: list[Client]) -> str:
    p = s.kb.policy
    effective = p.effective_on if p else None
    months = p.transition_months if p else None
    end = add_months(effective, months) if effective and months is not None else None
    meaning = {
        "A": "完全符合：直接转为正式专属服务。",
        "B": "需要调整：客户剥离或限期补充资料。",
        "C": "不再符合：转为额外付费服务，或执行服务模式回归计划。",
    }
    groups = []
    for klass in ("A", "B", "C"):
        members = [c for c in clients if c.transition and c.transition.klass == klass]
        groups.append(
            {
                "title": f"{klass} 类",
                "meaning": meaning[klass],
                "clients": [
                    {
                        "link": link(c.name or c.id, f"clients/{c.folder}.md"),
                        "assessed": (c.transition.assessed_on or "—") if c.transition else "—",
                        "status": STATUS.get(c.status or "", c.status),
                        "plan": _join(
                            [
                                *(c.transition.gaps if c.transition else ()),
                                (c.transition.plan or "") if c.transition else "",
                            ],
                            "；",
                        )
                        or "—",
                        "closed": (c.transition.closed_on or ("—" if klass != "B" else MISSING))
                        if c.transition
                        else "—",
                    }
                    for c in members
                ],
            }
        )
    return env.get_template("transition.md.j2").render(
        effective=effective or "?",
        months=months if months is not None else "?",
        end=end or "?",
        days_left=(end - s.today).days if end and end >= s.today else None,
        groups=groups,
    )


def _routing_page(env: Environment, s: SiteInput, clients: list[Client]) -> str:
    kb, today = s.kb, s.today
    p = kb.policy
    hours = f"工作日 {p.service_start}–{p.service_end}（5×8）" if p and p.service_start and p.service_end else "5×8"
    rows = []
    for c in clients:
        if c.status not in ACTIVE:
            continue
        a = c.assignment
        engineer = kb.engineers.get(a.engineer) if a and a.engineer else None
        on_duty = "标准流程（轮询）"
        if engineer is not None:
            on_duty = kb.engineer_name(engineer.id)
            if _on_leave(engineer, today):
                backup = next(
                    (x.backup for x in engineer.leave if x.start and x.end and x.start <= today <= x.end and x.backup),
                    a.backup if a else None,
                )
                on_duty = (
                    f"{kb.engineer_name(backup)}（{engineer.name} 休假）"
                    if backup
                    else "标准流程（专属工程师休假且无备份）"
                )
        priority = {"platinum": "P1 铂金", "gold": "P2 金", "silver": "P3 银"}.get(c.tier or "", "—")
        if c.status == "temporary-priority":
            priority = "临时优先级（高于标准一级）"
        rows.append(
            {
                "client": link(c.name or c.id, f"clients/{c.folder}.md"),
                "priority": priority,
                "engineer": kb.engineer_name(a.engineer) if a and a.engineer else "—",
                "backup": kb.engineer_name(a.backup) if a and a.backup else "—",
                "today": on_duty,
                "interface": (c.account_manager.name or "—") if c.account_manager else "—",
            }
        )
    return env.get_template("routing.md.j2").render(rows=rows, hours=hours, today=today)


# Vendors, products and terms jieba would split (深信服 → 深/信服) and that staff search for.
_TERMS = (
    "深信服",
    "飞塔",
    "华为",
    "华三",
    "新华三",
    "锐捷",
    "思科",
    "奇安信",
    "天融信",
    "山石网科",
    "自研",
    "专属工程师",
    "客户经理",
    "运维经理",
    "知识库",
    "保障组长",
    "重保",
    "调休",
    "资源池",
    "工单",
    "转交",
    "挂起",
)


def user_dictionary(kb: KB) -> str:
    """jieba user dictionary: our vendors and terms, and every client, engineer, site and
    application name, so search finds them whole (华兴物流 rather than 华兴 + 物流)."""
    words: set[str] = set(_TERMS)
    for c in kb.clients.values():
        for name in (c.name, *(x.name for x in c.sites), *(x.name for x in c.applications)):
            if name:
                words.update(w for w in name.replace("（", " ").replace("）", " ").split() if len(w) > 1)
        if c.name and len(c.name) > 4:
            words.add(c.name[:4])  # 华兴物流集团 → also 华兴物流
    for e in kb.engineers.values():
        if e.name:
            words.add(e.name)
    return "".join(f"{w} 1000 nz\n" for w in sorted(words) if " " not in w and w.strip())


def copy_plan(root: Path, kb: KB) -> dict[str, dict[str, str]]:
    """Attachments to publish: for each client folder, {path in the dossier: path under its page folder}."""
    out: dict[str, dict[str, str]] = {}
    for c in kb.clients.values():
        paths = [x.path for x in (c.knowledge_base.attachments if c.knowledge_base else ()) if x.path]
        for h in c.handoffs:
            if h.report:
                paths += [*h.report.logs, *h.report.screenshots]
        for p in paths:
            pp = PurePosixPath(p)
            if pp.is_absolute() or ".." in pp.parts or not (root / "clients" / c.folder / pp).is_file():
                continue
            out.setdefault(c.folder, {})[p] = str(pp)
    return out
