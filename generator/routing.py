"""Ticket routing: who takes a client's new ticket at a given moment, and why.

The policy's words, in the order they are applied:

- §5.1 a dedicated client's tickets break the round-robin and go to its dedicated engineer;
- §7.4 dedicated service is given in standard working time (5×8: Chinese working days, 调休
  included, between ``service_hours.start`` inclusive and ``end`` exclusive); outside it an
  urgent ticket follows the company's standard emergency process, i.e. the standard queue;
- §7.4 while the engineer is on leave, the backup named on the leave (else the client's
  ``assignment.backup``) takes the tickets;
- §3.4 everyone else goes to the standard round-robin queue — a client whose dedicated service a
  §8.4 review suspended included (at the standard priority, the tier resumes with the service);
- §3.2 in any queue a dedicated client keeps its priority level (platinum > gold > silver; the
  same level in order of arrival), and §9.3.3 a client on temporary priority is one level above
  standard while its period runs.

Pure functions of the model, the calendar and the moment; the command layer prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .clock import CHINA
from .finding import Msg
from .model import KB, Client, Engineer, Leave
from .policy import Policy
from .workdays import CalendarGap, WorkCalendar


@dataclass(frozen=True)
class Priority:
    """A queue priority level; a smaller rank is served first (§3.2, §9.3.3)."""

    rank: int
    key: str
    label: Msg


PRIORITIES = {
    "platinum": Priority(1, "platinum", Msg("P1 铂金（重保）", "P1 platinum")),
    "gold": Priority(2, "gold", Msg("P2 金", "P2 gold")),
    "silver": Priority(3, "silver", Msg("P3 银", "P3 silver")),
    "temporary-priority": Priority(
        4, "temporary-priority", Msg("P4 临时优先（高于标准一级）", "P4 temporary (one above standard)")
    ),
    "standard": Priority(5, "standard", Msg("P5 标准", "P5 standard")),
}

DEDICATED, BACKUP, QUEUE = "dedicated", "backup", "queue"


class RoutingProblem(Exception):
    """The KB lacks what routing needs (service hours, a calendar year); the text says what to fix."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class ServiceHours:
    start: dt.time
    end: dt.time
    workdays_only: bool

    def label(self) -> Msg:
        s, e = self.start.strftime("%H:%M"), self.end.strftime("%H:%M")
        if self.workdays_only:
            return Msg(f"中国法定工作日（含调休）{s}–{e}", f"Chinese working days (with make-up days) {s}–{e}")
        return Msg(f"每天 {s}–{e}", f"every day {s}–{e}")


@dataclass(frozen=True)
class Route:
    """The answer for one client at one moment."""

    client: Client
    at: dt.datetime
    workday: bool
    in_hours: bool
    mode: str  # DEDICATED | BACKUP | QUEUE
    assignee: str | None  # the engineer who takes the ticket; None: the standard round-robin queue
    priority: Priority
    engineer: str | None  # the dedicated engineer of record on that day, if any
    reasons: tuple[Msg, ...]
    next_window: dt.datetime | None = None  # when dedicated service resumes, for tickets outside hours


def service_hours(p: Policy | None) -> ServiceHours:
    """The policy's 5×8 window; a missing or malformed value is a problem to fix, never a guess."""
    if p is None:
        raise RoutingProblem(Msg("policy.yml 不可用，无法确定服务时间。", "policy.yml is unusable; no service hours."))
    try:
        start = dt.time.fromisoformat(p.service_start or "")
        end = dt.time.fromisoformat(p.service_end or "")
    except ValueError:
        raise RoutingProblem(
            Msg(
                f'policy.yml 的 service_hours.start/end 应为 "HH:MM"（现为 {p.service_start!r}、{p.service_end!r}）。',
                f'policy.yml service_hours.start/end must be "HH:MM" (now {p.service_start!r}, {p.service_end!r}).',
            )
        ) from None
    if end <= start:
        raise RoutingProblem(
            Msg(
                f"policy.yml 的服务时间 {p.service_start}–{p.service_end} 结束不晚于开始。",
                f"policy.yml service hours {p.service_start}–{p.service_end} end before they start.",
            )
        )
    return ServiceHours(start, end, p.workdays_only)


def _gap(year: int) -> RoutingProblem:
    return RoutingProblem(
        Msg(
            f"{year} 年的法定节假日与调休安排未知（chinesecalendar 尚未收录，policy.yml 的 calendar 也没有），"
            f"无法判断是否工作日。按国务院办公厅公布的 {year} 年放假安排补充 policy.yml 的 calendar.holidays 与 calendar.workdays。",
            f"The {year} holidays and make-up working days are unknown (not in chinesecalendar nor policy.yml's calendar). "
            f"Add the State Council's {year} schedule to calendar.holidays and calendar.workdays in policy.yml.",
        )
    )


def _is_workday(cal: WorkCalendar, hours: ServiceHours, day: dt.date) -> bool:
    if not hours.workdays_only:
        return True
    try:
        return cal.is_workday(day)
    except CalendarGap as gap:
        raise _gap(gap.year) from None


def next_window(cal: WorkCalendar, hours: ServiceHours, at: dt.datetime) -> dt.datetime | None:
    """The start of the next service window after ``at`` (None if no calendar covers it)."""
    day = at.date()
    if at.time() >= hours.start:
        day += dt.timedelta(days=1)
    for _ in range(60):  # the longest Chinese holiday is 8–9 days
        try:
            if _is_workday(cal, hours, day):
                return dt.datetime.combine(day, hours.start, tzinfo=at.tzinfo)
        except RoutingProblem:
            return None
        day += dt.timedelta(days=1)
    return None


def engineer_of_record(c: Client, day: dt.date) -> str | None:
    """Who was (or is) the client's dedicated engineer on ``day``, from the assignment and its history."""
    a = c.assignment
    if a is None:
        return None
    if a.engineer and (a.since is None or a.since <= day):
        return a.engineer
    for past in a.history:
        if past.start is not None and past.start <= day and (past.end is None or day <= past.end):
            return past.engineer
    return None


def leave_on(e: Engineer | None, day: dt.date) -> Leave | None:
    """The engineer's leave covering ``day`` (both ends inclusive), if any."""
    if e is None:
        return None
    return next((x for x in e.leave if x.start and x.end and x.start <= day <= x.end), None)


def _priority(c: Client, day: dt.date) -> tuple[Priority, tuple[Msg, ...]]:
    if c.status == "dedicated":
        tier = PRIORITIES.get(c.tier or "")
        if tier is not None and tier.key in ("platinum", "gold", "silver"):
            return tier, ()
        return PRIORITIES["silver"], (
            Msg("档案未写专属级别（tier），按最低专属级别“银”排队。", "No tier on the dossier: queued as silver."),
        )
    if c.status == "temporary-priority":
        tp = c.temporary_priority
        if tp is not None and tp.start is not None and tp.until is not None and tp.start <= day <= tp.until:
            return PRIORITIES["temporary-priority"], (
                Msg(
                    f"临时优先级服务 {tp.start}～{tp.until}：比标准客户高一级（§9.3.3）。",
                    f"Temporary priority {tp.start}–{tp.until}: one level above standard (§9.3.3).",
                ),
            )
        span = f"{tp.start}～{tp.until}" if tp is not None else "?"
        return PRIORITIES["standard"], (
            Msg(
                f"临时优先级期间 {span} 不含这一天，按标准客户处理（§9.3.3）。",
                f"The temporary priority period {span} does not cover this day: standard (§9.3.3).",
            ),
        )
    return PRIORITIES["standard"], ()


def route(kb: KB, cal: WorkCalendar, c: Client, at: dt.datetime) -> Route:
    """Who takes a new ticket of ``c`` at ``at`` (China time), and why."""
    hours = service_hours(kb.policy)
    at = at if at.tzinfo is not None else at.replace(tzinfo=CHINA)
    at = at.astimezone(CHINA)
    day, time = at.date(), at.time().replace(tzinfo=None)
    workday = _is_workday(cal, hours, day)
    in_hours = workday and hours.start <= time < hours.end
    priority, why = _priority(c, day)
    reasons = list(why)
    eid = engineer_of_record(c, day) if c.status == "dedicated" else None

    def queue(reason: Msg) -> Route:
        return Route(
            c,
            at,
            workday,
            in_hours,
            QUEUE,
            None,
            priority,
            eid,
            (reason, *reasons),
            None if in_hours else next_window(cal, hours, at),
        )

    if c.status != "dedicated":
        status = {
            "temporary-priority": Msg(
                "临时优先级客户不配专属工程师（§9.3.3）",
                "temporary-priority clients have no dedicated engineer (§9.3.3)",
            ),
            "exited": Msg("已退出专属服务（§9.3.1）", "dedicated service has ended (§9.3.1)"),
            "suspended": Msg(
                "专属服务已暂停（§8.4 服务复审），暂停期间不配专属工程师",
                "dedicated service is suspended after a §8.4 review; no dedicated engineer meanwhile",
            ),
            "candidate": Msg("尚未申请专属服务", "no dedicated service applied for"),
            "applied": Msg("专属服务申请尚在审批（§7.2）", "the application is still being decided (§7.2)"),
        }.get(c.status or "", Msg("没有专属服务", "no dedicated service"))
        return queue(
            Msg(
                f"{status.zh}：按标准服务流程轮询分配（§3.4）。",
                f"{status.en[0].upper()}{status.en[1:]}: standard round-robin queue (§3.4).",
            )
        )
    if eid is None:
        return queue(
            Msg(
                "专属客户当天没有指派专属工程师（assignment.engineer）：按标准流程轮询，优先级不变（§3.4、§3.2）。",
                "No dedicated engineer assigned on that day: standard round-robin at the client's priority (§3.4, §3.2).",
            )
        )
    if not in_hours:
        when = Msg("非工作日", "not a working day") if not workday else Msg("非工作时间", "outside service hours")
        return queue(
            Msg(
                f"{when.zh}（服务时间 {hours.label().zh}）：紧急问题按公司标准应急响应流程轮询，"
                f"保持优先级；专属工程师 {kb.engineer_name(eid)} 在下个服务时段跟进（§7.4）。",
                f"{when.en[0].upper()}{when.en[1:]} (service hours {hours.label().en}): urgent tickets follow the standard "
                f"emergency round-robin at the client's priority; {kb.engineer_name(eid)} follows up next window (§7.4).",
            )
        )
    engineer = kb.engineers.get(eid)
    if engineer is None:
        return queue(
            Msg(
                f"专属工程师 {eid} 没有档案（engineers/{eid}.yml）：按标准流程轮询，优先级不变。",
                f"The dedicated engineer {eid} has no profile (engineers/{eid}.yml): round-robin at the client's priority.",
            )
        )
    leave = leave_on(engineer, day)
    if leave is None:
        return Route(
            c,
            at,
            workday,
            in_hours,
            DEDICATED,
            eid,
            priority,
            eid,
            (
                Msg(
                    f"服务时间内（{hours.label().zh}），专属客户工单打破轮询，定向指派给专属工程师 {kb.engineer_name(eid)}（§5.1）。",
                    f"Within service hours ({hours.label().en}) a dedicated client's ticket goes to its engineer "
                    f"{kb.engineer_name(eid)}, bypassing round-robin (§5.1).",
                ),
                *reasons,
            ),
        )
    backup = leave.backup or (c.assignment.backup if c.assignment else None)
    away = Msg(
        f"专属工程师 {kb.engineer_name(eid)} {leave.start}～{leave.end} 休假",
        f"The dedicated engineer {kb.engineer_name(eid)} is on leave {leave.start}–{leave.end}",
    )
    if not backup:
        return queue(
            Msg(
                f"{away.zh}，休假记录和指派都没有备份工程师：按标准流程轮询，优先级不变（§7.4）。",
                f"{away.en} and no backup is named: standard round-robin at the client's priority (§7.4).",
            )
        )
    cover = kb.engineers.get(backup)
    if cover is None or backup == eid or leave_on(cover, day) is not None:
        if backup == eid:
            problem = Msg("就是休假的本人", "is the engineer on leave")
        elif cover is None:
            problem = Msg("没有档案", "has no profile")
        else:
            problem = Msg("也在休假", "is on leave too")
        return queue(
            Msg(
                f"{away.zh}，备份工程师 {kb.engineer_name(backup)} {problem.zh}：按标准流程轮询，优先级不变（§7.4）。",
                f"{away.en}; the backup {kb.engineer_name(backup)} {problem.en}: standard round-robin at the client's priority (§7.4).",
            )
        )
    named = "休假记录指定的" if leave.backup else "客户指派的"
    named_en = "the backup named on the leave" if leave.backup else "the client's backup"
    return Route(
        c,
        at,
        workday,
        in_hours,
        BACKUP,
        backup,
        priority,
        eid,
        (
            Msg(
                f"{away.zh}，由{named}备份工程师 {kb.engineer_name(backup)} 接单（§7.4）。",
                f"{away.en}; {named_en}, {kb.engineer_name(backup)}, takes the ticket (§7.4).",
            ),
            *reasons,
        ),
    )


# ------------------------------------------------------------------ the service desk's table


@dataclass(frozen=True)
class LeaveWindow:
    engineer: str
    start: dt.date
    end: dt.date
    covered_by: str | None  # None: the standard queue takes the client's tickets


@dataclass(frozen=True)
class TableRow:
    """One client's routing, as the service desk imports it."""

    client: Client
    priority: Priority
    route: str  # DEDICATED (during service hours) | QUEUE (always)
    engineer: str | None
    backup: str | None
    hours: ServiceHours
    leave: tuple[LeaveWindow, ...]
    priority_from: dt.date | None = None
    priority_until: dt.date | None = None


def _windows(kb: KB, c: Client, eid: str, since: dt.date) -> tuple[LeaveWindow, ...]:
    e = kb.engineers.get(eid)
    if e is None:
        return ()
    out = []
    for x in sorted(e.leave, key=lambda x: x.start or dt.date.min):
        if x.start is None or x.end is None or x.end < since:
            continue
        backup = x.backup or (c.assignment.backup if c.assignment else None)
        cover = kb.engineers.get(backup or "")
        ok = (
            cover is not None
            and backup != eid
            and not any(y.start and y.end and y.start <= x.end and x.start <= y.end for y in cover.leave)
        )
        out.append(LeaveWindow(eid, x.start, x.end, backup if ok else None))
    return tuple(out)


def table(kb: KB, today: dt.date, clients: Iterable[Client] | None = None) -> list[TableRow]:
    """Every client's routing from ``today`` on, with the dedicated engineer's coming leave windows."""
    hours = service_hours(kb.policy)
    rows = []
    for c in sorted(clients if clients is not None else kb.clients.values(), key=lambda c: c.id):
        priority, _ = _priority(c, today)
        eid = engineer_of_record(c, today) if c.status == "dedicated" else None
        tp = c.temporary_priority if c.status == "temporary-priority" else None
        rows.append(
            TableRow(
                client=c,
                priority=priority,
                route=DEDICATED if eid else QUEUE,
                engineer=eid,
                backup=(c.assignment.backup if c.assignment and eid else None),
                hours=hours,
                leave=_windows(kb, c, eid, today) if eid else (),
                priority_from=tp.start if tp else None,
                priority_until=tp.until if tp else None,
            )
        )
    return rows
