"""``--as-of DATE|REF``: which commit the KB "stood at" on a day, and the day it is judged by.

A date means the last first-parent commit of HEAD made on or before the end of that day in
China time (committer dates, as the history stage reads them), judged with today = that date;
a ref (a commit id, tag, branch, ``HEAD~3``) means that commit, judged with today = its
committer date in China time.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .finding import Msg

CHINA = dt.timezone(dt.timedelta(hours=8))
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class AsOf:
    commit: str  # full commit id
    today: dt.date  # the day the rules judge by


class AsOfError(Exception):
    """The date or ref names no commit; ``msg`` says why, in both languages."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(msg.en)
        self.msg = msg


def _git(root: Path, *args: str) -> tuple[int, str]:
    try:
        proc = subprocess.run(["git", "--no-optional-locks", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        raise AsOfError(Msg(f"无法运行 git：{exc}", f"Cannot run git: {exc}")) from exc
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def china_day(timestamp: int) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp, CHINA).date()


def end_of_day(day: dt.date) -> int:
    """The first second after ``day`` ends in China time, as a Unix timestamp."""
    return int(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CHINA).timestamp())


def first_parent_commits(root: Path, rev: str = "HEAD") -> list[tuple[str, int]]:
    """(commit, committer timestamp) along the first-parent line of ``rev``, newest first."""
    code, out = _git(root, "log", "--first-parent", "--format=%H %ct", rev, "--")
    if code != 0:
        return []
    return [(sha, int(ct)) for sha, ct in (line.split() for line in out.splitlines() if line.strip())]


def commit_on(root: Path, day: dt.date, commits: list[tuple[str, int]] | None = None) -> str | None:
    """The last first-parent commit made on or before ``day`` (China time), or None."""
    cutoff = end_of_day(day)
    for sha, ct in commits if commits is not None else first_parent_commits(root):
        if ct < cutoff:
            return sha
    return None


def resolve(root: Path, value: str) -> AsOf:
    """The commit and the day ``--as-of value`` means (AsOfError when there is none)."""
    if _DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise AsOfError(Msg(f"--as-of 的日期不存在：{value}", f"--as-of: no such date: {value}")) from exc
        sha = commit_on(root, day)
        if sha is None:
            raise AsOfError(
                Msg(
                    f"--as-of {value}：这一天（北京时间）结束前没有提交，那时知识库还不存在。",
                    f"--as-of {value}: there is no commit before the end of that day (China time); the KB did not "
                    "exist yet.",
                )
            )
        return AsOf(sha, day)
    code, out = _git(root, "rev-parse", "--verify", "-q", "--end-of-options", f"{value}^{{commit}}")
    if code != 0 or not out.strip():
        raise AsOfError(
            Msg(
                f"--as-of {value}：既不是日期（YYYY-MM-DD），也不是这个仓库里的提交、标签或分支。",
                f"--as-of {value}: neither a date (YYYY-MM-DD) nor a commit, tag or branch of this repository.",
            )
        )
    sha = out.strip()
    _code, ct = _git(root, "show", "-s", "--format=%ct", sha)
    return AsOf(sha, china_day(int(ct.strip())))
