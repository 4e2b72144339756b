"""The command layer: parse options, run the pipeline, print, choose the exit code.

Exit codes: 0 no error; 1 errors (or warnings under ``--strict``); 2 usage error or an
unusable environment (not a KB, our schemas unreadable, an internal bug).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .commands.common import (
    EXIT_ENV,
    EXIT_FINDINGS,
    EXIT_OK,
    EnvProblem,
    FindingsProblem,
    find_client,
    kb_root_of,
    lang_option,
    output_option,
    root_option,
    run_pipeline,
    say,
    selected,
    selection,
    today_of,
    today_option,
    write_output,
)
from .commands.exports import export_codeowners, export_incentives
from .commands.new import new_group
from .commands.route import export_routing, route_cmd
from .finding import Lang, Msg, Severity
from .history import changed_since as history_changed_since
from .report import FORMATS, github_summary, render


def run_check_command(
    paths: Sequence[str],
    fmt: str,
    strict: bool,
    lang: Lang,
    root: str | None,
    today: str | None,
    changed_since: str | None = None,
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
    outcome = run_pipeline(kb_root, today_of(today, lang), lang)
    findings = [f for f in outcome.findings if selected(f.file, prefixes)]
    files = [f for f in outcome.kb.files if selected(f, prefixes)]
    color = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    out = render(findings, fmt, lang, files_checked=len(files), color=color)
    if out:
        click.echo(out)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
def cli() -> None:
    """专属工程师知识库：检查档案、生成站点与表单。"""


@cli.command("check")
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
def check_cmd(
    paths: tuple[str, ...],
    fmt: str,
    strict: bool,
    changed_since: str | None,
    lang: Lang,
    root: str | None,
    today: str | None,
) -> None:
    """检查知识库中的每个文件，报告每个问题所在的文件和行。

    PATHS 限定只报告这些文件或目录中的问题（引用检查仍读取整个知识库）。
    """
    sys.exit(run_check_command(paths, fmt, strict, lang, root, today, changed_since))


@cli.command("build")
@click.option("--strict", is_flag=True, help="有错误（或警告）时不发布，保留原来的 public/")
@click.option("--no-forms", is_flag=True, help="不生成 Word 表单（大知识库预览时更快）")
@lang_option
@root_option
@today_option
def build_cmd(strict: bool, no_forms: bool, lang: Lang, root: str | None, today: str | None) -> None:
    """检查、生成页面、用 MkDocs 构建站点到 public/。

    有错误时照常发布（错误显示在合规看板上），除非 --strict。构建失败时保留原来的 public/。
    """
    from .publish import BuildFailed, form_jobs, generate, mkdocs_build, write_forms

    kb_root = kb_root_of(root, lang)
    day = today_of(today, lang)
    outcome = run_pipeline(kb_root, day, lang)
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
    jobs = [] if no_forms else form_jobs(outcome, day, kb_root)
    pages = generate(kb_root, outcome, day, jobs)
    try:
        out = mkdocs_build(kb_root, add=lambda fresh: write_forms(jobs, fresh))
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


@cli.command("serve")
@click.option("--addr", default="127.0.0.1:8000", show_default=True, help="监听地址")
@lang_option
@root_option
@today_option
def serve_cmd(addr: str, lang: Lang, root: str | None, today: str | None) -> None:
    """本地预览：修改 YAML 档案后自动重新生成页面，浏览器自动刷新。"""
    import threading
    import time

    from mkdocs.commands.serve import serve

    from .publish import generate

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


def _guess_lang(args: Sequence[str]) -> Lang:
    """The language for messages printed before click has parsed --lang."""
    for i, a in enumerate(args):
        if a == "--lang=en" or (a == "--lang" and i + 1 < len(args) and args[i + 1] == "en"):
            return "en"
    return "en" if os.environ.get("KB_LANG") == "en" else "zh"


def _usage_error(exc: click.UsageError, lang: Lang) -> str:
    """Click's usage errors, said in the user's language."""
    param = getattr(exc, "param", None)
    name = "/".join(param.opts) if param is not None and param.opts else (param.name if param is not None else "")
    if isinstance(exc, click.NoSuchOption):
        near = ", ".join(exc.possibilities or ())
        detail = say(
            lang,
            f"没有选项 {exc.option_name}" + (f"（是不是想用 {near}？）" if near else ""),
            f"no such option {exc.option_name}" + (f" (did you mean {near}?)" if near else ""),
        )
    elif isinstance(exc, click.BadParameter) and param is not None and isinstance(param.type, click.Choice):
        choices = ", ".join(map(str, param.type.choices))
        detail = say(lang, f"{name} 的值无效，可选：{choices}", f"invalid value for {name}; choose from {choices}")
    elif isinstance(exc, click.MissingParameter):
        detail = say(lang, f"缺少参数 {name}", f"missing {name}")
    elif exc.message.startswith("No such command"):
        detail = say(
            lang, f"没有这个命令：{exc.message.split(chr(39))[1] if chr(39) in exc.message else ''}", exc.message
        )
    else:
        detail = exc.format_message()
    command = exc.ctx.command_path if exc.ctx is not None else "kb"
    return say(
        lang,
        f"kb：用法错误：{detail}\n运行“{command} --help”查看用法。",
        f"kb: usage error: {detail}\nRun '{command} --help' for usage.",
    )


@cli.command("status")
@click.argument("client_id", required=False)
@lang_option
@root_option
@today_option
def status_cmd(client_id: str | None, lang: Lang, root: str | None, today: str | None) -> None:
    """终端记分卡：每个客户的级别、工程师、知识库完善度和问题数，每名工程师的负载与资格。

    给出 CLIENT_ID 时显示该客户的问题，按政策章节分组。
    """
    from rich.console import Console

    from .status import client_detail, overview

    kb_root = kb_root_of(root, lang)
    day = today_of(today, lang)
    outcome = run_pipeline(kb_root, day, lang)
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


_CHANGE_WORDS = {"added": Msg("新增", "added"), "removed": Msg("删除", "removed"), "changed": Msg("修改", "changed")}


@cli.command("history")
@click.argument("client_id")
@click.argument("section", required=False)
@lang_option
@root_option
def history_cmd(client_id: str, section: str | None, lang: Lang, root: str | None) -> None:
    """一个客户档案（或其中一节，如 contacts、contract）的变更时间线：日期、作者、提交、改了哪些键。"""
    from rich.console import Console
    from rich.table import Table

    from .history import read_history

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


@cli.group("export")
def export_group() -> None:
    """导出：Word 表单（申请表、知识库手册、问题定界分析报告、空白表单）、工单路由表、保有奖励报表、CODEOWNERS。"""


@export_group.command("application")
@click.argument("client_id")
@output_option
@lang_option
@root_option
@today_option
def export_application(client_id: str, output: str | None, lang: Lang, root: str | None, today: str | None) -> None:
    """《专属工程师服务申请表》，由客户档案填好；缺的必填项标为【缺】。"""
    from .render import forms

    outcome = run_pipeline(kb_root_of(root, lang), today_of(today, lang), lang)
    c = find_client(outcome, client_id, lang)
    write_output(
        forms.render_application(outcome.kb, c), forms.default_filename("application", c.name or c.id), output, lang
    )


@export_group.command("kb")
@click.argument("client_id")
@output_option
@lang_option
@root_option
@today_option
def export_kb(client_id: str, output: str | None, lang: Lang, root: str | None, today: str | None) -> None:
    """《客户运维知识库》手册：封面、目录、六个部分和网络拓扑图。"""
    from .render import forms

    day = today_of(today, lang)
    outcome = run_pipeline(kb_root_of(root, lang), day, lang)
    c = find_client(outcome, client_id, lang)
    write_output(forms.render_kb(outcome.kb, c, day), forms.default_filename("kb", c.name or c.id), output, lang)


@export_group.command("handoff")
@click.argument("client_id")
@click.argument("task_id")
@output_option
@lang_option
@root_option
@today_option
def export_handoff(
    client_id: str, task_id: str, output: str | None, lang: Lang, root: str | None, today: str | None
) -> None:
    """《问题定界分析报告》：一个跨部门协同任务（§6）。"""
    from .render import forms

    outcome = run_pipeline(kb_root_of(root, lang), today_of(today, lang), lang)
    c = find_client(outcome, client_id, lang)
    h = next((x for x in c.handoffs if x.task_id == task_id), None)
    if h is None:
        known = "、".join(x.task_id or "?" for x in c.handoffs) or say(lang, "（无）", "(none)")
        raise EnvProblem(
            say(
                lang,
                f"客户 {client_id} 没有任务“{task_id}”；已有：{known}",
                f"Client {client_id} has no task '{task_id}'; known: {known}",
            )
        )
    write_output(
        forms.render_handoff(outcome.kb, c, h), forms.default_filename("handoff", c.name or c.id, task_id), output, lang
    )


@export_group.command("blank")
@click.argument("kind", type=click.Choice(["application", "kb", "handoff"]))
@output_option
@lang_option
def export_blank(kind: str, output: str | None, lang: Lang) -> None:
    """空白表单：销售、客户成功在 Word/WPS 中填写，再用 kb import 导回。"""
    from .render import forms

    write_output(forms.render_blank(kind), forms.default_filename(kind, None), output, lang)  # type: ignore[arg-type]


@cli.group("import")
def import_group() -> None:
    """把填好的 Word 表单导回为档案。"""


@import_group.command("application")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="覆盖已有的档案")
@lang_option
@root_option
@today_option
def import_application_cmd(file: str, force: bool, lang: Lang, root: str | None, today: str | None) -> None:
    """读入填好的《专属工程师服务申请表》，写出 clients/<id>/client.yml，再检查它。

    不会覆盖已有档案（除非 --force）；读不出的内容逐条列出。
    """
    from .importer import import_application

    kb_root = kb_root_of(root, lang)
    source = Path(file)
    if source.stat().st_size > 20 * 1024 * 1024:
        raise EnvProblem(
            say(lang, f"{file} 超过 20 MB，不像是一份申请表。", f"{file} is over 20 MB; not an application form.")
        )
    try:
        path, problems = import_application(kb_root, source.read_bytes(), force=force)
    except OSError as exc:
        raise EnvProblem(say(lang, f"无法写入档案：{exc}", f"Cannot write the dossier: {exc}")) from exc
    for p in problems:
        click.echo(p.render(lang) if hasattr(p, "render") else str(p), err=True)
    if path is None:
        sys.exit(EXIT_FINDINGS)
    click.echo(
        say(lang, f"已写入 {path.relative_to(kb_root)}；检查结果：", f"Wrote {path.relative_to(kb_root)}; check:")
    )
    rel = path.relative_to(kb_root).as_posix()
    sys.exit(run_check_command((str(path),), "text", False, lang, str(kb_root), today) if rel else EXIT_OK)


# Commands that live in their own modules (generator/commands/<verb>.py).
cli.add_command(new_group)
cli.add_command(route_cmd)
export_group.add_command(export_routing)
export_group.add_command(export_incentives)
export_group.add_command(export_codeowners)


def main(argv: Sequence[str] | None = None) -> Any:
    """Console entry point: no traceback ever reaches the user."""
    args = list(argv) if argv is not None else sys.argv[1:]
    lang = _guess_lang(args)
    try:
        cli.main(args=args, prog_name="kb", standalone_mode=False)
    except click.UsageError as exc:
        click.echo(_usage_error(exc, lang), err=True)
        sys.exit(EXIT_ENV)
    except click.Abort:
        sys.exit(1)
    except EnvProblem as exc:
        click.echo(say(lang, f"kb：{exc}", f"kb: {exc}"), err=True)
        sys.exit(EXIT_ENV)
    except FindingsProblem as exc:
        click.echo(say(lang, f"kb：{exc}", f"kb: {exc}"), err=True)
        sys.exit(EXIT_FINDINGS)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for KB_DEBUG
        if type(exc).__name__ == "FormTemplateError":  # a KB's own Word template is broken: not our bug
            click.echo(say(lang, f"kb：Word 模板有问题：{exc}", f"kb: a Word template is broken: {exc}"), err=True)
            sys.exit(EXIT_ENV)
        if os.environ.get("KB_DEBUG"):
            traceback.print_exc()
        click.echo(
            say(
                lang,
                f"kb：内部错误（{type(exc).__name__}: {exc}）。请设置 KB_DEBUG=1 重试并报告。",
                f"kb: internal error ({type(exc).__name__}: {exc}). Re-run with KB_DEBUG=1 and report it.",
            ),
            err=True,
        )
        sys.exit(EXIT_ENV)
