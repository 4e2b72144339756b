"""``kb calendar import NOTICE`` (the State Council's notice → ``calendar/<year>.yml``) and
``kb calendar show YEAR`` (a year's holidays and make-up days, and which source says so)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from ..calendar_notice import Notice, parse_notice
from ..finding import Lang
from ..load import load_bytes
from ..model import KB
from ..pipeline import find_schemas
from ..schemas import SchemaSet
from ..validate import validate
from ..workdays import PACKAGE, POLICY, package_covers, package_is_workday
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EnvProblem,
    kb_root_of,
    lang_option,
    read_only_model,
    root_option,
    say,
    write_text_atomic,
)

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_PLAIN = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9、·（）]+$")
_TITLE = re.compile(r"国务院办公厅关于\s*\d{4}\s*年部分节假日安排的通知")
_NUMBER = re.compile(r"国办发明电\s*〔\s*\d{4}\s*〕\s*\d+\s*号")


@click.group("calendar")
def calendar_group() -> None:
    """工作日日历：导入国务院办公厅的年度放假通知，查看某年的放假与调休安排。"""


# ------------------------------------------------------------------ import


@calendar_group.command("import")
@click.argument("notice", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--year", type=int, default=None, help="通知的年份（通知标题里没有年份时用）")
@click.option("--force", is_flag=True, help="覆盖已有的 calendar/<year>.yml")
@root_option
@lang_option
def calendar_import(notice: str, year: int | None, force: bool, root: str | None, lang: Lang) -> None:
    """把《国务院办公厅关于 YYYY 年部分节假日安排的通知》原文（文件，或 - 表示从标准输入粘贴）
    解析为 calendar/<year>.yml。读不懂的句子会连同行号被拒绝，什么也不写。"""
    sys.exit(import_notice(notice, year, force, root, lang))


def import_notice(notice: str, year: int | None, force: bool, root: str | None, lang: Lang) -> int:
    kb_root = kb_root_of(root, lang)
    label = "<标准输入>" if notice == "-" else notice
    text = _read_notice(notice, lang)
    parsed = parse_notice(text, year)
    if parsed.problems or not parsed.ok or parsed.year is None:
        for p in parsed.problems:
            click.echo(f"{label}:{p.line}:{p.column}: error calendar.import {p.message(lang)}", err=True)
            if p.hint(lang):
                click.echo(f"    {say(lang, '提示', 'hint')}：{p.hint(lang)}", err=True)
        if not parsed.problems:
            click.echo(say(lang, f"{label}：没有读到任何放假安排。", f"{label}: no arrangement found."), err=True)
        click.echo(
            say(lang, "通知没有完全读懂：什么也没有写。", "The notice was not fully understood: nothing written."),
            err=True,
        )
        return EXIT_FINDINGS
    target = kb_root / "calendar" / f"{parsed.year}.yml"
    rel = target.relative_to(kb_root).as_posix()
    if target.exists() and not force:
        click.echo(
            say(lang, f"{rel} 已存在：加 --force 覆盖。", f"{rel} exists already: add --force to replace it."), err=True
        )
        return EXIT_FINDINGS
    differ = _against_package(parsed)
    if differ:
        for day, package in differ[:20]:
            click.echo(
                say(
                    lang,
                    f"{label}: error calendar.import {day} 按通知为{'工作日' if not package else '休息日'}，"
                    f"chinesecalendar 为{'工作日' if package else '休息日'}。",
                    f"{label}: error calendar.import {day} is {'a working day' if not package else 'a day off'} by "
                    f"the notice but {'a working day' if package else 'a day off'} in chinesecalendar.",
                ),
                err=True,
            )
        click.echo(
            say(
                lang,
                f"chinesecalendar 已收录 {parsed.year} 年，与通知有 {len(differ)} 天不一致：核对通知的年份与原文；什么也没有写。",
                f"chinesecalendar covers {parsed.year} and disagrees with the notice on {len(differ)} days: "
                "check the notice's year and text; nothing written.",
            ),
            err=True,
        )
        return EXIT_FINDINGS
    body = render_year(parsed, source_of(text, label), _schema_ref(kb_root))
    _check_written(kb_root, rel, body)
    write_text_atomic(target, body, lang)
    off = sum(1 for d in parsed.holidays if d.date.weekday() < 5)
    click.echo(
        say(
            lang,
            f"已写入 {rel}：放假 {len(parsed.holidays)} 天（其中工作日 {off} 天），调休上班 {len(parsed.workdays)} 天。"
            "用 kb calendar show 核对后提交。",
            f"Wrote {rel}: {len(parsed.holidays)} days off ({off} of them weekdays), "
            f"{len(parsed.workdays)} make-up working days. Check with kb calendar show, then commit.",
        )
    )
    return EXIT_OK


def _read_notice(notice: str, lang: Lang) -> str:
    try:
        raw = sys.stdin.buffer.read() if notice == "-" else Path(notice).read_bytes()
    except OSError as exc:
        raise EnvProblem(
            say(lang, f"无法读取 {notice}：{exc.strerror}", f"Cannot read {notice}: {exc.strerror}")
        ) from exc
    for encoding in ("utf-8-sig", "gb18030"):  # a notice saved by Notepad/WPS on Chinese Windows is GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise EnvProblem(say(lang, f"{notice} 既不是 UTF-8 也不是 GBK 文本。", f"{notice} is neither UTF-8 nor GBK text."))


def source_of(text: str, label: str) -> str:
    """The notice's title and number as the file's ``source`` (the file name when there is none)."""
    parts = [m.group().replace(" ", "") for m in (_TITLE.search(text), _NUMBER.search(text)) if m]
    if not parts:
        return f"国务院办公厅节假日安排通知（{Path(label).name}）"
    return parts[0] + (f"（{parts[1]}）" if len(parts) > 1 else "")


def _against_package(parsed: Notice) -> list[tuple[dt.date, bool]]:
    """Days on which chinesecalendar (where it covers the year) disagrees with the notice."""
    assert parsed.year is not None
    if not package_covers(parsed.year):
        return []
    off = {d.date for d in parsed.holidays}
    work = {d.date for d in parsed.workdays}
    out = []
    day = dt.date(parsed.year, 1, 1)
    while day.year == parsed.year:
        package = package_is_workday(day)
        notice = day in work or (day.weekday() < 5 and day not in off)
        if package is not None and package != notice:
            out.append((day, package))
        day += dt.timedelta(days=1)
    return out


def _scalar(text: str) -> str:
    return text if _PLAIN.match(text) else json.dumps(text, ensure_ascii=False)


def render_year(parsed: Notice, source: str, schema_ref: str) -> str:
    """The ``calendar/<year>.yml`` text: flow items, one day a line, so a diff shows each day."""
    lines = [
        f"# yaml-language-server: $schema={schema_ref}",
        "# 由 kb calendar import 从国务院办公厅的通知原文生成。核对（kb calendar show）后提交；",
        "# 通知有更正时重新导入（--force），不要手改单日——个别日期的更正写在 policy.yml 的 calendar。",
        f"year: {parsed.year}",
        f"source: {_scalar(source)}",
        "holidays:" if parsed.holidays else "holidays: []",
    ]
    lines += [f"  - {{date: {d.date.isoformat()}, name: {_scalar(d.name)}}}" for d in parsed.holidays]
    lines.append("workdays:" if parsed.workdays else "workdays: []")
    lines += [f"  - {{date: {d.date.isoformat()}, name: {_scalar(d.name)}}}" for d in parsed.workdays]
    return "\n".join(lines) + "\n"


def _schema_ref(kb_root: Path) -> str:
    """The modeline's path: from calendar/ to the schema the KB is checked with."""
    target = find_schemas(kb_root) / "calendar.schema.json"
    try:
        return Path(os.path.relpath(target, kb_root / "calendar")).as_posix()
    except ValueError:  # another drive (Windows): an absolute URI still works for the editor
        return target.as_uri()


def _check_written(kb_root: Path, rel: str, body: str) -> None:
    """What we are about to write must read back through our own loader and schema (a bug here
    must never leave a file that kb check then refuses)."""
    item = load_bytes(body.encode("utf-8"), rel)
    data, problems = validate(item, "calendar", SchemaSet.from_dir(find_schemas(kb_root)))
    if data is None or problems or item.findings:
        raise RuntimeError(f"{rel} would not read back: {[f.message.en for f in (*item.findings, *problems)]}")


# ------------------------------------------------------------------ show


@dataclass(frozen=True)
class _Listed:
    day: dt.date
    name: str
    source: str


@calendar_group.command("show")
@click.argument("year", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@root_option
@lang_option
def calendar_show(year: int, fmt: str, root: str | None, lang: Lang) -> None:
    """列出某年的放假日与调休上班日，以及由哪个来源（chinesecalendar、calendar/<year>.yml、policy.yml）给出。"""
    sys.exit(show_year(year, fmt, root, lang))


def show_year(year: int, fmt: str, root: str | None, lang: Lang) -> int:
    kb = read_only_model(kb_root_of(root, lang), lang, clients=()).kb
    cal = kb.work_calendar()
    source = cal.source_of(year)
    holidays, workdays = _listing(kb, year, source)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "year": year,
                    "source": _source_label(source),
                    "holidays": [{"date": h.day.isoformat(), "name": h.name, "source": h.source} for h in holidays],
                    "workdays": [{"date": w.day.isoformat(), "name": w.name, "source": w.source} for w in workdays],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK if source else EXIT_FINDINGS
    if source is None:
        click.echo(
            say(
                lang,
                f"{year} 年的节假日安排没有任何来源收录（chinesecalendar、calendar/{year}.yml、policy.yml 都没有）。\n"
                f"    提示：国务院办公厅公布通知后运行 kb calendar import 通知.txt（或 - 从标准输入粘贴）。",
                f"No source covers {year} (not chinesecalendar, calendar/{year}.yml nor policy.yml).\n"
                f"    hint: once the State Council publishes its notice, run kb calendar import notice.txt (or - for stdin).",
            ),
            err=True,
        )
        return EXIT_FINDINGS
    click.echo(
        say(
            lang,
            f"{year} 年的节假日安排（来源：{_source_label(source)}）",
            f"{year} holidays (source: {_source_label(source)})",
        )
    )
    weekdays_off = sum(1 for h in holidays if h.day.weekday() < 5)
    click.echo(
        say(
            lang,
            f"放假 {len(holidays)} 天（其中工作日 {weekdays_off} 天）：",
            f"Days off: {len(holidays)} ({weekdays_off} weekdays):",
        )
    )
    for first, last, name, src in _runs(holidays):
        span = f"{first}（{WEEKDAYS[first.weekday()]}）" + (
            f" 至 {last}（{WEEKDAYS[last.weekday()]}）" if last != first else ""
        )
        count = (last - first).days + 1
        click.echo(f"  {span}  {name}  {say(lang, f'{count} 天', f'{count} days')}" + _other(src, source))
    click.echo(say(lang, f"调休上班 {len(workdays)} 天：", f"Make-up working days: {len(workdays)}:"))
    for w in workdays:
        click.echo(f"  {w.day}（{WEEKDAYS[w.day.weekday()]}）  {w.name}" + _other(w.source, source))
    return EXIT_OK


def _source_label(source: str | None) -> str | None:
    if source == PACKAGE:
        try:
            return f"{PACKAGE} {importlib.metadata.version('chinesecalendar')}"
        except importlib.metadata.PackageNotFoundError:
            return PACKAGE
    return source


def _other(src: str, main: str | None) -> str:
    return f"  [{src}]" if src != main else ""


def _listing(kb: KB, year: int, source: str | None) -> tuple[list[_Listed], list[_Listed]]:
    """The year's days off and make-up days as the calendar reads them: the answering source's
    list, with policy.yml's single days on top (they win)."""
    off: dict[dt.date, _Listed] = {}
    work: dict[dt.date, _Listed] = {}
    if source == PACKAGE:
        import chinese_calendar

        for day, name in chinese_calendar.holidays.items():
            if day.year == year:
                off[day] = _Listed(day, chinese_calendar.Holiday(name).chinese, PACKAGE)
        for day, name in chinese_calendar.workdays.items():
            if day.year == year and day.weekday() >= 5:
                work[day] = _Listed(day, chinese_calendar.Holiday(name).chinese, PACKAGE)
    else:
        for c in kb.calendars:
            if c.year == year and c.where.file == source:
                off.update({d: _Listed(d, n, c.where.file) for d, n in c.holidays})
                work.update({d: _Listed(d, n, c.where.file) for d, n in c.workdays})
    p = kb.policy
    if p is not None:
        for d, n in p.extra_holidays:
            if d.year == year:
                work.pop(d, None)
                off[d] = _Listed(d, n, POLICY)
        for d, n in p.extra_workdays:
            if d.year == year:
                off.pop(d, None)
                work[d] = _Listed(d, n, POLICY)
    return sorted(off.values(), key=lambda x: x.day), sorted(work.values(), key=lambda x: x.day)


def _runs(days: list[_Listed]) -> list[tuple[dt.date, dt.date, str, str]]:
    """Consecutive days of one name and source, as ranges (10-01 to 10-07 国庆节)."""
    out: list[tuple[dt.date, dt.date, str, str]] = []
    for d in days:
        if out and out[-1][2] == d.name and out[-1][3] == d.source and out[-1][1] + dt.timedelta(days=1) == d.day:
            out[-1] = (out[-1][0], d.day, d.name, d.source)
        else:
            out.append((d.day, d.day, d.name, d.source))
    return out
