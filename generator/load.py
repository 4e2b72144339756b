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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .finding import Finding, Msg, error

RULE = "load"
DEFAULT_MAX_BYTES = 512 * 1024
DEFAULT_MAX_DEPTH = 32

KeyPath = tuple[str | int, ...]
Pos = tuple[int, int]  # 1-based line, 1-based column

# libyaml's C parser when available (6x faster); the pure-Python one otherwise.
_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+\Z")
_NULLS = frozenset({"", "~", "null"})
# Characters that must not appear in the text or in a value (tab, LF and CR are fine).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")
_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
_CJK = re.compile("[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH


DEFAULT_LIMITS = Limits()


@dataclass
class Loaded:
    """One file's content: data, the position of every key path, and what went wrong.

    ``data`` is ``None`` when the file could not be read at all (``usable`` is False).
    ``poisoned`` holds key paths whose value was dropped or is suspect (an alias, a tag,
    a control character), so later stages do not report a second, confusing error there.
    ``source_text`` keeps what the user typed for typed scalars (``13800000000``), so a
    value the schema declares a string can be read as the text it was written as.
    """

    file: str
    data: Any = None
    usable: bool = False
    positions: dict[KeyPath, Pos] = field(default_factory=dict)
    source_text: dict[KeyPath, str] = field(default_factory=dict)
    poisoned: set[KeyPath] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)

    def pos(self, path: KeyPath) -> Pos:
        """Position of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            hit = self.positions.get(p)
            if hit is not None:
                return hit
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def is_poisoned(self, path: KeyPath) -> bool:
        p = tuple(path)
        return any(p[: i + 1] in self.poisoned for i in range(len(p))) or () in self.poisoned


# --------------------------------------------------------------------------- bytes → text


def _line_of_offset(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _line_col_of_index(text: str, index: int) -> Pos:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def decode(raw: bytes, file: str) -> tuple[str | None, list[Finding]]:
    """UTF-8 (optionally with a BOM) or a finding that says what the bytes are instead."""
    resave = Msg(
        "请用 UTF-8 编码重新保存该文件（VS Code：右下角编码 → 通过编码保存 → UTF-8）。",
        "Re-save the file as UTF-8 (VS Code: encoding in the status bar → Save with Encoding → UTF-8).",
    )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) >= 2 and (raw[0] == 0 or raw[1] == 0)):
        return None, [
            error(
                file,
                1,
                1,
                RULE,
                Msg("文件是 UTF-16 编码，只接受 UTF-8。", "The file is UTF-16; only UTF-8 is accepted."),
                resave,
            )
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of_offset(raw, exc.start)
        if _ENCODED_SURROGATE.match(raw, exc.start):
            return None, [
                error(
                    file,
                    line,
                    1,
                    RULE,
                    Msg(
                        "文件含有孤立的代理项（UTF-16 代理字符被当成 UTF-8 写入），不是合法的 UTF-8。",
                        "The file contains a lone surrogate (a UTF-16 surrogate written as UTF-8); "
                        "this is not valid UTF-8.",
                    ),
                    resave,
                )
            ]
        try:
            looks_gbk = bool(_CJK.search(raw.decode("gb18030")))
        except UnicodeDecodeError:
            looks_gbk = False
        if looks_gbk:
            return None, [
                error(
                    file,
                    line,
                    1,
                    RULE,
                    Msg(
                        "文件看起来是 GBK/GB18030 编码，只接受 UTF-8。",
                        "The file looks GBK/GB18030-encoded; only UTF-8 is accepted.",
                    ),
                    resave,
                )
            ]
        return None, [
            error(
                file,
                line,
                1,
                RULE,
                Msg(
                    f"第 {line} 行有不是 UTF-8 的字节（0x{raw[exc.start]:02X}）。",
                    f"Line {line} has a byte that is not UTF-8 (0x{raw[exc.start]:02X}).",
                ),
                resave,
            )
        ]
    return text, []


def _bad_char_findings(text: str, file: str) -> list[Finding]:
    out: list[Finding] = []
    for m in _BAD_CHARS.finditer(text):
        line, col = _line_col_of_index(text, m.start())
        out.append(_bad_char(file, line, col, m.group()))
        if len(out) >= 20:  # a binary file would otherwise give thousands
            break
    return out


def _bad_char(file: str, line: int, col: int, ch: str) -> Finding:
    code = f"U+{ord(ch):04X}"
    if ch == "\ufeff":
        return error(
            file,
            line,
            col,
            RULE,
            Msg(
                f"文件中间出现了 BOM（{code}），只允许出现在文件开头。",
                f"A byte-order mark ({code}) appears inside the text; it is only allowed at the very start.",
            ),
            Msg(
                "删除这个不可见字符（常见于把两个文件拼接在一起时）。",
                "Delete this invisible character (it usually comes from concatenating two files).",
            ),
        )
    return error(
        file,
        line,
        col,
        RULE,
        Msg(
            f"含有控制字符 {code}，不允许出现在文件或值中。",
            f"Control character {code} is not allowed in the file or in a value.",
        ),
        Msg(
            "删除该字符；如果是从别处复制的文本，请重新输入这一段。",
            "Delete the character; if the text was pasted from elsewhere, retype it.",
        ),
    )


# --------------------------------------------------------------------------- text → data

_YAML_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "mapping values are not allowed",
        "这里不能出现“键: 值”。常见原因：缩进不对，或值里含有“: ”却没有加引号。",
        "A 'key: value' is not allowed here: the indentation is wrong, or a value containing ': ' is not quoted.",
    ),
    (
        "could not find expected ':'",
        "找不到预期的冒号“:”。常见原因：上一行的引号没有闭合，或某个键缺少冒号。",
        "Expected ':' not found: a quote on a previous line is not closed, or a key lacks its colon.",
    ),
    (
        "found character that cannot start any token",
        "出现了不能作为开头的字符。常见原因：用了 Tab 缩进，或值以 @ ` % 等字符开头却没有加引号。",
        "A character that cannot start a token: a tab used for indentation, or a value starting with @ ` % unquoted.",
    ),
    (
        "found a tab character",
        "用了 Tab 缩进，YAML 只能用空格缩进。",
        "A tab is used for indentation; YAML indents with spaces only.",
    ),
    (
        "did not find expected key",
        "缩进不一致：这里应该是同一层级的一个键。",
        "Inconsistent indentation: a key of the same level was expected here.",
    ),
    (
        "did not find expected '-' indicator",
        "列表缩进不一致：这里应该是以“- ”开头的列表项。",
        "Inconsistent list indentation: an item starting with '- ' was expected here.",
    ),
    (
        "did not find expected ',' or ']'",
        "方括号列表没有闭合：缺少“,”或“]”。",
        "A [flow list] is not closed: ',' or ']' is missing.",
    ),
    (
        "did not find expected ',' or '}'",
        "花括号映射没有闭合：缺少“,”或“}”。",
        "A {flow mapping} is not closed: ',' or '}' is missing.",
    ),
    (
        "found unexpected end of stream",
        "文件意外结束：引号或括号没有闭合。",
        "Unexpected end of file: a quote or bracket is not closed.",
    ),
    (
        "found unknown escape character",
        "双引号字符串中有无效的转义（如 \\d）。含反斜杠的文本（如 Windows 路径）请改用单引号。",
        "An invalid escape in a double-quoted string (like \\d); use single quotes for text with backslashes.",
    ),
    (
        "found invalid Unicode character escape code",
        "无效的 Unicode 转义（例如孤立的代理项 \\ud800）。",
        "An invalid Unicode escape (for example a lone surrogate \\ud800).",
    ),
    (
        "block sequence entries are not allowed",
        "这里不能出现列表项“- ”：检查它的缩进。",
        "A list item '- ' is not allowed here: check its indentation.",
    ),
    (
        "found undefined tag handle",
        "使用了未定义的标签（!…），不允许使用标签。",
        "An undefined tag handle (!…) is used; tags are not allowed.",
    ),
    ("did not find expected node content", "这里缺少值。", "A value is missing here."),
    (
        "found unexpected ':'",
        "出现了意外的冒号。含冒号的值请加引号。",
        "Unexpected ':'; quote values that contain a colon.",
    ),
    (
        "found unexpected document indicator",
        "值中间出现了文档分隔符“---”或“...”。",
        "A document marker '---' or '...' appears inside a value.",
    ),
    ("control characters are not allowed", "含有控制字符，不允许出现。", "A control character is not allowed."),
)


# Contexts whose start is where the user must look (an unclosed quote or bracket, a key
# without its colon); libyaml only notices the problem lines later.
_START_CONTEXTS = (
    "while scanning a quoted scalar",
    "while parsing a flow",
    "while scanning a simple key",
    "while scanning a block scalar",
    "while scanning an anchor",
    "while scanning a tag",
)


def _open_quote_before(text: str, problem_line: int) -> Any:
    """The start of a quoted scalar that runs over several lines and ends right where the
    parser then fails: almost always a quote that was never closed (YAML lets quoted text
    continue on the next lines, so libyaml reports the error only where it ends)."""
    last = None
    try:
        for tok in yaml.scan(text, Loader=_Parser):
            if type(tok) is yaml.ScalarToken and tok.style in ('"', "'") and tok.end_mark.line > tok.start_mark.line:
                last = tok
            if tok.start_mark.line > problem_line:
                break
    except yaml.YAMLError:
        pass
    if last is not None and problem_line - 1 <= last.end_mark.line <= problem_line:
        return last.start_mark
    return None


def _syntax_finding(file: str, exc: yaml.YAMLError, text: str) -> Finding:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    context = str(getattr(exc, "context", None) or "")
    mark = problem_mark or context_mark
    noticed = ""
    if context_mark is not None and context.startswith(_START_CONTEXTS):
        if problem_mark is not None and problem_mark.line != context_mark.line:
            noticed = str(problem_mark.line + 1)
        mark = context_mark
    elif problem_mark is not None:
        quote = _open_quote_before(text, problem_mark.line)
        if quote is not None:
            noticed = str(problem_mark.line + 1)
            return error(
                file,
                quote.line + 1,
                quote.column + 1,
                RULE,
                Msg(
                    f"YAML 语法错误：这里的引号没有闭合，后面几行都被当成了同一段文本（解析到第 {noticed} 行时发现）。",
                    f"YAML syntax error: this quote is never closed, so the next lines became part of the text "
                    f"(noticed on line {noticed}).",
                ),
                Msg("在这段文本的末尾补上配对的引号。", "Add the matching quote at the end of the text."),
            )
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = str(getattr(exc, "problem", None) or exc).strip()
    where_zh = f"（解析到第 {noticed} 行时发现）" if noticed else ""
    where_en = f" (noticed on line {noticed})" if noticed else ""
    for needle, zh, en in _YAML_PROBLEMS:
        if needle in problem:
            return error(
                file,
                line,
                col,
                RULE,
                Msg(f"YAML 语法错误：{zh}{where_zh}", f"YAML syntax error: {en}{where_en}"),
                Msg(f"解析器原文：{context} {problem}".strip(), f"Parser said: {context} {problem}".strip()),
            )
    return error(
        file,
        line,
        col,
        RULE,
        Msg(f"YAML 语法错误：{problem}{where_zh}", f"YAML syntax error: {problem}{where_en}"),
        Msg("对照上下几行检查缩进、冒号和引号。", "Check indentation, colons and quotes around this line."),
    )


class _Builder:
    """Consumes libyaml events and builds plain Python data plus the line map."""

    def __init__(self, out: Loaded, max_depth: int) -> None:
        self.out = out
        self.max_depth = max_depth
        self.file = out.file
        self.nxt: Any = None

    def refuse(self, ev: Any, zh: str, en: str, hint_zh: str, hint_en: str) -> None:
        m = ev.start_mark
        self.out.findings.append(error(self.file, m.line + 1, m.column + 1, RULE, Msg(zh, en), Msg(hint_zh, hint_en)))

    def check_node(self, ev: Any, path: KeyPath) -> bool:
        """Refuse anchors and tags on a node; True when the node is clean."""
        clean = True
        if getattr(ev, "anchor", None):
            self.refuse(
                ev,
                f"不允许使用锚点（&{ev.anchor}）。",
                f"Anchors (&{ev.anchor}) are not allowed.",
                "把内容直接写出来，不要用 & 和 * 复用。",
                "Write the content out; do not reuse it with & and *.",
            )
            clean = False
        tag = getattr(ev, "tag", None)
        if tag:
            self.refuse(
                ev,
                f"不允许使用标签（{tag}）。",
                f"Tags ({tag}) are not allowed.",
                "删除以 ! 开头的标签；需要文本时给值加引号。",
                "Remove the tag starting with '!'; quote the value if you mean text.",
            )
            clean = False
        if not clean:
            self.out.poisoned.add(path)
        return clean

    def scalar(self, ev: Any, path: KeyPath) -> Any:
        if ev.anchor is not None or ev.tag is not None:
            self.check_node(ev, path)
        value: str = ev.value
        if ev.style == "" and ev.tag is None:
            typed = _type_plain(value)
            if typed is not value and typed is not None and typed is not True and typed is not False:
                self.out.source_text[path] = value
            return typed
        bad = _BAD_CHARS.search(value)
        if bad:  # an escape such as "\x01" or "\0" in a double-quoted string
            mk = ev.start_mark
            self.out.findings.append(_bad_char(self.file, mk.line + 1, mk.column + 1, bad.group()))
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
            self.refuse(
                ev,
                f"嵌套层级超过上限 {self.max_depth} 层，已停止读取该文件。",
                f"Nesting deeper than {self.max_depth} levels; reading stopped.",
                "检查是否有未闭合的括号；档案不需要这么深的结构。",
                "Look for unclosed brackets; no dossier needs such depth.",
            )
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
            if ev.anchor is not None or ev.tag is not None:
                self.check_node(ev, path)
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
    if (c.isdigit() or c == "-") and (_INT.match(value) or _FLOAT.match(value)):
        return float(value) if "." in value else int(value)
    return value


_ABORT: Any = object()
_Scalar = yaml.ScalarEvent
_SeqEnd = yaml.SequenceEndEvent
_MapEnd = yaml.MappingEndEvent


def load_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Parse already-decoded text (a leading BOM is ignored)."""
    out = Loaded(file)
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _bad_char_findings(text, file)
    if bad:
        out.findings.extend(bad)
        return out
    try:
        parser = _Parser(text)
        try:
            _Builder(out, limits.max_depth).build(parser.get_event)
        finally:
            parser.dispose()
    except yaml.YAMLError as exc:
        out.findings.append(_syntax_finding(file, exc, text))
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
    return load_text(text, file, limits)


def load_file(root: Path, rel: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read ``root/rel``; an unreadable file is a finding, not an exception."""
    path = root / rel
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:  # refuse before reading 10 MB into memory
            return _too_large(rel, size, limits)
        raw = path.read_bytes()
    except OSError as exc:
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
    return load_bytes(raw, rel, limits)


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
