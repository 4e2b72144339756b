"""The published site's pages, as pure functions: model + findings + history → ``{path: content}``.

Paths are relative to the generated folder inside the docs source (``site/generated/``).
Templates hold layout and views.py prepares the values; every value printed by a
template is escaped for Markdown and HTML (see :mod:`generator.render.escape`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import boundary, routing
from ..clock import CHINA
from ..facts import ACTIVE, KEEPS_KB, engineer_on, kb_completeness, kpi_quarters, period_end, quarter_bounds, served_by
from ..finding import Severity
from ..history import History
from ..model import KB, Client
from ..redact import NOTHING, Withheld
from . import diagrams, routing_table
from .diagrams.trends import Series, kpi_trend_chart
from .escape import block, finalize, link, text
from .lifecycle_view import client_lifecycle, lifecycle_pages
from .trends_view import client_trend, engineer_trend, trend_pages
from .views import (
    MISSING,
    STATUS,
    TIER,
    SiteInput,
    client_view,
    engineer_view,
    exemption_rows,
    file_subject,
    finding_rows,
    join,
)

CHART_ROWS = 30


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
    forms_by_client: Mapping[str, Sequence[str]] | None = None,
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

    by_client: dict[str, Counter[Severity]] = {}
    for f in s.findings:
        parts = f.file.split("/")
        if parts[0] == "clients" and len(parts) > 2:
            by_client.setdefault(parts[1], Counter())[f.severity] += 1

    def count(folder: str, sev: Severity) -> int:
        return by_client.get(folder, Counter())[sev]

    # A chart stays readable (and quick to draw) at any size: the busiest engineers and the
    # least complete knowledge bases; the tables beside the charts list everyone.
    load_rows = [(e.name or e.id, len(serving.get(e.id, []))) for e in engineers[:CHART_ROWS]]
    active = sorted((c for c in clients if c.status in ACTIVE), key=lambda c: (kb_completeness(c), c.id))
    kb_rows = [(c.name or c.id, kb_completeness(c)) for c in active[:CHART_ROWS]]
    out["charts/load.svg"] = (
        picture(picture_key("load", load_rows, limit), lambda: diagrams.load_chart(load_rows, limit)) or b""
    )
    out["charts/kb.svg"] = picture(picture_key("kb", kb_rows), lambda: diagrams.completeness_chart(kb_rows)) or b""
    for c in clients:
        attachments = (attachments_by_client or {}).get(c.folder, {})
        svg = draw(c)
        diagram = None
        if svg is not None:
            out[f"clients/network/{c.folder}.svg"] = svg  # one folder for all: no folder per client
            diagram = f"network/{c.folder}.svg"
        view = client_view(s, c, diagram, {k: f"{c.folder}/{v}" for k, v in attachments.items()})
        view["lifecycle"] = client_lifecycle(s, c)
        line = client_trend(s, c.folder)
        if line is not None:
            out[f"clients/trend/{c.folder}.svg"] = line[0]
        view["trend"] = {"src": f"trend/{c.folder}.svg", "caption": line[1]} if line is not None else None
        # Word forms live in public/forms/ (outside the docs): plain links MkDocs does not resolve
        view["forms"] = [
            Markup(f'<a href="../../forms/{quote(c.folder)}/{quote(f)}">{text(f)}</a>')
            for f in (forms_by_client or {}).get(c.folder, ())
        ]
        out[f"clients/{c.folder}.md"] = env.get_template("client.md.j2").render(c=view)
    out["clients/index.md"] = env.get_template("clients_index.md.j2").render(
        clients=[
            {
                "link": link(c.name or c.id, f"{c.folder}.md"),
                "status": STATUS.get(c.status or "", c.status),
                "tier": TIER.get(c.tier or "", "—"),
                "engineer": kb.engineer_name(c.assignment.engineer) if c.assignment and c.assignment.engineer else "—",
                "backup": kb.engineer_name(c.assignment.backup) if c.assignment and c.assignment.backup else "—",
                "kb": f"{kb_completeness(c)}%" if c.status in KEEPS_KB else "—",  # a suspended client keeps its KB
                "errors": count(c.folder, Severity.ERROR),
                "warnings": count(c.folder, Severity.WARNING),
            }
            for c in clients
        ]
    )
    for e in engineers:
        view = engineer_view(s, e)
        line = engineer_trend(s, kb, e.id)
        if line is not None:
            out[f"engineers/trend/{e.id}.svg"] = line[0]
        view["trend"] = {"src": f"trend/{e.id}.svg", "caption": line[1]} if line is not None else None
        trend = kpi_series(kb, e.id, s.history)
        if trend is not None:
            out[f"engineers/kpi/{e.id}.svg"] = picture(picture_key("kpi", *trend), _trend_drawer(*trend)) or b""
            view["kpi_chart"] = f"kpi/{e.id}.svg"
        out[f"engineers/{e.id}.md"] = env.get_template("engineer.md.j2").render(e=view)
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
                "clients": join([c.name or c.id for c in serving.get(e.id, [])]) or "—",
                "leave": join([f"{x.start}～{x.end}" for x in e.leave if x.end and x.end >= today]) or "—",
            }
            for e in engineers
        ],
    )
    rows = finding_rows(kb, s.findings)
    out["compliance.md"] = env.get_template("compliance.md.j2").render(
        findings=sorted(rows, key=lambda r: (r["rank"], r["due_sort"], r["file"], r["line"])),
        total=len(rows),
        errors=sum(r["severity"] == "error" for r in rows),
        warnings=sum(r["severity"] == "warning" for r in rows),
        infos=sum(r["severity"] == "info" for r in rows),
        clients=[(c.folder, c.name or c.id) for c in clients],
        engineers=[(e.id, e.name or e.id) for e in engineers],
        rules=sorted({r["rule"] for r in rows}),
        exemptions=exemption_rows(s),
    )
    out["transition.md"] = _transition_page(env, s, clients)
    out.update(lifecycle_pages(env, s, picture, picture_key))
    out.update(trend_pages(env, s, picture, picture_key))
    out.update(_routing_pages(env, s))
    upcoming = sorted(
        (f for f in s.findings if f.due is not None and f.due <= today + dt.timedelta(days=90)),
        key=lambda f: (f.due or today, f.severity.rank),
    )
    deadlines = [
        {"due": f.due, "severity": f.severity.value, "subject": file_subject(kb, f.file)[2], "message": f.message.zh}
        for f in upcoming[:20]
    ]
    h = s.history
    changes = (
        [
            {"date": c.date, "author": c.author, "subject": c.subject, "files": _touched(c.files)}
            for c in reversed(h.commits[-10:])
        ]
        if h is not None and h.available
        else []
    )
    # included by site/index.md with pymdownx.snippets; not .md, so it is not also a page of its own
    out["dashboard.snippet"] = env.get_template("dashboard.md.j2").render(
        prefix="",
        today=today,
        deadlines=deadlines,
        reviews_due=[
            {"subject": file_subject(kb, f.file)[2], "due": f.due or "—", "message": f.message.zh}
            for f in s.findings
            if f.rule == "client.review" and f.message.zh.startswith("应发起协作复审")
        ],
        changes=changes,
        history_note=(h.problem.zh if h is not None and h.problem else "未读取"),
        counts={
            "clients": len(clients),
            "dedicated": sum(c.status == "dedicated" for c in clients),
            "temporary": sum(c.status == "temporary-priority" for c in clients),
            "applied": sum(c.status == "applied" for c in clients),
            "suspended": sum(c.status == "suspended" for c in clients),
            "engineers": len(engineers),
            "errors": sum(f.severity is Severity.ERROR for f in s.findings),
            "warnings": sum(f.severity is Severity.WARNING for f in s.findings),
        },
    )
    out["jieba_userdict.txt"] = user_dictionary(kb)
    return out


def kb_complete_share(kb: KB, history: History | None, engineer_id: str, quarter: str) -> float | None:
    """§9.1's third figure per quarter, from git: of the dedicated clients the engineer served on
    the quarter's last day, the share (%) whose knowledge base was complete (all six §5.2
    sections) in the last version of client.yml committed by then. None without history."""
    bounds = quarter_bounds(quarter)
    if history is None or not history.available or bounds is None:
        return None
    last = bounds[1]
    served = [c for c in kb.clients.values() if engineer_on(c, last) == engineer_id]
    if not served:
        return None
    complete = 0
    for c in served:
        versions = [v for v in history.versions.get(c.where.file, ()) if v.commit.date <= last]
        facts = history.facts.get(versions[-1].blob or "") if versions else None
        complete += bool(facts is not None and facts.kb_complete)
    return round(100 * complete / len(served), 1)


def kpi_series(kb: KB, engineer_id: str, history: History | None = None) -> tuple[list[str], list[Series]] | None:
    """The engineer's trend panels (MTTR, satisfaction, continuity, KB completeness per quarter),
    None without figures."""
    views = kpi_quarters(kb, engineer_id)
    if not views:
        return None
    p = kb.policy
    return [v.quarter for v in views], [
        Series("MTTR（小时）", [v.mttr_hours for v in views], p.kpi_mttr_max_hours if p else None, False),
        Series("满意度", [v.satisfaction for v in views], p.kpi_satisfaction_min if p else None),
        Series("专人处理率（%）", [None if v.continuity is None else round(100 * v.continuity, 1) for v in views],
               None if p is None or p.kpi_continuity_min is None else round(100 * p.kpi_continuity_min, 1)),
        Series("知识库完整（%）", [kb_complete_share(kb, history, engineer_id, v.quarter) for v in views], 100.0),
    ]


def _trend_drawer(quarters: list[str], series: list[Series]) -> Callable[[], bytes | None]:
    return lambda: kpi_trend_chart(quarters, series)


def _touched(files: tuple[str, ...], shown: int = 4) -> Markup:
    """A commit's data files for the "recent changes" table: the first few, then how many more."""
    cells = [text(f) for f in files[:shown]]
    if len(files) > shown:
        cells.append(f"等 {len(files)} 个文件")
    return Markup("<br>".join(cells))


def _transition_page(env: Environment, s: SiteInput, clients: list[Client]) -> str:
    p = s.kb.policy
    effective = p.effective_on if p else None
    months = p.transition_months if p else None
    end = period_end(effective, months) if effective and months is not None else None  # inclusive (§10.3)
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
                        "plan": join(
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
                        # §10.4: a C-class client's outcome and its date; a B-class client's tracking meeting
                        "outcome": _outcome_cell(c),
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


def _outcome_cell(c: Client) -> str:
    t = c.transition
    if t is None:
        return "—"
    if t.klass == "C":
        chosen = {"paid-service": "额外付费服务", "return-to-standard": "服务模式回归计划"}.get(t.outcome or "")
        return f"{chosen}，{t.return_by or '?'} 起" if chosen else MISSING
    if t.tracking is not None:
        return f"专项跟踪 {t.tracking.on or '?'}：{t.tracking.decision or ''}"
    return "—"


def _routing_pages(env: Environment, s: SiteInput) -> dict[str, str | bytes]:
    """The routing page — the service desk's table and who takes tickets today — and the same
    table as ``kb export routing`` writes it (routing.csv, routing.json), to download."""
    kb, today = s.kb, s.today
    try:
        table = routing.table(kb, today)
        hours = routing.service_hours(kb.policy)
        cal = kb.work_calendar() if kb.policy else None
        at = dt.datetime.combine(today, hours.start, tzinfo=CHINA)
        now = {r.client.id: routing.route(kb, cal, r.client, at) for r in table} if cal else {}
    except routing.RoutingProblem as exc:
        return {"routing.md": env.get_template("routing.md.j2").render(problem=exc.message.zh, rows=[], today=today)}
    workday = next(iter(now.values())).workday if now else True
    rows = []
    for r in table:
        c = r.client
        today_route = now.get(c.id)
        if today_route is None or not workday:
            on_duty = "—"
        elif today_route.assignee is None:
            on_duty = "标准流程（轮询）"
        else:
            on_duty = kb.engineer_name(today_route.assignee) + (
                "（备份）" if today_route.mode == routing.BACKUP else ""
            )
        rows.append(
            {
                "client": link(c.name or c.id, f"clients/{c.folder}.md"),
                "status": STATUS.get(c.status or "", c.status or "—"),
                "priority": r.priority.label.zh,
                "route": "专属工程师" if r.route == routing.DEDICATED else "标准流程（轮询）",
                "engineer": kb.engineer_name(r.engineer) if r.engineer else "—",
                "backup": kb.engineer_name(r.backup) if r.backup else "—",
                "today": on_duty,
                "leave": join(
                    [
                        f"{w.start}～{w.end} → {kb.engineer_name(w.covered_by) if w.covered_by else '标准流程'}"
                        for w in r.leave
                    ],
                    "；",
                )
                or "—",
                "interface": (c.account_manager.name or "—") if c.account_manager else "—",
            }
        )
    page = env.get_template("routing.md.j2").render(
        rows=rows,
        hours=hours.label().zh,
        today=today,
        workday=workday,
        levels=[p.label.zh for p in sorted(routing.PRIORITIES.values(), key=lambda p: p.rank)],
    )
    return {
        "routing.md": page,
        "routing.csv": routing_table.to_csv(kb, table).encode("utf-8-sig"),
        "routing.json": routing_table.to_json(kb, table, today),
    }


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


def copy_plan(root: Path, kb: KB, withheld: Withheld = NOTHING) -> dict[str, dict[str, str]]:
    """Attachments to publish: for each client folder, {path in the dossier: path under its page folder}.
    Only regular files inside the KB (a link out of it, a FIFO or a device is never copied) and
    none that the secret scan flagged (``withheld``)."""
    out: dict[str, dict[str, str]] = {}
    for c in kb.clients.values():
        paths = [x.path for x in (c.knowledge_base.attachments if c.knowledge_base else ()) if x.path]
        for h in c.handoffs:
            if h.report:
                paths += [*h.report.logs, *h.report.screenshots]
        for p in paths:
            pp = PurePosixPath(p)
            if pp.is_absolute() or ".." in pp.parts or withheld.covers(f"clients/{c.folder}/{pp}"):
                continue
            rel = f"clients/{c.folder}/{pp}"
            if not (kb.tree.inside(rel) if kb.tree is not None else boundary.inside(root, root / rel)).readable:
                continue
            out.setdefault(c.folder, {})[p] = str(pp)
    return out
