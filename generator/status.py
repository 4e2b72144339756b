"""The terminal scorecard of ``kb status``: rich tables built from the model and the findings.

Pure: model and findings in, renderables out; the command layer prints them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .facts import ACTIVE, kb_completeness, served_by
from .finding import Finding, Lang, Msg, Severity
from .labels import STATUS, TIER
from .model import KB, Client, Engineer
from .rules import all_rules

_ELIGIBILITY_RULES = ("eng.level", "eng.tenure", "eng.certs", "eng.products", "eng.pool")
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SEV_NAME = {
    Severity.ERROR: Msg("错误", "error"),
    Severity.WARNING: Msg("警告", "warning"),
    Severity.INFO: Msg("提示", "info"),
}


def _counts(findings: Sequence[Finding], prefix: str) -> Counter[Severity]:
    return Counter(f.severity for f in findings if f.file == prefix or f.file.startswith(prefix + "/"))


def _count_cells(n: Counter[Severity]) -> list[Text]:
    return [Text(str(n[s]) if n[s] else "·", style=_STYLE[s] if n[s] else "dim") for s in Severity]


def _pct(c: Client) -> Text:
    pct = kb_completeness(c)
    style = "green" if pct == 100 else "yellow" if pct >= 50 else "red"
    return Text(f"{pct}%", style=style)


def _eligibility(e: Engineer, findings: Sequence[Finding], serving: bool, lang: Lang) -> Text:
    mine = [f for f in findings if f.file == e.where.file and f.rule in _ELIGIBILITY_RULES]
    failed = sorted({f.rule.removeprefix("eng.") for f in mine if f.severity is Severity.ERROR})
    if failed:
        return Text(("不合格：" if lang == "zh" else "not eligible: ") + ", ".join(failed), style="bold red")
    appointed = e.pool is not None and e.pool.appointment is not None
    if not appointed and not serving:
        pending = [f for f in mine if f.severity is Severity.WARNING]
        word = Msg("待评估（不满足 §4.1）", "pending (fails §4.1)") if pending else Msg("未入池", "not in pool")
        return Text(word(lang), style="dim" if not pending else "yellow")
    if any(f.severity is Severity.WARNING for f in mine):
        return Text(Msg("合格（有提醒）", "eligible (see warnings)")(lang), style="yellow")
    return Text(Msg("合格", "eligible")(lang), style="green")


def overview(kb: KB, findings: Sequence[Finding], today: dt.date, lang: Lang) -> RenderableType:
    """Per client: tier, engineer, KB completeness, findings by severity; per engineer: load and eligibility."""
    t = Msg
    total = Counter(f.severity for f in findings)
    head = Text(
        t(
            f"知识库概览（{today}）：{len(kb.clients)} 个客户，{len(kb.engineers)} 名工程师；",
            f"KB overview ({today}): {len(kb.clients)} clients, {len(kb.engineers)} engineers; ",
        )(lang)
    )
    for s in Severity:
        head.append(f"{total[s]} {_SEV_NAME[s](lang)}  ", style=_STYLE[s] if total[s] else "dim")

    clients = Table(title=t("客户", "Clients")(lang), title_justify="left", show_lines=False)
    for col in (
        t("客户", "client"),
        t("状态", "status"),
        t("级别", "tier"),
        t("专属工程师", "engineer"),
        t("知识库", "KB"),
        *_SEV_NAME.values(),
    ):
        clients.add_column(col(lang), justify="right" if col in (t("知识库", "KB"), *_SEV_NAME.values()) else "left")
    order = list(STATUS)
    for c in sorted(kb.clients.values(), key=lambda c: (order.index(c.status) if c.status in order else 9, c.id)):
        engineer = c.assignment.engineer if c.assignment else None
        clients.add_row(
            f"{c.name or ''} [dim]{c.id}[/dim]",
            STATUS[c.status](lang) if c.status in STATUS else str(c.status),
            TIER[c.tier](lang) if c.tier in TIER else "—",
            kb.engineer_name(engineer) if engineer else "—",
            _pct(c) if c.status in ACTIVE else Text("—", style="dim"),
            *_count_cells(_counts(findings, f"clients/{c.folder}")),
        )

    limit = kb.policy.max_clients if kb.policy else None
    serving = served_by(kb)
    engineers = Table(title=t("工程师", "Engineers")(lang), title_justify="left")
    for col in (
        t("工程师", "engineer"),
        t("级别", "level"),
        t("负载", "load"),
        t("资格（§4.1）", "eligibility (§4.1)"),
        *_SEV_NAME.values(),
    ):
        engineers.add_column(col(lang))
    for e in sorted(kb.engineers.values(), key=lambda e: (-len(serving.get(e.id, [])), e.id)):
        n = len(serving.get(e.id, []))
        load = Text(
            f"{n}/{limit}" if limit else str(n),
            style="bold red" if limit and n > limit else "yellow" if limit and n == limit else "",
        )
        engineers.add_row(
            f"{e.name or ''} [dim]{e.id}[/dim]",
            e.level or "—",
            load,
            _eligibility(e, findings, bool(n), lang),
            *_count_cells(_counts(findings, e.where.file)),
        )
    return Group(head, Text(""), clients, Text(""), engineers)


def client_detail(kb: KB, c: Client, findings: Sequence[Finding], lang: Lang) -> RenderableType:
    """One client's card and its findings grouped by policy section."""
    t = Msg
    a = c.assignment
    card = Table.grid(padding=(0, 2))
    card.add_column(style="bold")
    card.add_column()
    card.add_row(t("客户", "client")(lang), f"{c.name or ''} ({c.id})")
    card.add_row(t("状态", "status")(lang), STATUS[c.status](lang) if c.status in STATUS else str(c.status))
    card.add_row(t("级别", "tier")(lang), TIER[c.tier](lang) if c.tier in TIER else "—")
    card.add_row(t("专属工程师", "engineer")(lang), kb.engineer_name(a.engineer) if a and a.engineer else "—")
    card.add_row(t("备份工程师", "backup")(lang), kb.engineer_name(a.backup) if a and a.backup else "—")
    card.add_row(t("接口人", "interface")(lang), c.account_manager.name or "—" if c.account_manager else "—")
    card.add_row(t("知识库完善度", "KB completeness")(lang), _pct(c))
    mine = [f for f in findings if f.file.startswith(f"clients/{c.folder}/")]
    sections = {r.id: r.section for r in all_rules()}
    groups: dict[str, list[Finding]] = {}
    for f in mine:
        groups.setdefault(sections.get(f.rule, "—"), []).append(f)
    parts: list[RenderableType] = [card, Text("")]
    if not mine:
        parts.append(Text(t("没有发现问题。", "No findings.")(lang), style="green"))

    def section_key(s: str) -> tuple[int, ...]:
        digits = [int(x) for x in s.lstrip("§").split(".") if x.isdigit()]
        return tuple(digits) if digits else (999,)

    for section in sorted(groups, key=section_key):
        table = Table(
            title=(t("政策 ", "policy ")(lang) + section)
            if section != "—"
            else t("文件与引用", "files and references")(lang),
            title_justify="left",
            show_header=True,
        )
        table.add_column(t("级别", "severity")(lang))
        table.add_column(t("位置", "where")(lang), no_wrap=True)
        table.add_column(t("规则", "rule")(lang))
        table.add_column(t("问题", "problem")(lang))
        for f in sorted(groups[section], key=Finding.sort_key):
            table.add_row(
                Text(_SEV_NAME[f.severity](lang), style=_STYLE[f.severity]),
                f"{f.file.removeprefix(f'clients/{c.folder}/')}:{f.line}",
                f.rule,
                f.message(lang),
            )
        parts += [table, Text("")]
    return Group(*parts)
