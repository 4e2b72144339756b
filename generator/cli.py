"""The command layer: the ``kb`` group, one module per verb under ``generator/commands/``, and
the entry point that turns every failure into a message and an exit code.

Exit codes: 0 no error; 1 errors (or warnings under ``--strict``); 2 usage error or an
unusable environment (not a KB, our schemas unreadable, a path we cannot read or write, an
internal bug). A terminal that cannot print Chinese gets escapes, never a crash.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from . import __version__
from .commands.calendar import calendar_group
from .commands.check import check_cmd
from .commands.common import (
    EXIT_ENV,
    EXIT_FINDINGS,
    EnvProblem,
    FindingsProblem,
    say,
)
from .commands.exports import export_codeowners, export_incentives
from .commands.forms import export_application, export_blank, export_handoff, export_kb, import_application_cmd
from .commands.history import history_cmd
from .commands.init import init_cmd
from .commands.inventory import import_inventory_cmd
from .commands.new import new_group
from .commands.remind import remind_cmd
from .commands.report import report_cmd
from .commands.route import export_routing, route_cmd
from .commands.site import build_cmd, serve_cmd
from .commands.status import status_cmd
from .commands.tickets import import_tickets_cmd
from .finding import Lang


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
def cli() -> None:
    """专属工程师知识库：检查档案，发布站点与 Word 表单，导出工单路由表、保有奖励报表和 CODEOWNERS。"""


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


@cli.group("export")
def export_group() -> None:
    """导出：Word 表单（申请表、知识库手册、问题定界分析报告、空白表单）、工单路由表、保有奖励报表、CODEOWNERS。"""


@cli.group("import")
def import_group() -> None:
    """导入：把填好的 Word 表单导回为档案；把工单系统的导出计算为季度绩效指标。"""


# The commands, one module per verb (generator/commands/<verb>.py).
for _command in (init_cmd, check_cmd, build_cmd, serve_cmd, status_cmd, history_cmd, route_cmd, new_group, calendar_group, remind_cmd,
                 report_cmd):
    cli.add_command(_command)
for _command in (
    export_application,
    export_kb,
    export_handoff,
    export_blank,
    export_routing,
    export_incentives,
    export_codeowners,
):
    export_group.add_command(_command)
import_group.add_command(import_application_cmd)
import_group.add_command(import_inventory_cmd)
import_group.add_command(import_tickets_cmd)


def _tolerant_streams() -> None:
    """Let standard output and error degrade to ``\\uXXXX`` escapes when their encoding cannot
    hold a character (``PYTHONIOENCODING=latin-1``, ``LC_ALL=C PYTHONUTF8=0``): the findings and
    the exit code matter more than how a character looks. Rich and click both write through
    these streams."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or unusual stream: leave it be
                reconfigure(errors="backslashreplace")


def _blocking_file(path: str) -> str | None:
    """The file that stands where ``path`` needs a folder (``site`` a file, ``site/generated``
    wanted), or None."""
    probe = os.path.abspath(path)
    while True:
        parent = os.path.dirname(probe)
        if os.path.lexists(probe):
            return probe if not os.path.isdir(probe) and probe != os.path.abspath(path) else None
        if parent == probe:
            return None
        probe = parent


def _os_problem(exc: OSError, lang: Lang) -> str:
    """A file-system failure as a plain message naming the path: the user's environment (a
    read-only folder, a file where a folder should be), not our bug."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return say(lang, f"kb：系统错误：{reason}", f"kb: system error: {reason}")
    path = os.fsdecode(exc.filename)
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        blocking = path if os.path.lexists(path) and not os.path.isdir(path) else _blocking_file(path)
        if blocking is not None:
            return say(
                lang,
                f"kb：无法写入 {path}：{blocking} 是一个文件，这里需要文件夹（{reason}）。",
                f"kb: cannot write {path}: {blocking} is a file where a folder is needed ({reason}).",
            )
    if exc.errno == errno.ENOENT:
        return say(lang, f"kb：找不到 {path}：{reason}", f"kb: cannot find {path}: {reason}")
    # The exception does not say whether we were reading: a path that exists and that we may
    # not read is the case where it surely was a read.
    if os.path.exists(path) and not os.access(path, os.R_OK):
        return say(lang, f"kb：无法读取 {path}：{reason}", f"kb: cannot read {path}: {reason}")
    if not os.path.lexists(path):  # a file or temporary folder we tried to create: name its folder
        path = os.path.dirname(os.path.abspath(path))
    return say(lang, f"kb：无法写入 {path}：{reason}", f"kb: cannot write {path}: {reason}")


def main(argv: Sequence[str] | None = None) -> Any:
    """Console entry point: no traceback ever reaches the user."""
    _tolerant_streams()
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
    except OSError as exc:  # a path we cannot read or write: say which, exit 2 (click handles EPIPE)
        if os.environ.get("KB_DEBUG"):
            traceback.print_exc()
        click.echo(_os_problem(exc, lang), err=True)
        sys.exit(EXIT_ENV)
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
