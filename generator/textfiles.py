"""Every file a KB holds besides the YAML records, read as text for the secret scan.

The scan decides by content, not by name: a configuration dump called ``running-config``,
a ``*.bak``, an ``id_ed25519`` or a "``.png``" that is really text are read like any ``.log``;
a real picture, archive or office document is skipped because its first bytes say so (a
known magic number, or NUL bytes). Nothing is skipped for where the KB lives — a KB under
``/tmp/.worktrees/x`` or a CI checkout under ``.cache`` is scanned — and inside the KB only
``.git`` is left out: a hidden attachment such as ``files/.env`` is scanned like the others.
Links out of the KB and special files are never opened (:mod:`generator.boundary`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .finding import Finding, Msg, error, warning
from .source import Tree, as_tree

SCAN_LIMIT = 8 * 1024 * 1024  # bytes of one file read for the scan
HEAD = 8192  # bytes looked at to tell text from binary
SCANNED_TOPS = ("clients", "engineers")

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


def read_text(where: Path | Tree, rel: str, limit: int = SCAN_LIMIT) -> tuple[str | None, Finding | None]:
    """The text of one file for the scan; None for a binary file, one outside the KB or a special
    file (the boundary survey reports those). A text file over ``limit``, or one the system will
    not let us read, is a finding instead. ``where``: the KB's folder or a Tree."""
    tree = as_tree(where)
    try:
        head = tree.read(rel, HEAD)
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
