"""``kb check``: every problem in every file, for people and CI; the exit code decides the gate."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from .. import pinning
from ..finding import Lang, Severity
from ..history import changed_since as history_changed_since
from ..report import FORMATS, github_summary, render
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EnvProblem,
    as_of_option,
    cache_note,
    day_and_commit,
    kb_root_of,
    lang_option,
    root_option,
    run_pipeline,
    say,
    selected,
    selection,
    today_option,
)


def run_check_command(
    paths: Sequence[str],
    fmt: str,
    strict: bool,
    lang: Lang,
    root: str | None,
    today: str | None,
    changed_since: str | None = None,
    as_of: str | None = None,
) -> int:
    kb_root = kb_root_of(root, lang)
    prefixes = selection(kb_root, paths, lang)
    changed: set[str] | None = None
    if changed_since:
        try:
            changed = history_changed_since(kb_root, changed_since)
        except ValueError as exc:
            raise EnvProblem(
                say(
                    lang,
                    f"无法确定自 {changed_since} 以来改动的文件：{exc}",
                    f"Cannot list the files changed since {changed_since}: {exc}",
                )
            ) from exc
    day, at = day_and_commit(kb_root, today, as_of, lang)
    outcome = run_pipeline(kb_root, day, lang, at)
    # the kb version the KB pins (requirements.txt) against this one: about the checker, said by kb check
    findings = [f for f in [*outcome.findings, *pinning.check(kb_root)] if selected(f.file, prefixes)]
    files = [f for f in outcome.kb.files if selected(f, prefixes)]
    color = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    out = render(findings, fmt, lang, files_checked=len(files), color=color)
    if out:
        click.echo(out)
    cache_note(lang, outcome.history)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_path:
        with open(summary_path, "a", encoding="utf-8") as fh:
            fh.write(github_summary(findings, lang))
    # With --changed-since only findings in the files a pull request touches decide the exit code.
    blocking = [f for f in findings if changed is None or f.file in changed]
    errors = sum(1 for f in blocking if f.severity is Severity.ERROR)
    warnings = sum(1 for f in blocking if f.severity is Severity.WARNING)
    if changed is not None and fmt == "text":
        click.echo(
            say(
                lang,
                f"按 --changed-since {changed_since}：改动的 {len(changed)} 个文件中有 {errors} 个错误决定退出码。",
                f"--changed-since {changed_since}: {errors} error(s) in the {len(changed)} changed files decide the exit code.",
            )
        )
    return EXIT_FINDINGS if errors or (strict and warnings) else EXIT_OK


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="输出格式：text（人读）、json、github（Actions 注解）、gitlab（Code Quality）",
)
@click.option("--strict", is_flag=True, help="警告也视为失败（退出码 1）")
@click.option(
    "--changed-since", metavar="REF", default=None, help="只有自 REF 以来改动的文件中的问题决定退出码（用于合并请求）"
)
@lang_option
@root_option
@today_option
@as_of_option
def check_cmd(
    paths: tuple[str, ...],
    fmt: str,
    strict: bool,
    changed_since: str | None,
    lang: Lang,
    root: str | None,
    today: str | None,
    as_of: str | None,
) -> None:
    """检查知识库中的每个文件，报告每个问题所在的文件和行。

    PATHS 限定只报告这些文件或目录中的问题（引用检查仍读取整个知识库）。
    --as-of 检查知识库在那天或那个提交时的样子。
    """
    sys.exit(run_check_command(paths, fmt, strict, lang, root, today, changed_since, as_of))
