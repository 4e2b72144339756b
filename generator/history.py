"""Stage: history — when each record was first written down and each section last changed.

One ``git log --first-parent -M --raw`` pass lists every version of every KB file (renames
followed); ``git cat-file --batch`` reads the versions not seen before, which are parsed
with our own loader and reduced to *facts*: the record keys they hold (events,
certificates, incidents …), a hash of each section's canonical content (so reformatting
and key reordering are not a change) and whether the knowledge base is complete. Facts are
cached by blob id in ``.kb-cache/``, so a second run reads only what is new.

Dates are committer dates in China time (UTC+8) on the first-parent history of the checked
branch: the date the record reached the branch. A shallow clone, a missing git or a KB
outside git makes the history *unavailable* with a reason; the deadline rules then refuse
with that reason instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import build
from .finding import Msg
from .load import load_bytes
from .scoring import kb_completeness

CHINA = dt.timezone(dt.timedelta(hours=8))
CACHE_VERSION = 1
_TRACKED = ("clients", "engineers", "policy.yml")


@dataclass(frozen=True)
class Commit:
    sha: str
    when: dt.datetime  # committer time, China time zone
    author: str
    subject: str

    @property
    def date(self) -> dt.date:
        return self.when.date()


@dataclass(frozen=True)
class Version:
    commit: Commit
    blob: str | None  # None: the file was deleted in this commit


@dataclass(frozen=True)
class Facts:
    """What one version of one file says, reduced to what the deadline rules compare."""

    parsed: bool
    records: frozenset[str] = frozenset()
    sections: Mapping[str, str] = field(default_factory=dict)  # section path → content hash
    kb_complete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"p": self.parsed, "r": sorted(self.records), "s": dict(self.sections), "k": self.kb_complete}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Facts:
        return cls(bool(d["p"]), frozenset(d["r"]), dict(d["s"]), bool(d["k"]))


@dataclass(frozen=True)
class History:
    """The KB's files through time; ``problem`` says why it is unavailable."""

    problem: Msg | None = None
    dirty: frozenset[str] = frozenset()
    versions: Mapping[str, tuple[Version, ...]] = field(default_factory=dict)  # by current KB-relative path
    facts: Mapping[str, Facts] = field(default_factory=dict)  # by blob id
    commits: tuple[Commit, ...] = ()
    blobs_read: int = 0  # versions parsed in this run (the rest came from the cache)

    @property
    def available(self) -> bool:
        return self.problem is None

    def added(self, file: str) -> Commit | None:
        """The commit that first brought ``file`` (under any earlier name) to the branch."""
        vs = self.versions.get(file)
        return vs[0].commit if vs else None

    def first_recorded(self, file: str, record: str) -> Commit | None:
        """The first commit in which a version of ``file`` held ``record``."""
        for v in self.versions.get(file, ()):
            f = self.facts.get(v.blob or "")
            if f is not None and record in f.records:
                return v.commit
        return None

    def first_kb_complete(self, file: str, since: dt.date | None = None) -> Commit | None:
        """The first commit (on or after ``since``) in which the client's knowledge base was complete."""
        for v in self.versions.get(file, ()):
            f = self.facts.get(v.blob or "")
            if f is not None and f.kb_complete and (since is None or v.commit.date >= since):
                return v.commit
        return None

    def changes(self, file: str) -> list[tuple[Commit, dict[str, str]]]:
        """Per version of ``file``: section path → "added" | "removed" | "changed" (substance only;
        a version that only reformatted the file has an empty dict)."""
        out: list[tuple[Commit, dict[str, str]]] = []
        previous: Mapping[str, str] = {}
        for v in self.versions.get(file, ()):
            f = self.facts.get(v.blob or "")
            current: Mapping[str, str] = f.sections if f is not None and f.parsed else {}
            if v.blob is None:
                current = {}
            diff = {k: "removed" for k in previous if k not in current}
            for k, h in current.items():
                if k not in previous:
                    diff[k] = "added"
                elif previous[k] != h:
                    diff[k] = "changed"
            out.append((v.commit, dict(sorted(diff.items()))))
            previous = current
        return out

    def last_changed(self, file: str, section: str) -> Commit | None:
        """The last commit that changed ``section`` (a top-level key, or ``a.b``) in substance."""
        hit = None
        for commit, diff in self.changes(file):
            if any(k == section or k.startswith(section + ".") or k.startswith(section + "[") for k in diff):
                hit = commit
        return hit


# ----------------------------------------------------------------------------- facts


def record_keys(kind: str, data: Any) -> set[str]:
    """Identities of the dated records a file holds, stable across edits of their text."""
    d = data if isinstance(data, dict) else {}
    keys: set[str] = set()

    def each(name: str) -> Iterable[dict[str, Any]]:
        v = d.get(name)
        return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []

    if kind == "client":
        keys |= {f"event:{e.get('type')}:{e.get('occurred_on')}" for e in each("events")}
        keys |= {f"renewal:{r.get('year')}" for r in each("renewals")}
        keys |= {f"contact:{c.get('name')}" for c in each("contacts")}
    elif kind == "engineer":
        keys |= {f"cert:{c.get('kind')}:{c.get('name')}:{c.get('obtained')}" for c in each("certifications")}
        keys |= {f"incident:{i.get('date')}:{i.get('summary')}" for i in each("incidents")}
        keys |= {f"leave:{lv.get('from')}" for lv in each("leave")}
    return keys


def _digest(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def section_hashes(data: Any) -> dict[str, str]:
    """Content hashes of each top-level key and, one level down, of each sub-key or list item."""
    out: dict[str, str] = {}
    if not isinstance(data, dict):
        return out
    for key, value in data.items():
        out[key] = _digest(value)
        if isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = _digest(v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                out[f"{key}[{i}]"] = _digest(v)
    return out


def facts_of(raw: bytes, rel: str) -> Facts:
    kind = _kind(rel)
    loaded = load_bytes(raw, rel)
    if not loaded.usable or not isinstance(loaded.data, dict):
        return Facts(parsed=False)
    complete = False
    if kind == "client":
        complete = kb_completeness(build.client(loaded, loaded.data, rel.split("/")[1], True)) == 100
    return Facts(True, frozenset(record_keys(kind, loaded.data)), section_hashes(loaded.data), complete)


def _kind(rel: str) -> str:
    parts = rel.split("/")
    if parts[0] == "engineers":
        return "engineer"
    if rel == "policy.yml":
        return "policy"
    if len(parts) == 3 and parts[2] == "client.yml":
        return "client"
    return parts[2].rstrip("s") if len(parts) > 3 else "other"


# ----------------------------------------------------------------------------- git


class _GitError(Exception):
    pass


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        # --no-optional-locks: a read-only command must not even refresh the user's index.
        proc = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(root), *args], input=stdin, capture_output=True, check=False
        )
    except OSError as exc:
        raise _GitError(str(exc)) from exc
    if proc.returncode != 0:
        raise _GitError(proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout


def _unavailable(zh: str, en: str) -> History:
    return History(problem=Msg(zh, en))


def _is_yaml(path: str) -> bool:
    return path.endswith(".yml") and (path == "policy.yml" or path.startswith(("clients/", "engineers/")))


def _parse_log(out: bytes, prefix: str) -> tuple[list[Commit], dict[str, list[Version]]]:
    commits: list[Commit] = []
    versions: dict[str, list[Version]] = {}
    for chunk in out.split(b"\x01")[1:]:
        fields = chunk.split(b"\0")
        sha, ct, author, subject = (f.decode("utf-8", "replace") for f in fields[:4])
        commit = Commit(sha, dt.datetime.fromtimestamp(int(ct), CHINA), author, subject)
        commits.append(commit)
        rest = [f.decode("utf-8", "surrogateescape") for f in fields[4:]]
        i = 0
        while i < len(rest):
            meta = rest[i].lstrip("\n")
            if not meta.startswith(":"):
                i += 1
                continue
            parts = meta.split()
            new_blob, status = parts[3], parts[4]
            if status[0] in "RC":
                old, new = rest[i + 1], rest[i + 2]
                i += 3
            else:
                old = new = rest[i + 1]
                i += 2
            old, new = old.removeprefix(prefix), new.removeprefix(prefix)
            if status[0] == "R" and old in versions:
                versions[new] = versions.pop(old)
            if not _is_yaml(new):
                continue
            blob = None if status[0] == "D" else new_blob
            versions.setdefault(new, []).append(Version(commit, blob))
    return commits, versions


def _facts_batch(items: list[tuple[str, bytes, str]]) -> list[tuple[str, Facts]]:
    return [(blob, facts_of(raw, rel)) for blob, raw, rel in items]


_PARALLEL_FROM = 400  # blobs; below this, starting worker processes costs more than it saves


def _read_blobs(root: Path, wanted: dict[str, str]) -> dict[str, Facts]:
    """Facts of each blob (id → one path it was seen at), read in one ``cat-file --batch`` and
    parsed on every core when there are many (a first run over a long history)."""
    if not wanted:
        return {}
    ids = list(wanted)
    out = _git(root, "cat-file", "--batch", stdin=("\n".join(ids) + "\n").encode())
    facts: dict[str, Facts] = {}
    items: list[tuple[str, bytes, str]] = []
    pos = 0
    for blob in ids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            facts[blob] = Facts(parsed=False)
            continue
        size = int(header[2])
        items.append((blob, out[pos : pos + size], wanted[blob]))
        pos += size + 1
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < _PARALLEL_FROM or workers < 2:
        facts.update(_facts_batch(items))
        return facts
    import concurrent.futures
    import multiprocessing

    chunks = [items[i::workers] for i in range(workers)]
    try:
        ctx = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            for part in pool.map(_facts_batch, chunks):
                facts.update(part)
    except (OSError, ValueError, concurrent.futures.process.BrokenProcessPool):
        facts.update(_facts_batch(items))  # no fork here (or it failed): one core it is
    return facts


def _load_cache(path: Path) -> dict[str, Facts]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return {}
        return {k: Facts.from_json(v) for k, v in data["facts"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _save_cache(path: Path, facts: Mapping[str, Facts]) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():  # the cache ignores itself, whatever the KB's own .gitignore says
            ignore.write_text("# kb's history cache (rebuilt when missing)\n*\n", encoding="utf-8")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {"version": CACHE_VERSION, "facts": {k: v.to_json() for k, v in facts.items()}}, ensure_ascii=False
            ),
            encoding="utf-8",
        )
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout simply runs without a cache


def read_history(root: Path, use_cache: bool = True) -> History:
    """The history of the KB at ``root``, or an unavailable History saying why."""
    if shutil.which("git") is None:
        return _unavailable(
            "找不到 git 命令，无法从提交历史判断期限。", "git is not installed; deadlines cannot be read from history."
        )
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except _GitError:
        inside = False
    if not inside:
        return _unavailable(
            "知识库不在 git 仓库中，无法从提交历史判断期限。",
            "The KB is not in a git repository; deadlines cannot be read from history.",
        )
    try:
        if _git(root, "rev-parse", "--is-shallow-repository").strip() == b"true":
            return _unavailable(
                "这是浅克隆（shallow clone），提交历史不完整，期限规则无法得出正确日期。CI 中请拉取完整历史："
                "GitHub Actions 设 actions/checkout 的 fetch-depth: 0，GitLab CI 设 GIT_DEPTH: 0；本地运行 git fetch --unshallow。",
                "This is a shallow clone: the history is incomplete and deadline dates would be wrong. Fetch the full "
                "history: fetch-depth: 0 (GitHub Actions), GIT_DEPTH: 0 (GitLab CI), or git fetch --unshallow.",
            )
        prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
        has_head = (
            subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"], capture_output=True, check=False
            ).returncode
            == 0
        )
        log = (
            b""
            if not has_head
            else _git(
                root,
                "log",
                "--first-parent",
                "-M",
                "--raw",
                "--no-abbrev",
                "-z",
                "--reverse",
                "--format=%x01%H%x00%ct%x00%an%x00%s",
                "--",
                *_TRACKED,
            )
        )
        status = _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *_TRACKED)
    except _GitError as exc:
        return _unavailable(f"读取 git 历史失败：{exc}", f"Reading the git history failed: {exc}")
    commits, versions = _parse_log(log, prefix)
    dirty = set()
    entries = status.split(b"\0")
    i = 0
    while i < len(entries):
        entry = entries[i].decode("utf-8", "surrogateescape")
        if len(entry) > 3:
            dirty.add(entry[3:].removeprefix(prefix))
            if entry[0] in "RC":  # a rename's second field is the old path
                i += 1
        i += 1
    cache_path = root / ".kb-cache" / "history.json"
    cached = _load_cache(cache_path) if use_cache else {}
    wanted = {v.blob: path for path, vs in versions.items() for v in vs if v.blob and v.blob not in cached}
    try:
        fresh = _read_blobs(root, wanted)
    except _GitError as exc:
        return _unavailable(f"读取 git 历史失败：{exc}", f"Reading the git history failed: {exc}")
    facts = {**cached, **fresh}
    if fresh and use_cache:
        _save_cache(cache_path, facts)
    return History(
        None, frozenset(dirty), {k: tuple(v) for k, v in versions.items()}, facts, tuple(commits), len(fresh)
    )


def changed_since(root: Path, ref: str) -> set[str]:
    """KB-relative files changed on this branch since ``ref`` (merge base), plus uncommitted ones."""
    try:
        prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
        committed = _git(root, "diff", "--name-only", "-z", f"{ref}...HEAD", "--", ".")
        pending = _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".")
    except _GitError as exc:
        raise ValueError(str(exc)) from exc
    files = {p.decode("utf-8", "surrogateescape").removeprefix(prefix) for p in committed.split(b"\0") if p}
    files |= {e.decode("utf-8", "surrogateescape")[3:].removeprefix(prefix) for e in pending.split(b"\0") if len(e) > 3}
    return {f for f in files if f == "policy.yml" or f.startswith(("clients/", "engineers/"))}
