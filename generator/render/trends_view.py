"""The 趋势 page (``trends.md``) and its charts, and the small trend lines of the client and
engineer pages — pure functions of :class:`~generator.trends.Trends` (issue 16)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment

from ..model import KB
from ..trends import Point, Trends, client_series, engineer_series, pairs
from .diagrams.trends import TREND_DRAWING, Panel, month_chart, sparkline
from .views import STATUS, SiteInput

LINES = 8  # engineers drawn in the load chart (the busiest); the table lists everyone
FAMILY_COLUMNS = 6  # points shown per rule family in the family table (the last ones)

Picture = Callable[[str, Callable[[], bytes | None]], bytes | None]
Key = Callable[..., str]


def _label(p: Point, today_label: bool) -> str:
    return "今天" if today_label and p.commit is None else p.month


def trend_pages(env: Environment, s: SiteInput, picture: Picture, key: Key) -> dict[str, str | bytes]:
    """``trends.md`` and ``charts/trend-*.svg``."""
    t = s.trends
    if t is None or not t.available:
        reason = t.problem.zh if t is not None and t.problem is not None else "本次构建没有读取 git 历史。"
        return {"trends.md": env.get_template("trends.md.j2").render(available=False, reason=reason)}
    kb = s.kb
    months = [p.month if p.commit is not None else f"{p.month}*" for p in t.points]
    out: dict[str, str | bytes] = {}

    def chart(name: str, panels: list[Panel]) -> str:
        path = f"charts/trend-{name}.svg"
        out[path] = picture(key("trend", TREND_DRAWING, name, months, panels), lambda: month_chart(months, panels)) or b""
        return path

    families = _families(t)
    errors_by_family = [(f, [p.families.get(f, (0, 0))[0] for p in t.points]) for f in families[:7]]
    rest = [sum(v[0] for k, v in p.families.items() if k not in families[:7]) for p in t.points]
    if any(rest):
        errors_by_family.append(("其他", rest))
    findings_chart = chart(
        "findings",
        [
            Panel("错误（按规则族）", bars=errors_by_family),
            Panel("警告", lines=[("警告", t.series(lambda p: p.warnings))]),
        ],
    )
    ev_on, ev_late = pairs(t.series(lambda p: p.events))
    mt_held, mt_missed = pairs(t.series(lambda p: p.meetings))
    kb_on, kb_late = pairs(t.series(lambda p: p.kbs))
    deadlines_chart = chart(
        "deadlines",
        [
            Panel("事件记录（§8.2）", bars=[("按时", ev_on), ("逾期", ev_late)]),
            Panel("同步例会（§8.2）", bars=[("已开", mt_held), ("未开", mt_missed)]),
            Panel("知识库 30 天（§7.2.5）", bars=[("按时", kb_on), ("逾期", kb_late)]),
        ],
    )
    kb_chart = chart(
        "kb",
        [
            Panel("知识库平均完善度（%）", lines=[("平均完善度", t.series(lambda p: p.kb_average))], percent=True),
            Panel("未完善的知识库（个）", bars=[("完善度 < 100%", t.series(_incomplete))]),
        ],
    )
    loads = {e: engineer_series(t, e) for e in kb.engineers}
    busiest = sorted(loads, key=lambda e: (-max((v or 0) for v in loads[e]), e))[:LINES]
    limit = kb.policy.max_clients if kb.policy else None
    load_chart = chart(
        "load",
        [
            Panel(
                "工程师负荷（服务客户数）",
                lines=[(kb.engineer_name(e), [float(v) if v is not None else None for v in loads[e]])
                       for e in busiest],
                limit=float(limit) if limit else None,
            )
        ],
    )
    statuses = [k for k in STATUS if any(p.statuses.get(k) for p in t.points)]
    statuses += sorted({k for p in t.points for k in p.statuses if k not in STATUS})
    status_chart = chart(
        "status",
        [Panel("客户（按服务状态）", bars=[(STATUS.get(k, k), [p.statuses.get(k, 0) for p in t.points]) for k in statuses])],
    )
    rows = [
        {
            "month": _label(p, True),
            "day": p.day,
            "commit": p.commit[:8] if p.commit else "工作区",
            "clients": p.clients,
            "errors": p.errors,
            "warnings": p.warnings,
            "events": f"{p.events[0]} / {p.events[1]}",
            "meetings": f"{p.meetings[0]} / {p.meetings[1]}",
            "kbs": f"{p.kbs[0]} / {p.kbs[1]}",
            "kb": f"{p.kb_average}%" if p.kb_average is not None else "—",
            "load": _average_load(p),
        }
        for p in reversed(t.points)
    ]
    recent = t.points[-FAMILY_COLUMNS:]
    family_rows = [
        {"family": f, "cells": [f"{p.families.get(f, (0, 0))[0]} / {p.families.get(f, (0, 0))[1]}" for p in recent]}
        for f in families
    ]
    engineer_rows = [
        {
            "name": kb.engineer_name(e),
            "first": _first(loads[e]),
            "now": _value(loads[e][-1]),
            "most": max((v for v in loads[e] if v is not None), default="—"),
        }
        for e in sorted(loads, key=lambda e: (-(loads[e][-1] or 0), e))
    ]
    out["trends.md"] = env.get_template("trends.md.j2").render(
        available=True,
        first=t.points[0].day,
        today=s.today,
        count=len(t.points),
        charts={"findings": findings_chart, "deadlines": deadlines_chart, "kb": kb_chart, "load": load_chart,
                "status": status_chart},
        rows=rows,
        family_months=[_label(p, True) for p in recent],
        family_rows=family_rows,
        engineer_rows=engineer_rows,
        limit=limit or "—",
    )
    return out


def _families(t: Trends) -> list[str]:
    """Rule families, most errors and warnings first (over all points)."""
    total: dict[str, int] = {}
    for p in t.points:
        for f, (e, w) in p.families.items():
            total[f] = total.get(f, 0) + e + w
    return sorted(total, key=lambda f: (-total[f], f))


def _incomplete(p: Point) -> int:
    return sum(1 for v in p.completeness.values() if v < 100)


def _average_load(p: Point) -> str:
    serving = [n for n in p.load.values() if n]
    return f"{sum(serving) / len(serving):.2f}" if serving else "—"


def _first(values: list[int | None]) -> Any:
    return next((v for v in values if v is not None), "—")


def _value(v: int | None) -> Any:
    return "—" if v is None else v


def _line(s: SiteInput, values: list[int | None], top: float | None,
          caption: Callable[[str, int, int, bool], str]) -> tuple[bytes, str] | None:
    """A small trend line of ``values`` (one per point) and its caption, from the first known value
    to today's; None without trends or without any value."""
    t = s.trends
    if t is None or not t.available:
        return None
    known = [(p, v) for p, v in zip(t.points, values, strict=True) if v is not None]
    if not known:
        return None
    (p0, v0), (_p1, v1) = known[0], known[-1]
    text = caption(p0.month, v0, v1, len(known) > 1)
    return sparkline([float(v) if v is not None else None for v in values], top=top, label=text), text


def client_trend(s: SiteInput, folder: str) -> tuple[bytes, str] | None:
    """The client's KB-completeness line and its caption, or None (no trends, or never kept a KB)."""
    values = client_series(s.trends, folder) if s.trends is not None else []
    return _line(s, values, 100, lambda m, v0, v1, more: f"知识库完善度：{m} 月末 {v0}% → 今天 {v1}%" if more
                 else f"知识库完善度：{v1}%")


def engineer_trend(s: SiteInput, kb: KB, eid: str) -> tuple[bytes, str] | None:
    """The engineer's load line and its caption, or None (no trends)."""
    limit = kb.policy.max_clients if kb.policy else None
    values = engineer_series(s.trends, eid) if s.trends is not None else []
    note = f"（上限 {limit}）" if limit else ""
    return _line(s, values, limit, lambda m, v0, v1, more: f"负荷：{m} 月末 {v0} 个客户 → 今天 {v1} 个{note}" if more
                 else f"负荷：{v1} 个客户{note}")
