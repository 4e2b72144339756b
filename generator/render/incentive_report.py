"""The incentive report for finance (CSV, XLSX): pure functions from the payouts to bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..facts import kpi_failures, kpi_for
from ..finding import Lang, Msg
from ..incentives import Payout, month_span
from ..model import KB
from .cells import csv_cell, csv_row, xlsx_row

# (key, Chinese header, English header); one row per person per renewal.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("year", "年度", "year"),
    ("client", "客户ID", "client"),
    ("client_name", "客户名称", "client name"),
    ("renewed_on", "续约日期", "renewed on"),
    ("bonus_cny", "年度保有奖励（元）", "annual bonus (CNY)"),
    ("split", "分配比例（客户经理:专属工程师）", "split (account manager:engineer)"),
    ("client_months", "当年服务月数", "months of service"),
    ("prorated_cny", "折算奖金（元）", "prorated bonus (CNY)"),
    ("role", "角色", "role"),
    ("person", "人员ID", "person id"),
    ("name", "姓名", "name"),
    ("percent", "比例（%）", "percent"),
    ("months", "计奖月数", "months paid"),
    ("month_list", "计奖月份", "months"),
    ("served_from", "服务起", "served from"),
    ("served_to", "服务止", "served to"),
    ("amount_cny", "金额（元）", "amount (CNY)"),
    ("note", "说明", "note"),
    ("kpi", "绩效考核（§9.1）", "KPI assessment (§9.1)"),
)
MONEY = ("bonus_cny", "prorated_cny", "amount_cny")
ROLE = {
    "account_manager": Msg("客户经理", "account manager"),
    "engineer": Msg("专属工程师", "dedicated engineer"),
    "unallocated": Msg("未分配", "unallocated"),  # a replaced engineer's months (§9.3.2): paid to nobody
}


def headers(lang: Lang) -> list[str]:
    return [en if lang == "en" else zh for _, zh, en in COLUMNS]


_MEASURE = {"satisfaction": Msg("满意度", "satisfaction"), "mttr_hours": Msg("MTTR", "MTTR"),
            "continuity": Msg("专人处理率", "continuity")}


def kpi_assessment(kb: KB, engineer_id: str, year: int, months: Sequence[int], lang: Lang) -> str:
    """The engineer's §9.1 figures for each quarter of ``year`` that holds a credited month, and
    which policy.yml targets they miss — shown beside the payout (绩效挂钩, §9.2.3); the policy
    gives no formula, so nothing here changes an amount."""
    parts = []
    for q in sorted({(m - 1) // 3 + 1 for m in months}):
        quarter = f"{year}-Q{q}"
        v = kpi_for(kb, engineer_id, quarter)
        if v is None:
            parts.append(f"{quarter} " + Msg("无考核数据", "no figures")(lang))
            continue
        shown = [f"MTTR {v.mttr_hours:g}h" if v.mttr_hours is not None else "",
                 (Msg("满意度 ", "satisfaction ")(lang) + f"{v.satisfaction:g}") if v.satisfaction is not None else "",
                 (Msg("专人处理率 ", "continuity ")(lang) + f"{100 * v.continuity:.1f}%") if v.continuity is not None else ""]
        misses = kpi_failures(kb, engineer_id, quarter)
        verdict = (Msg("未达标：", "missed: ")(lang) + "、".join(_MEASURE[m.measure](lang) for m in misses)) if misses else (
            Msg("达标", "targets met")(lang) if kb.policy and any(
                t is not None for t in (kb.policy.kpi_satisfaction_min, kb.policy.kpi_mttr_max_hours, kb.policy.kpi_continuity_min))
            else Msg("未设目标", "no targets set")(lang))
        parts.append(f"{quarter} " + "，".join(x for x in shown if x) + f"（{verdict}）")
    return "；".join(parts)


def records(payouts: Sequence[Payout], lang: Lang, kb: KB | None = None) -> list[dict[str, Any]]:
    """One mapping per person per renewal, keyed by the column keys; money as Decimal. With the
    model, each engineer's row carries their KPI assessment (:func:`kpi_assessment`)."""
    out: list[dict[str, Any]] = []
    for p in payouts:
        c, r, s = p.client, p.renewal, p.split
        base = {
            "year": r.year,
            "client": c.id,
            "client_name": c.name or "",
            "renewed_on": r.renewed_on.isoformat() if r.renewed_on else "",
            "bonus_cny": Decimal(p.bonus).quantize(Decimal("0.01")),
            "split": f"{s.account_manager}:{s.engineer}" if s.account_manager is not None else "",
            "client_months": len(p.months),
            "prorated_cny": p.prorated,
        }
        if not p.shares:
            out.append(
                base
                | {k: "" for k, _, _ in COLUMNS if k not in base}
                | {"amount_cny": Decimal("0.00"), "note": "；".join(n(lang) for n in p.notes)}
            )
            continue
        for share in p.shares:
            notes = [
                *(n(lang) for n in p.notes if share.role == "account_manager"),
                *([share.note(lang)] if share.note else []),
            ]
            out.append(
                base
                | {
                    "role": ROLE[share.role](lang),
                    "person": share.person,
                    "name": share.name,
                    "percent": share.percent,
                    "months": len(share.months),
                    "month_list": month_span(share.months),
                    "served_from": share.served_from.isoformat() if share.served_from else "",
                    "served_to": share.served_to.isoformat() if share.served_to else "",
                    "amount_cny": share.amount,
                    "note": "；".join(notes),
                    "kpi": kpi_assessment(kb, share.person, r.year, share.months, lang)
                    if kb is not None and share.role == "engineer"
                    else "",
                }
            )
    return out


def to_csv(payouts: Sequence[Payout], lang: Lang, kb: KB | None = None) -> bytes:
    """CSV with a BOM (Excel opens the Chinese correctly), amounts with two decimals; text that
    a spreadsheet would run as a formula (a name like ``=HYPERLINK(…)``) is escaped (render/cells.py)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(csv_row(headers(lang)))
    for rec in records(payouts, lang, kb):
        # Amounts are numbers we format ourselves: a negative one stays a number.
        w.writerow([f"{rec[k]:.2f}" if k in MONEY else csv_cell(rec[k]) for k, _, _ in COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


METHOD = Msg(
    "计算方法（《专属工程师管理办法》V4）\n"
    "1. 每条续约的年度保有奖励按当年专属服务月份折算：年度奖金 / 12 × 当年服务月份（§9.3.1）。\n"
    "2. 折算后的奖金按备案的分配比例分给客户经理和专属工程师（§9.2.3）；未备案比例的客户不出报表（报错）。\n"
    "3. 专属工程师的份额按各自服务的月份计：年内被替换的工程师只计实际服务月份，此后不再享受激励（§9.3.2）。"
    "按 policy.yml 的 incentive.replaced_engineer_share: none（默认解读），替换之后才完成的续约不分给被替换者，"
    "其服务月份的份额单列为“未分配”行，不计入“合计（发放）”；months-served 则仍按其服务月份发放。\n"
    "4. 某月计给服务天数最多的工程师，且客户当月专属服务不少于半个月；天数相同时计给接任者。仍在服务的指派计到年底。\n"
    "5. 金额精确计算后四舍五入到分，尾差按最大余数分配，各人金额之和等于折算奖金。\n"
    "6. 绩效挂钩（§9.2.3、§9.1）：“绩效考核”列列出专属工程师计奖月份所在季度的考核指标（kb import tickets）及是否达到 policy.yml 的目标；"
    "办法未规定挂钩公式，本表金额不因此调整，由财务按考核结果另行核定。",
    "Method (dedicated-engineer policy V4)\n"
    "1. Each renewal's annual bonus is prorated by the months of dedicated service that year: bonus / 12 × months (§9.3.1).\n"
    "2. The prorated bonus is split by the recorded split (§9.2.3); a client without a recorded split is an error.\n"
    "3. The engineers' share is paid per engineer for the months each served; an engineer replaced during the year "
    "gets nothing after (§9.3.2). With policy.yml incentive.replaced_engineer_share: none (the default reading), a "
    "renewal completed after the replacement pays the replaced engineer nothing: the share of their months is an "
    "\"unallocated\" row, outside the total paid; with months-served they are paid for their months.\n"
    "4. A month goes to whoever served most of its days, if the client had dedicated service for at least half of it; "
    "on a tie, to the incoming engineer. A running assignment counts to the end of the year.\n"
    "5. Amounts are exact, rounded half up to the fen; remainders go by largest remainder so the parts add up.\n"
    "6. Performance link (§9.2.3, §9.1): the KPI column lists the engineer's figures for the quarters of the months "
    "paid (kb import tickets) and whether they meet policy.yml's targets; the policy gives no formula, so no amount "
    "here is adjusted - finance decides from the assessment.",
)


def to_xlsx(payouts: Sequence[Payout], year: int, lang: Lang, kb: KB | None = None) -> bytes:
    """A workbook finance can open and sum: the rows, a total per renewal, and the method. Every
    text is an explicit string cell, never a formula (render/cells.py)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"保有奖励 {year}" if lang == "zh" else f"Bonuses {year}"
    xlsx_row(ws, headers(lang))
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE3F0")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    keys = [k for k, _, _ in COLUMNS]
    money_cols = {keys.index(k) + 1 for k in MONEY}
    total = Decimal("0.00")
    for rec in records(payouts, lang, kb):
        xlsx_row(ws, [rec[k] for k in keys])
        total += rec["amount_cny"]
    unallocated = sum((p.unallocated for p in payouts), Decimal("0.00"))
    ws.append([])
    amount_col = keys.index("amount_cny") + 1
    # "合计" is what is paid; a replaced engineer's unallocated months (§9.3.2) are a line of their own
    xlsx_row(ws, ["合计" if lang == "zh" else "Total", *([""] * (amount_col - 2)), total - unallocated])
    ws.cell(ws.max_row, 1).font = bold
    ws.cell(ws.max_row, amount_col).font = bold
    if unallocated:
        label = "未分配（被替换工程师的月份，§9.3.2）" if lang == "zh" else "Unallocated (replaced engineers' months, §9.3.2)"
        xlsx_row(ws, [label, *([""] * (amount_col - 2)), unallocated])
        ws.cell(ws.max_row, 1).font = bold
        ws.cell(ws.max_row, amount_col).font = bold
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.column in money_cols:
                cell.number_format = "#,##0.00"
    widths = {
        "client_name": 16,
        "split": 12,
        "note": 60,
        "kpi": 60,
        "month_list": 12,
        "renewed_on": 12,
        "served_from": 12,
        "served_to": 12,
    }
    for i, k in enumerate(keys, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(k, 11)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("计算方法" if lang == "zh" else "Method")
    for line in METHOD(lang).split("\n"):
        xlsx_row(notes, [line])
    notes.column_dimensions["A"].width = 110
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
