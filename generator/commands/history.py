"""``kb history``: a dossier's change timeline from git."""

from __future__ import annotations

import os
import sys

import click

from ..finding import Lang, Msg
from .common import (
    EnvProblem,
    kb_root_of,
    lang_option,
    root_option,
    say,
)

_CHANGE_WORDS = {"added": Msg("新增", "added"), "removed": Msg("删除", "removed"), "changed": Msg("修改", "changed")}


@click.command("history")
@click.argument("client_id")
@click.argument("section", required=False)
@lang_option
@root_option
def history_cmd(client_id: str, section: str | None, lang: Lang, root: str | None) -> None:
    """一个客户档案（或其中一节，如 contacts、contract）的变更时间线：日期、作者、提交、改了哪些键。"""
    from rich.console import Console
    from rich.table import Table

    from ..history import read_history

    kb_root = kb_root_of(root, lang)
    file = f"clients/{client_id}/client.yml"
    if not (kb_root / file).is_file():
        raise EnvProblem(
            say(lang, f"没有客户“{client_id}”（找不到 {file}）。", f"No client '{client_id}' ({file} is missing).")
        )
    hist = read_history(kb_root)
    if hist.problem is not None:
        raise EnvProblem(hist.problem(lang))
    rows = []
    for commit, diff in hist.changes(file):
        keys = {
            k: v
            for k, v in diff.items()
            if section is None or k == section or k.startswith((f"{section}.", f"{section}["))
        }
        if section is not None and not keys:
            continue
        if section is None:  # the whole dossier: one line per top-level section
            keys = {k: v for k, v in keys.items() if "." not in k and "[" not in k}
        what = "；".join(f"{k} {_CHANGE_WORDS[v](lang)}" for k, v in keys.items()) or say(
            lang, "（仅格式变化）", "(formatting only)"
        )
        rows.append((commit, what))
    table = Table(title=f"{file}" + (f" · {section}" if section else ""), title_justify="left")
    for col in (
        Msg("日期", "date"),
        Msg("提交", "commit"),
        Msg("作者", "author"),
        Msg("说明", "message"),
        Msg("变更", "changes"),
    ):
        table.add_column(col(lang), overflow="fold")
    for commit, what in rows:
        table.add_row(commit.when.strftime("%Y-%m-%d %H:%M"), commit.sha[:8], commit.author, commit.subject, what)
    console = Console(width=None if sys.stdout.isatty() else 160, no_color="NO_COLOR" in os.environ)
    if not rows:
        console.print(say(lang, "没有找到提交记录。", "No commits found."))
    else:
        console.print(table)
    if file in hist.dirty:
        console.print(
            say(
                lang,
                "注意：该文件有未提交的修改，不在上表中。",
                "Note: the file has uncommitted changes, not shown above.",
            )
        )
