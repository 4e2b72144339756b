"""Caches are hints, never truth: every file under .kb-cache/ damaged in every way we could
think of gives the same findings and the same outputs as a run without any cache, says so in
at most one line, and is rebuilt.

The reference is a cache-free run of the real CLI on a real git repository (the base KB, whose
client has sites, so its page and its booklet carry a network diagram); each case then damages
the cache that run wrote and runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import cache
from generator.history import CACHE_VERSION, read_history

from .conftest import REPO, commit_all, copy_base, git, init_repo

TODAY = "2026-11-24"
HISTORY = Path(".kb-cache") / "history.json"
PICTURES = Path(".kb-cache") / "pictures"


def _kb(tmp_path: Path, site: bool = False) -> Path:
    kb = copy_base(tmp_path / "kb")
    if site:
        shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
        shutil.copytree(REPO / "site", kb / "site", ignore=shutil.ignore_patterns("generated"))
    return init_repo(kb)


def _check(run_kb, kb: Path):  # type: ignore[no-untyped-def]
    return run_kb("check", "--root", str(kb), "--today", TODAY, "--format", "json")


def _notes(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("kb：提示")]


def _no_crash(r) -> None:  # type: ignore[no-untyped-def]
    assert "内部错误" not in r.stderr + r.stdout and "Traceback" not in r.stderr + r.stdout, r.stderr


# ------------------------------------------------------------------ the history cache


def _digest_matching(payload: str) -> bytes:
    """A file with a correct header and digest around ``payload`` (only its shape is wrong)."""
    head = {"kind": "history", "version": CACHE_VERSION, "sha256": hashlib.sha256(payload.encode()).hexdigest()}
    return (json.dumps(head) + "\n" + payload + "\n").encode()


def _first_blob(path: Path) -> str:
    return next(iter(json.loads(path.read_bytes().split(b"\n", 1)[1])))


HISTORY_DAMAGE: dict[str, Callable[[Path], None]] = {
    "empty list": lambda p: p.write_text("[]"),
    "null": lambda p: p.write_text("null"),
    "other shape": lambda p: p.write_text('{"v": 1, "facts": []}'),
    "deep nesting": lambda p: p.write_text("[" * 200_000 + "]" * 200_000),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "one byte changed": lambda p: p.write_bytes(p.read_bytes().replace(b'"p":true', b'"p":fals', 1)),
    "empty file": lambda p: p.write_bytes(b""),
    "binary": lambda p: p.write_bytes(os.urandom(4096)),
    "not utf-8": lambda p: p.write_bytes(b"\xff\xfe" + p.read_bytes()),
    "wrong types inside (digest matches)": lambda p: p.write_bytes(
        _digest_matching(json.dumps({_first_blob(p): {"p": "yes", "r": 3, "s": [], "k": None, "i": {}}}))
    ),
    "deep nesting inside (digest matches)": lambda p: p.write_bytes(_digest_matching("[" * 100_000 + "]" * 100_000)),
    "not blob ids (digest matches)": lambda p: p.write_bytes(_digest_matching('{"../../etc": 1}')),
    "a directory": lambda p: (p.unlink(), p.mkdir()),
    "a symlink to a device": lambda p: (p.unlink(), p.symlink_to("/dev/zero")),
}


@pytest.mark.parametrize("damage", list(HISTORY_DAMAGE), ids=list(HISTORY_DAMAGE))
def test_damaged_history_cache_is_ignored_and_rebuilt(tmp_path: Path, run_kb, damage: str) -> None:  # type: ignore[no-untyped-def]
    kb = _kb(tmp_path)
    reference = _check(run_kb, kb)  # no cache yet: the cache-free run, which writes the cache
    assert reference.returncode in (0, 1) and (kb / HISTORY).is_file() and _notes(reference.stderr) == []
    HISTORY_DAMAGE[damage](kb / HISTORY)
    damaged = _check(run_kb, kb)
    _no_crash(damaged)
    assert (damaged.returncode, damaged.stdout) == (reference.returncode, reference.stdout)
    assert len(_notes(damaged.stderr)) == 1 and "history.json" in damaged.stderr
    if damage != "a directory":  # (a folder of that name is not ours to delete: the cache stays off)
        assert read_history(kb).blobs_read == 0  # rebuilt: the next run reads nothing from git again
        again = _check(run_kb, kb)
        assert again.stdout == reference.stdout and _notes(again.stderr) == []


def test_cache_of_an_earlier_version_is_rebuilt_silently(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = _kb(tmp_path)
    reference = _check(run_kb, kb)
    (kb / HISTORY).write_text(json.dumps({"version": 1, "facts": {}}), encoding="utf-8")  # what kb wrote before
    r = _check(run_kb, kb)
    assert r.stdout == reference.stdout and _notes(r.stderr) == []
    assert read_history(kb).blobs_read == 0


def test_a_committed_cache_is_not_trusted(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """A pull request can ship a well-formed cache that lies: the event recorded late claims,
    in the cache, that the first version already held it. kb does not read a tracked cache."""
    kb = _kb(tmp_path)
    dossier = kb / "clients" / "acme" / "client.yml"
    text = dossier.read_text(encoding="utf-8")
    dossier.write_text(
        text.replace("events:\n", "events:\n  - {type: contract-change, occurred_on: 2026-11-02, summary: 扩容}\n", 1),
        encoding="utf-8",
    )
    commit_all(kb, "补记事件", "2026-11-20T10:00:00+08:00")
    reference = _check(run_kb, kb)
    assert "change.1bd" in reference.stdout  # recorded 13 working days late
    hist = read_history(kb)
    facts = {b: f.to_json() for b, f in hist.facts.items()}
    for f in facts.values():
        f["r"] = sorted({*f["r"], "event:contract-change:2026-11-02"})  # every version "held" it
    (kb / HISTORY).write_bytes(cache.dumps("history", CACHE_VERSION, facts))
    git(kb, "add", "-f", ".kb-cache")
    commit_all(kb, "缓存", "2026-11-21T10:00:00+08:00")
    r = _check(run_kb, kb)
    _no_crash(r)
    assert r.stdout == reference.stdout
    assert len(_notes(r.stderr)) == 1 and "git rm -r --cached .kb-cache" in r.stderr


def test_cache_writes_are_atomic_and_ignore_themselves(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    stale = kb / ".kb-cache" / ".tmp-killed-run"
    read_history(kb)
    stale.write_bytes(b"half a file")
    os.utime(stale, (1, 1))  # left by a run killed long ago
    (kb / HISTORY).unlink()
    read_history(kb)
    assert sorted(p.name for p in (kb / ".kb-cache").iterdir()) == [".gitignore", "history.json"]
    assert git(kb, "status", "--porcelain", "--untracked-files=all") == ""
    (kb / ".kb-cache" / ".gitignore").write_text("!*\n", encoding="utf-8")  # someone "fixed" it
    (kb / HISTORY).unlink()
    read_history(kb)
    assert git(kb, "status", "--porcelain", "--untracked-files=all") == ""


def test_cache_folder_that_is_a_symlink_is_not_written_through(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (kb / ".kb-cache").symlink_to(outside, target_is_directory=True)
    hist = read_history(kb)
    assert hist.available and list(outside.iterdir()) == []


# ------------------------------------------------------------------ the picture cache


def _outputs(kb: Path) -> dict[str, bytes]:
    """What a build made that a cache could spoil: the generated pages and pictures, and the
    pictures inside every Word form (the booklet's network diagram)."""
    out = {
        p.relative_to(kb).as_posix(): p.read_bytes()
        for p in sorted((kb / "site" / "generated").rglob("*"))
        if p.is_file()
    }
    for docx in sorted((kb / "public" / "forms").rglob("*.docx")):
        with zipfile.ZipFile(docx) as z:
            for name in sorted(z.namelist()):
                if name.startswith("word/media/"):
                    out[f"{docx.name}:{name}"] = z.read(name)
    return out


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) * 2 // 3])


def _picture_only(p: Path) -> None:  # the bytes of the picture without our header (an older kb's file)
    p.write_bytes(p.read_bytes().split(b"\n", 2)[2])


def _wrong_content(p: Path) -> None:  # a header that matches, for bytes that are not a whole picture
    key = p.name
    p.write_bytes(cache.pack_picture(key, b"<svg xmlns='http://www.w3.org/2000/svg'>"))


def _garbage(p: Path) -> None:
    p.write_bytes(os.urandom(2048))


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _link(p: Path) -> None:
    p.unlink()
    p.symlink_to("/dev/zero")


ROUNDS = {
    "truncated, bare, wrong content, garbage": [_truncate, _picture_only, _wrong_content, _garbage],
    "empty, symlink, truncated, another key's": [_empty, _link, _truncate, None],
}


@pytest.mark.parametrize("round_", list(ROUNDS), ids=list(ROUNDS))
def test_damaged_pictures_are_redrawn(tmp_path: Path, run_kb, round_: str) -> None:  # type: ignore[no-untyped-def]
    kb = _kb(tmp_path, site=True)
    first = run_kb("build", "--root", str(kb), "--today", TODAY)
    assert first.returncode == 0, first.stderr
    reference = _outputs(kb)
    assert any(".docx:word/media/" in k for k in reference)  # the booklet embeds the network diagram
    files = sorted((kb / PICTURES).iterdir())
    # three charts (load, KB completeness, the lifecycle), the engineer's KPI trend, the five charts
    # of the 趋势 page, the network diagram as SVG (page) and PNG (booklet); the first four are damaged
    assert len(files) == 11
    for path, damage in zip(files[:4], ROUNDS[round_], strict=True):
        if damage is None:  # a whole, valid file of another picture, under this one's name
            other = next(p for p in files if p != path)
            path.unlink()
            path.write_bytes(cache.pack_picture(other.name, b"<svg></svg>"))
        else:
            damage(path)
    HISTORY_DAMAGE["truncated"](kb / HISTORY)
    r = run_kb("build", "--root", str(kb), "--today", TODAY)
    _no_crash(r)
    assert r.returncode == 0
    assert _outputs(kb) == reference
    notes = _notes(r.stderr)
    assert len(notes) == 1 and "4 个图片缓存文件" in notes[0] and "history.json" in notes[0]
    for path in files:  # rebuilt: every picture file is whole again
        assert cache.read_picture(kb / PICTURES, path.name) is not None
