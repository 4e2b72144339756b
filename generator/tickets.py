"""KPIs from a ticket export (§9.1, §5.1, §5.3): rows in, a quarter's aggregates out — pure
functions of a read :class:`~generator.importer.table.Table` and the model; ``kb import tickets``
(generator/commands/tickets.py) writes the result to ``kpis/<YYYY-Qn>.yml``.

Readings (README "KPIs from tickets"):

- A ticket belongs to the quarter of its **creation** time (exports are filtered that way).
- ``tickets`` counts every ticket; MTTR (mean and median, hours) is over the resolved ones (an
  empty resolution time is an open ticket, not an error); satisfaction is the mean of the
  answers given (1–5; an empty cell is no answer).
- An engineer's figures are the tickets they handled; a client's, all of its tickets.
- **Continuity**: of a client's tickets created while it had a dedicated engineer (the
  assignment and its history say who, on the ticket's day), the share handled by that engineer
  — or by the backup while the engineer was on a recorded leave (§7.4). The engineer's
  continuity is the same share over all of their dedicated clients' tickets.
- A bad row (unknown client or engineer — with "did you mean" —, an unreadable or missing time,
  resolved before created, satisfaction outside 1–5, a duplicate ticket id, no ticket id) is a
  finding at its line and is left out of every figure.
"""

from __future__ import annotations

import datetime as dt
import difflib
import operator
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .facts import engineer_on, quarter_of, standing_in
from .finding import Finding, Msg, error
from .gcpause import gc_paused
from .importer.table import Table, Value, _fast_time, parse_number, parse_time
from .model import KB, Client, KpiFigures

RULE = "import"
REQUIRED = ("id", "client", "engineer", "opened")
SATISFACTION = (1.0, 5.0)


class Ticket(NamedTuple):
    """One readable row (no text is kept: ids and times only)."""

    line: int
    client: str
    engineer: str
    opened: dt.datetime
    resolved: dt.datetime | None
    satisfaction: float | None


@dataclass
class _Tally:
    tickets: int = 0
    hours: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    kept: int = 0  # continuity: handled by the engineer or the leave's backup
    owned: int = 0  # continuity: tickets while the client had a dedicated engineer

    def figures(self) -> KpiFigures:
        return KpiFigures(
            tickets=self.tickets,
            resolved=len(self.hours),
            mttr_hours=round(statistics.fmean(self.hours), 2) if self.hours else None,
            mttr_median_hours=round(statistics.median(self.hours), 2) if self.hours else None,
            satisfaction=round(statistics.fmean(self.scores), 2) if self.scores else None,
            satisfaction_answers=len(self.scores),
            continuity=round(self.kept / self.owned, 4) if self.owned else None,
            continuity_tickets=self.owned,
        )


@dataclass(frozen=True)
class Quarter:
    """One quarter's aggregates, by engineer id and client id (sorted)."""

    period: str
    engineers: Mapping[str, KpiFigures]
    clients: Mapping[str, KpiFigures]
    tickets: int


class _Names:
    """Ids and display names to ids, with "did you mean" for a miss."""

    def __init__(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        self.ids: dict[str, str] = {}
        by_name: dict[str, set[str]] = {}
        for rid, name in pairs:
            self.ids[rid.casefold()] = rid
            if name:
                by_name.setdefault(name.strip(), set()).add(rid)
        self.names = {n: next(iter(ids)) for n, ids in by_name.items() if len(ids) == 1}
        self.ambiguous = {n for n, ids in by_name.items() if len(ids) > 1}
        self.choices = sorted({*self.ids.values(), *by_name})
        self.cache: dict[str, str | None] = {}

    def get(self, text: str) -> str | None:
        if text not in self.cache:
            self.cache[text] = self.ids.get(text.casefold()) or self.names.get(text)
        return self.cache[text]

    def near(self, text: str) -> str | None:
        hits = difflib.get_close_matches(text, self.choices, n=1, cutoff=0.5)
        return hits[0] if hits else None


def _text(v: Value) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v.strip() if isinstance(v, str) else str(v)


def _time_fast(value: Value) -> dt.datetime | None:
    if value.__class__ is str:
        return _fast_time(value)  # type: ignore[arg-type,unused-ignore]
    return value if value.__class__ is dt.datetime else None  # type: ignore[return-value,unused-ignore]


def read_tickets(table: Table, kb: KB, columns: Mapping[str, str]) -> tuple[list[Ticket], list[Finding]]:
    """The readable tickets of ``table`` and a finding per bad row (at its line and column)."""
    with gc_paused():
        return _read_tickets(table, kb, columns)


def _read_tickets(table: Table, kb: KB, columns: Mapping[str, str]) -> tuple[list[Ticket], list[Finding]]:
    col = {k: next((i + 1 for i, h in enumerate(table.header) if h.strip() == name.strip()), 1) for k, name in columns.items()}
    clients = _Names((c.id, c.name) for c in kb.clients.values())
    engineers = _Names((e.id, e.name) for e in kb.engineers.values())
    seen: dict[str, int] = {}
    out: list[Ticket] = []
    findings: list[Finding] = []
    file = table.source
    scores: dict[Value, float] = {str(n): float(n) for n in range(1, 6)}
    scores.update({n: float(n) for n in range(1, 6)})  # XLSX number cells
    times: dict[Value, dt.datetime | None] = {}  # exports repeat their minutes: parse each spelling once
    cget, eget = clients.get, engineers.get
    fields = operator.itemgetter("id", "client", "engineer", "opened", "resolved", "satisfaction")
    make = tuple.__new__  # Ticket(...) without a Python-level __new__ per row
    for row in table.rows:
        v = row.values
        # The fast path: a row with nothing wrong (almost all of them) in a few dictionary lookups;
        # any doubt goes to the slow path below, which says what is wrong.
        tid, craw, eraw, oraw, rraw, sraw = fields(v)
        if tid.__class__ is str and tid not in seen and craw.__class__ is str and eraw.__class__ is str:
            cid, eid = cget(craw), eget(eraw)
            opened_fast = times.get(oraw) if oraw is not None else None
            if opened_fast is None and oraw is not None:
                opened_fast = times[oraw] = _time_fast(oraw)
            resolved_fast = times.get(rraw) if rraw is not None else None
            if resolved_fast is None and rraw is not None:
                resolved_fast = times[rraw] = _time_fast(rraw)
            score_fast = scores.get(sraw) if sraw is not None else None
            if (cid and eid and opened_fast is not None
                    and (rraw is None or (resolved_fast is not None and resolved_fast >= opened_fast))
                    and (sraw is None or score_fast is not None)):
                seen[tid] = row.line
                out.append(make(Ticket, (row.line, cid, eid, opened_fast, resolved_fast, score_fast)))
                continue
        problems: list[tuple[str, Msg, Msg]] = []

        def bad(key: str, zh: str, en: str, hint_zh: str = "", hint_en: str = "") -> None:
            problems.append((key, Msg(zh, en), Msg(hint_zh, hint_en)))  # noqa: B023 - called in this iteration only

        tid = _text(v.get("id"))
        if tid is None:
            bad("id", f"没有工单号（{columns['id']}）", f"no ticket id ({columns['id']})")
        elif tid in seen:
            bad("id", f"工单号 {tid} 重复：第 {seen[tid]} 行已有", f"duplicate ticket id {tid}: already on line {seen[tid]}",
                "每张工单只应出现一次；删去重复的行", "each ticket appears once; remove the repeated row")
        refs: dict[str, str | None] = {}
        for key, names, what_zh, what_en in (("client", clients, "客户", "client"), ("engineer", engineers, "处理人", "engineer")):
            text = _text(v.get(key))
            rid = names.get(text) if text else None
            refs[key] = rid
            if text is None:
                bad(key, f"没有{what_zh}（{columns[key]}）", f"no {what_en} ({columns[key]})")
            elif rid is None:
                near = names.near(text)
                if text in names.ambiguous:
                    bad(key, f"{what_zh}「{text}」同名不止一个", f"more than one {what_en} is called {text!r}",
                        "改写为 ID", "write the id instead")
                else:
                    bad(key, f"未知的{what_zh}「{text}」" + (f"；是不是「{near}」？" if near else ""),
                        f"unknown {what_en} {text!r}" + (f"; did you mean {near!r}?" if near else ""),
                        f"写 {what_zh} ID 或知识库中的名称", f"write the {what_en}'s id or its name in the KB")
        opened = resolved = None
        raw_opened = v.get("opened")
        if raw_opened is None:
            bad("opened", f"没有创建时间（{columns['opened']}）", f"no creation time ({columns['opened']})")
        else:
            t = parse_time(raw_opened)
            if isinstance(t, Msg):
                bad("opened", "创建时间：" + t.zh, "creation time: " + t.en)
            else:
                opened = t
        if v.get("resolved") is not None:
            t = parse_time(v.get("resolved"))
            if isinstance(t, Msg):
                bad("resolved", "解决时间：" + t.zh, "resolution time: " + t.en)
            else:
                resolved = t
                if opened is not None and resolved < opened:
                    bad("resolved", f"解决时间 {resolved:%Y-%m-%d %H:%M} 早于创建时间 {opened:%Y-%m-%d %H:%M}",
                        f"resolved {resolved:%Y-%m-%d %H:%M} before created {opened:%Y-%m-%d %H:%M}",
                        "检查两列是否填反", "check whether the two columns are swapped")
        score = None
        if v.get("satisfaction") is not None:
            n = parse_number(v.get("satisfaction"))
            if isinstance(n, Msg) or not SATISFACTION[0] <= n <= SATISFACTION[1]:
                bad("satisfaction", f"满意度「{v.get('satisfaction')}」不在 1–5 分之间",
                    f"satisfaction {v.get('satisfaction')!r} is not between 1 and 5", "留空表示未评价", "leave it empty for no answer")
            else:
                score = n
        if tid is not None and tid not in seen:
            seen[tid] = row.line
        if problems:
            for key, msg, hint in problems:
                findings.append(error(file, row.line, col.get(key, 1), RULE, msg, hint))
            continue
        assert opened is not None and refs["client"] and refs["engineer"]
        out.append(Ticket(row.line, refs["client"], refs["engineer"], opened, resolved, score))
    return out, findings


def quarters(tickets: Iterable[Ticket], kb: KB) -> dict[str, Quarter]:
    """The aggregates of each quarter the tickets fall in."""
    eng: dict[str, dict[str, _Tally]] = {}
    cli: dict[str, dict[str, _Tally]] = {}
    counts: dict[str, int] = {}
    owner: dict[tuple[str, dt.date], tuple[str | None, tuple[str, ...]]] = {}
    quarter: dict[dt.date, str] = {}
    for t in tickets:
        day = t.opened.date()
        q = quarter.get(day)
        if q is None:
            q = quarter[day] = quarter_of(day)
        counts[q] = counts.get(q, 0) + 1
        c_tallies = cli.get(q)
        if c_tallies is None:
            c_tallies, e_tallies = cli[q], eng[q] = {}, {}
        else:
            e_tallies = eng[q]
        c_tally = c_tallies.get(t.client) or c_tallies.setdefault(t.client, _Tally())
        e_tally = e_tallies.get(t.engineer) or e_tallies.setdefault(t.engineer, _Tally())
        c_tally.tickets += 1
        e_tally.tickets += 1
        if t.resolved is not None:
            hours = (t.resolved - t.opened).total_seconds() / 3600
            c_tally.hours.append(hours)
            e_tally.hours.append(hours)
        if t.satisfaction is not None:
            c_tally.scores.append(t.satisfaction)
            e_tally.scores.append(t.satisfaction)
        key = (t.client, day)
        who = owner.get(key)
        if who is None:
            who = owner[key] = _owner(kb, kb.clients[t.client], day)
        dedicated, stand_in = who
        if dedicated is None:
            continue
        kept = t.engineer == dedicated or t.engineer in stand_in
        d_tally = e_tally if dedicated == t.engineer else e_tallies.get(dedicated) or e_tallies.setdefault(dedicated, _Tally())
        c_tally.owned += 1
        c_tally.kept += kept
        d_tally.owned += 1
        d_tally.kept += kept
    return {
        q: Quarter(q, {k: v.figures() for k, v in sorted(eng.get(q, {}).items())},
                   {k: v.figures() for k, v in sorted(cli.get(q, {}).items())}, counts[q])
        for q in sorted(counts)
    }


def _owner(kb: KB, c: Client, day: dt.date) -> tuple[str | None, tuple[str, ...]]:
    dedicated = engineer_on(c, day)
    return dedicated, standing_in(kb, c, dedicated, day) if dedicated else ()


# ------------------------------------------------------------------ the file


def to_yaml(q: Quarter, source: str, sha256: str, rows: int, skipped: int) -> str:
    """``kpis/<q>.yml``: the source's name, digest and rows, then the aggregates (ids and numbers only)."""
    import json

    lines = [
        "# yaml-language-server: $schema=../schemas/kpis.schema.json",
        "# 由 kb import tickets 从工单导出文件计算生成（只含汇总数字）；重新导入本季度请用 --force",
        f"period: {q.period}",
        f"source: {{file: {json.dumps(source, ensure_ascii=False)}, sha256: {sha256}, rows: {rows}, skipped: {skipped}}}",
    ]
    for key, group in (("engineers", q.engineers), ("clients", q.clients)):
        lines.append(f"{key}:" if group else f"{key}: []")
        for rid, f in group.items():
            parts = [f"id: {rid}", f"tickets: {f.tickets}", f"resolved: {f.resolved}"]
            for name, value in (("mttr_hours", f.mttr_hours), ("mttr_median_hours", f.mttr_median_hours),
                                ("satisfaction", f.satisfaction)):
                if value is not None:
                    parts.append(f"{name}: {_num(value)}")
            parts.append(f"satisfaction_answers: {f.satisfaction_answers}")
            if f.continuity is not None:
                parts += [f"continuity: {_num(f.continuity)}", f"continuity_tickets: {f.continuity_tickets}"]
            lines.append("  - {" + ", ".join(parts) + "}")
    return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))
