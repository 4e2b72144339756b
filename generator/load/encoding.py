"""Bytes to text: UTF-8 only, and a clear finding for whatever else the bytes are."""

from __future__ import annotations

import re

from ..finding import Finding, Msg, error
from .loaded import RULE, Pos

# Characters that must not appear in the text or in a value (tab, LF and CR are fine).
# NEL and the Unicode line/paragraph separators are line breaks to YAML but not to editors:
# accepted, they would shift every later line number, so they are refused too.
BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_LINE_BREAKS = {"\x85": "NEL", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}
_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
_CJK = re.compile("[\u4e00-\u9fff]")


# Lines are counted as YAML counts them: LF, CR LF, or a lone CR (old Mac files).


def _line_of_offset(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + raw.count(b"\r", 0, offset) - raw.count(b"\r\n", 0, offset) + 1


def _line_col_of_index(text: str, index: int) -> Pos:
    line = text.count("\n", 0, index) + text.count("\r", 0, index) - text.count("\r\n", 0, index) + 1
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    return line, index - start + 1


def decode(raw: bytes, file: str) -> tuple[str | None, list[Finding]]:
    """UTF-8 (optionally with a BOM) or a finding that says what the bytes are instead."""
    problem = _not_utf8(raw)
    if problem is None:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8"), []
    line, message = problem
    return None, [
        error(
            file,
            line,
            1,
            RULE,
            message,
            Msg(
                "请用 UTF-8 编码重新保存该文件（VS Code：右下角编码 → 通过编码保存 → UTF-8）。",
                "Re-save the file as UTF-8 (VS Code: encoding in the status bar → Save with Encoding → UTF-8).",
            ),
        )
    ]


def _not_utf8(raw: bytes) -> tuple[int, Msg] | None:
    """None for UTF-8; else the line of the first bad byte and what the bytes look like."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) >= 2 and (raw[0] == 0 or raw[1] == 0)):
        return 1, Msg("文件是 UTF-16 编码，只接受 UTF-8。", "The file is UTF-16; only UTF-8 is accepted.")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of_offset(raw, exc.start)
        if _ENCODED_SURROGATE.match(raw, exc.start):
            return line, Msg(
                "文件含有孤立的代理项（UTF-16 代理字符被当成 UTF-8 写入），不是合法的 UTF-8。",
                "The file contains a lone surrogate (a UTF-16 surrogate written as UTF-8); this is not valid UTF-8.",
            )
        try:
            looks_gbk = bool(_CJK.search(raw.decode("gb18030")))
        except UnicodeDecodeError:
            looks_gbk = False
        if looks_gbk:
            return line, Msg(
                "文件看起来是 GBK/GB18030 编码，只接受 UTF-8。",
                "The file looks GBK/GB18030-encoded; only UTF-8 is accepted.",
            )
        byte = raw[exc.start]
        return line, Msg(
            f"第 {line} 行有不是 UTF-8 的字节（0x{byte:02X}）。",
            f"Line {line} has a byte that is not UTF-8 (0x{byte:02X}).",
        )
    return None


def bad_char_findings(text: str, file: str) -> list[Finding]:
    out: list[Finding] = []
    for m in BAD_CHARS.finditer(text):
        line, col = _line_col_of_index(text, m.start())
        out.append(bad_char(file, line, col, m.group()))
        if len(out) >= 20:  # a binary file would otherwise give thousands
            break
    return out


def bad_char(file: str, line: int, col: int, ch: str) -> Finding:
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
    if ch in _LINE_BREAKS:
        return error(
            file,
            line,
            col,
            RULE,
            Msg(
                f"含有特殊换行符 {code}（{_LINE_BREAKS[ch]}）：YAML 把它当作换行，编辑器却不换行，行号会因此错位。",
                f"Special line break {code} ({_LINE_BREAKS[ch]}): YAML breaks the line here but editors do not, "
                "so line numbers would shift.",
            ),
            Msg(
                "删除该字符，需要换行就用普通回车（常见于从网页或 Word 复制的文本）。",
                "Delete it and use a normal line break (it often comes with text pasted from a web page or Word).",
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
