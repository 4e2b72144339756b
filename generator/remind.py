"""Derive: every dated deadline of a KB, and the reminders due on a given day.

Pure and stateless: a reminder is a function of the deadline's date, the day and the
working-day calendar, so a daily scheduled job needs no state file to know what it already
sent. The rules say which deadlines exist (every :class:`~generator.finding.Finding` with a
``due`` date); the model adds the dated facts no rule flags yet (every certificate's expiry,
every leave's start — the handover). ``policy.yml notify.lead_days`` says when an upcoming
deadline is announced; once overdue, an error is repeated every working day and a warning
once a week. Reminders go out only on Chinese working days (调休 included): a day whose
announcement would fall on a holiday or weekend is announced on the last working day before
it. Sending is not done here (``generator/notify``), nor are message bodies
(``generator/render/reminders.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from .finding import NO_HINT, Finding, Msg, Severity
from .formats import is_mobile
from .model import KB, Client, Engineer, Person
from .workdays import CalendarGap, WorkCalendar

# A holiday stretch is at most nine days (Spring Festival, National Day): a window longer than
# this means the calendar is unknown ahead, and today announces what those days would.
MAX_WINDOW = 10

ROLE_ENGINEER = Msg("专属工程师", "dedicated engineer")
ROLE_ACCOUNT_MANAGER = Msg("客户经理", "account manager")
ROLE_OPS_MANAGER = Msg("运维经理", "ops manager")
ROLE_SELF = Msg("本人", "in person")


@dataclass(frozen=True)
class Responsible:
    """Someone a deadline is for: named in the reminder, @-mentioned by mobile where the platform
    can, and mailed (only their own items) when they have an e-mail address."""

    key: str  # engineer:<id> | account-manager:<client folder> | ops-manager
    name: str
    role: Msg
    email: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class Deadline:
    """One dated obligation, with everything a reminder or a calendar event says about it."""

    due: dt.date
    severity: Severity
    rule: str
    section: str  # the policy section ("§7.2.5"), or "" for rules of no section
    file: str
    line: int
    column: int
    message: Msg
    hint: Msg
    subject: Msg  # the client's or engineer's name, or the file
    page: str  # the site page it is about, relative to the site root (generated/clients/x.html)
    people: tuple[Responsible, ...]
    uid: str  # stable across builds: the same deadline keeps its calendar event
    client: str | None = None  # the client folder, when it is about a client
    engineer: str | None = None  # the engineer whose calendar feed holds it
    from_finding: bool = True  # False: a dated fact no rule reports (a certificate's expiry, a leave)


Kind = Literal["overdue", "today", "upcoming"]


@dataclass(frozen=True)
class Reminder:
    """A deadline announced on ``day``."""

    deadline: Deadline
    day: dt.date
    kind: Kind
    days: int  # days left (upcoming), days overdue (overdue), 0 (due today)

    def when(self) -> Msg:
        """“还有 7 天” / “今天到期” / “已逾期 3 天”."""
        if self.kind == "overdue":
            return Msg(f"已逾期 {self.days} 天", f"{self.days} day(s) overdue")
        if self.kind == "today":
            return Msg("今天到期", "due today")
        return Msg(f"还有 {self.days} 天", f"{self.days} day(s) left")


# ------------------------------------------------------------------ pages and people


def page_of(file: str) -> str:
    """The published page a file is shown on (mkdocs.yml ``use_directory_urls: false``: plain
    ``.html`` files): a client's page, an engineer's page, else the compliance dashboard."""
    parts = PurePosixPath(file).parts
    if len(parts) >= 2 and parts[0] == "clients":
        return f"generated/clients/{parts[1]}.html"
    if len(parts) == 2 and parts[0] == "engineers" and parts[1].endswith(".yml"):
        return f"generated/engineers/{PurePosixPath(parts[1]).stem}.html"
    return "generated/compliance.html"


def link(site_url: str | None, page: str) -> str | None:
    """The absolute address of ``page`` on the published site; None without ``site_url``."""
    if not site_url:
        return None
    return site_url.rstrip("/") + "/" + page


def _mention(*numbers: str | None) -> str | None:
    """The first number that is a mainland mobile number (the platforms @-mention by mobile)."""
    return next((n for n in numbers if n and is_mobile(n)), None)


def engineer_person(e: Engineer, role: Msg = ROLE_ENGINEER) -> Responsible:
    return Responsible(f"engineer:{e.id}", e.name or e.id, role, e.email, _mention(e.mobile, e.phone))


def ops_manager(kb: KB) -> Responsible | None:
    """``roles.ops_manager``: follows every deadline up (gets every reminder by mail)."""
    om = kb.policy.ops_manager if kb.policy else None
    if om is None or not om.name:
        return None
    return Responsible("ops-manager", om.name, ROLE_OPS_MANAGER, om.email, _mention(om.phone))


def _account_manager(c: Client) -> Responsible | None:
    am: Person | None = c.account_manager
    if am is None or not am.name:
        return None
    return Responsible(f"account-manager:{c.folder}", am.name, ROLE_ACCOUNT_MANAGER, am.email, _mention(am.phone))


def client_of(kb: KB, folder: str) -> Client | None:
    c = kb.clients.get(folder)
    if c is not None and c.folder == folder:
        return c
    return next((x for x in kb.clients.values() if x.folder == folder), c)


def responsible(kb: KB, file: str) -> tuple[Msg, tuple[Responsible, ...], str | None, str | None]:
    """(subject, people, client folder, engineer id) for a finding's file: a client's engineer
    and account manager; the engineer of an engineer file; the ops manager for the rest
    (policy.yml, calendar/) and for a client that names neither."""
    parts = PurePosixPath(file).parts
    om = ops_manager(kb)
    if len(parts) >= 2 and parts[0] == "clients":
        folder = parts[1]
        c = client_of(kb, folder)
        people: list[Responsible] = []
        eid = c.assignment.engineer if c is not None and c.assignment else None
        e = kb.engineers.get(eid or "")
        if e is not None:
            people.append(engineer_person(e))
        am = _account_manager(c) if c is not None else None
        if am is not None:
            people.append(am)
        if not people and om is not None:
            people.append(om)
        name = (c.name if c is not None else None) or folder
        return Msg(name, name), tuple(people), folder, eid
    if len(parts) == 2 and parts[0] == "engineers":
        eid = PurePosixPath(parts[1]).stem
        e = kb.engineers.get(eid)
        name = kb.engineer_name(eid)
        people = [engineer_person(e, ROLE_SELF)] if e is not None else ([om] if om is not None else [])
        return Msg(name, name), tuple(people), None, eid
    return Msg(file, file), ((om,) if om is not None else ()), None, None


# ------------------------------------------------------------------ deadlines


def _uid(*key: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, key)).encode("utf-8")).hexdigest()[:32]


def deadlines(kb: KB, findings: Iterable[Finding], sections: Mapping[str, str]) -> list[Deadline]:
    """Every dated deadline: the findings that carry ``due``, then the model's certificate
    expiries and leave starts that no finding already covers (same file, line and date).
    ``sections`` maps rule ids to their policy section (the command layer reads the rule
    registry). Sorted by date, severity, file and line."""
    out: list[Deadline] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    covered: set[tuple[str, int, dt.date]] = set()
    dated = sorted((f for f in findings if f.due is not None), key=lambda f: (f.file, f.line, f.column, f.rule))
    for f in dated:
        assert f.due is not None
        triple = (f.rule, f.file, f.due)
        n = seen.get(triple, 0)
        seen[triple] = n + 1
        subject, people, client, engineer = responsible(kb, f.file)
        out.append(
            Deadline(
                f.due,
                f.severity,
                f.rule,
                _section(sections.get(f.rule, "")),
                f.file,
                f.line,
                f.column,
                f.message,
                f.hint,
                subject,
                page_of(f.file),
                people,
                _uid(f.rule, f.file, f.due.isoformat(), n),
                client,
                engineer,
            )
        )
        covered.add((f.file, f.line, f.due))
    for d in _model_deadlines(kb):
        if (d.file, d.line, d.due) not in covered:
            out.append(d)
    out.sort(key=lambda d: (d.due, d.severity.rank, d.file, d.line, d.uid))
    return out


def _section(text: str) -> str:
    return "" if text in ("", "—") else text


def _model_deadlines(kb: KB) -> list[Deadline]:
    """Dated facts of the records: a certificate's expiry (§4.1 — also the ones no rule requires)
    and a leave's first day (§7.4: the handover to the backup is due before it)."""
    out = []
    for e in sorted(kb.engineers.values(), key=lambda e: e.id):
        subject, people, _client, _eid = responsible(kb, e.where.file)
        name = kb.engineer_name(e.id)
        for x in e.certifications:
            if x.expires is None:
                continue
            file, line, col = x.where.at("expires")
            out.append(
                Deadline(
                    x.expires,
                    Severity.INFO,
                    "eng.certs",
                    "§4.1",
                    file,
                    line,
                    col,
                    Msg(
                        f"{name}的证书“{x.name}”于 {x.expires} 到期。",
                        f"{e.id}'s certificate '{x.name}' expires on {x.expires}.",
                    ),
                    Msg(
                        "续证后在 certifications 中登记新证书（obtained、expires）。", "Record the renewed certificate."
                    ),
                    subject,
                    page_of(file),
                    people,
                    _uid("eng.certs", file, x.expires.isoformat(), x.name),
                    None,
                    e.id,
                    from_finding=False,
                )
            )
        for lv in e.leave:
            if lv.start is None:
                continue
            file, line, col = lv.where.at("from")
            backup = kb.engineer_name(lv.backup) if lv.backup else "（未指定）"
            out.append(
                Deadline(
                    lv.start,
                    Severity.INFO,
                    "eng.leave",
                    "§7.4",
                    file,
                    line,
                    col,
                    Msg(
                        f"{name}的休假 {lv.start}～{lv.end or '?'} 开始：此前须把在办事项交接给备份工程师 {backup}。",
                        f"{e.id}'s leave {lv.start} to {lv.end or '?'} starts: hand over to the backup ({lv.backup or 'none named'}) before it.",
                    ),
                    NO_HINT,
                    subject,
                    page_of(file),
                    people,
                    _uid("eng.leave", file, lv.start.isoformat()),
                    None,
                    e.id,
                    from_finding=False,
                )
            )
    return out


# ------------------------------------------------------------------ which are due on a day


def window(day: dt.date, cal: WorkCalendar) -> list[dt.date]:
    """The days a reminder sent on ``day`` (a working day) speaks for: ``day`` and the
    non-working days after it, up to the next working day. A day of a year no calendar covers
    is taken as non-working — announced early rather than missed — up to :data:`MAX_WINDOW`."""
    days = [day]
    d = day + dt.timedelta(days=1)
    while len(days) < MAX_WINDOW:
        try:
            if cal.is_workday(d):
                break
        except CalendarGap:
            pass
        days.append(d)
        d += dt.timedelta(days=1)
    return days


def is_working_day(day: dt.date, cal: WorkCalendar) -> bool:
    """Whether reminders go out on ``day``; raises CalendarGap for a year no source covers."""
    return cal.is_workday(day)


def due_on(items: Sequence[Deadline], day: dt.date, cal: WorkCalendar, lead_days: Sequence[int]) -> list[Reminder]:
    """The reminders of ``day``: nothing on a non-working day; an upcoming deadline when one of
    its lead days (``due - n``) falls in today's window; an overdue error every working day; an
    overdue warning (or note) when a whole number of weeks since ``due`` falls in the window.
    Dated facts no rule reports (``from_finding`` False) are only announced ahead. Raises
    CalendarGap when ``day`` itself is in a year no calendar covers."""
    if not is_working_day(day, cal):
        return []
    span = window(day, cal)
    first, last = span[0], span[-1]
    out = []
    for d in items:
        if d.due >= day:
            if any(first <= d.due - dt.timedelta(days=n) <= last for n in lead_days):
                kind: Kind = "today" if d.due == day else "upcoming"
                out.append(Reminder(d, day, kind, (d.due - day).days))
        elif d.from_finding:
            late = (day - d.due).days
            weekly = any((x - d.due).days % 7 == 0 for x in span)
            if d.severity is Severity.ERROR or weekly:
                out.append(Reminder(d, day, "overdue", late))
    order = {"overdue": 0, "today": 1, "upcoming": 2}
    out.sort(key=lambda r: (order[r.kind], r.deadline.severity.rank, r.deadline.due, r.deadline.file, r.deadline.line))
    return out


def for_person(reminders: Sequence[Reminder], key: str) -> list[Reminder]:
    """The reminders naming one person (their mail holds only these)."""
    return [r for r in reminders if any(p.key == key for p in r.deadline.people)]


def recipients(reminders: Sequence[Reminder], kb: KB) -> list[tuple[Responsible, list[Reminder]]]:
    """Who gets a mail and with which items: everyone named who has an e-mail address, with
    their own items, and the ops manager with every item (they follow all deadlines up)."""
    people: dict[str, Responsible] = {}
    for r in reminders:
        for p in r.deadline.people:
            people.setdefault(p.key, p)
    om = ops_manager(kb)
    out = [(p, for_person(reminders, k)) for k, p in people.items() if p.email and k != "ops-manager"]
    if om is not None and om.email and reminders:
        out.append((om, list(reminders)))
    return out
