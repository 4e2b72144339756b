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

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import build, cache
from .clock import CHINA
from .facts import kb_completeness
from .finding import Msg
from .load import load_bytes

CACHE_VERSION = 3  # 2: identity keys in the facts; a digest-checked file (cache.py). 3: a dossier's status
# The KB's data: what the deadline rules read and what "recent changes" lists (not the tool's code).
_TRACKED = ("clients", "engineers", "policy.yml", "calendar", "kpis")


Change = tuple[str, str, str, str]  # (status letter, old path, new path, new blob)


@dataclass(frozen=True)
class Commit:
    sha: str
    when: dt.datetime  # committer time, China time zone
    author: str
    subject: str
    files: tuple[str, ...] = ()  # the KB data files it touched (KB-relative; a rename's new name)

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
    identity: frozenset[str] = frozenset()  # who or what the file is about (see identity_keys)
    status: str | None = None  # a dossier's status (the lifecycle rule follows it through the versions)

    def to_json(self) -> dict[str, Any]:
        return {
            "p": self.parsed,
            "r": sorted(self.records),
            "s": dict(self.sections),
            "k": self.kb_complete,
            "i": sorted(self.identity),
            "t": self.status,
        }

    @classmethod
    def from_json(cls, d: object) -> Facts:
        """The facts :meth:`to_json` wrote; ValueError for anything of another shape."""
        if not isinstance(d, dict) or set(d) != {"p", "r", "s", "k", "i", "t"}:
            raise ValueError("facts: unexpected keys")
        p, r, s, k, i, t = d["p"], d["r"], d["s"], d["k"], d["i"], d["t"]
        if not isinstance(p, bool) or not isinstance(k, bool) or not _strings(r) or not _strings(i):
            raise ValueError("facts: unexpected types")
        if t is not None and not isinstance(t, str):
            raise ValueError("facts: unexpected status")
        if not isinstance(s, dict) or not _strings(s.keys()) or not _strings(s.values()):
            raise ValueError("facts: unexpected sections")
        return cls(p, frozenset(r), dict(s), k, frozenset(i), t)


_ONLY_STR = frozenset({str})


def _strings(items: object) -> bool:
    # set(map(type, …)) runs in C: checking 8,000 cached versions this way costs ~0.05 s, not ~0.35 s
    return isinstance(items, (list, type({}.keys()), type({}.values()))) and set(map(type, items)) <= _ONLY_STR


@dataclass(frozen=True)
class History:
    """The KB's files through time; ``problem`` says why it is unavailable."""

    problem: Msg | None = None
    refused: Msg | None = None  # git refuses to read the repository: the command cannot answer (exit 2)
    notes: tuple[Msg, ...] = ()  # caches ignored and rebuilt (one info line, not a finding)
    dirty: frozenset[str] = frozenset()
    versions: Mapping[str, tuple[Version, ...]] = field(default_factory=dict)  # by current KB-relative path
    facts: Mapping[str, Facts] = field(default_factory=dict)  # by blob id
    commits: tuple[Commit, ...] = ()
    blobs_read: int = 0  # versions parsed in this run (the rest came from the cache)
    log: tuple[tuple[Commit, tuple[Change, ...]], ...] = field(default=(), repr=False, compare=False)

    def until(self, included: Collection[str]) -> History:
        """This history as :func:`read_history` with ``rev`` reads it at an earlier commit of the
        same first-parent line: only the commits in ``included`` (that commit and its first-parent
        ancestors), nothing uncommitted. One log read serves every month-end of the trends."""
        if not self.available:
            return self
        log = [(c, list(ch)) for c, ch in self.log if c.sha in included]
        return History(
            notes=self.notes,
            versions={k: tuple(v) for k, v in _chains(log, self.facts).items()},
            facts=self.facts,
            commits=tuple(c for c, _ in log),
            log=tuple((c, tuple(ch)) for c, ch in log),
        )

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

    def status_changes(self, file: str) -> list[tuple[Commit, str, str]]:
        """Each commit that changed a dossier's status, as (commit, old, new), oldest first. A
        version that cannot be read or has no status is skipped (the next readable one is compared
        with the last known status); a deletion ends the record, so a file created again starts anew."""
        out: list[tuple[Commit, str, str]] = []
        known: str | None = None
        for v in self.versions.get(file, ()):
            if v.blob is None:
                known = None
                continue
            f = self.facts.get(v.blob)
            if f is None or f.status is None:
                continue
            if known is not None and f.status != known:
                out.append((v.commit, known, f.status))
            known = f.status
        return out

    def last_status(self, file: str) -> str | None:
        """The status of the last committed version of a dossier (None when deleted or unknown)."""
        vs = self.versions.get(file, ())
        f = self.facts.get(vs[-1].blob or "") if vs else None
        return f.status if f is not None else None

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


def identity_keys(kind: str, data: Any) -> set[str]:
    """What a file is about, beyond its path: a dossier's id, display name and contract number;
    an engineer's id, name, e-mail and mobile; a meeting's date; a handoff's task and ticket.
    A file deleted and another of its kind added in one commit are the same record when these
    meet (git pairs a rename only when the content stayed ≥ 50 % alike)."""
    d = data if isinstance(data, dict) else {}
    fields: tuple[tuple[str, Any], ...] = ()
    if kind == "client":
        contract = d.get("contract")
        number = contract.get("number") if isinstance(contract, dict) else None
        fields = (("id", d.get("id")), ("name", d.get("name")), ("contract", number))
    elif kind == "engineer":
        fields = tuple((k, d.get(k)) for k in ("id", "name", "email", "mobile"))
    elif kind == "meeting":
        fields = (("date", d.get("date")),)
    elif kind == "handoff":
        fields = (("task", d.get("task_id")), ("ticket", d.get("ticket")))
    return {f"{k}:{str(v).strip()}" for k, v in fields if isinstance(v, (str, int)) and str(v).strip()}


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
    status = None
    if kind == "client":
        complete = kb_completeness(build.client(loaded, loaded.data, rel.split("/")[1], True)) == 100
        raw_status = loaded.data.get("status")
        status = raw_status if isinstance(raw_status, str) else None
    return Facts(
        True,
        frozenset(record_keys(kind, loaded.data)),
        section_hashes(loaded.data),
        complete,
        frozenset(identity_keys(kind, loaded.data)),
        status,
    )


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


def _raw_changes(rest: list[str], prefix: str) -> list[tuple[str, str, str, str]]:
    """``git log --raw -z`` entries of one commit as (status letter, old path, new path, new blob)."""
    out = []
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
        out.append((status[0], old.removeprefix(prefix), new.removeprefix(prefix), new_blob))
    return out


def _parse_log(out: bytes, prefix: str) -> list[tuple[Commit, list[Change]]]:
    log: list[tuple[Commit, list[Change]]] = []
    for chunk in out.split(b"\x01")[1:]:
        fields = chunk.split(b"\0")
        sha, ct, author, subject = (f.decode("utf-8", "replace") for f in fields[:4])
        changes = _raw_changes([f.decode("utf-8", "surrogateescape") for f in fields[4:]], prefix)
        commit = Commit(
            sha, dt.datetime.fromtimestamp(int(ct), CHINA), author, subject, tuple(new for _, _, new, _ in changes)
        )
        log.append((commit, changes))
    return log


def _blobs_of(log: list[tuple[Commit, list[Change]]]) -> dict[str, str]:
    """Every version of every KB YAML file in ``log`` (blob id → a path it was seen at)."""
    return {blob: new for _, changes in log for status, _, new, blob in changes if status != "D" and _is_yaml(new)}


def _chains(log: list[tuple[Commit, list[Change]]], facts: Mapping[str, Facts]) -> dict[str, list[Version]]:
    """Each current file's versions, oldest first, following renames: git's own (content
    alike) and, where git saw a delete and a create in one commit, the pairs whose identity
    (:func:`identity_keys`) says they are the same record."""
    versions: dict[str, list[Version]] = {}
    for commit, changes in log:
        deleted: dict[str, str | None] = {}
        added: dict[str, str] = {}
        moved: dict[str, str] = {}  # client folder → its new name, from the renames git saw
        for status, old, new, new_blob in changes:
            if status == "R" and old in versions:
                versions[new] = versions.pop(old)
                if _kind(new) == "client":
                    moved[old.split("/")[1]] = new.split("/")[1]
            if not _is_yaml(new):
                continue
            if status == "D" and new in versions:
                deleted[new] = versions[new][-1].blob
            elif status == "A":
                added[new] = new_blob
            else:
                versions.setdefault(new, []).append(Version(commit, None if status == "D" else new_blob))
        for old, new in _same_records(deleted, added, facts, moved):
            # (a file that once lived at the new path and was deleted is another record: its chain goes)
            versions[new] = [*versions.pop(old), Version(commit, added.pop(new))]
            del deleted[old]
        for path in deleted:
            versions[path].append(Version(commit, None))
        for path, blob in added.items():
            versions.setdefault(path, []).append(Version(commit, blob))
    return versions


def _same_records(
    deleted: Mapping[str, str | None], added: Mapping[str, str], facts: Mapping[str, Facts], moved: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Pairs (deleted path, added path) of one commit that hold the same record: same kind,
    overlapping identity, and for a client's meetings and handoffs the same (or the renamed)
    client folder. Dossiers and engineers first, so that their folder renames are known."""

    def ident(blob: str | None) -> frozenset[str]:
        f = facts.get(blob or "")
        return f.identity if f is not None else frozenset()

    if not deleted or not added:
        return []
    pairs: list[tuple[str, str]] = []
    used: set[str] = set()
    folders = dict(moved)
    for first in (True, False):
        for old in sorted(deleted):
            kind = _kind(old)
            if (kind in ("client", "engineer")) != first:
                continue
            mine = ident(deleted[old])
            best, score = None, 0
            for new in sorted(added):
                if new in used or _kind(new) != kind:
                    continue
                if not first:
                    src = old.split("/")[1]
                    if new.split("/")[1] != folders.get(src, src):
                        continue
                n = len(mine & ident(added[new]))
                if n > score:
                    best, score = new, n
            if best is not None:
                used.add(best)
                pairs.append((old, best))
                if kind == "client":
                    folders[old.split("/")[1]] = best.split("/")[1]
    return pairs


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


_BLOB = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 object ids
_CACHE_FILE = "history.json"


def _cache_note(reason: Msg) -> Msg:
    return Msg(
        f".kb-cache/{_CACHE_FILE} 无法使用（{reason.zh}），已忽略并从 git 重建",
        f".kb-cache/{_CACHE_FILE} could not be used ({reason.en}): ignored and rebuilt from git",
    )


def _load_cache(root: Path) -> tuple[dict[str, Facts], Msg | None]:
    """The cached facts by blob id, and a note when a cache was there but unusable. The cache
    is a hint: anything but exactly what :func:`_save_cache` writes is ignored (and rebuilt)."""
    if cache.committed(root):
        return {}, cache.COMMITTED
    folder = cache.folder(root, create=False)
    if folder is None:
        return {}, None
    path = folder / _CACHE_FILE
    raw = cache.read_bytes(path)
    if raw is None:
        return {}, _cache_note(Msg("不是普通文件", "not a regular file")) if os.path.lexists(path) else None
    try:
        payload = cache.loads(raw, "history", CACHE_VERSION)
        if payload is None:  # written by another version of kb: rebuilt without a word
            return {}, None
        if not isinstance(payload, dict) or not all(isinstance(k, str) and _BLOB.fullmatch(k) for k in payload):
            raise ValueError("not a mapping of blob ids")
        return {k: Facts.from_json(v) for k, v in payload.items()}, None
    except cache.Damaged as exc:
        return {}, _cache_note(exc.reason)
    except ValueError:
        return {}, _cache_note(Msg("内容结构不对", "unexpected shape"))


def _save_cache(root: Path, facts: Mapping[str, Facts]) -> None:
    folder = cache.folder(root)  # creates .kb-cache/ with the .gitignore that keeps it out of commits
    if folder is None:
        return  # a read-only checkout simply runs without a cache
    cache.sweep_temporaries(folder)
    with contextlib.suppress(OSError):
        cache.write_atomic(
            folder / _CACHE_FILE, cache.dumps("history", CACHE_VERSION, {k: v.to_json() for k, v in facts.items()})
        )


def _refused(exc: _GitError, root: Path) -> Msg | None:
    """git's refusal to read a repository owned by someone else (git ≥ 2.35.2), with git's own fix."""
    text = str(exc)
    if "dubious ownership" not in text:
        return None
    fix = next(
        (ln.strip() for ln in text.splitlines() if "safe.directory" in ln and ln.strip().startswith("git ")), None
    )
    fix = fix or f"git config --global --add safe.directory {root}"
    return Msg(
        f"git 拒绝读取这个仓库（dubious ownership）：仓库目录的所有者不是运行 kb 的用户，git 出于安全不读它，"
        f"期限规则无法检查。确认这个仓库可信后，按 git 的提示把它登记为安全目录再运行：{fix}"
        "（CI 容器里常见：检出仓库的用户与运行 kb 的用户不同。）",
        f"git refuses to read this repository (dubious ownership): its folder is owned by another user than the one "
        f"running kb, so the deadline rules cannot be checked. If you trust it, mark it safe as git says and run "
        f"again: {fix} (common in CI containers, where the checkout and kb run as different users).",
    )


def read_history(root: Path, use_cache: bool = True, rev: str | None = None) -> History:
    """The history of the KB at ``root``, or an unavailable History saying why. ``rev`` (a commit
    id, for ``--as-of``) reads the first-parent history up to that commit only, with nothing
    uncommitted (as a clean checkout of it would have)."""
    if shutil.which("git") is None:
        return _unavailable(
            "找不到 git 命令，无法从提交历史判断期限。", "git is not installed; deadlines cannot be read from history."
        )
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except _GitError as exc:
        refusal = _refused(exc, root)
        if refusal is not None:
            return History(problem=refusal, refused=refusal)
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
        has_head = rev is not None or (
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
                *([rev] if rev is not None else []),
                "--",
                *_TRACKED,
            )
        )
        status = (
            b"" if rev is not None else _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *_TRACKED)
        )
    except _GitError as exc:
        return _unavailable(f"读取 git 历史失败：{exc}", f"Reading the git history failed: {exc}")
    parsed = _parse_log(log, prefix)
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
    cached, note = _load_cache(root) if use_cache else ({}, None)
    wanted = {blob: path for blob, path in _blobs_of(parsed).items() if blob not in cached}
    try:
        fresh = _read_blobs(root, wanted)
    except _GitError as exc:
        return _unavailable(f"读取 git 历史失败：{exc}", f"Reading the git history failed: {exc}")
    facts = {**cached, **fresh}
    if use_cache and (fresh or note) and note is not cache.COMMITTED:
        _save_cache(root, facts)
    versions = _chains(parsed, facts)
    return History(
        notes=(note,) if note is not None else (),
        dirty=frozenset(dirty),
        versions={k: tuple(v) for k, v in versions.items()},
        facts=facts,
        commits=tuple(c for c, _ in parsed),
        blobs_read=len(fresh),
        log=tuple((c, tuple(ch)) for c, ch in parsed),
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
