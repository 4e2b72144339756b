"""``kb route`` (who takes a ticket now) and ``kb export routing`` (the service desk's table)."""

from __future__ import annotations

import datetime as dt
import json

import click

from ..clock import CHINA
from ..finding import Lang
from ..model import KB
from ..render import routing_table
from ..routing import DEDICATED, Route, RoutingProblem, route, table
from .common import (
    EnvProblem,
    FindingsProblem,
    find_client,
    kb_root_of,
    lang_option,
    now_of,
    output_to,
    read_only_model,
    root_option,
    say,
    today_of,
    today_option,
    write_output,
)

WEEKDAYS = "一二三四五六日"


def parse_at(value: str | None, lang: Lang) -> dt.datetime:
    """``--at "YYYY-MM-DD HH:MM"`` in China time; now when absent."""
    if not value:
        return now_of(lang)
    text = value.strip().replace("T", " ")
    try:
        day, _, clock = text.partition(" ")
        if not clock:
            raise ValueError
        return dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time.fromisoformat(clock.strip()).replace(second=0), tzinfo=CHINA
        )
    except ValueError as exc:
        raise EnvProblem(
            say(
                lang,
                f'--at 应为“YYYY-MM-DD HH:MM”（北京时间），如 --at "2026-12-01 09:30"：{value}',
                f'--at must be "YYYY-MM-DD HH:MM" (China time), e.g. --at "2026-12-01 09:30": {value}',
            )
        ) from exc


def _who(kb: KB, r: Route, lang: Lang) -> str:
    if r.assignee is None:
        return say(lang, "标准服务流程（轮询）", "the standard round-robin queue")
    role = say(lang, "专属工程师", "dedicated engineer") if r.mode == DEDICATED else say(lang, "备份工程师", "backup")
    e = kb.engineers.get(r.assignee)
    contact = " · ".join(x for x in ((e.phone or ""), (e.email or "")) if x) if e else ""
    return f"{kb.engineer_name(r.assignee)} 〔{role}〕" + (f"  {contact}" if contact else "")


def as_text(kb: KB, r: Route, lang: Lang) -> str:
    c = r.client
    when = r.at.strftime("%Y-%m-%d %H:%M")
    day = (
        say(lang, f"周{WEEKDAYS[r.at.weekday()]}", r.at.strftime("%a"))
        + " · "
        + (say(lang, "工作日", "working day") if r.workday else say(lang, "非工作日", "not a working day"))
        + " · "
        + (
            say(lang, "服务时间内", "within service hours")
            if r.in_hours
            else say(lang, "服务时间外", "outside service hours")
        )
    )
    lines = [
        f"{c.name or c.id}（{c.id}）  {when} {day}",
        say(lang, "接单：", "Takes it: ") + _who(kb, r, lang),
        say(lang, "优先级：", "Priority: ") + r.priority.label(lang),
        say(lang, "原因：", "Why:"),
        *(f"  · {m(lang)}" for m in r.reasons),
    ]
    if r.next_window is not None:
        lines.append(say(lang, "下个服务时段：", "Next service window: ") + r.next_window.strftime("%Y-%m-%d %H:%M"))
    return "\n".join(lines)


def as_json(kb: KB, r: Route, lang: Lang) -> str:
    e = kb.engineers.get(r.assignee or "")
    doc = {
        "client": r.client.id,
        "client_name": r.client.name or "",
        "at": r.at.isoformat(timespec="minutes"),
        "workday": r.workday,
        "in_service_hours": r.in_hours,
        "route": r.mode,
        "assignee": r.assignee,
        "assignee_name": (e.name if e else None),
        "engineer": r.engineer,
        "priority": r.priority.rank,
        "priority_key": r.priority.key,
        "priority_label": r.priority.label(lang),
        "reasons": [m(lang) for m in r.reasons],
        "next_window": r.next_window.isoformat(timespec="minutes") if r.next_window else None,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


@click.command("route")
@click.argument("client_id")
@click.option("--at", "at", metavar='"YYYY-MM-DD HH:MM"', default=None, help="工单到达时间（北京时间；默认：现在）")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
@root_option
def route_cmd(client_id: str, at: str | None, fmt: str, lang: Lang, root: str | None) -> None:
    """新工单由谁接：服务时间内给专属工程师，休假时给备份，其余按标准流程轮询（§3.4、§5.1、§7.4、§9.3.3）。"""
    moment = parse_at(at, lang)
    outcome = read_only_model(kb_root_of(root, lang), lang, clients={client_id})
    c = find_client(outcome, client_id, lang)
    if outcome.kb.policy is None:
        raise FindingsProblem(
            say(
                lang,
                "policy.yml 无法读取，无法确定服务时间和工作日；运行 kb check policy.yml。",
                "policy.yml cannot be read; run kb check policy.yml.",
            )
        )
    try:
        r = route(outcome.kb, outcome.kb.work_calendar(), c, moment)
    except RoutingProblem as exc:
        raise FindingsProblem(exc.message(lang)) from exc
    click.echo(as_json(outcome.kb, r, lang) if fmt == "json" else as_text(outcome.kb, r, lang))
    if not c.valid:
        click.echo(
            say(
                lang,
                f"注意：{c.where.file} 有错误，以上按可读的内容计算；运行 kb check {c.where.file} 查看。",
                f"Note: {c.where.file} has errors; the answer uses what could be read. Run kb check {c.where.file}.",
            ),
            err=True,
        )


@click.command("routing")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="csv", show_default=True)
@output_to("routing.csv / routing.json")
@lang_option
@root_option
@today_option
def export_routing(fmt: str, output: str | None, lang: Lang, root: str | None, today: str | None) -> None:
    """服务台导入的工单路由表：客户、优先级、专属工程师、备份、服务时间、休假窗口。"""
    day = today_of(today, lang)
    outcome = read_only_model(kb_root_of(root, lang), lang)
    try:
        rows = table(outcome.kb, day)
    except RoutingProblem as exc:
        raise FindingsProblem(exc.message(lang)) from exc
    if fmt == "json":
        data = routing_table.to_json(outcome.kb, rows, day).encode("utf-8")
    else:
        data = routing_table.to_csv(outcome.kb, rows).encode("utf-8-sig")
    if output == "-":
        click.echo(data.decode("utf-8-sig"), nl=False)
        return
    write_output(data, f"routing.{fmt}", output, lang)
