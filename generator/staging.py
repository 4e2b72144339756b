"""Temporary folders, the swap of a published folder, and a build's child processes.

A build may be stopped at any instant: Ctrl-C, SIGTERM from a CI job that timed out, a
``kill -9``, a power cut. Whatever the instant:

- the published folder (``public/``, ``site/generated/``) is never missing: the new folder is
  swapped in with one ``renameat2(RENAME_EXCHANGE)`` on Linux, and elsewhere with two renames
  that the next run undoes if it finds the folder missing;
- no temporary folder stays behind for long: each is named ``.<name>-<pid>-<random>`` and
  ignores itself in git; the next run removes those whose process is gone;
- no child outlives the build: ``mkdocs`` runs in its own process group, which is killed on
  SIGTERM/SIGINT/SIGHUP, and on Linux the kernel kills it when its parent dies (even by
  SIGKILL, via ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_IGNORE = "# a temporary folder of kb build: removed by the next run if a stopped run left it\n*\n"
_STARTED = time.time()  # when this process started: an older folder under our own pid is a previous life's
_IN_USE_AT_MOST = 24 * 3600  # seconds: no build runs for a day, so an older folder is stale whatever its pid
_LEGACY_AFTER = 3600  # the pid-less names of earlier versions: stale after an hour
_STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


class Stopped(BaseException):
    """The build received SIGTERM or SIGHUP. A BaseException, like KeyboardInterrupt, so that
    no ``except Exception`` on the way swallows it: every ``finally`` cleans up on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Stopped` for the duration (SIGINT already raises
    KeyboardInterrupt). After the first signal the others are ignored, so that a second
    ``kill`` cannot interrupt the cleanup the first one started."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        for s in _STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {s: signal.signal(s, handler) for s in _STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


# ----------------------------------------------------------------------------- temporary folders


def temp_dir(parent: Path, name: str) -> Path:
    """A new empty folder ``parent/.<name>-<pid>-<random>`` that git ignores."""
    path = Path(tempfile.mkdtemp(prefix=f".{name}-{os.getpid()}-", dir=parent))
    try:
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(path, 0o777 & ~mask)  # mkdtemp's 0700 would hide the published site from the web server's user
        (path / ".gitignore").write_text(_IGNORE, encoding="utf-8")
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def unignore(folder: Path) -> None:
    """Drop the self-ignoring ``.gitignore`` of :func:`temp_dir` before the folder is published."""
    with contextlib.suppress(FileNotFoundError):
        if (folder / ".gitignore").read_text(encoding="utf-8") == _IGNORE:
            (folder / ".gitignore").unlink()


@dataclass(frozen=True)
class _Leftover:
    path: Path
    old: bool  # the previous published folder, moved aside by a two-rename swap
    in_use: bool


def _ours(parent: Path, name: str) -> list[_Leftover]:
    pattern = re.compile(rf"\.{re.escape(name)}-(old-)?(\d+)-[A-Za-z0-9_]+")
    legacy = re.compile(rf"\.{re.escape(name)}-[a-z0-9_]{{8}}")  # mkdtemp names of kb before 0.x (no pid)
    out = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return []
    now = _fs_now(parent)
    for e in entries:
        try:
            if not e.is_dir(follow_symlinks=False):
                continue
            age = now - e.stat(follow_symlinks=False).st_mtime
            changed = e.stat(follow_symlinks=False).st_ctime
        except OSError:
            continue
        m = pattern.fullmatch(e.name)
        if m:
            pid = int(m.group(2))
            in_use = age < _IN_USE_AT_MOST and _alive(pid) and (pid != os.getpid() or changed >= _STARTED - 1)
            out.append(_Leftover(Path(e.path), bool(m.group(1)), in_use))
        elif legacy.fullmatch(e.name):
            out.append(_Leftover(Path(e.path), False, age < _LEGACY_AFTER))
        elif e.name == f"{name}.old":  # the earlier versions' swap name
            out.append(_Leftover(Path(e.path), True, False))
    return out


def _fs_now(parent: Path) -> float:
    """"Now" on the file system's own clock: the time stamp of a file made this instant. Ages of
    folders are measured against it, not against ``time.time()``, so a machine clock that differs
    from the file server's (or a shifted clock under libfaketime) never makes a running build's
    folder look a day old."""
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".kb-now-") as f:
            return os.fstat(f.fileno()).st_mtime
    except OSError:
        return time.time()


def alive(pid: int) -> bool:
    """True while process ``pid`` runs (someone else's counts as running)."""
    return _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


def recover(parent: Path, name: str) -> None:
    """Undo what a stopped run left in ``parent``: put the published folder ``name`` back if
    it is missing (from the copy a two-rename swap moved aside), then remove every temporary
    folder of ours whose process is gone. Folders of a build running now are left alone."""
    leftovers = _ours(parent, name)
    target = parent / name
    if not os.path.lexists(target):
        olds = sorted((x for x in leftovers if x.old and not x.in_use), key=lambda x: x.path.stat().st_mtime)
        if olds:
            with contextlib.suppress(OSError):
                os.rename(olds[-1].path, target)
    for x in leftovers:
        if not x.in_use and x.path.exists():
            shutil.rmtree(x.path, ignore_errors=True)


# ----------------------------------------------------------------------------- the swap

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one system call (Linux 3.15+, glibc 2.28+); False when unsupported
    here (another OS, an old libc, a file system without it), for the caller to fall back."""
    fn = getattr(_LIBC, "renameat2", None) if _LIBC is not None else None
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGTERM/SIGINT/SIGHUP back for a few system calls (delivered when this ends)."""
    sigs = {signal.SIGINT, *_STOP_SIGNALS}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def swap_in(fresh: Path, target: Path) -> None:
    """Put the folder ``fresh`` where ``target`` is, so that ``target`` exists at every instant
    (a first build simply renames). The previous content is removed afterwards."""
    if not os.path.lexists(target):
        os.rename(fresh, target)
        return
    if _exchange(fresh, target):
        shutil.rmtree(fresh, ignore_errors=True)  # it now holds the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-{os.getpid()}-", dir=target.parent))
    os.rmdir(old)
    with _signals_deferred():  # a kill -9 here is undone by recover(): target comes back from old
        os.rename(target, old)
        os.rename(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


# ----------------------------------------------------------------------------- child processes

_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """In the child, before exec: the kernel sends SIGKILL when the parent dies; if it already
    died between fork and here, go now."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_child(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Ran:
    """Run ``argv`` to the end and capture its output; if this process is stopped meanwhile
    (any exception, KeyboardInterrupt, :class:`Stopped`), the child's whole process group is
    terminated before the exception goes on."""
    preexec = None
    if _LIBC is not None:
        parent = os.getpid()

        def preexec() -> None:
            _die_with(parent)

    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the terminal's Ctrl-C reaches us, and we stop it
        preexec_fn=preexec,
    )
    try:
        out, err = proc.communicate()
    except BaseException:
        kill_group(proc)
        raise
    return Ran(proc.returncode, out, err)


def kill_group(proc: subprocess.Popen[str], grace: float = 3.0) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after ``grace`` seconds."""
    with _signals_deferred():
        for sig, wait in ((signal.SIGTERM, grace), (getattr(signal, "SIGKILL", signal.SIGTERM), 5.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    with contextlib.suppress(ProcessLookupError, PermissionError):  # grandchildren that outlived it
        os.killpg(proc.pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
