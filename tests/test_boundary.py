"""The KB is a boundary: nothing outside the KB root is read, scanned, copied or embedded.

A hostile KB (under a dot folder, as worktrees and CI checkouts are) holds a symlink to
/proc/self/environ referenced as a handoff log, links to /etc/passwd and to a folder outside,
a client folder that is a link to a folder outside, a FIFO, a form template and a site page
linked out. The real `kb check` reports each at the link and at the referencing line; the real
`kb build` publishes none of it (forms and search index included) and never hangs on the FIFO.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from generator import boundary
from generator.pipeline import check

from .conftest import REPO, TODAY, copy_base, init_repo

MARK = "kb-boundary-probe-5b1e"  # in every file outside the KB, and in the environment of each run
ENV = {"KB_BOUNDARY_PROBE": MARK}
HANDOFF = "clients/acme/handoffs/t-2026-001.yml"


def _site_files(kb: Path) -> None:
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
    shutil.copytree(REPO / "site", kb / "site", ignore=shutil.ignore_patterns("generated"))


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir()
    (out / "notes.txt").write_text(f"{MARK} notes from outside\n", encoding="utf-8")
    (out / "client.yml").write_text(f"id: ext\nname: {MARK}\nstatus: candidate\n", encoding="utf-8")
    (out / "page.md").write_text(f"# {MARK}\n", encoding="utf-8")
    shutil.copy(REPO / "tests/fixtures/base/clients/acme/files/topology.png", out / "map.png")
    with (out / "map.png").open("ab") as f:
        f.write(MARK.encode())  # trailing bytes after IEND: still a PNG, and recognisable
    return out


def _hostile_kb(tmp_path: Path) -> Path:
    kb = copy_base(tmp_path / ".hidden" / "kb")
    _site_files(kb)
    out = _outside(tmp_path)
    files = kb / "clients" / "acme" / "files"
    (files / "env.log").symlink_to("/proc/self/environ")
    (files / "passwd.txt").symlink_to("/etc/passwd")
    (files / "outdir").symlink_to(out, target_is_directory=True)
    (files / "same.log").symlink_to("ipsec.log")  # a link inside the KB is fine
    (kb / "clients" / "ext").symlink_to(out, target_is_directory=True)
    handoff = kb / HANDOFF
    text = handoff.read_text(encoding="utf-8").replace(
        "  logs: [files/ipsec.log]",
        "  logs: [files/ipsec.log, files/env.log, files/passwd.txt, files/outdir/notes.txt, files/same.log, "
        "files/pipe]",
    )
    handoff.write_text(text, encoding="utf-8")
    client = kb / "clients" / "acme" / "client.yml"
    client.write_text(
        client.read_text(encoding="utf-8").replace(
            "    - {title: 全网拓扑图, path: files/topology.png}",
            "    - {title: 全网拓扑图, path: files/topology.png}\n    - {title: 外部拓扑, path: files/outdir/map.png}",
        ),
        encoding="utf-8",
    )
    init_repo(kb)
    os.mkfifo(files / "pipe")  # after the commit: git does not store FIFOs
    return kb


def _line_of(kb: Path, rel: str, needle: str) -> int:
    lines = (kb / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _published_text(public: Path) -> Iterator[tuple[Path, str]]:
    """Every file of the published site as text: Word forms unzipped (every XML part), the
    search index decoded and unsegmented, anything else as bytes decoded leniently."""
    for p in sorted(public.rglob("*")):
        if not p.is_file():
            continue
        raw = p.read_bytes()
        if p.suffix == ".docx":
            with zipfile.ZipFile(p) as z:
                yield p, "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif p.name == "search_index.json":  # jieba segments the text with U+200B: search it whole
            yield p, json.dumps(json.loads(raw), ensure_ascii=False).replace("\u200b", "")
        else:
            yield p, raw.decode("utf-8", "replace")


def test_check_reports_each_link_and_each_reference(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = _hostile_kb(tmp_path)
    r = run_kb("check", "--root", str(kb), "--today", "2026-11-24", "--format", "json", env=ENV)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    found = {(f["file"], f["line"], f["rule"]) for f in json.loads(r.stdout)}
    logs = _line_of(kb, HANDOFF, "logs:")
    attached = _line_of(kb, "clients/acme/client.yml", "files/outdir/map.png")
    for link in ("env.log", "passwd.txt", "outdir", "pipe"):
        assert (f"clients/acme/files/{link}", 1, "boundary") in found, link
    assert ("clients/ext", 1, "boundary") in found
    assert [f for f in json.loads(r.stdout) if f["file"] == HANDOFF and f["rule"] == "ref"].__len__() == 4
    assert (HANDOFF, logs, "ref") in found and ("clients/acme/client.yml", attached, "ref") in found
    # the linked folder is no dossier, the link inside the KB is no problem, nothing outside is scanned
    assert not any(f.startswith("clients/ext/") or "same.log" in f for f, _l, _r in found)
    assert MARK not in r.stdout and "root:x:0:0" not in r.stdout
    messages = {f["file"]: f["message"] for f in json.loads(r.stdout)}
    assert "/proc/self/environ" in messages["clients/acme/files/env.log"]


def test_build_publishes_nothing_from_outside(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = _hostile_kb(tmp_path)
    r = run_kb("build", "--root", str(kb), "--today", "2026-11-24", env=ENV)
    assert r.returncode == 0 and "Traceback" not in r.stderr + r.stdout, r.stdout + r.stderr
    public = kb / "public"
    assert (public / "generated" / "clients" / "acme.html").is_file()
    assert (public / "generated" / "clients" / "acme" / "files" / "same.log").is_file()  # inside: published
    for rel in ("env.log", "passwd.txt", "outdir", "pipe"):
        assert not (public / "generated" / "clients" / "acme" / "files" / rel).exists(), rel
    assert not (public / "generated" / "clients" / "ext.html").exists() and not (public / "forms" / "ext").exists()
    picture = (REPO / "tests/fixtures/base/clients/acme/files/topology.png").read_bytes()
    for path, text in _published_text(public):
        assert MARK not in text, path
        assert "root:x:0:0" not in text, path
        if path.suffix == ".docx":  # the outside picture (the base PNG plus the mark) is not embedded
            with zipfile.ZipFile(path) as z:
                assert not any(z.read(n).startswith(picture) and MARK.encode() in z.read(n) for n in z.namelist())


def test_a_site_page_linked_out_stops_the_build(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """MkDocs follows links in its docs folder, so a link out there cannot be left out: the
    build refuses and public/ stays as it was."""
    kb = copy_base(tmp_path / "kb")
    _site_files(kb)
    out = _outside(tmp_path)
    (kb / "site" / "leak.md").symlink_to(out / "page.md")
    init_repo(kb)
    r = run_kb("check", "--root", str(kb), "--today", "2026-11-24", "--format", "json")
    assert ("site/leak.md", 1, "boundary") in {(f["file"], f["line"], f["rule"]) for f in json.loads(r.stdout)}
    r = run_kb("build", "--root", str(kb), "--today", "2026-11-24")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "public/ 保持不变" in r.stderr
    assert not (kb / "public").exists()


def test_a_template_linked_out_is_not_used(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = copy_base(tmp_path / "kb")
    out = _outside(tmp_path)
    evil = out / "kb.docx"
    doc = Document(str(REPO / "generator" / "templates" / "forms" / "kb.docx"))
    doc.add_paragraph(MARK)  # a restyled template from outside would print this
    doc.save(str(evil))
    (kb / "templates" / "forms").mkdir(parents=True)
    (kb / "templates" / "forms" / "kb.docx").symlink_to(evil)
    init_repo(kb)
    r = run_kb("check", "--root", str(kb), "--today", "2026-11-24", "--format", "json")
    found = {(f["file"], f["rule"]) for f in json.loads(r.stdout)}
    assert ("templates/forms/kb.docx", "boundary") in found
    booklet = tmp_path / "booklet.docx"
    r = run_kb("export", "kb", "acme", "--root", str(kb), "--today", "2026-11-24", "-o", str(booklet))
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(booklet) as z:
        assert not any(MARK in z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_a_kb_under_a_dot_folder_is_scanned(tmp_path: Path) -> None:
    """The attachment scan used to switch off when any folder above the KB started with a dot."""
    kb = copy_base(tmp_path / ".worktrees" / "x" / "kb")
    (kb / "clients" / "acme" / "files" / "notes.txt").write_text("snmp-server community Xy77zz RO\n", encoding="utf-8")
    found = [(f.file, f.line, f.rule) for f in check(kb, TODAY, git=False).findings]
    assert found == [("clients/acme/files/notes.txt", 1, "secret")]


# ------------------------------------------------------------------ the helper itself


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A short path: a Unix socket's path is limited to ~108 bytes."""
    d = Path(tempfile.mkdtemp(prefix="kbb-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_inside_names_the_link_that_leaves(short_tmp: Path) -> None:
    root, out = short_tmp / "kb", short_tmp / "out"
    (root / "a").mkdir(parents=True)
    out.mkdir()
    (out / "x").write_text("x", encoding="utf-8")
    (root / "a" / "f").write_text("f", encoding="utf-8")
    (root / "a" / "in").symlink_to("f")
    (root / "a" / "hop").symlink_to("in")
    (root / "a" / "away").symlink_to(out)
    (root / "a" / "via").symlink_to("away/x")
    (root / "a" / "up").symlink_to("../../out/x")
    (root / "a" / "dangling").symlink_to("/nonexistent/kb-probe")
    (root / "a" / "loop").symlink_to("loop")
    os.mkfifo(root / "a" / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "a" / "sock"))
    try:
        v = boundary.inside
        assert v(root, root / "a" / "f").kind == boundary.FILE
        assert v(root, root / "a").kind == boundary.DIR
        assert v(root, root / "a" / "hop").readable  # a chain of links that stays inside
        assert v(root, root / "a" / "away" / "x") == boundary.Verdict(boundary.OUTSIDE, "a/away", str(out))
        assert v(root, root / "a" / "via").link == "a/via"
        assert v(root, root / "a" / "up").kind == boundary.OUTSIDE
        assert v(root, root / "a" / "dangling").kind == boundary.OUTSIDE
        assert v(root, root / "a" / "loop").kind == boundary.MISSING
        assert v(root, root / ".." / "out" / "x").kind == boundary.OUTSIDE
        assert v(root, Path("/etc/passwd")).kind == boundary.OUTSIDE
        assert v(root, root / "a" / "fifo").kind == boundary.SPECIAL
        assert v(root, root / "a" / "sock").kind == boundary.SPECIAL
        # reading refuses without blocking on the FIFO, and never through a link out
        assert boundary.read_inside(root, root / "a" / "fifo", 10) is None
        assert boundary.read_inside(root, root / "a" / "away" / "x", 10) is None
        assert boundary.read_inside(root, root / "a" / "hop", 10) == b"f"
        # the walk never follows a link: the linked folder's file is not listed
        walked = {e.rel: e.verdict.kind for e in boundary.walk(root, "a")}
        assert "a/away/x" not in walked and walked["a/away"] == boundary.OUTSIDE
        assert walked["a/fifo"] == walked["a/sock"] == boundary.SPECIAL and walked["a/f"] == boundary.FILE
    finally:
        sock.close()
