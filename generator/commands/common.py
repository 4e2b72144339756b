"""What every command shares: the KB folder, the day, the language, the exit codes, and
the one exception that means "this command cannot run here" (exit 2)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import clock
from ..asof import AsOfError, resolve
from ..finding import Lang, Msg
from ..history import History
from ..pipeline import Outcome, read_model
from ..pipeline import check as run_check
from ..source import GitError
from ..validate import SchemaError

EXIT_OK, EXIT_FINDINGS, EXIT_ENV = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class EnvProblem(Exception):
    """The command cannot run here (exit 2); the text is already in the user's language."""


class FindingsProblem(Exception):
    """The KB itself has a problem the user must fix before this command can answer (exit 1)."""


def say(lang: Lang, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def kb_root_of(root: str | None, lang: Lang) -> Path:
    path = Path(root or ".").resolve()
    if not path.is_dir():
        raise EnvProblem(say(lang, f"目录不存在：{path}", f"No such directory: {path}"))
    from ..discover import is_kb

    if not is_kb(path):
        raise EnvProblem(
            say(
                lang,
                f"{path} 不是知识库：没有 clients/、engineers/ 或 policy.yml。用 --root 指定知识库目录。",
                f"{path} is not a KB: no clients/, engineers/ or policy.yml. Point --root at the KB folder.",
            )
        )
    return path


def selection(root: Path, paths: Sequence[str], lang: Lang) -> list[str]:
    """PATH arguments as KB-relative prefixes (files or folders)."""
    out = []
    for p in paths:
        full = Path(p).resolve()
        if not full.exists():
            raise EnvProblem(say(lang, f"路径不存在：{p}", f"No such path: {p}"))
        try:
            rel = full.relative_to(root).as_posix()
        except ValueError as exc:
            raise EnvProblem(say(lang, f"{p} 不在知识库 {root} 之内。", f"{p} is outside the KB {root}.")) from exc
        out.append("" if rel == "." else rel)
    return out


def selected(file: str, prefixes: list[str]) -> bool:
    return not prefixes or any(p == "" or file == p or file.startswith(p.rstrip("/") + "/") for p in prefixes)


def today_of(value: str | None, lang: Lang) -> dt.date:
    """The day the rules judge by: ``--today``, else ``KB_TODAY``, else today in China (clock.py)."""
    source = "--today" if value else clock.ENV
    try:
        return clock.today(value)
    except ValueError as exc:
        shown = value or clock.pinned()
        raise EnvProblem(
            say(lang, f"{source} 应为 YYYY-MM-DD：{shown}", f"{source} must be YYYY-MM-DD: {shown}")
        ) from exc


def now_of(lang: Lang) -> dt.datetime:
    """The moment for commands that need a time of day (``kb route`` without ``--at``)."""
    try:
        return clock.now()
    except ValueError as exc:
        raise EnvProblem(
            say(lang, f"{clock.ENV} 应为 YYYY-MM-DD：{clock.pinned()}", f"{clock.ENV} must be YYYY-MM-DD: {clock.pinned()}")
        ) from exc


def day_and_commit(kb_root: Path, today: str | None, as_of: str | None, lang: Lang) -> tuple[dt.date, str | None]:
    """The day the rules judge by and the commit to read the KB at (None: the working tree):
    ``--as-of DATE|REF`` decides both (asof.py), else ``--today`` / ``KB_TODAY`` the day."""
    if as_of is None:
        return today_of(today, lang), None
    if today:
        raise EnvProblem(
            say(
                lang,
                "--as-of 与 --today 不能同时使用：--as-of 已决定按哪一天判断。",
                "--as-of and --today cannot be used together: --as-of decides the day.",
            )
        )
    try:
        at = resolve(kb_root, as_of)
    except AsOfError as exc:
        raise EnvProblem(say(lang, exc.msg.zh, exc.msg.en)) from exc
    return at.today, at.commit


def run_pipeline(kb_root: Path, today: dt.date, lang: Lang, at: str | None = None) -> Outcome:
    """The whole check: every file, the history and every rule (of the KB as committed at
    ``at``, when given). A repository git refuses to read (another owner: "dubious ownership")
    is exit 2 with git's own fix — answering without the deadline rules would pass a gate that
    was never checked."""
    try:
        outcome = run_check(kb_root, today, lang=lang, at=at)
    except SchemaError as exc:
        raise EnvProblem(_schema_problem(exc, lang)) from exc
    except GitError as exc:
        raise EnvProblem(say(lang, f"无法读取提交 {at} 的文件：{exc}", f"Cannot read the files of commit {at}: {exc}")) from exc
    refusal = outcome.history.refused if outcome.history is not None else None
    if refusal is not None:
        raise EnvProblem(refusal(lang))
    return outcome


def cache_note(lang: Lang, history: History | None, *more: Msg | None) -> None:
    """At most one line on stderr about caches that were ignored and rebuilt. Not a finding:
    a cache is about this machine, not about the KB, and findings must stay a function of the
    KB and the day (the same on every runner, nothing for CI annotations or the dashboard)."""
    found = [*(history.notes if history is not None else ()), *(m for m in more if m is not None)]
    notes = list(dict.fromkeys(found))  # the same note from two caches is said once
    if notes:
        click.echo(
            say(
                lang,
                "kb：提示：" + "；".join(n.zh for n in notes) + "（结果不受影响）。",
                "kb: note: " + "; ".join(n.en for n in notes) + " (results are unaffected).",
            ),
            err=True,
        )


def read_only_model(kb_root: Path, lang: Lang, clients: Collection[str] | None = None) -> Outcome:
    """The model alone (no history, no rules) for commands that only read it: routing and the exports."""
    try:
        return read_model(kb_root, clients, lang=lang)
    except SchemaError as exc:
        raise EnvProblem(_schema_problem(exc, lang)) from exc


def _schema_problem(exc: SchemaError, lang: Lang) -> str:
    return say(lang, f"无法使用 JSON Schema：{exc}", f"The JSON Schemas cannot be used: {exc}")


lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    envvar="KB_LANG",
    show_default=True,
    help="消息语言 / message language",
)
root_option = click.option(
    "--root", type=click.Path(file_okay=False), default=None, help="知识库目录（默认：当前目录）"
)
today_option = click.option(
    "--today", metavar="YYYY-MM-DD", default=None, help="固定“今天”的日期（用于复现；也可设环境变量 KB_TODAY）"
)
as_of_option = click.option(
    "--as-of",
    "as_of",
    metavar="DATE|REF",
    default=None,
    help="看知识库在某日（当天结束时，北京时间）或某个提交时的样子，并以那天为“今天”判断；只读 git 对象，不动工作区",
)


def write_text_atomic(target: Path, body: str, lang: Lang) -> None:
    """Write a KB file whole or not at all (a temporary file beside it, then a rename): a stopped
    run never leaves half a calendar/ or kpis/ file for kb check to refuse."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise EnvProblem(
            say(lang, f"无法写入 {target}：{exc.strerror}", f"Cannot write {target}: {exc.strerror}")
        ) from exc


def write_output(data: bytes, default: str, output: str | None, lang: Lang) -> None:
    target = Path(output) if output else Path(default)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise EnvProblem(
            say(lang, f"无法写入 {target}：{exc.strerror}", f"Cannot write {target}: {exc.strerror}")
        ) from exc
    click.echo(say(lang, f"已写入 {target}", f"Wrote {target}"))


def find_client(outcome: Outcome, client_id: str, lang: Lang) -> Any:
    c = outcome.kb.clients.get(client_id)
    file = f"clients/{client_id}/client.yml"
    if c is None and file in outcome.loaded:
        shown = [f for f in outcome.findings if f.file == file and f.severity.value == "error"][:5]
        detail = "\n".join(f"  {f.file}:{f.line}:{f.column}: {f.message(lang)}" for f in shown)
        raise FindingsProblem(
            say(
                lang,
                f"客户“{client_id}”的档案无法读取：\n{detail}",
                f"The dossier of '{client_id}' cannot be read:\n{detail}",
            )
        )
    if c is None:
        import difflib

        folders = outcome.kb.root / "clients"  # all of them, also when only one client was read
        known = sorted(p.name for p in folders.iterdir() if p.is_dir()) if folders.is_dir() else []
        near = difflib.get_close_matches(client_id, known or list(outcome.kb.clients), n=1)
        raise EnvProblem(
            say(
                lang,
                f"没有客户“{client_id}”" + (f"，是不是想写 {near[0]}？" if near else "。"),
                f"No client '{client_id}'" + (f"; did you mean {near[0]}?" if near else "."),
            )
        )
    return c


def output_to(default: str) -> Callable[[F], F]:
    """``-o/--output`` for exports that can also go to standard output (``-o -``)."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False),
        default=None,
        help=f"输出文件（默认：{default}；- 为标准输出）",
    )


output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None, help="输出文件（默认：当前目录下的中文文件名）"
)
