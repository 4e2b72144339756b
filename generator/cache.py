"""Files under ``.kb-cache/``: hints that make the next run faster, never a source of truth.

Every reader here checks what it reads — the format version, the shape, a digest of the
content and the key the content was stored under — and answers "nothing cached" for anything
unexpected (valid JSON of another shape, a truncated file, a picture that is not a complete
SVG or PNG, a symlink, a device), so a damaged cache is rebuilt instead of breaking the run.
Every writer writes a temporary file in the same folder, syncs it and renames it over the old
one, so a killed run leaves either the old file or the new one, never half of one.

A digest only catches accidents (truncation, a bad disk, a hand edit): whoever can write the
checkout can also write a well-formed cache. ``kb`` therefore refuses a cache that git tracks
(a pull request cannot ship one), and SECURITY.md says what remains.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from .finding import Msg

CACHE_DIR = ".kb-cache"
_IGNORE = "# kb's cache: hints only, rebuilt when missing or damaged; never commit it\n*\n"
_TMP_PREFIX = ".tmp-"
_STALE_TMP_SECONDS = 3600  # a temporary file this old belongs to a run that was killed


def folder(root: Path, *sub: str, create: bool = True) -> Path | None:
    """``.kb-cache/<sub…>`` under ``root``, created with the ``.gitignore`` that keeps it out of
    git; None when it cannot be used (read-only checkout, or something that is not a plain
    folder of ours is in the way — a committed symlink must not make us write elsewhere)."""
    base = root / CACHE_DIR
    try:
        if create:
            base.mkdir(exist_ok=True)
        if not _plain_dir(base):
            return None
        ignore = base / ".gitignore"
        if create and _read(ignore, 4096) != _IGNORE.encode():
            write_atomic(ignore, _IGNORE.encode())
        out = base.joinpath(*sub)
        if create:
            for part in range(1, len(sub) + 1):
                step = base.joinpath(*sub[:part])
                step.mkdir(exist_ok=True)
                if not _plain_dir(step):
                    return None
        return out if _plain_dir(out) else None
    except OSError:
        return None


def _plain_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _read(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, never following a symlink and
    never blocking on a FIFO or reading a device; None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_bytes(path: Path, limit: int = 1 << 30) -> bytes | None:
    """A cache file's bytes (see :func:`_read`); None when missing or not a plain file."""
    return _read(path, limit)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` all at once: temp file in the same folder, fsync, rename.
    Raises OSError (the caller decides whether a cache that cannot be written matters)."""
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would lock out the checkout's other users
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a power cut only once the folder is synced
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def sweep_temporaries(where: Path, now: float | None = None) -> None:
    """Remove the temporary files a killed run left in ``where`` (old enough not to be a
    concurrent run's)."""
    limit = (time.time() if now is None else now) - _STALE_TMP_SECONDS
    try:
        entries = list(os.scandir(where))
    except OSError:
        return
    for e in entries:
        if not e.name.startswith(_TMP_PREFIX):
            continue
        with contextlib.suppress(OSError):
            if e.is_file(follow_symlinks=False) and e.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(e.path)


# ----------------------------------------------------------------------------- JSON documents


def dumps(kind: str, version: int, payload: object) -> bytes:
    """A JSON cache document: its kind, version, a digest of the payload, then the payload."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    head = {"kind": kind, "version": version, "sha256": hashlib.sha256(body.encode()).hexdigest()}
    return (json.dumps(head, sort_keys=True) + "\n" + body + "\n").encode()


class Damaged(Exception):
    """A cache file exists but is not what we wrote; ``reason`` says how, for the info line."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason.en)
        self.reason = reason


_NOT_OURS = Msg("不是 kb 的缓存文件", "not a kb cache file")
_MISMATCH = Msg("内容与摘要不符（被截断或改动过）", "content does not match its digest (truncated or edited)")


def loads(data: bytes, kind: str, version: int) -> object | None:
    """The payload written by :func:`dumps`; None for another version (an upgrade: rebuilt
    silently); raises :class:`Damaged` for anything else unexpected."""
    head_line, sep, rest = data.partition(b"\n")
    try:
        head = json.loads(head_line)
    except (ValueError, RecursionError) as exc:
        raise Damaged(_NOT_OURS) from exc
    if isinstance(head, dict) and "kind" not in head and isinstance(head.get("version"), int):
        return None  # a whole-file JSON cache of an earlier kb (``{"version": 1, …}``): an upgrade
    if not isinstance(head, dict) or head.get("kind") != kind:
        raise Damaged(_NOT_OURS)
    if head.get("version") != version:
        return None
    body = rest[:-1] if rest.endswith(b"\n") else rest
    if not sep or not isinstance(head.get("sha256"), str) or hashlib.sha256(body).hexdigest() != head["sha256"]:
        raise Damaged(_MISMATCH)
    try:
        payload: object = json.loads(body)
    except (ValueError, RecursionError) as exc:  # only a file made to match its digest gets here
        raise Damaged(Msg("JSON 无法解析", "unreadable JSON")) from exc
    return payload


# ----------------------------------------------------------------------------- pictures

_PIC_MAGIC = b"kb-picture 1\n"
_PIC_LIMIT = 64 << 20
_KEY = re.compile(r"[0-9a-f]{16,128}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def complete_picture(data: bytes) -> bool:
    """Whether ``data`` is a whole PNG (signature … IEND) or a whole SVG document (… ``</svg>``).
    Both our renderers write one of the two; anything else is not a picture we drew."""
    if data.startswith(_PNG_SIGNATURE):
        return data.endswith(_PNG_END)
    text = data.strip()
    return text.startswith((b"<?xml", b"<svg")) and text.endswith(b"</svg>")


def pack_picture(key: str, data: bytes) -> bytes:
    """The cache file for a picture: a header naming the key it was drawn for and the digest
    and size of its bytes, then the bytes."""
    head = json.dumps({"key": key, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    return _PIC_MAGIC + head.encode() + b"\n" + data


def unpack_picture(key: str, raw: bytes) -> bytes:
    """The picture stored for ``key``; raises :class:`Damaged` unless the file is whole, was
    written for this key and holds a complete SVG/PNG."""
    if not raw.startswith(_PIC_MAGIC):
        raise Damaged(Msg("不是 kb 的图片缓存", "not a kb picture file"))
    head_line, sep, data = raw[len(_PIC_MAGIC) :].partition(b"\n")
    try:
        head = json.loads(head_line)
    except (ValueError, RecursionError) as exc:
        raise Damaged(Msg("文件头无法解析", "unreadable header")) from exc
    if not sep or not isinstance(head, dict) or head.get("key") != key:
        raise Damaged(Msg("存的是另一张图", "stored for another picture"))
    if head.get("size") != len(data) or head.get("sha256") != hashlib.sha256(data).hexdigest():
        raise Damaged(_MISMATCH)
    if not complete_picture(data):
        raise Damaged(Msg("不是完整的 SVG/PNG", "not a complete SVG/PNG"))
    return data


def picture_path(where: Path, key: str) -> Path | None:
    """Where the picture for ``key`` lives; None for a key that is not a plain digest."""
    return where / key if _KEY.fullmatch(key) else None


def read_picture(where: Path, key: str) -> bytes | None:
    """The cached picture for ``key``, or None when there is none; raises :class:`Damaged`
    when there is a file that fails the checks (the caller redraws and says so once)."""
    path = picture_path(where, key)
    if path is None:
        return None
    raw = _read(path, _PIC_LIMIT)
    if raw is None:
        if os.path.lexists(path):
            raise Damaged(Msg("不是普通文件", "not a regular file"))
        return None
    return unpack_picture(key, raw)


def committed(root: Path) -> bool:
    """Whether git tracks anything under ``.kb-cache/`` of ``root``: such a cache came with a
    commit — from whoever made it — and is not used (False outside git)."""
    try:
        proc = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(root), "ls-files", "-z", "--", CACHE_DIR],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0 and bool(proc.stdout.strip(b"\0"))


COMMITTED = Msg(
    "git 跟踪着 .kb-cache/ 中的文件（缓存随提交而来，不可信）：本次不用缓存；请执行 git rm -r --cached .kb-cache",
    "git tracks files in .kb-cache/ (a cache that came with a commit is not trusted): no cache used this time; "
    "run git rm -r --cached .kb-cache",
)
