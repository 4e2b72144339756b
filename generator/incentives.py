"""Retention-bonus arithmetic for finance (§9.2, §9.3.1, §9.3.2).

For each renewal of the year:

- the year's bonus is paid for the months the client had dedicated service that calendar year
  (§9.3.1: annual bonus / 12 × months served);
- that amount is split by the recorded ``assignment.incentive_split`` (§9.2) — a missing or
  inconsistent split is an error, never a default;
- the engineer's share is paid per engineer for the months each served, so an engineer replaced
  during the year gets the months served and nothing after (§9.3.2) — and, under policy.yml
  ``incentive.replaced_engineer_share: none`` (the default reading of "被替换者不再享受后续激励"),
  nothing at all from a renewal dated after the replacement: those months' share is shown as an
  explicit *unallocated* row, never silently given to someone else;
- a renewal dated before the split was recorded is not paid by it (§9.2.4: by the split recorded
  beforehand).

A month is credited to whoever served most of its days, provided the client had dedicated
service for at least half of it; on a tie the incoming engineer has it (the replaced one
"no longer enjoys later incentives"). An assignment still running counts to the end of the year.
Amounts are exact fractions rounded to the fen so that the parts add up to the total exactly.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .facts import ACTIVE
from .finding import Finding, Msg, Severity
from .model import KB, Client, Renewal, Split
from .rules.common import make

RULE = "incentive.split"
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Stint:
    """One engineer's dedicated service of the client: ``end`` None means still serving."""

    engineer: str
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class Share:
    role: str  # "account_manager" | "engineer" | "unallocated" (a replaced engineer's months, §9.3.2)
    person: str  # engineer id, or the account manager's name
    name: str
    percent: int
    months: tuple[int, ...]  # months of the year credited to this person
    served_from: dt.date | None
    served_to: dt.date | None
    amount: Decimal
    note: Msg | None = None


@dataclass(frozen=True)
class Payout:
    client: Client
    renewal: Renewal
    bonus: int
    split: Split
    months: tuple[int, ...]  # months of dedicated service in the year (§9.3.1)
    prorated: Decimal  # bonus / 12 × len(months)
    shares: tuple[Share, ...]
    notes: tuple[Msg, ...] = ()

    @property
    def unallocated(self) -> Decimal:
        """What nobody is paid (a replaced engineer's months under ``replaced_engineer_share: none``)."""
        return sum((s.amount for s in self.shares if s.role == "unallocated"), Decimal("0.00"))


def stints(c: Client) -> list[Stint]:
    """The client's dedicated service, past and present, in order."""
    a = c.assignment
    if a is None:
        return []
    out = [Stint(h.engineer, h.start, h.end) for h in a.history if h.start is not None]
    if a.engineer and a.since is not None and c.status in ACTIVE:
        out.append(Stint(a.engineer, a.since, None))
    return sorted(out, key=lambda s: s.start)


def replaced_on(service: list[Stint], engineer: str) -> dt.date | None:
    """The day ``engineer`` stopped serving the client because another engineer took over (the end
    of their last stint, when a later one is someone else's); None while serving, or when the
    client left dedicated service with them (§9.3.1, not a replacement)."""
    own = [s for s in service if s.engineer == engineer]
    if not own or any(s.end is None for s in own):
        return None
    last = max(s.end for s in own if s.end is not None)
    return last if any(s.engineer != engineer and s.start > last for s in service) else None


def _days(s: Stint, first: dt.date, last: dt.date) -> int:
    lo = max(first, s.start)
    hi = min(last, s.end or last)
    return max(0, (hi - lo).days + 1)


def credit(year: int, service: list[Stint]) -> dict[int, str]:
    """Month → the engineer credited with it (months without enough service are absent)."""
    out: dict[int, str] = {}
    for m in range(1, 13):
        first = dt.date(year, m, 1)
        last = dt.date(year, m, calendar.monthrange(year, m)[1])
        length = (last - first).days + 1
        served: dict[str, tuple[int, dt.date]] = {}
        for s in service:
            d = _days(s, first, last)
            if d:
                prev = served.get(s.engineer, (0, s.start))
                served[s.engineer] = (prev[0] + d, max(prev[1], s.start))
        total = min(length, sum(d for d, _ in served.values()))
        if served and total * 2 >= length:
            # most days first; on a tie the later start (the incoming engineer, §9.3.2)
            out[m] = max(served.items(), key=lambda kv: (kv[1][0], kv[1][1]))[0]
    return out


def allocate(total: Fraction, parts: list[Fraction]) -> tuple[Decimal, list[Decimal]]:
    """Round ``total`` to the fen (half up) and split it in proportion to ``parts`` by largest
    remainder, so the rounded parts add up to the rounded total exactly."""
    fen_total = math.floor(total * 100 + Fraction(1, 2))
    whole = sum(parts, Fraction(0))
    exact = [p / whole * fen_total if whole else Fraction(0) for p in parts]
    fens = [math.floor(x) for x in exact]
    left = fen_total - sum(fens)
    for i in sorted(range(len(parts)), key=lambda i: (exact[i] - fens[i], -i), reverse=True)[:left]:
        fens[i] += 1
    return _yuan(fen_total), [_yuan(f) for f in fens]


def _yuan(fens: int) -> Decimal:
    return (Decimal(fens) / 100).quantize(FEN)


def _span(months: tuple[int, ...]) -> str:
    """(1, 2, 3, 7) → "1–3、7"."""
    out, run = [], list[int]()
    for m in [*months, 99]:
        if run and m == run[-1] + 1:
            run.append(m)
            continue
        if run:
            out.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [m]
    return "、".join(out)


def month_span(months: tuple[int, ...]) -> str:
    return _span(months) if months else ""


def _problems(kb: KB, c: Client, r: Renewal, index: int, seen: set[int]) -> Iterator[Finding]:
    w = c.where
    E = Severity.ERROR
    if r.year in seen:
        yield make(
            E,
            w.at("renewals", index, "year"),
            RULE,
            f"{r.year} 年有两条续约记录：保有奖励会被算两次（§9.2）。",
            f"Two renewals for {r.year}: the bonus would be paid twice (§9.2).",
            "一年只留一条 renewals 记录，合并奖金额。",
            "Keep one renewals entry per year.",
        )
    if r.bonus_cny is None:
        yield make(
            E,
            w.at("renewals", index),
            RULE,
            f"{r.year} 年的续约没有保有奖励金额（renewals[{index}].bonus_cny），无法核算（§9.2.4）。",
            f"The {r.year} renewal has no bonus (renewals[{index}].bonus_cny) (§9.2.4).",
            "填写 bonus_cny（元，整数）。",
            "Fill in bonus_cny (CNY, integer).",
        )
    split = c.assignment.incentive_split if c.assignment else None
    aw = c.where.sub("assignment")
    if split is None:
        yield make(
            E,
            aw.at("incentive_split") if c.assignment else w.at("renewals", index),
            RULE,
            f"{c.name or c.id} 没有备案的保有奖励分配比例（assignment.incentive_split）：财务不能按默认比例发放（§9.2.3）。",
            f"{c.name or c.id} has no recorded split (assignment.incentive_split): finance cannot pay by default (§9.2.3).",
            "由运维总监与销售/客户成功总监商定比例并备案：assignment.incentive_split: {account_manager: 70, engineer: 30, agreed_on, agreed_by}。",
            "Record the split agreed by the two directors: assignment.incentive_split: {account_manager, engineer, agreed_on, agreed_by}.",
        )
        return
    if split.account_manager is None or split.engineer is None:
        yield make(
            E,
            aw.sub("incentive_split").at(),
            RULE,
            "保有奖励分配比例缺少客户经理或专属工程师的百分比（§9.2.3）。",
            "The split lacks the account manager's or the engineer's percentage (§9.2.3).",
            "填写 account_manager 和 engineer 两项，和为 100。",
            "Fill in account_manager and engineer, summing to 100.",
        )
    elif split.account_manager + split.engineer != 100:
        yield make(
            E,
            aw.sub("incentive_split").at(),
            RULE,
            f"保有奖励分配比例 {split.account_manager}:{split.engineer} 之和不是 100（§9.2.3）。",
            f"The split {split.account_manager}:{split.engineer} does not sum to 100 (§9.2.3).",
            "按备案的书面比例改正。",
            "Correct it to the recorded written split.",
        )
    effective = kb.policy.effective_on if kb.policy else None
    if (
        r.renewed_on is not None
        and split.agreed_on is not None
        and r.renewed_on < split.agreed_on
        and (effective is None or r.renewed_on >= effective)
    ):
        yield make(
            E,
            w.at("renewals", index, "renewed_on"),
            RULE,
            f"{r.year} 年的续约（{r.renewed_on}）早于分配比例的备案日期 {split.agreed_on}：财务按事先备案的比例发放（§9.2.4），这次续约没有。",
            f"The {r.year} renewal ({r.renewed_on}) predates the split ({split.agreed_on}): finance pays by the split "
            "recorded beforehand (§9.2.4), and this renewal had none.",
            "核对 agreed_on；或由两位总监就这次续约的分配书面确认后再发放。",
            "Check agreed_on, or have the two directors confirm this renewal's split in writing first.",
        )
    service = stints(c)
    if (
        r.renewed_on is None
        and (kb.policy is None or kb.policy.replaced_engineer_share == "none")
        and any(replaced_on(service, s.engineer) is not None for s in service if s.end and s.end.year == r.year)
    ):
        yield make(
            E,
            w.at("renewals", index),
            RULE,
            f"{r.year} 年内有工程师被替换，但续约没有日期 renewed_on：无法判断被替换者是否还享受这次续约（§9.3.2「被替换者不再享受后续激励」）。",
            f"An engineer was replaced in {r.year} but the renewal has no renewed_on: whether the replaced engineer "
            "shares it cannot be decided (§9.3.2).",
            "填写 renewed_on（续约完成日期）。",
            "Fill in renewed_on.",
        )


def _exited_open(c: Client) -> Finding | None:
    a = c.assignment
    if c.status not in ACTIVE and a is not None and a.engineer and a.since is not None:
        return make(
            Severity.ERROR,
            c.where.sub("assignment").at("engineer"),
            RULE,
            f"{c.name or c.id} 状态为 {c.status}，却仍有当前专属工程师 {a.engineer}、没有结束日期：无法按服务月份折算（§9.3.1）。",
            f"{c.name or c.id} is {c.status} but still names {a.engineer} with no end date: months cannot be counted (§9.3.1).",
            "把这段指派移到 assignment.history，写明 to（结束日期）。",
            "Move the assignment to assignment.history with its end date (to).",
        )
    return None


def report(kb: KB, year: int, today: dt.date) -> tuple[list[Payout], list[Finding]]:
    """Every renewal of ``year`` with its payout, or the findings that stop finance paying it."""
    payouts: list[Payout] = []
    findings: list[Finding] = []
    for c in sorted(kb.clients.values(), key=lambda c: c.id):
        seen: set[int] = set()
        for index, r in enumerate(c.renewals):
            if r.year != year:
                seen.add(r.year)
                continue
            service = stints(c)
            months_of = credit(year, service)
            months = tuple(sorted(months_of))
            if not months:  # no dedicated service that year: nothing is paid under §9.2
                payouts.append(
                    Payout(
                        c,
                        r,
                        r.bonus_cny or 0,
                        (c.assignment.incentive_split if c.assignment else None) or Split(),
                        (),
                        Decimal("0.00"),
                        (),
                        (
                            Msg(
                                f"{year} 年没有专属服务月份，不按 §9.2 分配。",
                                f"No dedicated service in {year}: nothing to share under §9.2.",
                            ),
                        ),
                    )
                )
                seen.add(r.year)
                continue
            problems = list(_problems(kb, c, r, index, seen))
            open_exit = _exited_open(c)
            if open_exit is not None:
                problems.append(open_exit)
            seen.add(r.year)
            if problems:
                findings.extend(problems)
                continue
            payouts.append(_payout(kb, c, r, year, service, months_of, today))
    return payouts, findings


def _unallocated(
    e: str, name: str, percent: int, months: tuple[int, ...], start: dt.date, end: dt.date, gone: dt.date,
    renewed: dt.date, amount: Decimal,
) -> Share:
    """The share of a replaced engineer's months in a renewal completed after the replacement:
    nobody's (§9.3.2 被替换者不再享受后续激励, ``replaced_engineer_share: none``) — shown, not moved."""
    return Share(
        "unallocated",
        "",
        f"（{name}的月份）",
        percent,
        months,
        start,
        end,
        amount,
        Msg(
            f"{name}（{e}）于 {gone} 被替换，续约在 {renewed} 才完成：按 §9.3.2「被替换者不再享受后续激励」不发给被替换者"
            "（policy.yml incentive.replaced_engineer_share: none），也不计入其他人；去向由两位总监与财务另行决定。",
            f"{name} ({e}) was replaced on {gone}, the renewal completed on {renewed}: under §9.3.2 the replaced "
            "engineer gets nothing from it (replaced_engineer_share: none) and nobody else gets it either; "
            "the two directors and finance decide.",
        ),
    )


def _payout(
    kb: KB, c: Client, r: Renewal, year: int, service: list[Stint], months_of: dict[int, str], today: dt.date
) -> Payout:
    split = c.assignment.incentive_split if c.assignment else None
    assert split is not None and split.account_manager is not None and split.engineer is not None
    bonus = r.bonus_cny or 0
    months = tuple(sorted(months_of))
    prorated = Fraction(bonus * len(months), 12)
    engineers = list(dict.fromkeys(s.engineer for s in service if _days(s, dt.date(year, 1, 1), dt.date(year, 12, 31))))
    parts = [prorated * split.account_manager / 100]
    for e in engineers:
        n = sum(1 for who in months_of.values() if who == e)
        parts.append(Fraction(bonus * split.engineer * n, 1200))
    total, amounts = allocate(prorated, parts)
    am = c.account_manager
    shares = [
        Share(
            "account_manager",
            (am.email or am.handle or am.name or "") if am else "",
            (am.name or "") if am else "",
            split.account_manager,
            months,
            None,
            None,
            amounts[0],
        )
    ]
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    nothing_after = kb.policy is None or kb.policy.replaced_engineer_share == "none"
    for e, amount in zip(engineers, amounts[1:], strict=True):
        mine = tuple(m for m, who in months_of.items() if who == e)
        own = [s for s in service if s.engineer == e and _days(s, year_start, year_end)]
        start = max(year_start, min(s.start for s in own))
        end = min(year_end, max((s.end or year_end) for s in own))
        ongoing = any(s.end is None for s in own)
        name = kb.engineers[e].name or e if e in kb.engineers else e
        gone = replaced_on(service, e)
        if mine and gone is not None and nothing_after and r.renewed_on is not None and r.renewed_on > gone:
            shares.append(_unallocated(e, name, split.engineer, mine, start, end, gone, r.renewed_on, amount))
            continue
        note = None
        if not mine:
            note = Msg(
                "当年服务不足任一月份的一半，不计月份（§9.3.1）。",
                "Served less than half of any month: no months (§9.3.1).",
            )
        elif ongoing and today < year_end and any(m > today.month or today.year < year for m in mine):
            note = Msg(
                f"仍在服务：含 {today.isoformat()} 之后至年底的预计月份；年内若被替换，按实际月份重算（§9.3.2）。",
                f"Still serving: includes the expected months after {today.isoformat()}; recompute if replaced (§9.3.2).",
            )
        elif gone is not None:
            note = Msg(
                f"{gone} 被替换：只计实际服务月份，此后不再享受激励（§9.3.2；policy.yml incentive.replaced_engineer_share: "
                f"{'none，续约早于替换' if nothing_after else 'months-served，替换后完成的续约也按服务月份分'}）。",
                f"Replaced on {gone}: paid for the months served only, nothing after (§9.3.2; replaced_engineer_share: "
                f"{'none, the renewal predates the replacement' if nothing_after else 'months-served'}).",
            )
        elif not ongoing and end < year_end:
            note = Msg(
                f"{end} 结束服务（被替换或客户退出）：只计实际服务月份，此后不再享受激励（§9.3.2）。",
                f"Service ended {end} (replaced or client exited): paid for the months served only, nothing after (§9.3.2).",
            )
        shares.append(
            Share(
                "engineer",
                e,
                name,
                split.engineer,
                mine,
                start,
                None if ongoing else end,
                amount,
                note,
            )
        )
    notes: list[Msg] = []
    if len(months) < 12:
        notes.append(
            Msg(
                f"当年专属服务 {len(months)} 个月：{bonus} / 12 × {len(months)}（§9.3.1）。",
                f"{len(months)} months of dedicated service: {bonus} / 12 × {len(months)} (§9.3.1).",
            )
        )
    return Payout(c, r, bonus, split, months, total, tuple(shares), tuple(notes))
