"""Text to data: libyaml's event stream built into plain values and a line map.

The event stream does not recurse (the C composer segfaults at ~30,000 nested brackets),
so reading stops at the depth limit after reading only that far. Anchors, aliases, tags,
directives, several documents and duplicate keys are refused at their line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..finding import Msg, error
from .encoding import BAD_CHARS, bad_char
from .loaded import RULE, KeyPath, Loaded

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+\Z")
_NULLS = frozenset({"", "~", "null"})
_MAX_NUMBER_LEN = 20


def too_deep(max_depth: int) -> tuple[Msg, Msg]:
    """The refusal of a structure nested deeper than the limit (ours, or libyaml's own)."""
    return (
        Msg(
            f"嵌套层级超过上限 {max_depth} 层，已停止读取该文件。",
            f"Nesting deeper than {max_depth} levels; reading stopped.",
        ),
        Msg(
            "检查是否有未闭合的括号；档案不需要这么深的结构。",
            "Look for unclosed brackets; no dossier needs such depth.",
        ),
    )


class Builder:
    """Consumes libyaml events and builds plain Python data plus the line map."""

    def __init__(self, out: Loaded, max_depth: int) -> None:
        self.out = out
        self.max_depth = max_depth
        self.file = out.file
        self.nxt: Any = None

    def refuse(self, ev: Any, zh: str, en: str, hint_zh: str, hint_en: str) -> None:
        m = ev.start_mark
        self.out.findings.append(error(self.file, m.line + 1, m.column + 1, RULE, Msg(zh, en), Msg(hint_zh, hint_en)))

    def check_node(self, ev: Any, path: KeyPath) -> None:
        """Refuse anchors and tags on a node. An anchor leaves the value as written; a tag on
        a scalar changes how it would be read, so later stages stay quiet about that value."""
        if getattr(ev, "anchor", None):
            self.refuse(
                ev,
                f"不允许使用锚点（&{ev.anchor}）。",
                f"Anchors (&{ev.anchor}) are not allowed.",
                "把内容直接写出来，不要用 & 和 * 复用。",
                "Write the content out; do not reuse it with & and *.",
            )
        tag = getattr(ev, "tag", None)
        if tag:
            self.refuse(
                ev,
                f"不允许使用标签（{tag}）。",
                f"Tags ({tag}) are not allowed.",
                "删除以 ! 开头的标签；需要文本时给值加引号。",
                "Remove the tag starting with '!'; quote the value if you mean text.",
            )
            if type(ev) is _Scalar:
                self.out.poisoned.add(path)

    def scalar(self, ev: Any, path: KeyPath) -> Any:
        if ev.anchor is not None or ev.tag is not None:
            self.check_node(ev, path)
        value: str = ev.value
        if ev.style == "" and ev.tag is None:
            typed = _type_plain(value)
            if typed is not value and typed is not None and typed is not True and typed is not False:
                self.out.source_text[path] = value
            return typed
        bad = BAD_CHARS.search(value)
        if bad:  # an escape such as "\x01" or "\0" in a double-quoted string
            mk = ev.start_mark
            self.out.findings.append(bad_char(self.file, mk.line + 1, mk.column + 1, bad.group()))
            self.out.poisoned.add(path)
        return value

    def build(self, nxt: Any) -> None:
        nxt()  # StreamStart
        ev = nxt()
        if type(ev) is yaml.StreamEndEvent:  # empty file
            self.out.usable = True
            return
        if ev.version is not None or ev.tags:
            self.refuse(
                ev,
                "不允许使用 %YAML 或 %TAG 指令。",
                "%YAML and %TAG directives are not allowed.",
                "删除文件开头以 % 开头的行。",
                "Delete the lines starting with '%' at the top of the file.",
            )
            return
        self.nxt = nxt
        root = nxt()
        self.out.positions[()] = (root.start_mark.line + 1, root.start_mark.column + 1)
        data = self.node(root, (), 0)
        if data is _ABORT:
            return
        nxt()  # DocumentEnd
        ev = nxt()
        if type(ev) is yaml.DocumentStartEvent:
            self.refuse(
                ev,
                "一个文件只能有一个 YAML 文档（出现了第二个“---”）。",
                "A file may hold only one YAML document (a second '---' appears).",
                "把第二个文档拆到它自己的文件里，或删除多余的“---”。",
                "Move the second document into its own file, or delete the extra '---'.",
            )
            return
        self.out.data = data
        self.out.usable = True

    def node(self, ev: Any, path: KeyPath, depth: int) -> Any:
        kind = type(ev)
        if kind is _Scalar:
            return self.scalar(ev, path)
        if kind is yaml.AliasEvent:
            self.refuse(
                ev,
                f"不允许使用别名（*{ev.anchor}）。",
                f"Aliases (*{ev.anchor}) are not allowed.",
                "把被引用的内容直接写在这里。",
                "Write the referenced content out here.",
            )
            self.out.poisoned.add(path)
            return None
        if depth >= self.max_depth:
            message, hint = too_deep(self.max_depth)
            self.refuse(ev, message.zh, message.en, hint.zh, hint.en)
            return _ABORT
        if ev.anchor is not None or ev.tag is not None:
            self.check_node(ev, path)
        positions = self.out.positions
        source_text = self.out.source_text
        nxt = self.nxt
        # The loops below type plain, untagged scalars inline: most values are, and a
        # method call per value would double the cost of reading a file.
        if kind is yaml.SequenceStartEvent:
            seq: list[Any] = []
            ev = nxt()
            while type(ev) is not _SeqEnd:
                p = (*path, len(seq))
                mark = ev.start_mark
                positions[p] = (mark.line + 1, mark.column + 1)
                if type(ev) is _Scalar and ev.style == "" and ev.anchor is None and ev.tag is None:
                    item = _type_plain(ev.value)
                    if type(item) is int or type(item) is float:
                        source_text[p] = ev.value
                else:
                    item = self.node(ev, p, depth + 1)
                    if item is _ABORT:
                        return _ABORT
                seq.append(item)
                ev = nxt()
            return seq
        # MappingStartEvent
        mapping: dict[str, Any] = {}
        ev = nxt()
        while type(ev) is not _MapEnd:
            mark = ev.start_mark
            kpos = (mark.line + 1, mark.column + 1)
            if type(ev) is not _Scalar:
                self.refuse(
                    ev,
                    "键必须是简单文本，不能是列表、映射或别名。",
                    "A key must be plain text, not a list, mapping or alias.",
                    "把这个键改写成一个普通的名字。",
                    "Rewrite the key as a plain name.",
                )
                if type(ev) is not yaml.AliasEvent and self.node(ev, path, depth + 1) is _ABORT:
                    return _ABORT
                if self.node(nxt(), path, depth + 1) is _ABORT:
                    return _ABORT
                ev = nxt()
                continue
            key: str = ev.value
            p = (*path, key)
            if ev.anchor is not None or ev.tag is not None:
                self.check_node(ev, p)
            if ev.style != "":
                bad = BAD_CHARS.search(key)
                if bad:  # an escape such as "\x01" in a quoted key
                    self.out.findings.append(bad_char(self.file, kpos[0], kpos[1], bad.group()))
                    key = BAD_CHARS.sub("", key)
                    p = (*path, key)
            first = positions.get(p) if key in mapping else None
            ev = nxt()
            if type(ev) is _Scalar and ev.style == "" and ev.anchor is None and ev.tag is None:
                value = _type_plain(ev.value)
                if type(value) is int or type(value) is float:
                    source_text[p] = ev.value
            else:
                value = self.node(ev, p, depth + 1)
                if value is _ABORT:
                    return _ABORT
            if first is not None:
                self.out.findings.append(
                    error(
                        self.file,
                        kpos[0],
                        kpos[1],
                        RULE,
                        Msg(
                            f"键“{key}”重复：第 {first[0]} 行和第 {kpos[0]} 行。",
                            f"Duplicate key '{key}': lines {first[0]} and {kpos[0]}.",
                        ),
                        Msg(
                            "合并这两处，只保留一个。YAML 会悄悄丢掉其中一个值。",
                            "Merge the two; YAML would silently drop one of the values.",
                        ),
                    )
                )
            else:
                positions[p] = kpos
                mapping[key] = value
            ev = nxt()
        return mapping


def _type_plain(value: str) -> Any:
    """A plain scalar's value: only true/false, decimal integers without a leading zero and
    plain decimals are typed; null/~/empty are None; everything else is the text as written."""
    if value in _NULLS:
        return None
    c = value[0]
    if c == "t" or c == "f":
        return True if value == "true" else False if value == "false" else value
    # A number longer than any money amount or count stays text: int() refuses more than
    # 4,300 digits and float() turns huge decimals into infinity.
    if (c.isdigit() or c == "-") and len(value) <= _MAX_NUMBER_LEN and (_INT.match(value) or _FLOAT.match(value)):
        return float(value) if "." in value else int(value)
    return value


_ABORT: Any = object()
_Scalar = yaml.ScalarEvent
_SeqEnd = yaml.SequenceEndEvent
_MapEnd = yaml.MappingEndEvent
