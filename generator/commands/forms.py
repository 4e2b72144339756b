"""``kb export application|kb|handoff|blank`` (Word forms) and ``kb import application``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..finding import Lang
from .check import run_check_command
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EnvProblem,
    find_client,
    kb_root_of,
    lang_option,
    output_option,
    root_option,
    run_pipeline,
    say,
    today_of,
    today_option,
    write_output,
)


@click.command("application")
@click.argument("client_id")
@output_option
@lang_option
@root_option
@today_option
def export_application(client_id: str, output: str | None, lang: Lang, root: str | None, today: str | None) -> None:
    """《专属工程师服务申请表》，由客户档案填好；缺的必填项标为【缺】。"""
    from ..render import forms

    outcome = run_pipeline(kb_root_of(root, lang), today_of(today, lang), lang)
    c = find_client(outcome, client_id, lang)
    write_output(
        forms.render_application(outcome.kb, c), forms.default_filename("application", c.name or c.id), output, lang
    )


@click.command("kb")
@click.argument("client_id")
@output_option
@lang_option
@root_option
@today_option
def export_kb(client_id: str, output: str | None, lang: Lang, root: str | None, today: str | None) -> None:
    """《客户运维知识库》手册：封面、目录、六个部分和网络拓扑图。"""
    from ..render import forms

    day = today_of(today, lang)
    outcome = run_pipeline(kb_root_of(root, lang), day, lang)
    c = find_client(outcome, client_id, lang)
    write_output(forms.render_kb(outcome.kb, c, day), forms.default_filename("kb", c.name or c.id), output, lang)


@click.command("handoff")
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
    from ..render import forms

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


@click.command("blank")
@click.argument("kind", type=click.Choice(["application", "kb", "handoff"]))
@output_option
@lang_option
def export_blank(kind: str, output: str | None, lang: Lang) -> None:
    """空白表单：销售、客户成功在 Word/WPS 中填写，再用 kb import 导回。"""
    from ..render import forms

    write_output(forms.render_blank(kind), forms.default_filename(kind, None), output, lang)  # type: ignore[arg-type]


@click.command("application")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="覆盖已有的档案")
@lang_option
@root_option
@today_option
def import_application_cmd(file: str, force: bool, lang: Lang, root: str | None, today: str | None) -> None:
    """读入填好的《专属工程师服务申请表》，写出 clients/<id>/client.yml，再检查它。

    不会覆盖已有档案（除非 --force）；读不出的内容逐条列出。
    """
    from ..importer import import_application

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
