"""The `ref` rule: every reference resolves, and every file's id matches its name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from .. import boundary
from ..finding import Finding, Msg, error
from ..model import KB, Client, Where
from . import rule

RULE = "ref"


def _err(where: tuple[str, int, int], zh: str, en: str, hint_zh: str, hint_en: str) -> Finding:
    return error(*where, RULE, Msg(zh, en), Msg(hint_zh, hint_en))


def _engineer_ref(kb: KB, value: str | None, where: Where, *path: str | int) -> Iterator[Finding]:
    if value and value not in kb.known_engineer_ids:
        known = "、".join(sorted(kb.known_engineer_ids)) or "（无）"
        yield _err(
            where.at(*path),
            f"工程师“{value}”不存在：没有 engineers/{value}.yml。",
            f"Engineer '{value}' does not exist: there is no engineers/{value}.yml.",
            f"写 engineers/ 下某个文件名（不含 .yml）：{known}。",
            f"Use the name of a file under engineers/ without .yml: {', '.join(sorted(kb.known_engineer_ids))}.",
        )


def _attachment(kb: KB, c: Client, value: str, where: Where, *path: str | int) -> Iterator[Finding]:
    base = f"clients/{c.folder}"
    p = PurePosixPath(value)
    if p.is_absolute() or ".." in p.parts or "\\" in value:
        yield _err(
            where.at(*path),
            f"附件路径“{value}”必须是客户目录内的相对路径。",
            f"Attachment path '{value}' must be relative, inside the client's folder.",
            f"写成 files/文件名，文件放在 {base}/files/ 下。",
            f"Write files/<name> and put the file under {base}/files/.",
        )
        return
    v = kb.tree.inside(f"{base}/{p}") if kb.tree is not None else boundary.inside(kb.root, kb.root / base / p)
    if v.kind == boundary.OUTSIDE:
        via = f"（符号链接 {v.link} → {v.target}）" if v.link else ""
        via_en = f" (the link {v.link} → {v.target})" if v.link else ""
        yield _err(
            where.at(*path),
            f"附件“{value}”指向知识库之外{via}：不会读取、扫描或发布。",
            f"Attachment '{value}' leads outside the KB{via_en}: it is not read, scanned or published.",
            f"把文件本身放到 {base}/files/ 下，删除符号链接。",
            f"Put the file itself under {base}/files/ and delete the link.",
        )
        return
    if v.kind == boundary.SPECIAL:
        what = v.what or Msg("特殊文件", "a special file")
        yield _err(
            where.at(*path),
            f"附件“{value}”是{what.zh}，不是普通文件：不会读取或发布。",
            f"Attachment '{value}' is {what.en}, not a regular file: it is not read or published.",
            f"换成普通文件放到 {base}/files/ 下。",
            f"Replace it with a regular file under {base}/files/.",
        )
        return
    if not v.readable:
        yield _err(
            where.at(*path),
            f"附件“{value}”不存在：找不到 {base}/{value}。",
            f"Attachment '{value}' does not exist: {base}/{value} is missing.",
            f"把文件放到 {base}/{value}，或改正路径（区分大小写）。",
            f"Add the file at {base}/{value}, or correct the path (case-sensitive).",
        )


def _duplicates(items: list[tuple[str, Where]], what_zh: str, what_en: str) -> Iterator[Finding]:
    first: dict[str, Where] = {}
    for ident, w in items:
        if not ident:
            continue
        if ident in first:
            line = first[ident].at("id")[1]
            yield _err(
                w.at("id"),
                f"{what_zh}标识“{ident}”重复（第一次出现在第 {line} 行）。",
                f"Duplicate {what_en} id '{ident}' (first on line {line}).",
                "每个标识只能用一次：改用另一个标识。",
                "Each id may be used once: pick another id.",
            )
        else:
            first[ident] = w


def _client_refs(kb: KB, c: Client) -> Iterator[Finding]:
    w = c.where
    if c.id != c.folder:
        yield _err(
            w.at("id"),
            f"id“{c.id}”与目录名“{c.folder}”不一致。",
            f"id '{c.id}' differs from the folder name '{c.folder}'.",
            f"把 id 改成 {c.folder}，或把目录改名为 clients/{c.id}/。",
            f"Set id to {c.folder}, or rename the folder to clients/{c.id}/.",
        )
    yield from _duplicates([(s.id, s.where) for s in c.sites], "站点", "site")
    yield from _duplicates([(ln.id, ln.where) for ln in c.lines], "线路", "line")
    site_ids = {s.id for s in c.sites if s.id}
    shown = "、".join(sorted(site_ids)) or "（sites 为空）"
    for ln in c.lines:
        for end in ("a", "b"):
            sid = getattr(ln, end)
            if sid and sid not in site_ids:
                yield _err(
                    ln.where.at(end),
                    f"线路 {ln.id or '?'} 的 {end} 端站点“{sid}”不存在。",
                    f"Line {ln.id or '?'}: site '{sid}' at end {end} does not exist.",
                    f"写 sites 中某个站点的 id：{shown}。",
                    f"Use the id of a site listed in sites: {shown}.",
                )
    for app in c.applications:
        if app.site and app.site not in site_ids:
            yield _err(
                app.where.at("site"),
                f"重要业务“{app.name}”所在站点“{app.site}”不存在。",
                f"Application '{app.name}': site '{app.site}' does not exist.",
                f"写 sites 中某个站点的 id：{shown}。",
                f"Use the id of a site listed in sites: {shown}.",
            )
    if c.assignment is not None:
        aw = w.sub("assignment")
        yield from _engineer_ref(kb, c.assignment.engineer, aw, "engineer")
        yield from _engineer_ref(kb, c.assignment.backup, aw, "backup")
        for i, past in enumerate(c.assignment.history):
            yield from _engineer_ref(kb, past.engineer, aw, "history", i, "engineer")
    for ev in c.events:
        yield from _engineer_ref(kb, ev.protection_lead, ev.where, "protection_lead")
    if c.knowledge_base is not None:
        for att in c.knowledge_base.attachments:
            if att.path:
                yield from _attachment(kb, c, att.path, att.where, "path")
    for m in c.meetings:
        stem = PurePosixPath(m.where.file).stem
        if m.date is not None and m.date.isoformat() != stem:
            yield _err(
                m.where.at("date"),
                f"会议日期 {m.date} 与文件名 {stem}.yml 不一致。",
                f"Meeting date {m.date} differs from the file name {stem}.yml.",
                f"把文件改名为 {m.date}.yml，或改正 date。",
                f"Rename the file to {m.date}.yml, or correct date.",
            )
    for h in c.handoffs:
        stem = PurePosixPath(h.where.file).stem
        if h.task_id and h.task_id != stem:
            yield _err(
                h.where.at("task_id"),
                f"task_id“{h.task_id}”与文件名 {stem}.yml 不一致。",
                f"task_id '{h.task_id}' differs from the file name {stem}.yml.",
                f"把文件改名为 {h.task_id}.yml，或改正 task_id。",
                f"Rename the file to {h.task_id}.yml, or correct task_id.",
            )
        if h.report is not None:
            for key in ("logs", "screenshots"):
                for i, path in enumerate(getattr(h.report, key)):
                    yield from _attachment(kb, c, path, h.where, "report", key, i)


@rule(RULE)
def check_refs(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """Every reference resolves: engineer and backup ids, site ids in lines and
    applications, attachment paths; every file's id equals its folder or file name."""
    for c in kb.clients.values():
        yield from _client_refs(kb, c)
    for e in kb.engineers.values():
        stem = PurePosixPath(e.where.file).stem
        if e.id != stem:
            yield _err(
                e.where.at("id"),
                f"id“{e.id}”与文件名 {stem}.yml 不一致。",
                f"id '{e.id}' differs from the file name {stem}.yml.",
                f"把 id 改成 {stem}，或把文件改名为 engineers/{e.id}.yml。",
                f"Set id to {stem}, or rename the file to engineers/{e.id}.yml.",
            )
        for lv in e.leave:
            yield from _engineer_ref(kb, lv.backup, lv.where, "backup")
