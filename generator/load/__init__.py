"""Stage 1 — bytes to data plus a line map, strictly and safely.

Why our own builder on top of libyaml's event stream rather than ``yaml.safe_load``:

* PyYAML is YAML 1.1: ``010`` → 8, ``22:30`` → 1350, ``no`` → False, dates → ``date``
  objects, duplicate keys silently keep the last value. Here only ``true``/``false``,
  decimal integers without a leading zero and plain decimals are typed; ``null``/``~``/
  empty are null; everything else stays the text the user typed.
* The composer recurses (the C one segfaults at ~30,000 nested brackets); the event
  stream does not, so we stop at the depth limit after reading only that far.
* Every key path gets its line and column, which is what makes a finding clickable.

Nothing here raises for bad input: a problem becomes a ``load`` finding and the caller
goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..finding import Msg, error
from .encoding import bad_char_findings, decode
from .events import Builder, too_deep
from .loaded import DEFAULT_LIMITS, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, RULE, KeyPath, Limits, Loaded, Pos
from .syntax import Parser, syntax_finding

if TYPE_CHECKING:
    from ..source import Tree

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "RULE",
    "KeyPath",
    "Limits",
    "Loaded",
    "Pos",
    "get",
    "load_bytes",
    "load_file",
    "load_from",
    "load_text",
]


def load_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Parse already-decoded text (a leading BOM is ignored)."""
    return _parse(text[1:] if text.startswith("\ufeff") else text, file, limits)


def _parse(text: str, file: str, limits: Limits) -> Loaded:
    out = Loaded(file, text=text)
    bad = bad_char_findings(text, file)
    if bad:
        out.findings.extend(bad)
        return out
    try:
        parser = Parser(text)
        try:
            Builder(out, limits.max_depth).build(parser.get_event)
        finally:
            parser.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if "maximum nesting depth" in str(getattr(exc, "problem", "")) and mark is not None:
            # PyYAML >= 6.0.4: libyaml's scanner stops at its own depth limit before our builder
            # sees that many events; it is the same refusal as ours.
            out.findings.append(error(file, mark.line + 1, mark.column + 1, RULE, *too_deep(limits.max_depth)))
        else:
            out.findings.append(syntax_finding(file, exc, text))
        out.usable = False
        out.data = None
    except (AttributeError, RecursionError):  # pragma: no cover - an event stream libyaml never produces
        out.findings.append(error(file, 1, 1, RULE, Msg("无法解析该文件。", "The file cannot be parsed.")))
        out.usable = False
        out.data = None
    return out


def load_bytes(raw: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Check size and encoding, then parse."""
    if len(raw) > limits.max_bytes:
        return _too_large(file, len(raw), limits)
    text, problems = decode(raw, file)
    if text is None:
        out = Loaded(file)
        out.findings.extend(problems)
        return out
    return _parse(text, file, limits)  # decode() removed the BOM; a second one is an error


def load_file(root: Path, rel: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read ``root/rel``; an unreadable file is a finding, not an exception."""
    path = root / rel
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:  # refuse before reading 10 MB into memory
            return _too_large(rel, size, limits)
        raw = path.read_bytes()
    except OSError as exc:
        return _unreadable(rel, exc)
    return load_bytes(raw, rel, limits)


def load_from(tree: Tree, rel: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read ``rel`` from a :class:`~generator.source.Tree` (the working tree or a commit's)."""
    try:
        size = tree.size(rel)
        if size > limits.max_bytes:
            return _too_large(rel, size, limits)
        raw = tree.read(rel, size)
        if raw is None:
            raise OSError(2, "No such file or directory", rel)
    except OSError as exc:
        return _unreadable(rel, exc)
    return load_bytes(raw, rel, limits)


def _unreadable(rel: str, exc: OSError) -> Loaded:
    out = Loaded(rel)
    out.findings.append(
        error(
            rel,
            1,
            1,
            RULE,
            Msg(f"无法读取文件：{exc.strerror}", f"Cannot read the file: {exc.strerror}"),
            Msg("检查文件权限，或它是否是一个目录。", "Check the file's permissions, or whether it is a folder."),
        )
    )
    return out


def _too_large(rel: str, size: int, limits: Limits) -> Loaded:
    out = Loaded(rel)
    out.findings.append(
        error(
            rel,
            1,
            1,
            RULE,
            Msg(
                f"文件过大：{size:,} 字节，上限 {limits.max_bytes:,} 字节。",
                f"File too large: {size:,} bytes, the limit is {limits.max_bytes:,}.",
            ),
            Msg(
                "档案应是文字资料；大附件请放到 files/ 目录，在档案中只写它的路径。",
                "A dossier is text; put large attachments under files/ and write only their path.",
            ),
        )
    )
    return out


def get(data: Any, path: KeyPath) -> Any:
    """Value at ``path`` in loaded data, or None."""
    cur = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(cur, list) or part >= len(cur):
                return None
        elif not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur
