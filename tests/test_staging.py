"""Clean stops: a `kb build` stopped at any instant leaves no mkdocs running, no temporary
folder for long, and never a KB without its `public/`.

The builds are real (`python -m generator build`, MkDocs Material). To stop one *while MkDocs
runs*, the test KB's mkdocs.yml adds a hook (an ordinary MkDocs feature of the KB's own
configuration) that sleeps after the pages are written: a slow build, nothing of ours replaced.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import staging

from .conftest import REPO, copy_base, git, init_repo

TODAY = "2026-11-24"
LINUX = sys.platform.startswith("linux")


def _kb(tmp_path: Path) -> Path:
    kb = copy_base(tmp_path / "kb")
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
    shutil.copytree(REPO / "site", kb / "site", ignore=shutil.ignore_patterns("generated"))
    return init_repo(kb)


def _slow(kb: Path) -> None:
    (kb / "hooks").mkdir()
    (kb / "hooks" / "slow.py").write_text("import time\n\n\ndef on_post_build(config):\n    time.sleep(120)\n")
    with (kb / "mkdocs.yml").open("a", encoding="utf-8") as fh:
        fh.write("hooks:\n  - hooks/slow.py\n")


def _build(kb: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", TODAY],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has finished; only its exit status is left


def _mkdocs_of(kb_pid: int, deadline: float) -> int:
    """The mkdocs process started by ``kb_pid``, once it has begun writing the site."""
    while time.time() < deadline:
        for child in _children(kb_pid):
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"mkdocs" in cmd:
                return child
        time.sleep(0.05)
    raise AssertionError("mkdocs never started")


def _leftovers(kb: Path) -> list[str]:
    return sorted(p.name for p in [*kb.iterdir(), *(kb / "site").iterdir()]
                  if p.name.startswith((".public-", ".generated-")) or p.name.endswith(".old"))


def _gone(pid: int, within: float) -> bool:
    end = time.time() + within
    while time.time() < end:
        if not _running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not LINUX, reason="reads /proc to find the mkdocs child")
def test_sigterm_stops_mkdocs_and_cleans_up(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    assert _build(kb).returncode == 0
    before = (kb / "public" / "index.html").read_bytes()
    _slow(kb)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", TODAY],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        mkdocs = _mkdocs_of(proc.pid, time.time() + 60)
        time.sleep(1.0)  # well inside the build: MkDocs is writing into the temporary folder
        assert any(n.startswith(f".public-{proc.pid}-") for n in _leftovers(kb))
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "SIGTERM" in err and "内部错误" not in err and "Traceback" not in err
    assert _gone(mkdocs, 5), "mkdocs outlived kb build"
    assert _leftovers(kb) == []
    assert (kb / "public" / "index.html").read_bytes() == before


@pytest.mark.skipif(not LINUX, reason="PR_SET_PDEATHSIG is Linux's")
def test_sigkill_takes_mkdocs_along_and_the_next_run_cleans_up(tmp_path: Path) -> None:
    kb = _kb(tmp_path)
    _slow(kb)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", TODAY],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        mkdocs = _mkdocs_of(proc.pid, time.time() + 60)
        time.sleep(1.0)
        proc.kill()  # SIGKILL: no handler runs, nothing is cleaned up by kb itself
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _gone(mkdocs, 5), "mkdocs outlived a killed kb build"
    left = _leftovers(kb)
    assert any(n.startswith(f".public-{proc.pid}-") for n in left)
    # what the killed run left is not something `git add -A` would commit (the KB has no .gitignore)
    assert not [ln for ln in git(kb, "status", "--porcelain", "--untracked-files=all").splitlines()
                if ".public-" in ln or ".generated-" in ln]
    (kb / "hooks" / "slow.py").write_text("def on_post_build(config):\n    pass\n")
    r = _build(kb)
    assert r.returncode == 0, r.stderr
    assert _leftovers(kb) == [] and (kb / "public" / "index.html").is_file()


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_swap_cut_short_is_undone_by_the_next_run(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """The state a kill -9 between the two renames of a swap leaves (where renameat2 is not
    available): no public/, the previous site moved aside, the new one complete beside it.
    The next run — even one that publishes nothing (--strict with an error) — puts it back."""
    kb = _kb(tmp_path)
    dead = _dead_pid()
    old = kb / f".public-old-{dead}-k3j2h1"
    new = kb / f".public-{dead}-a1b2c3d4"
    for folder, text in ((old, "previous site"), (new, "half-built site")):
        folder.mkdir()
        (folder / "index.html").write_text(text, encoding="utf-8")
    gen_left = kb / "site" / f".generated-{dead}-zz9y8x7w"
    gen_left.mkdir()
    legacy = kb / "site" / "generated.old"  # what the swap of earlier versions left
    legacy.mkdir()
    mine = kb / f".public-{os.getpid()}-inuse000"  # a build that is running now (this test process)
    mine.mkdir()
    dossier = kb / "clients" / "acme" / "client.yml"
    dossier.write_text(dossier.read_text(encoding="utf-8").replace("tier: gold", "tier: diamond"), encoding="utf-8")
    r = run_kb("build", "--root", str(kb), "--today", TODAY, "--strict")
    assert r.returncode == 1  # nothing published ...
    assert (kb / "public" / "index.html").read_text(encoding="utf-8") == "previous site"  # ... yet public/ is back
    assert not old.exists() and not new.exists() and not gen_left.exists() and not legacy.exists()
    assert mine.is_dir()  # not ours to remove: its process is alive


def test_swap_keeps_the_target_in_place(tmp_path: Path) -> None:
    target = tmp_path / "public"
    target.mkdir()
    (target / "index.html").write_text("old", encoding="utf-8")
    fresh = staging.temp_dir(tmp_path, "public")
    (fresh / "index.html").write_text("new", encoding="utf-8")
    staging.unignore(fresh)
    staging.swap_in(fresh, target)
    assert (target / "index.html").read_text(encoding="utf-8") == "new"
    assert not (target / ".gitignore").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
    assert target.stat().st_mode & 0o055 == 0o055 & ~_umask()  # readable by a web server's user


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_repository_gitignore_covers_the_temporary_folders() -> None:
    for path in (".public-123-abcd1234/index.html", ".public-old-9-x/index.html", "public.old/index.html",
                 "site/.generated-123-abcd1234/x.md", "site/generated.old/x.md"):
        r = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", path], check=False)
        assert r.returncode == 0, path
