"""The monthly report (generator/monthly.py) as Markdown (the site's 报表/YYYY-MM page), XLSX
(one sheet per table, real numbers, dates and percentages; text cells never formulas:
render/cells.py) and Word (the docxtpl template of render/report_spec.py — the KB's own
``templates/forms/monthly-report.docx`` when it has one, like the forms)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import boundary
from ..finding import Lang
from ..monthly import Figure, MonthReport
from . import typography
from .cells import xlsx_cell
from .escape import text as md_text
from .forms import TEMPLATES, FormTemplateError, _environment, _Template, normalize_package
from .report_spec import REPORT_TEMPLATE

Row = Sequence[Any]


def _say(lang: Lang, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _num(v: float | None, percent: bool = False) -> str:
    if v is None:
        return "—"
    if percent:
        return f"{v * 100:.1f}%"
    return f"{v:g}"


def _change(f: Figure) -> str:
    c = f.change
    if c is None:
        return "—"
    if f.percent:
        return f"{c * 100:+.1f} 个百分点" if c else "0"
    return f"{c:+g}" if c else "0"


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"


def _tables(r: MonthReport, lang: Lang) -> list[tuple[str, list[str], list[Row], list[str]]]:
    """(title, header, rows, number formats per column) for every table of the report; the rows
    hold real values (numbers, dates, None) for XLSX."""

    def s(zh: str, en: str) -> str:
        return _say(lang, zh, en)

    return [
        (
            s("主要指标", "Figures"),
            [s("指标", "Figure"), s("本月", "This month"), s("上月", "Last month"), s("变化", "Change")],
            [(f.label(lang), f.value, f.previous, f.change) for f in r.figures],
            ["@", "0.##", "0.##", "+0.##;-0.##;0"],
        ),
        (
            s("晚报与缺失", "Late and missed"),
            [s("客户", "Client"), s("负责人", "Owner"), s("规则", "Rule"), s("条款", "§"), s("事项", "Item"),
             s("期限", "Due"), s("记录日", "Recorded"), s("晚（工作日）", "Late (working days)")],
            [(i.client_name, i.owner, i.rule, i.section, i.what(lang), i.due, i.done, i.late_workdays) for i in r.late],
            ["@", "@", "@", "@", "@", "yyyy-mm-dd", "yyyy-mm-dd", "0"],
        ),
        (
            s("同步例会", "Sync meetings"),
            [s("客户", "Client"), s("负责人", "Owner"), s("周期", "Period"), s("截止", "Due"), s("召开", "Held")],
            [(m.client_name, m.owner, m.period, m.due, s("是", "yes") if m.held else s("否", "no")) for m in r.meetings],
            ["@", "@", "@", "yyyy-mm-dd", "@"],
        ),
        (
            s("知识库未完成", "Incomplete KBs"),
            [s("客户", "Client"), s("负责人", "Owner"), s("完善度", "Completeness"), s("期限", "Due")],
            [(x.client_name, x.owner, x.completeness / 100, x.due) for x in r.incomplete],
            ["@", "@", "0%", "yyyy-mm-dd"],
        ),
        (
            s("过渡期", "Transition"),
            [s("客户", "Client"), s("类别", "Class"), s("评估日", "Assessed"), s("结果", "Outcome"),
             s("回归日", "Return by"), s("差距关闭日", "Gaps closed")],
            [(t.client_name, t.klass, t.assessed_on, t.outcome, t.return_by, t.closed_on) for t in r.transitions],
            ["@", "@", "yyyy-mm-dd", "@", "yyyy-mm-dd", "yyyy-mm-dd"],
        ),
        (
            s("上季度KPI", "Last quarter's KPIs"),
            [s("工程师", "Engineer"), s("季度", "Quarter"), s("MTTR（小时）", "MTTR (hours)"), s("满意度", "Satisfaction"),
             s("专人处理率", "Continuity"), s("未达标项", "Targets missed")],
            [(k.name, k.quarter, k.mttr_hours, k.satisfaction, k.continuity, k.missed) for k in r.kpis],
            ["@", "@", "0.0", "0.00", "0.0%", "0"],
        ),
        (
            s("下月期限", "Next month's deadlines"),
            [s("日期", "Date"), s("对象", "Subject"), s("规则", "Rule"), s("条款", "§"), s("事项", "Item")],
            [(d.due, d.subject, d.rule, d.section, d.what(lang)) for d in r.next_deadlines],
            ["yyyy-mm-dd", "@", "@", "@", "@"],
        ),
        (
            s("生效中的豁免", "Exemptions in force"),
            [s("对象", "Subject"), s("规则", "Rule"), s("键", "Key"), s("理由", "Reason"), s("批准人", "Approved by"),
             s("批准日", "Approved on"), s("到期", "Expires")],
            [(x.subject, x.rule, x.key, x.reason, x.approved_by, x.approved_on, x.expires) for x in r.exemptions],
            ["@", "@", "@", "@", "@", "yyyy-mm-dd", "yyyy-mm-dd"],
        ),
    ]


def _shown(v: Any, fmt: str) -> str:
    if v is None:
        return "—"
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and fmt.endswith("%"):
        return f"{v * 100:.{1 if '.' in fmt else 0}f}%"
    if isinstance(v, int | float):
        return f"{v:g}"
    return str(v)


def to_markdown(r: MonthReport, lang: Lang = "zh") -> str:
    """The site's 报表/YYYY-MM page."""
    lines = [
        f"# {_say(lang, '月度报表', 'Monthly report')} {r.month}",
        "",
        _say(
            lang,
            f"数据截至 {r.end}（北京时间当天结束时的最后一次提交 `{(r.commit or '—')[:10]}`），与上月末"
            f"（`{(r.previous_commit or '—')[:10]}`）比较。本月的事项只含本月发生的：事件按补记提交的月份计，"
            "例会按周期结束的月份计。",
            f"As of {r.end} (the last commit of that day, China time: `{(r.commit or '—')[:10]}`), compared with "
            f"the previous month's end (`{(r.previous_commit or '—')[:10]}`). This month's items are only those "
            "of this month: a late event in the month its record was committed, a meeting in the month its period ended.",
        ),
        "",
    ]
    for title, header, rows, fmts in _tables(r, lang):
        lines += [f"## {title}", ""]
        if title in (_say(lang, "上季度KPI", "Last quarter's KPIs"),) and r.kpi_quarter:
            lines += [f"{_say(lang, '季度', 'Quarter')}：{r.kpi_quarter}", ""]
        if not rows:
            lines += [_say(lang, "（无）", "(none)"), ""]
            continue
        lines.append("| " + " | ".join(md_text(h) for h in header) + " |")
        lines.append("|" + "---|" * len(header))
        for i, row in enumerate(rows):
            cells = [_shown(v, f) for v, f in zip(row, fmts, strict=True)]
            if title == _say(lang, "主要指标", "Figures"):
                f = r.figures[i]
                cells[1:] = [_num(f.value, f.percent), _num(f.previous, f.percent), _change(f)]
            lines.append("| " + " | ".join(str(md_text(c)) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def to_xlsx(r: MonthReport, lang: Lang = "zh") -> bytes:
    """One sheet per table; numbers, percentages and dates are real cells with number formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    for sheet in list(wb.worksheets):  # the empty default sheet
        wb.remove(sheet)
    for title, header, rows, fmts in _tables(r, lang):
        ws = wb.create_sheet(title[:31])
        ws.append([xlsx_cell(ws, h) for h in header])
        for c in ws[1]:
            c.font = Font(bold=True)
        for i, row in enumerate(rows):
            values = list(row)
            if title == _say(lang, "主要指标", "Figures") and r.figures[i].percent:
                fmt_row = ["@", "0.0%", "0.0%", "+0.0%;-0.0%;0%"]
            else:
                fmt_row = fmts
            ws.append([xlsx_cell(ws, v) for v in values])
            for cell, fmt in zip(ws[ws.max_row], fmt_row, strict=True):
                if not isinstance(cell.value, str) and cell.value is not None:
                    cell.number_format = fmt
        for col, h in zip(ws.columns, header, strict=False):
            width = max([len(str(h)) * 2, *(len(str(c.value or "")) * 2 for c in col)])
            ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width))
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_of(root: Path | None) -> Path:
    """The KB's own templates/forms/monthly-report.docx when it is a regular file inside the KB,
    else the default."""
    if root is not None and boundary.inside(root, root / "templates" / "forms" / REPORT_TEMPLATE).readable:
        return root / "templates" / "forms" / REPORT_TEMPLATE
    return TEMPLATES / REPORT_TEMPLATE


def _context(r: MonthReport) -> dict[str, Any]:
    tables = _tables(r, "zh")

    def table(n: int, keys: list[str]) -> list[dict[str, str]]:
        _title, _header, data, fmts = tables[n]
        return [{k: _shown(v, f) for k, v, f in zip(keys, row, fmts, strict=True)} for row in data]

    figures = [
        {"label": f.label.zh, "value": _num(f.value, f.percent), "previous": _num(f.previous, f.percent), "change": _change(f)}
        for f in r.figures
    ]
    return {
        "report": {
            "month": r.month,
            "as_of": f"{r.end}（北京时间当天结束时）",
            "commit": (r.commit or "—")[:12],
            "previous_commit": (r.previous_commit or "—")[:12],
            "figures": figures,
            "late": table(1, ["client", "owner", "rule", "section", "what", "due", "done", "late"]),
            "meetings_due": str(r.meetings_due),
            "meetings_held": str(r.meetings_held),
            "meetings": table(2, ["client", "owner", "period", "due", "held"]),
            "incomplete": table(3, ["client", "owner", "completeness", "due"]),
            "transitions": table(4, ["client", "klass", "assessed_on", "outcome", "return_by", "closed_on"]),
            "kpi_quarter": r.kpi_quarter or "—",
            "kpis": table(5, ["name", "quarter", "mttr", "satisfaction", "continuity", "missed"]),
            "next": table(6, ["due", "subject", "rule", "section", "what"]),
            "exemptions": table(7, ["subject", "rule", "key", "reason", "approved_by", "approved_on", "expires"]),
        }
    }


def to_docx(r: MonthReport, root: Path | None = None) -> bytes:
    """The report in Word, from the template staff can edit (FormTemplateError when it is broken)."""
    from jinja2 import TemplateError

    path = template_of(root)
    tpl = _Template(io.BytesIO(path.read_bytes()))
    try:
        tpl.render(_context(r), jinja_env=_environment(), autoescape=True)
    except TemplateError as exc:
        raise FormTemplateError(f"{path}: {exc}") from exc
    typography.chinese_runs(tpl.docx)
    buf = io.BytesIO()
    tpl.save(buf)
    return normalize_package(buf.getvalue())
