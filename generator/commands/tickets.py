"""``kb import tickets FILE.csv|FILE.xlsx``: a ticket-system export → ``kpis/<YYYY-Qn>.yml`` per
quarter (aggregates only, generator/tickets.py computes them; this layer reads, prints, writes)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from ..finding import Finding, Lang
from ..importer.table import scan_table
from ..load import load_bytes
from ..pipeline import find_schemas
from ..policy import TICKET_COLUMNS
from ..schemas import SchemaSet
from ..tickets import REQUIRED, quarters, read_tickets, to_yaml
from ..validate import validate
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    kb_root_of,
    lang_option,
    read_only_model,
    root_option,
    say,
    write_text_atomic,
)

_ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带 BOM）", "gb18030": "GB18030/GBK", "utf-16": "UTF-16"}


@click.command("tickets")
@click.argument("export", type=click.Path(dir_okay=False))
@click.option("--sheet", default=None, help="XLSX 的工作表名（默认第一个）")
@click.option("--force", is_flag=True, help="替换已导入的季度（并显示差异）")
@root_option
@lang_option
def import_tickets_cmd(export: str, sheet: str | None, force: bool, root: str | None, lang: Lang) -> None:
    """把工单系统导出的 CSV/XLSX 计算为每季度的绩效指标 kpis/<YYYY-Qn>.yml（只写汇总数字：
    工单数、平均/中位解决时长、满意度、专人处理率）。列名取自 policy.yml 的 tickets.columns。
    有误的行逐行报告（文件:行），不计入指标，退出码 1。"""
    sys.exit(import_tickets(export, sheet, force, root, lang))


def _show(f: Finding, lang: Lang) -> None:
    click.echo(f"{f.file}:{f.line}:{f.column}: {f.severity.value} {f.rule} {f.message(lang)}", err=True)
    if f.hint(lang):
        click.echo(f"    {say(lang, '提示：', 'hint: ')}{f.hint(lang)}", err=True)


def import_tickets(export: str, sheet: str | None, force: bool, root: str | None, lang: Lang) -> int:
    kb_root = kb_root_of(root, lang)
    kb = read_only_model(kb_root, lang).kb
    columns = dict(kb.policy.ticket_columns) if kb.policy is not None else dict(TICKET_COLUMNS)
    table = scan_table(export, columns, required=REQUIRED, display=export, sheet=sheet)
    read = read_tickets(table, kb, columns)  # one pass over the rows, none of them kept
    if read.refused is not None:
        for f in read.refused.findings:
            _show(f, lang)
        click.echo(say(lang, "导出文件无法读取：什么也没有写。", "The export cannot be read: nothing written."), err=True)
        return EXIT_FINDINGS
    tickets, bad = read.tickets, read.findings
    for f in bad:
        _show(f, lang)
    skipped = len({f.line for f in bad})
    figures = quarters(read, kb)
    name = Path(export).name
    plans: list[tuple[str, Path, str, str | None]] = []
    for q, fig in figures.items():
        target = kb_root / "kpis" / f"{q}.yml"
        body = to_yaml(fig, name, table.sha256, read.row_count, skipped)
        _check_written(kb_root, f"kpis/{q}.yml", body)
        try:
            old = target.read_text(encoding="utf-8") if target.exists() else None
        except (OSError, UnicodeDecodeError):
            old = ""
        plans.append((q, target, body, old))
    refused = [p for p in plans if p[3] is not None and p[3] != p[2] and not force]
    for q, _target, body, old in plans:
        if old is not None and old != body:
            rel = f"kpis/{q}.yml"
            click.echo("".join(difflib.unified_diff(old.splitlines(True), body.splitlines(True), f"a/{rel}", f"b/{rel}")))
    if refused:
        for q, *_ in refused:
            click.echo(say(lang, f"kpis/{q}.yml 已导入过：加 --force 替换（差异见上）。什么也没有写。",
                           f"kpis/{q}.yml was imported already: add --force to replace it (the diff is above). "
                           "Nothing written."), err=True)
        return EXIT_FINDINGS
    written = []
    for q, target, body, old in plans:
        if old == body:
            continue
        write_text_atomic(target, body, lang)
        written.append(q)
    enc = _ENCODINGS.get(table.encoding or "", table.encoding or "")
    how = say(lang, f"编码 {enc}", f"encoding {table.encoding}") if table.encoding else say(lang, f"工作表「{table.sheet}」", f"sheet {table.sheet!r}")
    per_q = say(lang, "，".join(f"{q} {figures[q].tickets} 张" for q in figures), ", ".join(f"{q}: {figures[q].tickets}" for q in figures))
    click.echo(say(
        lang,
        f"{export}：{read.row_count} 行（{how}），计入 {len(tickets)} 张工单（{per_q or '无'}），"
        f"{skipped} 行有误未计入。" + (f"已写入 {'、'.join(f'kpis/{q}.yml' for q in written)}。" if written else "没有需要更新的文件。"),
        f"{export}: {read.row_count} rows ({how}), {len(tickets)} tickets counted ({per_q or 'none'}), "
        f"{skipped} bad rows left out. " + (f"Wrote {', '.join(f'kpis/{q}.yml' for q in written)}." if written else "Nothing to update."),
    ))
    return EXIT_FINDINGS if bad else EXIT_OK


def _check_written(kb_root: Path, rel: str, body: str) -> None:
    """What we are about to write must read back through our own loader and schema."""
    item = load_bytes(body.encode("utf-8"), rel)
    data, problems = validate(item, "kpis", SchemaSet.from_dir(find_schemas(kb_root)))
    if data is None or problems or item.findings:
        raise RuntimeError(f"{rel} would not read back: {[f.message.en for f in (*item.findings, *problems)]}")
