"""``kb build`` (check, pages, MkDocs, Word forms into public/) and ``kb serve`` (live preview)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import boundary
from ..finding import Lang, Severity
from ..report import render
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
    today_of,
    today_option,
)

if TYPE_CHECKING:
    from ..pipeline import Outcome


@click.command("build")
@click.option("--strict", is_flag=True, help="有错误（或警告）时不发布，保留原来的 public/")
@click.option("--no-forms", is_flag=True, help="不生成 Word 表单（大知识库预览时更快）")
@lang_option
@root_option
@today_option
@as_of_option
def build_cmd(
    strict: bool,
    no_forms: bool,
    lang: Lang,
    root: str | None,
    today: str | None,
    as_of: str | None = None,
) -> None:
    """检查、生成页面、用 MkDocs 构建站点到 public/。

    有错误时照常发布（错误显示在合规看板上），除非 --strict。构建失败时保留原来的 public/。
    """
    from ..staging import Stopped, stop_on_signals

    kb_root = kb_root_of(root, lang)
    day, at = day_and_commit(kb_root, today, as_of, lang)
    try:
        with stop_on_signals():
            _build(kb_root, day, strict, no_forms, lang, at=at)
    except Stopped as stop:  # every temporary folder was removed on the way out; public/ is whole
        click.echo(
            say(
                lang,
                f"kb：收到 {stop.name}，构建已中止：临时文件已清理，public/ 保持不变。",
                f"kb: {stop.name} received, build stopped: temporary files removed, public/ unchanged.",
            ),
            err=True,
        )
        sys.exit(128 + stop.signum)


def _build(
    kb_root: Path,
    day: dt.date,
    strict: bool,
    no_forms: bool,
    lang: Lang,
    at: str | None = None,
) -> None:
    from ..publish import BuildFailed, PictureCache, form_jobs, generate, mkdocs_build, tidy, write_forms

    tidy(kb_root)  # a build stopped last time (even by kill -9) may have left a swap half done
    outcome = run_pipeline(kb_root, day, lang, at)
    findings = outcome.findings
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    click.echo(
        render(
            findings,
            "text",
            lang,
            files_checked=len(outcome.kb.files),
            color=sys.stdout.isatty() and "NO_COLOR" not in os.environ,
        )
    )
    if strict and (errors or warnings):
        click.echo(
            say(
                lang,
                "kb：--strict：有错误或警告，未发布，public/ 保持不变。",
                "kb: --strict: errors or warnings found; nothing published, public/ unchanged.",
            ),
            err=True,
        )
        sys.exit(EXIT_FINDINGS)
    if not (kb_root / "mkdocs.yml").is_file():
        click.echo(
            say(
                lang,
                "kb：这个知识库没有 mkdocs.yml，只做了检查，没有生成站点（从本仓库复制 mkdocs.yml 和 site/ 即可发布）。",
                "kb: this KB has no mkdocs.yml: checked only, no site built (copy mkdocs.yml and site/ from this repository).",
            ),
            err=True,
        )
        sys.exit(EXIT_FINDINGS if errors else EXIT_OK)
    refused = boundary.site_refusals(kb_root, findings)
    if refused:  # MkDocs follows links in the docs folder: it would publish what lies outside the KB
        click.echo(
            say(
                lang,
                f"kb：站点目录中有 {len(refused)} 处指向知识库之外的链接或特殊文件（见上面的 boundary 错误），"
                "未发布，public/ 保持不变。",
                f"kb: the site folders hold {len(refused)} link(s) out of the KB or special file(s) (the boundary "
                "errors above): nothing published, public/ unchanged.",
            ),
            err=True,
        )
        sys.exit(EXIT_FINDINGS)
    pictures = PictureCache(kb_root)
    jobs = [] if no_forms else form_jobs(outcome, day, kb_root, pictures)
    pages = generate(kb_root, outcome, day, jobs, pictures)
    try:
        feeds = calendar_feeds(outcome, day)
        out = mkdocs_build(kb_root, add=lambda fresh: (write_forms(jobs, fresh), write_feeds(feeds, fresh)))
    except BuildFailed as exc:
        raise EnvProblem(
            say(
                lang, f"站点构建失败，public/ 保持不变：\n{exc}", f"The site build failed; public/ is unchanged:\n{exc}"
            )
        ) from exc
    click.echo(
        say(
            lang,
            f"已生成 {pages} 个页面和图片、{len(jobs)} 份 Word 表单，站点已发布到 {out}（错误 {errors} 个，见合规看板）。",
            f"Generated {pages} pages and pictures and {len(jobs)} Word forms; the site is in {out} "
            f"({errors} errors, see the compliance dashboard).",
        )
    )
    cache_note(lang, outcome.history, pictures.note())


def calendar_feeds(outcome: Outcome, day: dt.date) -> dict[str, bytes]:
    """public/calendar/*.ics: every dated deadline (the list kb remind reads), all.ics and one feed
    per engineer (generator/render/ics.py)."""
    from .. import remind
    from ..render import ics
    from .remind import rule_sections

    return ics.feeds(outcome.kb, remind.deadlines(outcome.kb, outcome.findings, rule_sections()), day)


def write_feeds(feeds: Mapping[str, bytes], dest: Path) -> int:
    """The feeds into ``dest/calendar/`` — ``dest`` is the fresh site folder before it is swapped in."""
    folder = dest / "calendar"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in feeds.items():
        (folder / name).write_bytes(data)
    return len(feeds)


@click.command("serve")
@click.option("--addr", default="127.0.0.1:8000", show_default=True, help="监听地址")
@lang_option
@root_option
@today_option
def serve_cmd(addr: str, lang: Lang, root: str | None, today: str | None) -> None:
    """本地预览：修改 YAML 档案后自动重新生成页面，浏览器自动刷新。"""
    import threading
    import time

    from mkdocs.commands.serve import serve

    from ..publish import generate

    kb_root = kb_root_of(root, lang)

    def regenerate() -> None:
        day = today_of(today, lang)
        outcome = run_pipeline(kb_root, day, lang)
        generate(kb_root, outcome, day)
        n = sum(1 for f in outcome.findings if f.severity is Severity.ERROR)
        click.echo(say(lang, f"kb：已重新生成页面（{n} 个错误）。", f"kb: pages regenerated ({n} errors)."))

    def stamp() -> dict[str, float]:
        return {
            str(p): p.stat().st_mtime for top in ("clients", "engineers") for p in (kb_root / top).rglob("*.yml")
        } | ({"policy.yml": (kb_root / "policy.yml").stat().st_mtime} if (kb_root / "policy.yml").exists() else {})

    def watch() -> None:
        seen = stamp()
        while True:
            time.sleep(1)
            now = stamp()
            if now != seen:
                seen = now
                try:
                    regenerate()
                except Exception as exc:  # keep serving; say what went wrong
                    click.echo(f"kb: {exc}", err=True)

    regenerate()
    threading.Thread(target=watch, daemon=True).start()
    os.chdir(kb_root)  # mkdocs.yml's relative paths (snippets, jieba dictionary) are from the KB root
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    serve(config_file=str(kb_root / "mkdocs.yml"), dev_addr=addr, livereload=True)
