"""KPIs from a ticket export (§9.1, §5.1, §5.3): rows in, a quarter's aggregates out — pure
functions of an opened table (:func:`~generator.importer.table.scan_table`) and the model;
``kb import tickets`` (generator/commands/tickets.py) writes the result to ``kpis/<YYYY-Qn>.yml``.

``read_tickets(scan, kb, columns) -> Export`` reads every record once, straight from its cells
(an export has 10^5 rows; none is kept as a row): the tickets, a finding per bad row, the rows
read, and the refusal if the file turned out unreadable. ``quarters(export or tickets, kb)``
aggregates; ``to_yaml`` writes a quarter's file.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .facts import engineer_on, quarter_of, standing_in
from .finding import Finding, Msg, error
from .gcpause import gc_paused
from .importer.table import Cells, Scan, Table, TimeMemo, Value, parse_number, parse_time
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
        # text -> id (None: unknown), asked with stripped text only; so a raw cell found in it is
        # spelt exactly as its stripped text and may be looked up as it is. Prefilled with every
        # id and name as written in the KB: an export writes one of those in almost every row.
        self.cache: dict[str, str | None] = {}
        for text in self.choices:
            if text == text.strip():
                self.get(text)

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


# The tickets by client, engineer and day of creation: what the figures depend on besides each
# ticket's own times and answer.
Groups = dict[tuple[str, str, dt.date], list[Ticket]]


@dataclass(frozen=True)
class Export:
    """What :func:`read_tickets` read: the readable tickets, a finding per bad row, the data
    rows read (blank rows not counted: ``Table.row_count``), and ``refused`` — the file could
    not be read after all (a malformed CSV, found at its end), with the findings that say why.
    ``groups`` are the tickets grouped for :func:`quarters` (while the collector is paused)."""

    tickets: list[Ticket]
    findings: list[Finding]
    row_count: int
    groups: Groups = field(repr=False)
    refused: Table | None = None


_FIELDS = ("id", "client", "engineer", "opened", "resolved", "satisfaction")
_NO_SCORE = -1.0  # "not one of the five answers" in the fast path's lookup


def _picker(index: Mapping[str, int]) -> Callable[[Cells], tuple[str, ...]]:
    """The six raw cells of a CSV record in _FIELDS order (IndexError: a short record); an
    absent optional column reads as an empty cell — no resolution, no answer — as it does
    in the values (None)."""
    at = [index.get(k) for k in _FIELDS]
    if None not in at:
        return operator.itemgetter(*at)  # the cells of a CSV are str
    get = operator.itemgetter(*[i for i in at if i is not None])  # the four required are there

    def pick(cells: Cells) -> tuple[str, ...]:
        got = iter(get(cells))
        return tuple("" if i is None else next(got) for i in at)

    return pick


def read_tickets(scan: Scan, kb: KB, columns: Mapping[str, str]) -> Export:
    """Read the tickets of ``scan`` (one pass over its records): a finding per bad row, at its
    line and column (see the module docstring)."""
    with gc_paused():
        return _read_tickets(scan, kb, columns)


def _read_tickets(scan: Scan, kb: KB, columns: Mapping[str, str]) -> Export:
    col = {k: next((i + 1 for i, h in enumerate(scan.header) if h.strip() == name.strip()), 1) for k, name in columns.items()}
    clients = _Names((c.id, c.name) for c in kb.clients.values())
    engineers = _Names((e.id, e.name) for e in kb.engineers.values())
    seen: dict[str, int] = {}
    out: list[Ticket] = []
    findings: list[Finding] = []
    file = scan.source
    slow_rows = slow_tickets = 0  # non-blank records the slow path read, and the tickets it kept

    def slow(line: int, cells: Cells) -> None:
        """Any record the fast path doubts: its values as read_table gives them, every problem said."""
        nonlocal slow_rows, slow_tickets
        v = scan.values(cells)
        if v is None:  # a blank row: not a row at all
            return
        slow_rows += 1
        problems: list[tuple[str, Msg, Msg]] = []

        def bad(key: str, zh: str, en: str, hint_zh: str = "", hint_en: str = "") -> None:
            problems.append((key, Msg(zh, en), Msg(hint_zh, hint_en)))

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
            seen[tid] = line
        if problems:
            for key, msg, hint in problems:
                findings.append(error(file, line, col.get(key, 1), RULE, msg, hint))
            return
        assert opened is not None and refs["client"] and refs["engineer"]
        out.append(Ticket(line, refs["client"], refs["engineer"], opened, resolved, score))
        slow_tickets += 1

    refused = scan.refused()
    if refused is not None:  # refused before its first record: nothing to read
        return Export([], [], 0, {}, refused)
    if scan.text_cells:
        _fast(scan, _picker(scan.index), clients.cache, engineers.cache, seen, out, slow)
    else:  # XLSX: typed cells (numbers, dates); 10^5-row sheets are rare and openpyxl the slower part
        for line, cells in scan.records:
            slow(line, cells)
    return Export(out, findings, len(out) - slow_tickets + slow_rows, _group(out), scan.refused())


def _fast(scan: Scan, pick: Callable[[Cells], tuple[str, ...]], client_ids: Mapping[str, str | None],
          engineer_ids: Mapping[str, str | None], seen: dict[str, int], out: list[Ticket],
          slow: Callable[[int, Cells], None]) -> None:
    """The CSV records, almost all of them read here in a few dictionary lookups on the raw
    cells (an export has 10^5 rows); any doubt — a short or blank record, a cell with
    spaces around it, an unknown name, a time or answer spelt another way, a duplicate id —
    goes to ``slow``, which reads the record as read_table would and says what is wrong, if
    anything.

    Every shortcut is exact: a name's id comes from the same lookup as the slow path's (whose
    cache holds stripped spellings only), a time is the one TimeMemo reads as parse_time does
    (its ``parts`` inlined for the common ``DATE TIME``), and an answer is one of the five digits
    or empty."""
    memo = TimeMemo()
    scores: dict[str, float | None] = {"": None, **{str(n): float(n) for n in range(1, 6)}}
    cget, eget, sget, dget, kget = client_ids.get, engineer_ids.get, scores.get, memo.days.get, memo.clocks.get
    day_of, clock_of, parts = memo.day, memo.clock, memo.parts
    append, claim = out.append, seen.setdefault
    make = tuple.__new__  # Ticket(...) without a Python-level __new__ per row

    for line, cells in scan.records:
        try:
            tid, craw, eraw, oraw, rraw, sraw = pick(cells)
        except IndexError:  # shorter than the header: the slow path reads what is there
            slow(line, cells)
            continue
        # TimeMemo.parts inlined for DATE TIME (a part not read is None: then parts, which also
        # reads T between them, else the slow path)
        day, _, clock = oraw.partition(" ")
        midnight = dget(day) or day_of(day)
        offset = kget(clock)
        if offset is None:
            offset = clock_of(clock)
        if midnight is None or offset is None:
            both = parts(oraw)
            if both is None:
                slow(line, cells)
                continue
            midnight, offset = both
        opened = midnight + offset
        resolved = None
        if rraw:  # empty: an open ticket
            day, _, clock = rraw.partition(" ")
            end_day = dget(day) or day_of(day)
            end_clock = kget(clock)
            if end_clock is None:
                end_clock = clock_of(clock)
            if end_day is not None and end_clock is not None:
                resolved = end_day + end_clock
            else:
                both = parts(rraw)
                if both is not None:
                    resolved = both[0] + both[1]
        score = sget(sraw, _NO_SCORE)
        cid = cget(craw)
        eid = eget(eraw)
        # the id last: claiming it (the line of its first row) is the one write of a good row
        if (cid and eid and score is not _NO_SCORE and (resolved >= opened if resolved is not None else not rraw)
                and tid and tid == tid.strip() and claim(tid, line) == line):
            append(make(Ticket, (line, cid, eid, opened, resolved, score)))
        else:
            slow(line, cells)


def _group(tickets: Iterable[Ticket]) -> Groups:
    """The tickets by client, engineer and day of creation."""
    groups: Groups = {}
    for t in tickets:
        key = (t.client, t.engineer, t.opened.date())
        g = groups.get(key)
        if g is None:
            g = groups[key] = []
        g.append(t)
    return groups


def quarters(tickets: Iterable[Ticket] | Export, kb: KB) -> dict[str, Quarter]:
    """The aggregates of each quarter the tickets fall in (an :class:`Export`'s grouped already)."""
    # The tickets are grouped by client, engineer and day — one dictionary lookup per ticket —
    # and the groups (a few thousand, not 10^5) folded into the tallies. The sums are exact
    # (fsum) and the median sorts, so the order the hours are collected in changes no figure.
    groups = tickets.groups if isinstance(tickets, Export) else _group(tickets)
    eng: dict[str, dict[str, _Tally]] = {}
    cli: dict[str, dict[str, _Tally]] = {}
    counts: dict[str, int] = {}
    owners: dict[tuple[str, dt.date], tuple[str | None, tuple[str, ...]]] = {}
    for (client, engineer, day), group in groups.items():
        q = quarter_of(day)
        n = len(group)
        # by index, not name: 10^5 tickets (t[3] opened, t[4] resolved — None: open —, t[5] the answer)
        hours = [(t[4] - t[3]).total_seconds() / 3600 for t in group if t[4] is not None]
        scores = [t[5] for t in group if t[5] is not None]
        counts[q] = counts.get(q, 0) + n
        c_tallies = cli.get(q) or cli.setdefault(q, {})
        e_tallies = eng.get(q) or eng.setdefault(q, {})
        c_tally = c_tallies.get(client) or c_tallies.setdefault(client, _Tally())
        e_tally = e_tallies.get(engineer) or e_tallies.setdefault(engineer, _Tally())
        for tally in (c_tally, e_tally):
            tally.tickets += n
            tally.hours += hours
            tally.scores += scores
        who = owners.get((client, day))
        if who is None:
            who = owners[client, day] = _owner(kb, kb.clients[client], day)
        dedicated, stand_in = who
        if dedicated is None:
            continue
        kept = n if engineer == dedicated or engineer in stand_in else 0
        for tally in (c_tally, e_tallies.get(dedicated) or e_tallies.setdefault(dedicated, _Tally())):
            tally.owned += n
            tally.kept += kept
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
