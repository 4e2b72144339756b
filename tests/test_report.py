"""kb report --month: the monthly report from git (both month-ends read --as-of), in Word, XLSX and
Markdown; only what happened in the month is the month's."""

from __future__ import annotations

import datetime as dt
import html
import io
from pathlib import Path

import pytest

from tests.histories import make_history


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("report") / "kb")


def _report(run_kb, repo: Path, month: str, fmt: str, out: Path):  # type: ignore[no-untyped-def]
    r = run_kb("report", "--root", str(repo), "--month", month, "--format", fmt, "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_july_xlsx_names_julys_late_event_not_februarys(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    wb = load_workbook(_report(run_kb, history_repo, "2026-07", "xlsx", tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["主要指标", "晚报与缺失", "同步例会", "知识库未完成", "过渡期", "上季度KPI", "下月期限", "生效中的豁免"]
    exempt = list(wb["生效中的豁免"].iter_rows(min_row=2, values_only=True))
    assert exempt == [("贝塔制造", "priority.temporary", None, "临时优先期限待销售总监确认", "工程运维部负责人",
                       dt.datetime(2026, 6, 1), dt.datetime(2026, 11, 30))]
    late = list(wb["晚报与缺失"].iter_rows(values_only=True))
    assert late[0] == ("客户", "负责人", "规则", "条款", "事项", "期限", "记录日", "晚（工作日）")
    events = [row for row in late[1:] if row[2] == "change.1bd"]
    assert len(events) == 1  # the January change recorded in February is February's, not July's
    client, owner, _rule, section, what, due, recorded, late_days = events[0]
    assert (client, owner, section) == ("艾克美物流", "张伟（zhang-wei）", "§8.2")
    assert "2026-07-06" in what and "2026-01-12" not in what
    assert due == dt.datetime(2026, 7, 7) and recorded == dt.datetime(2026, 7, 28)
    assert isinstance(late_days, int) and late_days == 15
    # the missed June meeting is June's; July's meeting period ended without one: a July item
    missed = [row for row in late[1:] if row[2] == "sync.cadence"]
    assert [(r[0], r[4]) for r in missed] == [("艾克美物流", "2026-07 同步例会未召开"), ("贝塔制造", "2026-07 同步例会未召开")]
    # real number formats: dates are dates, the lateness an integer
    sheet = wb["晚报与缺失"]
    assert sheet.cell(2, 6).number_format == "yyyy-mm-dd" and sheet.cell(2, 8).number_format == "0"
    figures = {row[0]: row[1:] for row in wb["主要指标"].iter_rows(min_row=2, values_only=True)}
    assert figures["本月晚报的事件"] == (1, 0, 1)
    assert figures["专属服务中的重点客户"] == (2, 2, 0)
    assert wb["主要指标"].cell(6, 2).number_format == "0.0%"  # average KB completeness, a real percentage


def test_february_report_has_februarys_late_event(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    wb = load_workbook(_report(run_kb, history_repo, "2026-02", "xlsx", tmp_path / "r.xlsx"))
    rows = [r for r in wb["晚报与缺失"].iter_rows(min_row=2, values_only=True) if r[2] == "change.1bd"]
    assert len(rows) == 1 and "2026-01-12" in rows[0][4] and rows[0][6] == dt.datetime(2026, 2, 3)
    assert list(wb["生效中的豁免"].iter_rows(min_row=2, values_only=True)) == []  # approved only in June
    figures = {row[0]: row[1:] for row in wb["主要指标"].iter_rows(min_row=2, values_only=True)}
    assert figures["客户总数"] == (1, 1, 0)


def test_july_word_report_from_the_template(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    doc = Document(str(_report(run_kb, history_repo, "2026-07", "docx", tmp_path / "r.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "专属工程师服务月度报表" in text
    assert "2026-07" in cells
    assert any("2026-07-06" in c for c in cells) and not any("2026-01-12" in c for c in cells)
    assert "张伟（zhang-wei）" in cells and "2026-07-28" in cells
    assert "临时优先期限待销售总监确认" in cells  # the exemption in force
    assert "{{" not in "".join(cells) + text  # every placeholder filled


def test_kb_template_is_used(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """Staff restyle the report in Word: the KB's templates/forms/monthly-report.docx is used."""
    from docx import Document

    from generator.render.monthly_report import REPORT_TEMPLATE, TEMPLATES

    kb = tmp_path / "kb"
    import shutil
    import subprocess

    subprocess.run(["git", "clone", "-q", str(history_repo), str(kb)], check=True)
    doc = Document(str(TEMPLATES / REPORT_TEMPLATE))
    doc.paragraphs[0].insert_paragraph_before("云桥运维部内部资料")
    (kb / "templates/forms").mkdir(parents=True)
    buf = io.BytesIO()
    doc.save(buf)
    (kb / "templates/forms" / REPORT_TEMPLATE).write_bytes(buf.getvalue())
    out = Document(str(_report(run_kb, kb, "2026-07", "docx", tmp_path / "r.docx")))
    assert out.paragraphs[0].text == "云桥运维部内部资料"
    shutil.rmtree(kb)


def test_markdown_page_for_the_site(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    kb = tmp_path / "kb"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(kb)], check=True)
    r = run_kb("report", "--root", str(kb), "--month", "2026-07", "--format", "md")
    assert r.returncode == 0, r.stderr
    page = html.unescape((kb / "site/报表/2026-07.md").read_text(encoding="utf-8"))  # text is escaped for MkDocs
    assert page.startswith("# 月度报表 2026-07")
    assert "2026-07-06" in page and "2026-01-12" not in page
    assert "| 本月晚报的事件 | 1 | 0 | +1 |" in page
    assert "| 2026-08-31 | 艾克美物流 | sync.cadence | §8.2 | 2026-08 同步例会（负责人 张伟（zhang-wei）） |" in page


@pytest.mark.parametrize("month", ["2026-13", "july", "2025-06"])
def test_bad_month_is_plain(history_repo: Path, run_kb, month: str) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("report", "--root", str(history_repo), "--month", month, "--format", "md", "-o", "-")
    assert r.returncode == 2 and "Traceback" not in r.stderr
