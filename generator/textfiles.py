"""Every file a KB holds besides the YAML records, read as text for the secret scan.

The scan decides by content, not by name: a configuration dump called ``running-config``,
a ``*.bak``, an ``id_ed25519`` or a "``.png``" that is really text are read like any ``.log``;
a real picture or binary is skipped because its first bytes say so (a known magic number, or
NUL bytes). A zip — an office document (``.docx``, ``.xlsx``, ``.pptx``, ``.odt`` …) or an
archive of files — is read inside: the text of a document's parts (one line per paragraph,
table row or spreadsheet string; cells separated by tabs), and every text member of an archive,
each after a ``# member`` line, so a password in a Word attachment or a zipped
``running-config`` is found like one in a ``.log`` (the whole attachment is then withheld). Nothing is skipped for where the KB lives — a KB under
``/tmp/.worktrees/x`` or a CI checkout under ``.cache`` is scanned — and inside the KB only
``.git`` is left out: a hidden attachment such as ``files/.env`` is scanned like the others.
Links out of the KB and special files are never opened (:mod:`generator.boundary`).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .finding import Finding, Msg, error, warning
from .source import Tree, as_tree

SCAN_LIMIT = 8 * 1024 * 1024  # bytes of one file read for the scan
HEAD = 8192  # bytes looked at to tell text from binary
SCANNED_TOPS = ("clients", "engineers")
ARCHIVE_LIMIT = 64 * 1024 * 1024  # a zip (office document, archive) read for the scan; larger ones are not opened
MAX_MEMBERS = 5000  # members of one zip looked at (a zip bomb's thousands of entries stop here)

# First bytes of the binary formats attachments come in: pictures, PDF, archives and office
# documents (zip), packet captures. A file that starts otherwise and has no NUL byte is text.
_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"\x00\x00\x01\x00",  # ICO
    b"%PDF-",
    b"PK\x03\x04",  # zip: docx, xlsx, pptx, odt
    b"PK\x05\x06",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # old Office (doc, xls, vsd)
    b"\xd4\xc3\xb2\xa1",  # pcap
    b"\xa1\xb2\xc3\xd4",
    b"\x0a\x0d\x0d\x0a",  # pcapng
    b"\x7fELF",
)


def is_binary(head: bytes) -> bool:
    """True for a picture, archive, office document or other binary file, judged by its
    first bytes; UTF-16 text (a byte-order mark) is text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"AVI ", b"WAVE"):
        return True
    if head.startswith(b"BM") and b"\x00" in head[:32]:  # BMP (a text may start with "BM")
        return True
    return head.startswith(_MAGIC) or b"\x00" in head


def decode(raw: bytes) -> str:
    """UTF-8, UTF-16 with a byte-order mark, else GB 18030 (Chinese Windows tools still write GBK)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _too_large(rel: str, limit: int) -> Finding:
    mib = limit // (1024 * 1024)
    return warning(
        rel,
        1,
        1,
        "secret",
        Msg(
            f"文本文件超过 {mib} MiB，未能完整扫描密钥：不发布。",
            f"A text file over {mib} MiB could not be scanned for secrets in full: not published.",
        ),
        Msg(
            "只保留排障需要的片段（日志截取相关时间段）；大文件放到文件服务器，这里只写链接。",
            "Keep only the part needed (cut the log to the relevant time); put large files on a file "
            "server and link to them.",
        ),
    )


def _unreadable(rel: str, exc: OSError) -> Finding:
    return error(
        rel,
        1,
        1,
        "load",
        Msg(
            f"无法读取这个文件（{exc.strerror}）：没有做密钥扫描。",
            f"Cannot read this file ({exc.strerror}): it was not scanned for secrets.",
        ),
        Msg(
            "检查文件权限（如 chmod a+r）；kb 发布前必须能读取每个附件。",
            "Check the file's permissions (e.g. chmod a+r); kb must read every attachment before publishing it.",
        ),
    )


# Where an office document keeps its words: Word (body, headers, footers, notes, comments),
# Excel (shared strings, inline strings, comments), PowerPoint (slides, notes), OpenDocument
# (content.xml) and custom document properties.
_OFFICE_PART = re.compile(
    r"(?:word/(?:document|header\d*|footer\d*|footnotes|endnotes|comments)|xl/sharedStrings|xl/worksheets/sheet\d+"
    r"|xl/comments\d*|ppt/slides/slide\d+|ppt/notesSlides/notesSlide\d+|content|docProps/custom)"
    r"\.xml\Z"
)
_WORD_CELL = re.compile(r"<w:tc\b.*?</w:tc>", re.S)  # a Word table cell: its paragraphs stay on the row's line
_BREAK = re.compile(r"</(?:w:p|a:p|text:p|text:h|si|row|w:tr|table:table-row)>|<(?:w:br|w:cr|text:line-break)\b[^>]*>")
_CELL = re.compile(r"</(?:w:tc|c|table:table-cell)>|<(?:w:tab|text:tab)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")


def _xml_text(xml: bytes) -> str:
    """The words of an office XML part: a line per paragraph or row, a tab per cell."""
    text = xml.decode("utf-8", errors="replace")
    text = _WORD_CELL.sub(lambda m: m.group(0).replace("</w:p>", " "), text)  # 密码 | 值 read as one line
    text = _CELL.sub("\t", _BREAK.sub("\n", text))
    return "\n".join(line.strip() for line in html.unescape(_TAG.sub("", text)).splitlines() if line.strip())


def _zip_text(rel: str, raw: bytes, limit: int) -> tuple[str | None, Finding | None]:
    """The text inside a zip (see the module docstring); None when it is not a readable zip."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = [i for i in zf.infolist() if not i.is_dir()][:MAX_MEMBERS]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, None
    office = any(i.filename in ("[Content_Types].xml", "mimetype") for i in infos)
    parts: list[str] = []
    size = 0
    with zf:
        for info in infos:
            if office and not _OFFICE_PART.search(info.filename):
                continue  # pictures, fonts, relationships: no words
            size += info.file_size
            if size > limit:  # inflated text beyond what one scan reads: like a text file too large
                return None, _too_large(rel, limit)
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
                continue  # an encrypted or damaged member: nothing readable to scan
            if office:
                words = _xml_text(data)
            elif data[:4] == b"PK\x03\x04" or is_binary(data[:HEAD]):
                continue  # a picture or an archive inside the archive: not opened (one level)
            else:
                words = decode(data)
            if words.strip():
                parts.append(f"# {info.filename}\n{words}")
    return "\n".join(parts), None


def read_text(where: Path | Tree, rel: str, limit: int = SCAN_LIMIT) -> tuple[str | None, Finding | None]:
    """The text of one file for the scan; None for a binary file, one outside the KB or a special
    file (the boundary survey reports those). A text file over ``limit``, or one the system will
    not let us read, is a finding instead. A zip's text is read inside it (:func:`_zip_text`).
    ``where``: the KB's folder or a Tree."""
    tree = as_tree(where)
    try:
        head = tree.read(rel, HEAD)
        if head is not None and head.startswith(b"PK\x03\x04"):
            whole = tree.read(rel, ARCHIVE_LIMIT + 1)
            if whole is None or len(whole) > ARCHIVE_LIMIT:
                return None, None  # too large to open: copied as before, not scanned (README)
            return _zip_text(rel, whole, limit)
        if head is None or is_binary(head):
            return None, None
        raw = head if len(head) < HEAD else tree.read(rel, limit + 1)
    except OSError as exc:
        return None, _unreadable(rel, exc)
    if raw is None:
        return None, None
    if len(raw) > limit:
        return None, _too_large(rel, limit)
    return decode(raw), None


def other_texts(
    where: Path | Tree, known: set[str], referenced: Iterable[str] = (), limit: int = SCAN_LIMIT
) -> tuple[dict[str, str], list[Finding]]:
    """Every text file under clients/ and engineers/ that is not one of the ``known`` records
    (attachments, logs, configuration dumps, misnamed YAML), and every ``referenced``
    attachment path (KB-relative) the walk did not see under that name (one reached through
    a linked folder inside the KB): ``{path: text}``, and a finding for each text too large
    to scan."""
    texts: dict[str, str] = {}
    findings: list[Finding] = []
    seen: set[str] = set(known)
    tree = as_tree(where)

    def take(rel: str) -> None:
        seen.add(rel)
        text, problem = read_text(tree, rel, limit)
        if text is not None:
            texts[rel] = text
        if problem is not None:
            findings.append(problem)

    for top in SCANNED_TOPS:
        for entry in tree.walk(top):
            if entry.rel not in seen and entry.verdict.readable:
                take(entry.rel)
    for rel in referenced:
        if rel not in seen:
            take(rel)
    return texts, findings
