"""Where the KB's files come from: the working tree, or a git tree at one commit.

The pipeline's readers (discover, load, the secret scan's text reader, the boundary survey and
the attachment rule) ask a :class:`Tree` instead of the file system, so ``kb check --as-of``
runs the very same stages on the KB as committed at a past commit without touching the
working tree — no checkout, not even a temporary one: :class:`GitTree` answers from
``git ls-tree -r`` and ``git cat-file --batch``. A symlink in a git tree (mode 120000) is
judged by :mod:`generator.boundary`'s rules, as if the commit were checked out where the KB
is: a link whose target leaves the KB is refused; one that stays inside is followed.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from . import boundary
from .boundary import DIR, FILE, MISSING, OUTSIDE, Entry, Verdict

Walked = tuple[str, list[str], list[str]]  # (KB-relative folder, folder names, file names), as os.walk


class Tree(Protocol):
    """The KB's files as the pipeline reads them; paths are KB-relative POSIX strings."""

    root: Path

    def inside(self, rel: str) -> Verdict:
        """What ``rel`` leads to (boundary.inside's verdict)."""

    def lkind(self, rel: str) -> str | None:
        """What ``rel`` itself is, without following it: file, dir, link, special or None."""

    def listing(self, rel: str) -> dict[str, str]:
        """The entries of folder ``rel`` ("" for the root) and what each is (boundary.listing)."""

    def walk(self, top: str, skip: tuple[str, ...] = ()) -> Iterator[Entry]:
        """boundary.walk below ``top``."""

    def oswalk(self, top: str) -> Iterator[Walked]:
        """os.walk below ``top`` (links to folders listed as folders, never entered); the caller
        may prune the folder names in place."""

    def size(self, rel: str) -> int:
        """The size of file ``rel`` (OSError when it cannot be read)."""

    def read(self, rel: str, most: int) -> bytes | None:
        """At most ``most`` bytes of ``rel`` when it is a regular file inside the KB, else None."""


class WorkTree:
    """The KB's folder on disk, read through boundary.py."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def inside(self, rel: str) -> Verdict:
        return boundary.inside(self.root, self.root / rel)

    def lkind(self, rel: str) -> str | None:
        p = self.root / rel
        if p.is_symlink():
            return "link"
        if not p.exists():
            return None
        return FILE if p.is_file() else DIR if p.is_dir() else boundary.SPECIAL

    def listing(self, rel: str) -> dict[str, str]:
        return boundary.listing(self.root, self.root / rel if rel else self.root)

    def walk(self, top: str, skip: tuple[str, ...] = ()) -> Iterator[Entry]:
        return boundary.walk(self.root, top, skip=skip)

    def oswalk(self, top: str) -> Iterator[Walked]:
        for dirpath, dirnames, filenames in os.walk(self.root / top):
            yield Path(dirpath).relative_to(self.root).as_posix(), dirnames, filenames

    def size(self, rel: str) -> int:
        return (self.root / rel).stat().st_size

    def read(self, rel: str, most: int) -> bytes | None:
        return boundary.read_inside(self.root, self.root / rel, most)


def as_tree(where: Path | Tree) -> Tree:
    return WorkTree(where) if isinstance(where, Path) else where


_LINK, _BLOB, _SUB = "120000", "blob", "commit"
_MAX_HOPS = 40  # as the kernel's symlink limit: a loop is "missing", like ELOOP


class GitError(Exception):
    """git could not list or read the commit's tree."""


class _Cat:
    """One ``git cat-file --batch`` process, started on first use and ended by :meth:`close`
    (or when its owner is collected)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc: subprocess.Popen[bytes] | None = None
        self._finalizer: Callable[[], object] | None = None

    def read(self, sha: str) -> bytes:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                ["git", "--no-optional-locks", "-C", str(self.root), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            self._finalizer = weakref.finalize(self, _end, self.proc)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:
            raise OSError(f"git cat-file: {sha} cannot be read")
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)
        return data

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self.proc = None


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


class GitTree:
    """The KB (``root``, possibly a folder inside the repository) as committed at ``commit``."""

    def __init__(self, root: Path, commit: str) -> None:
        self.root = root
        self.commit = commit
        try:
            proc = subprocess.run(
                ["git", "--no-optional-locks", "-C", str(root), "ls-tree", "-r", "-l", "-z", commit],
                capture_output=True,
                check=False,
            )
        except OSError as exc:
            raise GitError(str(exc)) from exc
        if proc.returncode != 0:
            raise GitError(proc.stderr.decode("utf-8", "replace").strip())
        # Paths are relative to root (ls-tree lists the current folder's part of the tree).
        self._entries: dict[str, tuple[str, str, str, int]] = {}  # rel -> (mode, type, sha, size)
        self._children: dict[str, dict[str, str]] = {"": {}}  # folder -> name -> file|dir|link|sub
        for item in proc.stdout.split(b"\0"):
            if not item:
                continue
            meta, _, raw_path = item.partition(b"\t")
            mode, kind, sha, size = meta.decode().split()
            rel = raw_path.decode("utf-8", "surrogateescape")
            self._entries[rel] = (mode, kind, sha, int(size) if size.isdigit() else 0)
            parent, _, name = rel.rpartition("/")
            self._add_dirs(parent)
            self._children[parent][name] = "link" if mode == _LINK else "sub" if kind == _SUB else FILE
        self._real_root = [p for p in os.path.realpath(root).split(os.sep) if p]
        self._cat = _Cat(root)

    def _add_dirs(self, folder: str) -> None:
        while folder not in self._children:
            self._children[folder] = {}
            parent, _, name = folder.rpartition("/")
            self._add_dirs(parent)
            self._children[parent][name] = DIR

    def close(self) -> None:
        """End the ``git cat-file`` process (a later read starts a new one)."""
        self._cat.close()

    # -- paths: absolute component lists, as the file system would see a checkout at root --

    def _rel_of(self, parts: list[str]) -> str | None:
        n = len(self._real_root)
        if parts[:n] != self._real_root:
            return None
        return "/".join(parts[n:])

    def _kind_abs(self, parts: list[str]) -> str | None:
        rel = self._rel_of(parts)
        if rel is None:  # outside the KB: what the file system says (a checkout would see the same)
            path = "/" + "/".join(parts)
            if os.path.islink(path):
                return "link"
            return DIR if os.path.isdir(path) else FILE if os.path.exists(path) else None
        if rel == "":
            return DIR
        parent, _, name = rel.rpartition("/")
        return self._children.get(parent, {}).get(name)

    def _target(self, parts: list[str]) -> str:
        rel = self._rel_of(parts)
        if rel is None:
            try:
                return os.readlink("/" + "/".join(parts))
            except OSError:
                return ""
        return self._cat.read(self._entries[rel][2]).decode("utf-8", "surrogateescape")

    def _real(self, parts: list[str], hops: int = 0) -> tuple[list[str], bool]:
        """os.path.realpath of an absolute path; False when it loops."""
        out: list[str] = []
        for i, comp in enumerate(parts):
            if comp in ("", "."):
                continue
            if comp == "..":
                if out:
                    out.pop()
                continue
            out.append(comp)
            if self._kind_abs(out) == "link":
                if hops >= _MAX_HOPS:
                    return out + parts[i + 1 :], False
                target = self._target(out)
                base = [] if target.startswith("/") else out[:-1]
                out, ok = self._real(base + target.split("/"), hops + 1)
                if not ok:
                    return out + parts[i + 1 :], False
        return out, True

    def _within(self, parts: list[str]) -> bool:
        return self._rel_of(parts) is not None

    def inside(self, rel: str) -> Verdict:
        norm = posixpath.normpath(rel) if rel else "."
        if norm.startswith("/"):  # an absolute path is inside when it is under the KB's folder
            norm = os.path.relpath(norm, os.path.abspath(self.root))
        if norm == ".." or norm.startswith("../"):
            return Verdict(OUTSIDE, target=rel)
        cur = list(self._real_root)
        done: list[str] = []
        for part in [p for p in norm.split("/") if p not in ("", ".")]:
            done.append(part)
            nxt = [*cur, part]
            kind = self._kind_abs(nxt)
            if kind is None:
                return Verdict(MISSING)
            if kind == "link":
                resolved, ok = self._real(nxt)
                if not self._within(resolved):
                    return Verdict(OUTSIDE, link="/".join(done), target=self._target(nxt))
                if not ok:
                    return Verdict(MISSING)
                cur = resolved
            else:
                cur = nxt
        final = self._kind_abs(cur)
        if final in (DIR, "sub"):
            return Verdict(DIR)
        return Verdict(FILE) if final == FILE else Verdict(MISSING)

    def lkind(self, rel: str) -> str | None:
        kind = self._kind_abs([*self._real_root, *[p for p in rel.split("/") if p]])
        return DIR if kind == "sub" else kind

    def _folder(self, rel: str) -> dict[str, str]:
        """The children of the folder ``rel`` leads to (following links inside the KB)."""
        real, ok = self._real([*self._real_root, *[p for p in rel.split("/") if p]])
        inner = self._rel_of(real) if ok else None
        return self._children.get(inner, {}) if inner is not None else {}

    def listing(self, rel: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, kind in self._folder(rel).items():
            if kind == "link":
                out[name] = self.inside(f"{rel}/{name}" if rel else name).kind
            else:
                out[name] = DIR if kind == "sub" else kind
        return out

    def walk(self, top: str, skip: tuple[str, ...] = ()) -> Iterator[Entry]:
        if self.inside(top).kind != DIR:
            return
        stack = [top]
        while stack:
            rel_dir = stack.pop()
            subdirs = []
            for name, kind in sorted(self._folder(rel_dir).items()):
                rel = f"{rel_dir}/{name}"
                if kind == "link":
                    yield Entry(rel, self.inside(rel), is_link=True)
                elif kind in (DIR, "sub"):
                    if name not in boundary.SKIP_DIRS and rel not in skip:
                        subdirs.append(rel)
                else:
                    yield Entry(rel, Verdict(FILE))
            stack.extend(reversed(subdirs))

    def oswalk(self, top: str) -> Iterator[Walked]:
        if self.inside(top).kind != DIR:
            return
        stack = [top]
        while stack:
            rel_dir = stack.pop()
            dirnames: list[str] = []
            filenames: list[str] = []
            real: list[str] = []
            for name, kind in self._folder(rel_dir).items():
                if kind == "link":
                    if self.inside(f"{rel_dir}/{name}").kind == DIR:
                        dirnames.append(name)
                    else:
                        filenames.append(name)
                elif kind in (DIR, "sub"):
                    dirnames.append(name)
                    real.append(name)
                else:
                    filenames.append(name)
            yield rel_dir, dirnames, filenames
            stack.extend(reversed([f"{rel_dir}/{d}" for d in dirnames if d in real]))

    def _blob(self, rel: str) -> tuple[str, int] | None:
        real, ok = self._real([*self._real_root, *[p for p in rel.split("/") if p]])
        inner = self._rel_of(real) if ok else None
        entry = self._entries.get(inner) if inner is not None else None
        if entry is None or entry[1] != _BLOB or entry[0] == _LINK:
            return None
        return entry[2], entry[3]

    def blob_id(self, rel: str) -> str | None:
        """The id of the blob ``rel`` reads (following links inside the KB), or None: the same id
        is the same content, so what was read from it once can be reused."""
        if not self.inside(rel).readable:
            return None
        blob = self._blob(rel)
        return blob[0] if blob is not None else None

    def size(self, rel: str) -> int:
        blob = self._blob(rel)
        if blob is None:
            raise OSError(2, "No such file or directory", rel)
        return blob[1]

    def read(self, rel: str, most: int) -> bytes | None:
        if not self.inside(rel).readable:
            return None
        blob = self._blob(rel)
        if blob is None:
            return None
        sha, size = blob
        if size > max(most, _STREAM_FROM):  # a big attachment: read only its head, not all of it into memory
            return _head_of(self.root, sha, most)
        return self._cat.read(sha)[:most]


_STREAM_FROM = 1024 * 1024  # blobs larger than this (and than what is asked for) are streamed


def _head_of(root: Path, sha: str, most: int) -> bytes:
    """The first ``most`` bytes of a blob, from its own ``git cat-file blob`` (ended after that)."""
    proc = subprocess.Popen(
        ["git", "--no-optional-locks", "-C", str(root), "cat-file", "blob", sha],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    try:
        data = proc.stdout.read(most)
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()
    return data
