"""Any terminal: output that cannot be encoded degrades to escapes (never a crash, the exit code
still says what the findings say), and a path kb cannot read or write is a plain message
naming it (exit 2), never an internal error."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

# Terminals that cannot print Chinese: an explicit encoding, and the C locale without UTF-8 mode.
TERMINALS = {
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "C": {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
}
TODAY = ("--today", "2026-11-24")


def _kb(*args: str, terminal: str | None = None, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """The real CLI on that terminal; its bytes read back in the terminal's own encoding."""
    env = {**os.environ, "NO_COLOR": "1", **(TERMINALS[terminal] if terminal else {})}
    env.pop("GITHUB_STEP_SUMMARY", None)
    cmd = [*prefix, sys.executable, "-m", "generator", *args]
    raw = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, timeout=120)
    encoding = "latin-1" if terminal == "latin-1" else "utf-8"
    return subprocess.CompletedProcess(
        raw.args, raw.returncode, raw.stdout.decode(encoding), raw.stderr.decode(encoding, "backslashreplace")
    )


def _no_crash(r) -> None:  # type: ignore[no-untyped-def]
    out = r.stdout + r.stderr
    assert "UnicodeEncodeError" not in out and "内部错误" not in out and "internal error" not in out, out
    assert "\\u5185\\u90e8\\u9519\\u8bef" not in out, out  # 内部错误, escaped


@pytest.mark.parametrize("terminal", sorted(TERMINALS))
@pytest.mark.parametrize(
    "args",
    [
        ("check",),
        ("status",),
        ("status", "acme"),
        ("route", "acme", "--at", "2026-11-24 10:00"),
        ("export", "routing", "-o", "-"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_commands_print_on_a_terminal_without_chinese(base_kb: Path, terminal: str, args: tuple[str, ...]) -> None:
    extra = TODAY if args[0] in ("check", "status", "export") else ()
    r = _kb(*args, "--root", str(base_kb), *extra, terminal=terminal)
    _no_crash(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip()
    if terminal == "latin-1":  # the Chinese is there, as escapes
        assert "\\u" in r.stdout and "检查" not in r.stdout


@pytest.mark.parametrize("terminal", sorted(TERMINALS))
def test_findings_still_decide_the_exit_code(base_kb: Path, terminal: str) -> None:
    dossier = base_kb / "clients" / "acme" / "client.yml"
    dossier.write_text(dossier.read_text(encoding="utf-8").replace("tier: gold", "tier: 金牌大客户"), encoding="utf-8")
    r = _kb("check", "--root", str(base_kb), *TODAY, terminal=terminal)
    _no_crash(r)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "clients/acme/client.yml:" in r.stdout
    # A usage error is still a usage error, said in escapes if need be.
    u = _kb("check", "--no-such-option", terminal=terminal)
    _no_crash(u)
    assert u.returncode == 2 and "--no-such-option" in u.stderr


def _site_files(kb: Path) -> None:
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
    shutil.copytree(REPO / "site", kb / "site", ignore=shutil.ignore_patterns("generated"))


def test_a_file_where_the_build_needs_a_folder(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """Works even as root: a file named ``site`` where ``site/generated/`` must go."""
    _site_files(base_kb)
    shutil.rmtree(base_kb / "site")
    (base_kb / "site").write_text("not a folder\n", encoding="utf-8")
    r = run_kb("build", "--no-forms", "--root", str(base_kb), *TODAY)
    _no_crash(r)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{base_kb / 'site'} 是一个文件，这里需要文件夹" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    en = _kb("build", "--no-forms", "--root", str(base_kb), *TODAY, "--lang", "en", terminal="latin-1")
    assert en.returncode == 2 and f"{base_kb / 'site'} is a file where a folder is needed" in en.stderr, en.stderr


_NO_DAC = ("--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search")


def _bound_by_file_modes(tmp: Path) -> tuple[str, ...]:
    """A command prefix under which file modes apply: none for an ordinary user; as root (CI
    runs as root, and root ignores ``chmod``), ``setpriv`` without the capabilities that
    override file modes. Skips when neither is possible."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes do not stop root")
    probe = tmp / "probe"
    probe.mkdir()
    probe.chmod(0o555)
    try:
        r = subprocess.run([setpriv, *_NO_DAC, "--", "touch", str(probe / "x")], capture_output=True)
    finally:
        probe.chmod(0o755)
    if r.returncode == 0:
        pytest.skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here: file modes do not stop root")
    return (setpriv, *_NO_DAC, "--")


def test_a_read_only_kb_says_which_path_it_cannot_write(base_kb: Path, tmp_path: Path) -> None:
    prefix = _bound_by_file_modes(tmp_path)
    _site_files(base_kb)
    paths = [base_kb, *base_kb.rglob("*")]
    for p in paths:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        r = _kb("build", "--no-forms", "--root", str(base_kb), *TODAY, prefix=prefix)
    finally:
        for p in paths:
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | stat.S_IWUSR)
    _no_crash(r)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "kb：无法写入 " in r.stderr and str(base_kb) in r.stderr, r.stderr


def test_an_unreadable_dossier_is_a_finding_naming_it(base_kb: Path, tmp_path: Path) -> None:
    prefix = _bound_by_file_modes(tmp_path)
    dossier = base_kb / "engineers" / "li-na.yml"
    dossier.chmod(0)
    try:
        r = _kb("check", "--root", str(base_kb), *TODAY, prefix=prefix)
    finally:
        dossier.chmod(0o644)
    _no_crash(r)
    assert r.returncode in (1, 2), r.stdout + r.stderr
    assert "engineers/li-na.yml" in r.stdout + r.stderr


def test_an_unreadable_attachment_is_named(base_kb: Path, tmp_path: Path) -> None:
    prefix = _bound_by_file_modes(tmp_path)
    _site_files(base_kb)
    picture = base_kb / "clients" / "acme" / "files" / "topology.png"
    picture.chmod(0)
    try:
        r = _kb("build", "--no-forms", "--root", str(base_kb), *TODAY, prefix=prefix)
    finally:
        picture.chmod(0o644)
    _no_crash(r)
    # Either a finding at the file (the check can say it) or a plain message naming it (exit 2);
    # never silently published without it.
    named_as_finding = "clients/acme/files/topology.png" in r.stdout and r.returncode == 1
    named_as_message = r.returncode == 2 and f"kb：无法读取 {picture}：" in r.stderr
    assert named_as_finding or named_as_message, r.stdout + r.stderr


def test_a_folder_where_a_dossier_should_be_is_a_finding(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """Also as root: a folder named like a dossier cannot be read as one."""
    (base_kb / "engineers" / "wang-fang.yml").mkdir()
    r = run_kb("check", "--root", str(base_kb), *TODAY)
    _no_crash(r)
    assert r.returncode in (0, 1), r.stdout + r.stderr
