"""``kb status``: the terminal scorecard of clients and engineers."""

from __future__ import annotations

import os
import sys

import click

from ..finding import Lang
from .common import (
    EnvProblem,
    as_of_option,
    day_and_commit,
    kb_root_of,
    lang_option,
    root_option,
    run_pipeline,
    say,
    today_option,
)


@click.command("status")
@click.argument("client_id", required=False)
@lang_option
@root_option
@today_option
@as_of_option
def status_cmd(client_id: str | None, lang: Lang, root: str | None, today: str | None, as_of: str | None) -> None:
    """终端记分卡：每个客户的级别、工程师、知识库完善度和问题数，每名工程师的负载与资格。

    给出 CLIENT_ID 时显示该客户的问题，按政策章节分组。
    """
    from rich.console import Console

    from ..status import client_detail, overview

    kb_root = kb_root_of(root, lang)
    day, at = day_and_commit(kb_root, today, as_of, lang)
    outcome = run_pipeline(kb_root, day, lang, at)
    console = Console(width=None if sys.stdout.isatty() else 140, no_color="NO_COLOR" in os.environ)
    if client_id is None:
        console.print(overview(outcome.kb, outcome.findings, day, lang))
        return
    client = outcome.kb.clients.get(client_id)
    if client is None:
        import difflib

        near = difflib.get_close_matches(client_id, list(outcome.kb.clients), n=1)
        raise EnvProblem(
            say(
                lang,
                f"没有客户“{client_id}”" + (f"，是不是想看 {near[0]}？" if near else "。"),
                f"No client '{client_id}'" + (f"; did you mean {near[0]}?" if near else "."),
            )
        )
    console.print(client_detail(outcome.kb, client, outcome.findings, lang))
