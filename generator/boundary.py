"""The KB is a boundary: whatever kb reads for publishing stays inside the KB root.

A KB is a git repository that anyone with a pull request can change, and ``kb build`` runs
on a CI runner whose environment holds tokens. A committed symlink
(``files/env.log → /proc/self/environ``, ``→ /etc/passwd``, a client folder linked to a
folder elsewhere) must therefore never be read, copied, embedded or scanned: every reader
asks :func:`inside` (or reads through :func:`open_inside`) first. A symlink is fine when
its target is inside the KB too; anything else — a link out, a device, a FIFO (reading one
would block the build forever), a socket — is refused, and :func:`survey` reports each at
the link itself (rule ``boundary``). Walking never follows a link (:func:`walk` uses
``lstat`` semantics throughout).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .finding import Finding, Msg, error

if TYPE_CHECKING:
    from .source import Tree

RULE = "boundary"

FILE, DIR, OUTSIDE, SPECIAL, MISSING = "file", "dir", "outside", "special", "missing"

# What the survey walks: every folder kb reads for publishing (the docs folder is added from
# mkdocs.yml), and the files at the root it reads. ``site/generated`` is kb's own output.
TOPS = ("clients", "engineers", "calendar", "templates", "kpis")
ROOT_FILES = ("policy.yml", "mkdocs.yml")
SKIP_DIRS = frozenset({".git"})
OWN_OUTPUT = ("site/generated",)


@dataclass(frozen=True)
class Verdict:
    """What a path is, seen from the KB root. ``link`` is the KB-relative path of the symlink
    that leads out of the KB and ``target`` what that link says; ``what`` names a special file."""

    kind: str  # file | dir | outside | special | missing
    link: str | None = None
    target: str | None = None
    what: Msg | None = None

    @property
    def ok(self) -> bool:
        return self.kind in (FILE, DIR)

    @property
    def readable(self) -> bool:
        """A regular file whose every step is inside the KB."""
        return self.kind == FILE


def _real_root(root: Path) -> str:
    return os.path.realpath(root)


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _special(mode: int) -> Msg:
    if stat.S_ISFIFO(mode):
        return Msg("命名管道（FIFO）", "a named pipe (FIFO)")
    if stat.S_ISSOCK(mode):
        return Msg("套接字", "a socket")
    if stat.S_ISCHR(mode):
        return Msg("字符设备", "a character device")
    if stat.S_ISBLK(mode):
        return Msg("块设备", "a block device")
    return Msg("特殊文件", "a special file")


def _kind_of(mode: int) -> Verdict:
    if stat.S_ISREG(mode):
        return Verdict(FILE)
    if stat.S_ISDIR(mode):
        return Verdict(DIR)
    return Verdict(SPECIAL, what=_special(mode))


def inside(root: Path, path: Path) -> Verdict:
    """Where ``path`` (``root / relative``) leads: a regular file or folder inside the KB, out of
    it (through which link), a special file, or nothing. Each step is looked at with ``lstat``,
    so the link that leaves the KB is the one named, not whatever lies beyond it."""
    real_root = _real_root(root)
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return Verdict(OUTSIDE, target=str(path))
    cur = real_root
    done: list[str] = []
    for part in rel.parts:
        done.append(part)
        nxt = os.path.dirname(cur) if part == ".." else os.path.join(cur, part)
        if not _within(nxt, real_root):
            return Verdict(OUTSIDE, target="/".join(done))
        try:
            st = os.lstat(nxt)
        except OSError:
            return Verdict(MISSING)
        if stat.S_ISLNK(st.st_mode):
            resolved = os.path.realpath(nxt)
            if not _within(resolved, real_root):
                try:
                    said = os.readlink(nxt)
                except OSError:
                    said = "?"
                return Verdict(OUTSIDE, link="/".join(done), target=said)
            cur = resolved
        else:
            cur = nxt
    try:
        return _kind_of(os.stat(cur).st_mode)
    except OSError:  # a dangling link or a loop
        return Verdict(MISSING)


def open_inside(root: Path, path: Path) -> BinaryIO | None:
    """``path`` opened for reading when it is a regular file inside the KB, else None. The
    file is opened without blocking (a FIFO swapped in after the check cannot hang us) and
    checked again on the open descriptor. A file inside the KB that the system will not let us
    read (permissions) raises :class:`OSError`: that is the user's to hear, not a refusal."""
    if not inside(root, path).readable:
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not _within(os.path.realpath(path), _real_root(root)):
            os.close(fd)
            return None
        return os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        raise


def read_inside(root: Path, path: Path, most: int) -> bytes | None:
    """At most ``most`` bytes of ``path`` when it is a regular file inside the KB, else None
    (:class:`OSError` as in :func:`open_inside`)."""
    f = open_inside(root, path)
    if f is None:
        return None
    with f:
        return f.read(most)


def listing(root: Path, folder: Path) -> dict[str, str]:
    """The entries of ``folder`` (itself already judged to be inside the KB) and what each is —
    file, dir, outside, special or missing — from one directory read: only symlinks cost a
    look further (:func:`inside`)."""
    out: dict[str, str] = {}
    try:
        with os.scandir(folder) as it:
            for e in it:
                try:
                    if e.is_symlink():
                        out[e.name] = inside(root, folder / e.name).kind
                    elif e.is_dir(follow_symlinks=False):
                        out[e.name] = DIR
                    elif e.is_file(follow_symlinks=False):
                        out[e.name] = FILE
                    else:
                        out[e.name] = SPECIAL
                except OSError:
                    out[e.name] = MISSING
    except OSError:
        pass
    return out


@dataclass(frozen=True)
class Entry:
    """One thing found while walking: a KB-relative path and what it is."""

    rel: str
    verdict: Verdict
    is_link: bool = False


def walk(root: Path, top: str, skip_dirs: frozenset[str] = SKIP_DIRS, skip: tuple[str, ...] = ()) -> Iterator[Entry]:
    """Every entry below ``root/top`` except real folders (which are walked into): regular
    files, symlinks (with where they lead; never followed) and special files, in a stable
    order. ``skip`` are KB-relative folders left out (kb's own output)."""
    if inside(root, root / top).kind != DIR:  # missing, or refused by the caller's survey
        return
    stack = [top]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(root / rel_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            rel = f"{rel_dir}/{e.name}"
            try:
                if e.is_symlink():
                    yield Entry(rel, inside(root, root / rel), is_link=True)
                elif e.is_dir(follow_symlinks=False):
                    if e.name not in skip_dirs and rel not in skip:
                        subdirs.append(rel)
                elif e.is_file(follow_symlinks=False):
                    yield Entry(rel, Verdict(FILE))
                else:
                    yield Entry(rel, _kind_of(e.stat(follow_symlinks=False).st_mode))
            except OSError:
                continue
        stack.extend(reversed(subdirs))


_MKDOCS_KEY = re.compile(r"^(?P<indent>[ ]*)(?P<key>docs_dir|custom_dir)\s*:\s*(?P<v>[^#\n]*)", re.M)


def _tree(where: Path | Tree) -> Tree:
    from .source import as_tree  # source.py builds on this module

    return as_tree(where)


def site_folders(where: Path | Tree) -> list[tuple[str, int]]:
    """The folders MkDocs copies into the site, from ``mkdocs.yml``: ``docs_dir`` (default
    ``docs``, line 0) and the theme's ``custom_dir``, each with its line. Read with a pattern,
    not a YAML loader: mkdocs.yml carries ``!!python`` tags that ours refuses. ``where`` is the
    KB's folder or a :class:`~generator.source.Tree` (a git tree for ``--as-of``)."""
    try:
        raw = _tree(where).read("mkdocs.yml", 1024 * 1024)
    except OSError:
        raw = None
    if raw is None:
        return []
    text = raw.decode("utf-8", errors="replace")
    docs: tuple[str, int] = ("docs", 0)
    themes: list[tuple[str, int]] = []
    for m in _MKDOCS_KEY.finditer(text):
        value = m.group("v").strip().strip("\"'").strip()
        line = text.count("\n", 0, m.start()) + 1
        if not value:
            continue
        if m.group("key") == "docs_dir" and not m.group("indent"):
            docs = (value, line)
        elif m.group("key") == "custom_dir" and m.group("indent"):
            themes.append((value, line))
    return [docs, *themes]


def finding(entry_rel: str, v: Verdict, line: int = 1) -> Finding:
    """The refusal of one path, at the path itself (the link, or the special file)."""
    if v.kind == OUTSIDE:
        shown = v.target or "?"
        return error(
            entry_rel,
            line,
            1,
            RULE,
            Msg(
                f"{entry_rel} 指向知识库之外（→ {shown}）：不读取、不扫描、不发布。",
                f"{entry_rel} leads outside the KB (→ {shown}): not read, scanned or published.",
            ),
            Msg(
                "把文件本身放进知识库（如 clients/<id>/files/），删除这个符号链接；符号链接只能指向知识库内。",
                "Put the file itself into the KB (e.g. clients/<id>/files/) and delete the link; a symlink may "
                "only point inside the KB.",
            ),
        )
    what = v.what or Msg("特殊文件", "a special file")
    return error(
        entry_rel,
        line,
        1,
        RULE,
        Msg(
            f"{entry_rel} 是{what.zh}，不是普通文件：不读取、不扫描、不发布。",
            f"{entry_rel} is {what.en}, not a regular file: not read, scanned or published.",
        ),
        Msg("删除它；知识库里只放普通文件。", "Delete it; a KB holds regular files only."),
    )


def survey(where: Path | Tree) -> list[Finding]:
    """A ``boundary`` finding for every link out of the KB and every special file among the
    paths kb reads for publishing: the record folders, the form templates, the folders MkDocs
    copies into the site, and policy.yml / mkdocs.yml themselves (in the KB's folder or in a
    :class:`~generator.source.Tree`)."""
    tree = _tree(where)
    out: list[Finding] = []
    for name in ROOT_FILES:
        if tree.lkind(name) in ("link", SPECIAL):
            v = tree.inside(name)
            if not v.ok:
                out.append(finding(name, v))
    tops: list[str] = list(TOPS)
    for folder, line in site_folders(tree):
        v = tree.inside(folder)
        if v.kind == OUTSIDE and v.link is not None:
            out.append(finding(v.link, v))
        elif v.kind == OUTSIDE:
            out.append(
                error(
                    "mkdocs.yml",
                    line or 1,
                    1,
                    RULE,
                    Msg(
                        f"mkdocs.yml 中的目录“{folder}”在知识库之外：站点只从知识库内的文件构建。",
                        f"The folder '{folder}' in mkdocs.yml is outside the KB: the site is built from the "
                        "KB's files only.",
                    ),
                    Msg("改成知识库内的相对路径（如 site）。", "Use a relative path inside the KB (e.g. site)."),
                )
            )
        elif v.kind == DIR:
            tops.append(Path(os.path.relpath(os.path.abspath(tree.root / folder), os.path.abspath(tree.root))).as_posix())
    seen: set[str] = set()
    for top in tops:
        if top in (".", "") or any(top == t or top.startswith(t + "/") for t in seen):
            continue
        seen.add(top)
        v = tree.inside(top)
        if (v.kind == OUTSIDE and v.link == top) or v.kind == SPECIAL:
            out.append(finding(top, v))
        for e in tree.walk(top, skip=OWN_OUTPUT):
            if e.verdict.kind in (OUTSIDE, SPECIAL):
                out.append(finding(e.rel, e.verdict))
    return out


def site_refusals(root: Path, findings: list[Finding]) -> list[Finding]:
    """The ``boundary`` findings that MkDocs would publish anyway (it follows links in the docs
    folder): with any of these, ``kb build`` must not run MkDocs at all."""
    folders = [os.path.normpath(f).replace(os.sep, "/") for f, _line in site_folders(root)]

    def of_site(file: str) -> bool:
        return file == "mkdocs.yml" or any(file == d or file.startswith(d + "/") for d in folders)

    return [f for f in findings if f.rule == RULE and of_site(f.file)]


def copy_inside(root: Path, src: Path, dest: Path) -> bool:
    """Copy ``src`` to ``dest`` when it is a regular file inside the KB (read through the same
    checks as :func:`open_inside`, so what is checked is what is copied); False otherwise, and
    :class:`OSError` when the system will not let us read it."""
    f = open_inside(root, src)
    if f is None:
        return False
    with f, open(dest, "wb") as out:
        shutil.copyfileobj(f, out)
    return True
