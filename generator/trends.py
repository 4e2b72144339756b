"""Trends: the KB's figures at each month's end, read from git (issue 16).

For each of the last 24 month-ends (or since the first commit) the KB is checked as it stood
then — the ``--as-of`` check: the last first-parent commit made on or before that day, judged
with today = that day — and reduced to a :class:`Point`: errors and warnings by rule family,
the month's deadlines met on time and late (events recorded, sync meetings due, knowledge
bases due), each client's KB completeness, each engineer's load and the clients by status.
The build adds the current state (the working tree, today) as the last point.

Cost: the month-ends share one :class:`~generator.pipeline.Reuse` — each file version is read
and validated once, the history log is read once (with the history stage's blob cache) — and
every month-end's point is kept in ``.kb-cache/trends.json`` under its commit and day, so a
second run only judges the month-ends it has not seen (``bench/trends.py`` measures both).

Readings (README "Trends"):

- **Events**: those whose record was first committed in the month (the month the lateness, if
  any, became a fact — as in the monthly report), on time or late by §8.2's working days.
- **Meetings**: the sync periods that ended in the month, held or missed (§8.2).
- **Knowledge bases**: the dedicated clients whose §7.2.5 deadline fell in the month — on time
  when complete and proofread by the deadline, late otherwise (also when still not done at the
  month's end).
- **Completeness** is kept for every client that keeps a KB (dedicated, temporary priority,
  suspended); **load** is :func:`~generator.facts.served_by`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from . import __version__, asof, cache
from .duties import recorded_events
from .facts import KEEPS_KB, add_months, kb_completeness, kb_deadline, kb_proofread_on, served_by
from .finding import Msg, Severity
from .history import History
from .model import KB
from .monthly import meetings_in
from .pipeline import Outcome, Reuse, check
from .source import GitError

MONTHS = 24
T = TypeVar("T")
TRENDS_VERSION = 2  # what a Point holds and how it is counted; a change rebuilds the cache
_CACHE_FILE = "trends.json"


@dataclass(frozen=True)
class Point:
    """The figures of the KB at the end of one month (or today, for the current point)."""

    day: dt.date
    commit: str | None  # the commit read; None: the working tree
    clients: int = 0
    engineers: int = 0
    statuses: Mapping[str, int] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    families: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # rule family → (errors, warnings)
    events: tuple[int, int] = (0, 0)  # recorded in the month: (on time, late)
    meetings: tuple[int, int] = (0, 0)  # periods ended in the month: (held, missed)
    kbs: tuple[int, int] = (0, 0)  # KB deadlines in the month: (on time, late)
    completeness: Mapping[str, int] = field(default_factory=dict)  # client folder → percent
    load: Mapping[str, int] = field(default_factory=dict)  # engineer id → clients served

    @property
    def month(self) -> str:
        return self.day.strftime("%Y-%m")

    @property
    def kb_average(self) -> float | None:
        values = list(self.completeness.values())
        return round(sum(values) / len(values), 1) if values else None

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "commit": self.commit,
            "clients": self.clients,
            "engineers": self.engineers,
            "statuses": dict(self.statuses),
            "errors": self.errors,
            "warnings": self.warnings,
            "families": {k: list(v) for k, v in self.families.items()},
            "events": list(self.events),
            "meetings": list(self.meetings),
            "kbs": list(self.kbs),
            "completeness": dict(self.completeness),
            "load": dict(self.load),
        }

    @classmethod
    def from_json(cls, d: Any) -> Point:
        """The point :meth:`to_json` wrote (ValueError/KeyError/TypeError for anything else)."""

        def pair(v: Any) -> tuple[int, int]:
            a, b = v
            return _int(a), _int(b)

        def counts(v: Any) -> dict[str, int]:
            if not isinstance(v, dict):
                raise TypeError("not a mapping")
            return {str(k): _int(n) for k, n in v.items()}

        if not isinstance(d, dict):
            raise TypeError("not a mapping")
        commit = d["commit"]
        if commit is not None and not isinstance(commit, str):
            raise TypeError("commit")
        families = d["families"]
        if not isinstance(families, dict):
            raise TypeError("families")
        return cls(
            day=dt.date.fromisoformat(d["day"]),
            commit=commit,
            clients=_int(d["clients"]),
            engineers=_int(d["engineers"]),
            statuses=counts(d["statuses"]),
            errors=_int(d["errors"]),
            warnings=_int(d["warnings"]),
            families={str(k): pair(v) for k, v in families.items()},
            events=pair(d["events"]),
            meetings=pair(d["meetings"]),
            kbs=pair(d["kbs"]),
            completeness=counts(d["completeness"]),
            load=counts(d["load"]),
        )


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("not an integer")
    return v


@dataclass(frozen=True)
class Trends:
    """The points, oldest first; ``problem`` says why there are none (no git history)."""

    points: tuple[Point, ...] = ()
    problem: Msg | None = None
    computed: int = 0  # month-ends judged in this run
    cached: int = 0  # month-ends read from .kb-cache/trends.json

    @property
    def available(self) -> bool:
        return self.problem is None and bool(self.points)

    def months(self) -> list[str]:
        return [p.month for p in self.points]

    def series(self, pick: Callable[[Point], T]) -> list[T]:
        """``pick(point)`` for every point, oldest first."""
        return [pick(p) for p in self.points]


def family(rule: str) -> str:
    """A rule id's family: the part before the first dot (``change.1bd`` → ``change``)."""
    return rule.split(".", 1)[0]


def month_ends(today: dt.date, months: int = MONTHS, since: dt.date | None = None) -> list[dt.date]:
    """The last ``months`` month-ends before ``today`` (oldest first), none before ``since``."""
    first_of_month = today.replace(day=1)
    out = []
    for back in range(months, 0, -1):
        end = add_months(first_of_month, -back + 1) - dt.timedelta(days=1)
        if since is None or end >= since:
            out.append(end)
    return out


def point(out: Outcome, day: dt.date, commit: str | None) -> Point:
    """The figures of a check judged on ``day`` (the month runs from its first day to ``day``)."""
    kb, history = out.kb, out.history
    start = day.replace(day=1)
    by_family: dict[str, list[int]] = {}
    errors = warnings = 0
    for f in out.findings:
        if f.severity is Severity.ERROR:
            errors += 1
            by_family.setdefault(family(f.rule), [0, 0])[0] += 1
        elif f.severity is Severity.WARNING:
            warnings += 1
            by_family.setdefault(family(f.rule), [0, 0])[1] += 1
    meetings = meetings_in(kb, start, day)
    held = sum(1 for m in meetings if m.held)
    serving = served_by(kb)
    return Point(
        day=day,
        commit=commit,
        clients=len(kb.clients),
        engineers=len(kb.engineers),
        statuses=dict(sorted(Counter(c.status or "—" for c in kb.clients.values()).items())),
        errors=errors,
        warnings=warnings,
        families={k: (v[0], v[1]) for k, v in sorted(by_family.items())},
        events=_events(kb, history, start, day),
        meetings=(held, len(meetings) - held),
        kbs=_kbs(kb, start, day),
        completeness={c.folder: kb_completeness(c) for c in sorted(kb.clients.values(), key=lambda c: c.folder)
                      if c.status in KEEPS_KB},
        load={e: len(serving.get(e, [])) for e in sorted(kb.engineers)},
    )


def _events(kb: KB, history: History | None, start: dt.date, day: dt.date) -> tuple[int, int]:
    if history is None or not history.available:
        return (0, 0)
    events, _gaps = recorded_events(kb, history, kb.work_calendar(), day)
    mine = [e for e in events if start <= e.commit.date <= day]
    late = sum(1 for e in mine if e.late)
    return (len(mine) - late, late)


def _kbs(kb: KB, start: dt.date, day: dt.date) -> tuple[int, int]:
    """§7.2.5 as ``client.kb-30d`` judges it on ``day``, for the deadlines that fell in the month."""
    days = kb.policy.kb_calendar_days if kb.policy is not None else None
    on_time = late = 0
    for c in kb.clients.values():
        deadline = kb_deadline(c, days)
        if deadline is None or not start <= deadline <= day:
            continue
        done = kb_proofread_on(c, day) if kb_completeness(c) == 100 else None
        if done is not None and done <= deadline:
            on_time += 1
        else:
            late += 1
    return (on_time, late)


# ----------------------------------------------------------------------------- reading


def _tool() -> str:
    """What the points depend on besides the commit and the day: kb and the working-day calendar."""
    try:
        cal = metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:
        cal = "-"
    return f"{__version__}/{TRENDS_VERSION}/{cal}"


def _load_cache(root: Path) -> dict[str, Point]:
    if cache.committed(root):
        return {}
    folder = cache.folder(root, create=False)
    raw = cache.read_bytes(folder / _CACHE_FILE) if folder is not None else None
    if raw is None:
        return {}
    try:
        payload = cache.loads(raw, "trends", TRENDS_VERSION)
        if not isinstance(payload, dict) or payload.get("tool") != _tool() or not isinstance(payload.get("points"), dict):
            return {}
        return {str(k): Point.from_json(v) for k, v in payload["points"].items()}
    except (cache.Damaged, ValueError, KeyError, TypeError):
        return {}  # a hint only: rebuilt


def _save_cache(root: Path, points: Mapping[str, Point]) -> None:
    folder = cache.folder(root)
    if folder is None:
        return
    payload = {"tool": _tool(), "points": {k: p.to_json() for k, p in sorted(points.items())}}
    with contextlib.suppress(OSError):
        cache.write_atomic(folder / _CACHE_FILE, cache.dumps("trends", TRENDS_VERSION, payload))


def _key(commit: str, day: dt.date) -> str:
    return f"{commit}@{day.isoformat()}"


def read_trends(
    root: Path,
    today: dt.date,
    current: Outcome | None = None,
    months: int = MONTHS,
    use_cache: bool = True,
) -> Trends:
    """The figures at each of the last ``months`` month-ends before ``today`` (from git), then
    ``current`` (the check the build publishes) as the point for ``today``. Never raises for a
    KB without history: the Trends says why (``problem``)."""
    history = current.history if current is not None else None
    if history is not None and not history.available:
        return Trends(problem=history.problem)
    commits = asof.first_parent_commits(root)
    if not commits:
        return Trends(problem=Msg("知识库不在 git 仓库中或还没有提交，没有趋势可看。",
                                  "The KB is not in git or has no commit yet: there is no trend to show."))
    cached = _load_cache(root) if use_cache else {}
    known: dict[str, Point] = {}
    points: list[Point] = []
    reuse: Reuse | None = None
    computed = hits = 0
    for day in month_ends(today, months, asof.china_day(commits[-1][1])):
        sha = asof.commit_on(root, day, commits)
        if sha is None:
            continue
        key = _key(sha, day)
        p = cached.get(key)
        if p is None:
            if reuse is None:
                reuse = Reuse(root, commits)
                if not reuse.line.available:  # a shallow clone: the past is not all there
                    return Trends(problem=reuse.line.problem)
            try:
                p = point(check(root, day, at=sha, reuse=reuse), day, sha)
            except (GitError, OSError) as exc:  # a damaged repository: say which month-end, keep the build
                return Trends(problem=Msg(
                    f"无法读取 {day} 月末的提交 {sha[:8]}（{exc}）：仓库可能已损坏，运行 git fsck 检查。",
                    f"Cannot read the commit {sha[:8]} of the month-end {day} ({exc}): the repository may be "
                    "damaged; run git fsck."))
            computed += 1
        else:
            hits += 1
        known[key] = p
        points.append(p)
    if current is not None:
        points.append(point(current, today, None))
    if use_cache and (computed or set(known) != set(cached)):
        _save_cache(root, known)
    return Trends(points=tuple(points), computed=computed, cached=hits)


def client_series(t: Trends, folder: str) -> list[int | None]:
    """The client's KB completeness at each point (None: not kept then)."""
    return [p.completeness.get(folder) for p in t.points]


def engineer_series(t: Trends, eid: str) -> list[int | None]:
    """The engineer's load at each point (None: not in the KB then)."""
    return [p.load.get(eid) for p in t.points]


def pairs(values: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Split (a, b) pairs into two series."""
    return [a for a, _ in values], [b for _, b in values]
