"""``kb new``: skeleton files for a client, an engineer, a meeting or a handoff.

The text comes from :mod:`generator.scaffold`; this module checks the arguments, reads
what the KB already knows (the policy's required site kinds and contact levels, the
client's account manager and meeting cadence), writes the file — never over an existing
one — and says what to do next.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import click

from .. import build, scaffold
from ..finding import Lang
from ..formats import is_date, is_slug
from ..load import load_file
from ..load.encoding import BAD_CHARS
from ..model import Client
from ..pipeline import find_schemas
from ..policy import Policy, build_policy
from ..schemas import SchemaError, SchemaSet
from ..validate import validate
from .common import EXIT_FINDINGS, EnvProblem, kb_root_of, lang_option, root_option, say, today_of

_MAX_ID = 64  # the schemas' maxLength for ids


@click.group("new")
def new_group() -> None:
    """新建档案骨架：客户、工程师、会议纪要、跨部门协同任务（不会覆盖已有文件）。

    骨架里已知的值（ID、名称、日期）已填好，其余的键空着、每个键后有中文说明；
    kb check 会把空着的值逐项列为“请填写”（todo）。
    """


date_option = click.option("--date", metavar="YYYY-MM-DD", default=None, help="日期（默认：今天，北京时间）")


@new_group.command("client")
@click.argument("client_id", metavar="CLIENT-ID")
@click.option("--name", required=True, help="客户中文全称，如 鼎泉连锁零售")
@click.option("--tier", default=None, help="专属级别：platinum、gold 或 silver")
@click.option("--account-manager", "account_manager", metavar="NAME", default=None, help="客户经理（接口人）姓名")
@lang_option
@root_option
def new_client(
    client_id: str, name: str, tier: str | None, account_manager: str | None, lang: Lang, root: str | None
) -> None:
    """新建客户档案 clients/CLIENT-ID/client.yml（状态 candidate：准备申请）。"""
    kb = kb_root_of(root, lang)
    _check_id(client_id, say(lang, "客户 ID", "client id"), lang)
    rel = scaffold.path_of("client", client_id)
    _refuse_clash(kb, kb / rel, lang)
    ctx = _Context.of(kb, lang)
    policy = ctx.policy()
    text = scaffold.client(
        ctx.schemas,
        ctx.schema_ref("client", rel),
        client_id,
        _text_arg(name, "--name", lang),
        tier=_text_arg(tier, "--tier", lang),
        account_manager=_text_arg(account_manager, "--account-manager", lang),
        site_kinds=policy.required_site_kinds if policy else (),
        contact_levels=policy.required_contact_levels if policy else (),
    )
    _write(ctx, "client", rel, text, root, lang)


@new_group.command("engineer")
@click.argument("engineer_id", metavar="ENGINEER-ID")
@click.option("--name", required=True, help="工程师姓名，如 张伟")
@click.option("--level", default=None, help="级别：L1、L2 或 L3")
@lang_option
@root_option
def new_engineer(engineer_id: str, name: str, level: str | None, lang: Lang, root: str | None) -> None:
    """新建工程师档案 engineers/ENGINEER-ID.yml（尚未进入专属工程师资源池）。"""
    kb = kb_root_of(root, lang)
    _check_id(engineer_id, say(lang, "工程师 ID", "engineer id"), lang)
    rel = scaffold.path_of("engineer", engineer_id)
    _refuse_clash(kb, kb / rel, lang)
    ctx = _Context.of(kb, lang)
    text = scaffold.engineer(
        ctx.schemas,
        ctx.schema_ref("engineer", rel),
        engineer_id,
        _text_arg(name, "--name", lang),
        level=_text_arg(level, "--level", lang),
    )
    _write(ctx, "engineer", rel, text, root, lang)


@new_group.command("meeting")
@click.argument("client_id", metavar="CLIENT-ID")
@date_option
@lang_option
@root_option
def new_meeting(client_id: str, date: str | None, lang: Lang, root: str | None) -> None:
    """新建同步会议记录 clients/CLIENT-ID/meetings/<日期>.yml（§8.2）。"""
    kb = kb_root_of(root, lang)
    day = _date(date, lang)
    rel = scaffold.path_of("meeting", client_id, day)
    ctx = _Context.of(kb, lang)
    c = ctx.client(client_id)
    _refuse_clash(kb, kb / rel, lang)
    policy = ctx.policy()
    cadence = (c.sync_cadence if c else None) or (policy.default_cadence if policy else None)
    text = scaffold.meeting(ctx.schemas, ctx.schema_ref("meeting", rel), day, kind=cadence)
    _write(ctx, "meeting", rel, text, root, lang)


@new_group.command("handoff")
@click.argument("client_id", metavar="CLIENT-ID")
@click.argument("task_id", metavar="TASK-ID")
@click.option("--ticket", default=None, help="原始工单号，如 GD-2026-1015-0087")
@click.option("--date", metavar="YYYY-MM-DD", default=None, help="任务创建日期 opened_on（默认：今天，北京时间）")
@lang_option
@root_option
def new_handoff(
    client_id: str, task_id: str, ticket: str | None, date: str | None, lang: Lang, root: str | None
) -> None:
    """新建跨部门协同任务 clients/CLIENT-ID/handoffs/TASK-ID.yml（§6），协调人默认为客户经理。"""
    kb = kb_root_of(root, lang)
    _check_id(task_id, say(lang, "任务 ID", "task id"), lang)
    day = _date(date, lang)
    rel = scaffold.path_of("handoff", client_id, task_id)
    ctx = _Context.of(kb, lang)
    c = ctx.client(client_id)
    _refuse_clash(kb, kb / rel, lang)
    manager = c.account_manager.name if c and c.account_manager else None
    text = scaffold.handoff(
        ctx.schemas,
        ctx.schema_ref("handoff", rel),
        task_id,
        day,
        ticket=_text_arg(ticket, "--ticket", lang),
        coordinator=manager,
    )
    _write(ctx, "handoff", rel, text, root, lang)


# ------------------------------------------------------------------ what the KB knows


@dataclass(frozen=True)
class _Context:
    kb: Path
    schemas: SchemaSet
    schema_dir: Path
    lang: Lang

    @classmethod
    def of(cls, kb: Path, lang: Lang) -> _Context:
        try:
            folder = find_schemas(kb)
            return cls(kb, SchemaSet.from_dir(folder), folder, lang)
        except SchemaError as exc:
            raise EnvProblem(
                say(lang, f"无法使用 JSON Schema：{exc}", f"The JSON Schemas cannot be used: {exc}")
            ) from exc

    def schema_ref(self, kind: str, rel: str) -> str:
        """The modeline's path: from the new file's folder to the schema the KB is checked with."""
        target = self.schema_dir / f"{kind}.schema.json"
        try:
            return Path(os.path.relpath(target, (self.kb / rel).parent)).as_posix()
        except ValueError:  # another drive (Windows): an absolute URI still works for the editor
            return target.as_uri()

    def _read(self, rel: str, kind: str) -> tuple[Any, Any] | None:
        item = load_file(self.kb, rel)
        if not item.usable:
            return None
        data, _ = validate(item, kind, self.schemas)
        return (item, data) if data is not None else None

    def policy(self) -> Policy | None:
        """The policy's lists the skeleton follows; None when policy.yml cannot be read."""
        if not (self.kb / "policy.yml").is_file():
            return None
        read = self._read("policy.yml", "policy")
        return build_policy(*read) if read else None

    def client(self, client_id: str) -> Client | None:
        """The client's dossier (for its account manager and cadence); an unknown client is a
        usage error with "did you mean"."""
        if not (is_slug(client_id) and (self.kb / "clients" / client_id / "client.yml").is_file()):
            known = sorted(p.name for p in (self.kb / "clients").glob("*") if (p / "client.yml").is_file())
            near = difflib.get_close_matches(client_id, known, n=1) or [k for k in known if k == client_id.lower()]
            raise EnvProblem(
                say(
                    self.lang,
                    f"没有客户“{client_id}”（找不到 clients/{client_id}/client.yml）"
                    + (f"，是不是想写 {near[0]}？" if near else "。先用 kb new client 建立客户档案。"),
                    f"No client '{client_id}' (no clients/{client_id}/client.yml)"
                    + (f"; did you mean {near[0]}?" if near else ". Create it first with kb new client."),
                )
            )
        read = self._read(f"clients/{client_id}/client.yml", "client")
        return build.client(read[0], read[1], client_id, False) if read else None


# ------------------------------------------------------------------ checks and writing


def _check_id(value: str, what: str, lang: Lang) -> None:
    """Ids are lowercase slugs (DESIGN §2), at most 64 characters."""
    if is_slug(value) and len(value) <= _MAX_ID:
        return
    guess = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:_MAX_ID].strip("-")
    near = guess if guess and is_slug(guess) and guess != value else None
    raise EnvProblem(
        say(
            lang,
            f"{what}“{value}”不可用：须是小写字母、数字和连字符，以字母或数字开头，最多 {_MAX_ID} 个字符"
            + (f"。是不是想写 {near}？" if near else "，例如 hx-logistics。"),
            f"The {what} '{value}' cannot be used: lowercase letters, digits and hyphens, starting with a "
            f"letter or digit, at most {_MAX_ID} characters"
            + (f". Did you mean {near}?" if near else ", e.g. hx-logistics."),
        )
    )


@overload
def _text_arg(value: str, option: str, lang: Lang) -> str: ...
@overload
def _text_arg(value: str | None, option: str, lang: Lang) -> str | None: ...
def _text_arg(value: str | None, option: str, lang: Lang) -> str | None:
    """An option's text, trimmed; one line (a name, not a paragraph)."""
    if value is None:
        return None
    text = value.strip()
    if not text or any(ch in text for ch in "\r\n\t") or BAD_CHARS.search(text):
        raise EnvProblem(
            say(
                lang,
                f"{option} 的值不能为空，也不能含换行或控制字符：{value!r}",
                f"{option} must not be empty nor contain line breaks or control characters: {value!r}",
            )
        )
    return text


def _date(value: str | None, lang: Lang) -> str:
    if value is None:
        return today_of(None, lang).isoformat()
    if not is_date(value):
        raise EnvProblem(
            say(
                lang,
                f"--date 应是真实存在的日期，写成 YYYY-MM-DD：{value}",
                f"--date must be a real calendar day written YYYY-MM-DD: {value}",
            )
        )
    return value


def _refuse_clash(kb: Path, target: Path, lang: Lang) -> None:
    """Exit 1 when ``target`` exists, or a name that differs only in case or in .yml/.yaml
    does — on Windows and macOS that is the same file, and on Linux two such files confuse.
    For a new client the folder's name is checked too (it may exist, holding attachments)."""
    rel = target.relative_to(kb).as_posix()
    steps = [target.parent, target] if target.name == "client.yml" else [target]
    for path in steps:
        if not path.parent.is_dir():
            continue
        for entry in path.parent.iterdir():
            if _fold(entry.name) != _fold(path.name) or (entry.name == path.name and path is not target):
                continue
            shown = entry.relative_to(kb).as_posix()
            if entry.name == path.name:
                _refuse(
                    say(
                        lang,
                        f"{shown} 已存在，未覆盖，也没有写入任何文件。",
                        f"{shown} already exists; nothing was overwritten or written.",
                    ),
                    lang,
                )
            _refuse(
                say(
                    lang,
                    f"已有 {shown}，与 {rel} 只差大小写或扩展名：未写入任何文件（先把它改名或删除）。",
                    f"{shown} exists and differs from {rel} only in case or extension; nothing was written "
                    "(rename or remove it first).",
                ),
                lang,
            )


def _fold(name: str) -> str:
    lowered = name.casefold()
    return lowered[: -len(".yaml")] + ".yml" if lowered.endswith(".yaml") else lowered


def _refuse(message: str, lang: Lang) -> None:
    """Refusing to overwrite is not a usage error: exit 1, as for a finding."""
    click.echo(say(lang, f"kb：{message}", f"kb: {message}"), err=True)
    sys.exit(EXIT_FINDINGS)


def _write(ctx: _Context, kind: str, rel: str, text: str, root: str | None, lang: Lang) -> None:
    """Check the skeleton as ``kb check`` will, write it (never over a file) and say what next."""
    todos, problems = scaffold.check(text, kind, rel, ctx.schemas)
    if problems:
        p = problems[0]
        hint = p.hint(lang)
        raise EnvProblem(
            say(lang, "不能生成骨架：", "Cannot make the skeleton: ")
            + p.message(lang)
            + (say(lang, f"（{hint}）", f" ({hint})") if hint else "")
        )
    target = ctx.kb / rel
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as fh:  # "x": never over an existing file
            fh.write(text)
    except FileExistsError:
        _refuse(say(lang, f"{rel} 已存在，未覆盖。", f"{rel} already exists; it was not overwritten."), lang)
    except OSError as exc:
        raise EnvProblem(say(lang, f"无法写入 {rel}：{exc.strerror}", f"Cannot write {rel}: {exc.strerror}")) from exc
    shown = _shown(target)
    command = "kb check" + (f" --root {shlex.quote(root)}" if root else "") + f" {shlex.quote(shown)}"
    click.echo(
        say(
            lang,
            f"已创建 {shown}（{len(todos)} 项待填写）。\n下一步：按每个键后的注释填写空着的值，运行 {command} 查看待填写项。",
            f"Created {shown} ({len(todos)} values to fill in).\n"
            f"Next: fill in the empty values (each key's comment says what goes there); run {command} to list them.",
        )
    )


def _shown(path: Path) -> str:
    """The path as the user can type it from here: relative to the current folder when inside it."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
