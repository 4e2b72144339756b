"""Rule ``kpi`` (§9.1): each dedicated engineer has KPI figures for the last ended quarter
(imported from tickets into ``kpis/<YYYY-Qn>.yml``, or hand-typed in ``engineers/<id>.yml`` for
an older KB), and they meet the targets policy.yml ``kpi`` sets — a target left unset is shown,
not judged (the policy gives no numbers). A missed target is what §9.3.2's replacement review
reads (facts.kpi_failures). Both are warnings: a past quarter cannot be fixed by editing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..facts import kpi_failures, kpi_for, last_ended_quarter, quarter_bounds
from ..finding import Finding, Severity
from ..model import KB, Client
from . import rule
from .common import make

E, W = Severity.ERROR, Severity.WARNING
RULE = "kpi"
_MEASURES = {
    "satisfaction": ("客户满意度", "satisfaction", "低于下限", "below the minimum"),
    "mttr_hours": ("平均解决时长（小时）", "MTTR (hours)", "超过上限", "above the maximum"),
    "continuity": ("专人处理率", "continuity", "低于下限", "below the minimum"),
}


def served_in(c: Client, engineer: str, first: dt.date, last: dt.date) -> bool:
    """Whether ``engineer`` was the client's dedicated engineer on some day of [first, last]."""
    a = c.assignment
    if a is None:
        return False
    if a.engineer == engineer and c.status != "exited" and (a.since is None or a.since <= last):
        return True
    return any(
        h.engineer == engineer and (h.start is None or h.start <= last) and (h.end is None or h.end >= first)
        for h in a.history
    )


@rule(RULE, "§9.1")
def check_kpi(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """Figures for the last ended quarter for every engineer who served a dedicated client in it,
    meeting policy.yml's targets; each kpis/*.yml is named after its period and names known ids."""
    for period in kb.kpis:
        stem = period.where.file.rsplit("/", 1)[-1].removesuffix(".yml")
        if period.period is not None and stem != period.period:
            yield make(E, period.where.at("period"), RULE,
                       f"文件名 {stem} 与其中的季度 {period.period} 不一致。",
                       f"The file name {stem} does not match its period {period.period}.",
                       f"改名为 kpis/{period.period}.yml，或用 kb import tickets --force 重新导入。",
                       f"Rename it kpis/{period.period}.yml, or import again with kb import tickets --force.")
        for group, known, what in ((period.engineers, kb.known_engineer_ids, ("工程师", "engineer")),
                                   (period.clients, frozenset(kb.clients), ("客户", "client"))):
            for fid, f in group.items():
                if fid not in known:
                    yield make(W, f.where.at("id"), RULE, f"未知的{what[0]} {fid}。", f"Unknown {what[1]} {fid}.",
                               "核对 ID，或在改名后重新导入工单。", "Check the id, or import the tickets again after a rename.")
    quarter = last_ended_quarter(today)
    bounds = quarter_bounds(quarter)
    assert bounds is not None
    first, last = bounds
    for eid, e in sorted(kb.engineers.items()):
        served = sorted(c.id for c in kb.clients.values() if served_in(c, eid, first, last))
        if not served:
            continue
        view = kpi_for(kb, eid, quarter)
        if view is None:
            yield make(W, e.where.at("id"), RULE,
                       f"{kb.engineer_name(eid)} 在 {quarter} 服务专属客户（{'、'.join(served)}），但没有该季度的绩效指标（§9.1）。",
                       f"{kb.engineer_name(eid)} served dedicated clients in {quarter} ({', '.join(served)}) "
                       "but has no KPI figures for that quarter (§9.1).",
                       f"导出该季度的工单（CSV/XLSX），运行 kb import tickets 文件 生成 kpis/{quarter}.yml 并提交。",
                       f"Export the quarter's tickets (CSV/XLSX) and run kb import tickets FILE to write kpis/{quarter}.yml, then commit.",
                       due=last)
            continue
        for miss in kpi_failures(kb, eid, quarter):
            zh, en, how_zh, how_en = _MEASURES[miss.measure]
            where = view.figures.where.at(miss.measure) if view.figures is not None else e.where.at("kpis")
            yield make(W, where, RULE,
                       f"{kb.engineer_name(eid)} {quarter} 的{zh} {miss.value:g} {how_zh} {miss.target:g}"
                       "（policy.yml kpi；§9.3.2 更换评估的依据之一）。",
                       f"{kb.engineer_name(eid)}'s {en} for {quarter} is {miss.value:g}, {how_en} {miss.target:g} "
                       "(policy.yml kpi; one ground for a §9.3.2 replacement review).",
                       "在绩效考核中说明原因与改进计划；指标来自工单，不要手改 kpis/ 文件。",
                       "Explain the cause and the improvement plan in the assessment; the figures come from the "
                       "tickets, do not edit kpis/ by hand.")
