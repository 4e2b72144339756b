"""libyaml's syntax errors, said in Chinese, at the line the user must look at."""

from __future__ import annotations

from typing import Any

import yaml

from ..finding import Finding, Msg, error
from .loaded import RULE

# libyaml's C parser when available (6x faster); the pure-Python one otherwise.
Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
        for tok in yaml.scan(text, Loader=Parser):
            if type(tok) is yaml.ScalarToken and tok.style in ('"', "'") and tok.end_mark.line > tok.start_mark.line:
                last = tok
            if tok.start_mark.line > problem_line:
                break
    except yaml.YAMLError:
        pass
    if last is not None and problem_line - 1 <= last.end_mark.line <= problem_line:
        return last.start_mark
    return None


def syntax_finding(file: str, exc: yaml.YAMLError, text: str) -> Finding:
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
    if "cannot start any token" in problem and mark is not None:
        lines = text.splitlines()
        ch = lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""
        if ch == "\t":
            return error(
                file,
                line,
                col,
                RULE,
                Msg(
                    "YAML 语法错误：用了 Tab 缩进，YAML 只能用空格缩进。",
                    "YAML syntax error: a tab is used for indentation; YAML indents with spaces only.",
                ),
                Msg(
                    "把这一行开头的 Tab 换成空格（每级两个空格）；编辑器可设置“用空格代替 Tab”。",
                    "Replace the tab at the start of the line with spaces (two per level).",
                ),
            )
        if ch in ("@", "`", "%"):
            return error(
                file,
                line,
                col,
                RULE,
                Msg(
                    f"YAML 语法错误：值不能以“{ch}”开头，除非加引号。",
                    f"YAML syntax error: a value cannot start with '{ch}' unless quoted.",
                ),
                Msg(f'给这个值加上引号，例如 "{ch}…"。', f'Quote the value, e.g. "{ch}…".'),
            )
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
