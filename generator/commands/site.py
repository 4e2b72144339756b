"""``kb build`` (check, pages, MkDocs, Word forms into public/) and ``kb serve`` (live preview)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Mapping
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

ENGINE_CHOICES = ("mkdocs", "zensical")  # generator.publish.ENGINES (not imported here: kb --help stays fast)
TEAM_DIR = "public-team"  # --audience both: the full site beside the staff one in public/

engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINE_CHOICES),
    default=None,
    help='站点引擎：mkdocs（默认）或 zensical（pip install -e ".[zensical]"）',
)


def _engine_of(engine: str | None, lang: Lang) -> str:
    """The engine asked for (else the default), installed: a missing one is exit 2 with the fix."""
    from ..publish import DEFAULT_ENGINE, engine_available

    chosen = engine or DEFAULT_ENGINE
    if not engine_available(chosen):
        raise EnvProblem(
            say(
                lang,
                f'kb：没有安装 {chosen}：请先运行 pip install -e ".[{chosen}]"（在 kb 的仓库目录中），'
                f'或 pip install "kb-dedicated-engineer[{chosen}]"；也可以不加 --engine，用默认的 MkDocs。',
                f'kb: {chosen} is not installed: run pip install -e ".[{chosen}]" (in kb\'s repository) or '
                f'pip install "kb-dedicated-engineer[{chosen}]"; or build without --engine (MkDocs, the default).',
            )
        )
    return chosen


@click.command("build")
@click.option("--strict", is_flag=True, help="有错误（或警告）时不发布，保留原来的 public/")
@click.option("--no-forms", is_flag=True, help="不生成 Word 表单（大知识库预览时更快）")
@engine_option
@click.option(
    "--audience",
    type=click.Choice(("team", "staff", "both")),
    default="team",
    show_default=True,
    help="team：完整站点；staff：手机号、电话、邮箱等个人信息打码（全员可看）；"
    f"both：staff 站点到 public/、完整站点到 {TEAM_DIR}/（由 Web 服务器限制访问）",
)
@lang_option
@root_option
@today_option
@as_of_option
def build_cmd(
    strict: bool,
    no_forms: bool,
    engine: str | None,
    audience: str,
    lang: Lang,
    root: str | None,
    today: str | None,
    as_of: str | None = None,
) -> None:
    """检查、生成页面、用 MkDocs（或 --engine zensical）构建站点到 public/。

    有错误时照常发布（错误显示在合规看板上），除非 --strict。构建失败时保留原来的 public/。
    --audience staff 把 schema 中标为个人信息的值（x-personal）打码后发布。
    """
    from ..staging import Stopped, stop_on_signals

    kb_root = kb_root_of(root, lang)
    day, at = day_and_commit(kb_root, today, as_of, lang)
    chosen = _engine_of(engine, lang)
    try:
        with stop_on_signals():
            _build(kb_root, day, strict, no_forms, lang, chosen, audience, at=at)
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
    engine: str,
    audience: str,
    at: str | None = None,
) -> None:
    from ..publish import BuildFailed, PictureCache, Site, build_sites, form_jobs, generate, tidy, write_forms
    from ..trends import read_trends

    tidy(kb_root)  # a build stopped last time (even by kill -9) may have left a swap half done
    tidy(kb_root, TEAM_DIR)
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
    counts: list[tuple[int, int]] = []
    trends = read_trends(kb_root, day, outcome)  # the 趋势 page: month-ends from git (cached)

    def site(out_dir: str, published: Outcome, rewrite: Callable[[str], str] | None = None) -> Site:
        jobs = [] if no_forms else form_jobs(published, day, kb_root, pictures)
        return (
            out_dir,
            lambda: counts.append((generate(kb_root, published, day, jobs, pictures, rewrite, trends), len(jobs))),
            lambda fresh: (write_forms(jobs, fresh), write_feeds(calendar_feeds(published, day), fresh)),
        )

    sites: list[Site] = []
    if audience in ("staff", "both"):
        sites.append(site("public", *_staff(kb_root, outcome)))
    if audience in ("team", "both"):
        sites.append(site(TEAM_DIR if audience == "both" else "public", outcome))
    try:
        outs = build_sites(kb_root, engine, sites)
    except BuildFailed as exc:
        raise EnvProblem(
            say(
                lang, f"站点构建失败，public/ 保持不变：\n{exc}", f"The site build failed; public/ is unchanged:\n{exc}"
            )
        ) from exc
    for out, (pages, forms) in zip(outs, counts, strict=True):
        who = {"public": "staff", TEAM_DIR: "team"}.get(out.name, "") if audience == "both" else audience
        note = {"staff": ("（个人信息已打码）", " (personal data masked)"), "team": ("", "")}.get(who, ("", ""))
        click.echo(
            say(
                lang,
                f"已生成 {pages} 个页面和图片、{forms} 份 Word 表单，站点已发布到 {out}{note[0]}"
                f"（{engine}，错误 {errors} 个，见合规看板）。",
                f"Generated {pages} pages and pictures and {forms} Word forms; the site is in {out}{note[1]} "
                f"({engine}, {errors} errors, see the compliance dashboard).",
            )
        )
    cache_note(lang, outcome.history, pictures.note())


def _staff(kb_root: Path, outcome: Outcome) -> tuple[Outcome, Callable[[str], str]]:
    """The outcome the staff site is rendered from, personal data masked (generator.personal),
    and the same masking for the text attachments it copies."""
    from ..personal import mask_outcome, masker
    from ..pipeline import find_schemas
    from ..schemas import SchemaSet

    schemas = SchemaSet.from_dir(find_schemas(kb_root))
    m = masker(outcome, schemas)
    return mask_outcome(outcome, schemas), lambda text: m.text(text, "")


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
@engine_option
@click.option(
    "--audience", type=click.Choice(("team", "staff")), default="team", show_default=True, help="预览哪个站点"
)
@lang_option
@root_option
@today_option
def serve_cmd(addr: str, engine: str | None, audience: str, lang: Lang, root: str | None, today: str | None) -> None:
    """本地预览：修改 YAML 档案后自动重新生成页面，浏览器自动刷新。"""
    import threading
    import time

    from ..publish import generate

    kb_root = kb_root_of(root, lang)
    chosen = _engine_of(engine, lang)

    from ..trends import read_trends

    def regenerate() -> None:
        day = today_of(today, lang)
        outcome = run_pipeline(kb_root, day, lang)
        trends = read_trends(kb_root, day, outcome)  # past month-ends come from the cache after the first time
        if audience == "staff":
            published, rewrite = _staff(kb_root, outcome)
            generate(kb_root, published, day, rewrite=rewrite, trends=trends)
        else:
            generate(kb_root, outcome, day, trends=trends)
        n = sum(1 for f in outcome.findings if f.severity is Severity.ERROR)
        click.echo(say(lang, f"kb：已重新生成页面（{n} 个错误）。", f"kb: pages regenerated ({n} errors)."))

    def stamp() -> dict[str, float]:
        return {
            str(p): p.stat().st_mtime for top in ("clients", "engineers") for p in (kb_root / top).rglob("*.yml")
        } | ({"policy.yml": (kb_root / "policy.yml").stat().st_mtime} if (kb_root / "policy.yml").exists() else {})

    then: list[Callable[[], None]] = []  # what follows a regeneration (the built preview of an engine)

    def watch() -> None:
        seen = stamp()
        while True:
            time.sleep(1)
            now = stamp()
            if now != seen:
                seen = now
                try:
                    regenerate()
                    for step in then:
                        step()
                except Exception as exc:  # keep serving; say what went wrong
                    click.echo(f"kb: {exc}", err=True)

    regenerate()
    threading.Thread(target=watch, daemon=True).start()
    os.chdir(kb_root)  # mkdocs.yml's relative paths (snippets, jieba dictionary) are from the KB root
    if chosen == "zensical":
        _serve_built(kb_root, chosen, addr, lang, then)
        return
    from mkdocs.commands.serve import serve

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    serve(config_file=str(kb_root / "mkdocs.yml"), dev_addr=addr, livereload=True)


def _serve_built(kb_root: Path, engine: str, addr: str, lang: Lang, then: list[Callable[[], None]]) -> None:
    """The preview of an engine without a usable live server here (Zensical 0.0.x's ``serve``
    does not pick up pages rewritten under it): regenerate and rebuild into a folder of the KB
    (``.kb-serve-…``, removed on exit) on every YAML change, served as static files; reload
    the page in the browser to see a change."""
    import functools
    import http.server
    import shutil

    from ..publish import BuildFailed, rebuild_into
    from ..staging import Stopped, stop_on_signals, temp_dir

    folder = temp_dir(kb_root, "kb-serve")

    def rebuild() -> None:
        try:
            rebuild_into(kb_root, engine, folder / "site")
        except BuildFailed as exc:
            click.echo(say(lang, f"kb：站点构建失败：{exc}", f"kb: the site build failed: {exc}"), err=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    host, _, port = addr.rpartition(":")
    try:
        with stop_on_signals():
            rebuild()
            then.append(rebuild)
            handler = functools.partial(Quiet, directory=str(folder / "site"))
            server = http.server.ThreadingHTTPServer((host or "127.0.0.1", int(port)), handler)
            click.echo(
                say(
                    lang,
                    f"kb：{engine} 预览：http://{addr}/（修改档案后刷新浏览器）",
                    f"kb: {engine} preview at http://{addr}/ (reload the page after an edit)",
                )
            )
            server.serve_forever()
    except (Stopped, KeyboardInterrupt):
        pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
