"""The kb version a KB pins (its ``requirements.txt``, written by ``kb init``) against the one running.

CI installs the pinned version, so there the two agree; a finding means someone checks with
another kb than the gate does — its findings may differ, and a newer kb may need the edits
CHANGELOG.md lists. That is a ``warning`` (rule ``kb.version``) at the pin's line: shown, not
blocking (``--strict`` makes it block, as for every warning). A KB without the file (this
repository, which is the kb source itself) gets nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import DISTRIBUTION, __version__
from .finding import Finding, Msg, Severity

RULE = "kb.version"
FILE = "requirements.txt"
_MAX_BYTES = 64 * 1024
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PIN = re.compile(r"==\s*v?([0-9][A-Za-z0-9.+!-]*)")
_GIT_TAG = re.compile(r"@\s*\S+@v?([0-9][A-Za-z0-9.+!-]*)\s*$")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(text: str) -> tuple[int, str | None] | None:
    """(line, version) of the requirement naming kb; version None when it is not pinned to one."""
    for number, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0].strip()
        m = _NAME.match(body)
        if not m or _canonical(m.group(1)) != _canonical(DISTRIBUTION):
            continue
        pin = _PIN.search(body) or _GIT_TAG.search(body)
        return number, pin.group(1) if pin else None
    return None


def _key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.+!-]", version))


def check(root: Path, running: str = __version__) -> list[Finding]:
    """The ``kb.version`` finding for the KB at ``root``, if its pin differs from ``running``."""
    path = root / FILE
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return []
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = pinned(text)
    if found is None:
        return []
    line, version = found
    if version is None:
        return [
            Finding(
                FILE, line, 1, RULE, Severity.INFO,
                Msg(f"{FILE} 没有锁定 kb 的版本（应写成 {DISTRIBUTION}=={running}）：CI 与各人安装的版本可能不同。",
                    f"{FILE} does not pin kb to one version (write {DISTRIBUTION}=={running}): CI and people may run different ones."),
            )
        ]
    if version == running:
        return []
    newer = _key(running) > _key(version)
    if newer:
        message = Msg(
            f"本库锁定 kb {version}（{FILE}），正在运行的是 {running}：CI 用 {version} 检查，结果可能与这里不同。",
            f"This KB pins kb {version} ({FILE}); {running} is running: CI checks with {version}, its findings may differ.",
        )
        hint = Msg(
            f"升级本库：把这一行改为 {DISTRIBUTION}=={running}，按 kb 的 CHANGELOG.md 修改 {version} 之后不兼容的档案，"
            f"并用新版本的 schemas/ 替换本库的 schemas/；或安装锁定的版本：python -m pip install -r {FILE}。",
            f"To upgrade the KB: change this line to {DISTRIBUTION}=={running}, make the edits kb's CHANGELOG.md lists "
            f"after {version}, and replace schemas/ with the new version's; or install the pinned one: "
            f"python -m pip install -r {FILE}.",
        )
    else:
        message = Msg(
            f"本库锁定 kb {version}（{FILE}），正在运行的是较旧的 {running}：新版本的档案它可能读不懂，结果与 CI 不同。",
            f"This KB pins kb {version} ({FILE}); an older {running} is running: it may not read the newer dossiers, "
            "and its findings differ from CI's.",
        )
        hint = Msg(f"安装锁定的版本：python -m pip install -r {FILE}。", f"Install the pinned version: python -m pip install -r {FILE}.")
    return [Finding(FILE, line, 1, RULE, Severity.WARNING, message, hint)]
