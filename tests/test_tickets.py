"""kb import tickets on real files through the real CLI: known answers (hand-computed MTTR, median,
satisfaction, continuity with the backup during a leave), broken rows named by line, no ticket
text in kpis/, --force with a diff, GB18030 and XLSX exports, and the kpi rule."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import openpyxl
import pytest
import yaml

from generator.pipeline import check

from .conftest import commit_all

Run = Callable[..., CompletedProcess[str]]
HEADER = "工单号,标题,客户,处理人,创建时间,解决时间,满意度\n"
# acme (艾克美物流) is zhang-wei's dedicated client with backup li-na; zhang-wei is on leave 08-10..08-12.
GOOD = HEADER + (
    "T-1,VPN 中断,acme,张伟,2026-07-01 09:00,2026-07-01 11:00,5\n"        # 2 h, zhang-wei: kept
    "T-2,专线丢包,acme,zhang-wei,2026/7/2 9:30,2026/7/2 13:30,4\n"          # 4 h, zhang-wei: kept
    "T-3,\"多行\n标题\",艾克美物流,李娜,2026-08-11 10:00,2026-08-11 16:00,\n"  # 6 h, backup during leave: kept
    "T-4,证书过期,acme,li-na,2026-09-01 08:00:00,2026-09-01 09:00:00,3\n"    # 1 h, backup, no leave: not kept
    "T-5,带宽告警,acme,张伟,2026-09-10 10:00,,\n"                           # open, zhang-wei: kept
    "T-6,新站点,acme,张伟,2026-10-08 09:00,2026-10-08 12:00,5\n"            # next quarter
)
LEAVE = "  - {from: 2026-08-10, to: 2026-08-12, backup: li-na, handover: 工单交李娜}\n"


@pytest.fixture
def kb(base_kb: Path) -> Path:
    eng = base_kb / "engineers" / "zhang-wei.yml"
    text = eng.read_text(encoding="utf-8")
    eng.write_text(text.replace("leave:\n", "leave:\n" + LEAVE), encoding="utf-8")
    commit_all(base_kb, "张伟八月休假", "2026-11-14T10:00:00+08:00")
    return base_kb


def _figures(kb: Path, quarter: str) -> dict[str, dict[str, dict[str, object]]]:
    data = yaml.safe_load((kb / "kpis" / f"{quarter}.yml").read_text(encoding="utf-8"))
    return {k: {x["id"]: x for x in data[k]} for k in ("engineers", "clients")} | {"_": data}


def test_known_answers(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    r = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert r.returncode == 0, r.stderr
    assert "6 行" in r.stdout and "0 行有误" in r.stdout
    q3 = _figures(kb, "2026-Q3")
    acme = q3["clients"]["acme"]
    # hours 2, 4, 6, 1 (T-5 open): mean 3.25, median 3; answers 5, 4, 3; kept T-1, T-2, T-3, T-5 of 5
    assert acme == {"id": "acme", "tickets": 5, "resolved": 4, "mttr_hours": 3.25, "mttr_median_hours": 3.0,
                    "satisfaction": 4.0, "satisfaction_answers": 3, "continuity": 0.8, "continuity_tickets": 5}
    zw = q3["engineers"]["zhang-wei"]
    assert (zw["tickets"], zw["resolved"], zw["mttr_hours"], zw["mttr_median_hours"]) == (3, 2, 3.0, 3.0)
    assert (zw["satisfaction"], zw["satisfaction_answers"], zw["continuity"], zw["continuity_tickets"]) == (4.5, 2, 0.8, 5)
    ln = q3["engineers"]["li-na"]
    assert (ln["tickets"], ln["mttr_hours"], ln["mttr_median_hours"], ln["satisfaction"]) == (2, 3.5, 3.5, 3.0)
    assert "continuity" not in ln  # li-na is nobody's dedicated engineer here
    src = q3["_"]["source"]
    assert src["file"] == "export.csv" and src["rows"] == 6 and re.fullmatch(r"[0-9a-f]{64}", src["sha256"])
    q4 = _figures(kb, "2026-Q4")
    assert q4["clients"]["acme"]["tickets"] == 1 and q4["clients"]["acme"]["mttr_hours"] == 3


def test_no_ticket_text_reaches_kpis(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    assert run_kb("import", "tickets", str(export), "--root", str(kb)).returncode == 0
    written = "".join(p.read_text(encoding="utf-8") for p in (kb / "kpis").glob("*.yml"))
    for needle in ("T-1", "T-6", "VPN", "多行", "标题", "证书", "艾克美", "张伟", "李娜", "2026-07-01", "09:00"):
        assert needle not in written, needle


def test_the_loader_reads_kpis_and_the_engineer_page_shows_imported_mttr(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    assert run_kb("import", "tickets", str(export), "--root", str(kb)).returncode == 0
    commit_all(kb, "导入工单指标", "2026-11-20T10:00:00+08:00")
    result = check(kb, dt.date(2026, 11, 24))
    assert [p.period for p in result.kb.kpis] == ["2026-Q3", "2026-Q4"]
    assert result.kb.kpis[0].engineers["zhang-wei"].mttr_hours == 3.0
    assert [f for f in result.findings if f.rule in ("kpi", "schema", "load")] == []
    from generator.render.site import build_pages
    from generator.render.views import SiteInput

    pages = build_pages(SiteInput(result.kb, result.findings, None, dt.date(2026, 11, 24)))
    page = html.unescape(str(pages["engineers/zhang-wei.md"]))
    q3 = next(line for line in page.splitlines() if line.startswith("| 2026-Q3 "))
    cells = [c.strip() for c in q3.strip("|").split("|")]
    assert cells[:8] == ["2026-Q3", "3", "3", "3", "4.5", "2", "80.0%", "kpis/2026-Q3.yml"]  # not the hand-typed 3.2
    assert "3.2" not in q3
    assert "![绩效趋势](kpi/zhang-wei.svg)" in str(pages["engineers/zhang-wei.md"]) and bytes(pages["engineers/kpi/zhang-wei.svg"]).startswith(b"<?xml")
    client_page = html.unescape(str(pages["clients/acme.md"]))
    assert "| 2026-Q3 | 5 | 3.25 | 3 | 4 | 80.0% |" in client_page


BROKEN = HEADER + (
    "B-1,好,acme,张伟,2026-07-01 09:00,2026-07-01 10:00,5\n"        # line 2: good
    "B-2,x,艾克美物留,张伟,2026-07-01 09:00,2026-07-01 10:00,5\n"    # line 3: unknown client
    "B-3,x,acme,张玮,2026-07-01 09:00,2026-07-01 10:00,5\n"          # line 4: unknown engineer
    "B-4,x,acme,张伟,昨天,2026-07-01 10:00,5\n"                      # line 5: unreadable time
    "B-5,x,acme,张伟,2026-07-02 09:00,2026-07-01 10:00,5\n"          # line 6: resolved before created
    "B-6,x,acme,张伟,2026-07-01 09:00,2026-07-01 10:00,6\n"          # line 7: satisfaction out of range
    "B-1,x,acme,张伟,2026-07-01 09:00,2026-07-01 10:00,5\n"          # line 8: duplicate id
    "B-7,\"两行\n标题\",acme,李娜,2026-07-03 09:00,2026-07-03 12:00,\n"  # lines 9-10: good
    "B-8,x,acme,张伟,2026-07-03 09:00,2026-07-03 12:00,很好\n"       # line 11: satisfaction not a number
)


def test_broken_rows_are_named_by_line_and_left_out(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "broken.csv"
    export.write_text(BROKEN, encoding="utf-8")
    r = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert r.returncode == 1
    lines = {int(m.group(1)): m.group(0) for m in re.finditer(r"broken\.csv:(\d+):\d+: error import .*", r.stderr)}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 11], r.stderr
    assert "是不是「艾克美物流」" in lines[3] and "是不是「张伟」" in lines[4]
    assert "昨天" in lines[5] and "早于" in lines[6] and "第 2 行" in lines[8]
    assert "7 行有误未计入" in r.stdout
    q3 = _figures(kb, "2026-Q3")
    acme = q3["clients"]["acme"]
    assert (acme["tickets"], acme["mttr_hours"], acme["satisfaction"], acme["satisfaction_answers"]) == (2, 2.0, 5.0, 1)
    assert q3["_"]["source"] == {**q3["_"]["source"], "rows": 9, "skipped": 7}


def test_english_messages(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "broken.csv"
    export.write_text(BROKEN, encoding="utf-8")
    r = run_kb("import", "tickets", str(export), "--root", str(kb), "--lang", "en")
    assert "unknown engineer '张玮'; did you mean '张伟'?" in r.stderr


def test_force_replaces_and_shows_the_diff(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    assert run_kb("import", "tickets", str(export), "--root", str(kb)).returncode == 0
    before = (kb / "kpis" / "2026-Q3.yml").read_text(encoding="utf-8")
    export.write_text(GOOD.replace("2026-07-01 11:00,5", "2026-07-01 13:00,5"), encoding="utf-8")
    again = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert again.returncode == 1 and "--force" in again.stderr
    assert "-  - {id: acme" in again.stdout and "+  - {id: acme" in again.stdout
    assert (kb / "kpis" / "2026-Q3.yml").read_text(encoding="utf-8") == before
    forced = run_kb("import", "tickets", str(export), "--root", str(kb), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "mttr_hours: 3.75" in (kb / "kpis" / "2026-Q3.yml").read_text(encoding="utf-8")  # (4+4+6+1)/4
    same = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert same.returncode == 0  # the same figures again: nothing to replace


def test_gb18030_export_and_custom_columns(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    policy = kb / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8") + "tickets:\n  columns: {engineer: 负责人}\n", encoding="utf-8")
    export = tmp_path / "gbk.csv"
    export.write_bytes(GOOD.replace("处理人", "负责人").encode("gb18030"))
    r = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert r.returncode == 0, r.stderr
    assert "GB18030" in r.stdout
    assert _figures(kb, "2026-Q3")["clients"]["acme"]["continuity"] == 0.8


def test_missing_column_refused_with_did_you_mean(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "cols.csv"
    export.write_text(GOOD.replace("处理人", "处理人员"), encoding="utf-8")
    r = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert r.returncode == 1
    assert "cols.csv:1:1: error import 缺少列「处理人」" in r.stderr and "是不是「处理人员」" in r.stderr
    assert not (kb / "kpis").exists()


def test_xlsx_export(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["工单号", "客户", "处理人", "创建时间", "解决时间", "满意度"])
    ws.append(["X-1", "acme", "张伟", dt.datetime(2026, 7, 1, 9, 0), dt.datetime(2026, 7, 1, 11, 30), 5])
    ws.append(["X-2", "acme", "张伟", dt.datetime(2026, 7, 2, 9, 0), dt.datetime(2026, 7, 1, 11, 30), 4])
    f = tmp_path / "export.xlsx"
    wb.save(f)
    r = run_kb("import", "tickets", str(f), "--root", str(kb))
    assert r.returncode == 1 and "export.xlsx:3:5: error import 解决时间" in r.stderr
    assert _figures(kb, "2026-Q3")["clients"]["acme"]["mttr_hours"] == 2.5


def test_kpi_rule_targets_and_missing_figures(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    assert run_kb("import", "tickets", str(export), "--root", str(kb)).returncode == 0
    policy = kb / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8")
                      + "kpi: {satisfaction_min: 4.6, mttr_max_hours: null, continuity_min: 0.9}\n", encoding="utf-8")
    commit_all(kb, "目标", "2026-11-20T10:00:00+08:00")
    from generator.facts import kpi_failures

    result = check(kb, dt.date(2026, 11, 24))
    misses = kpi_failures(result.kb, "zhang-wei", "2026-Q3")
    assert [(m.measure, m.value, m.target) for m in misses] == [("satisfaction", 4.5, 4.6), ("continuity", 0.8, 0.9)]
    found = [f for f in result.findings if f.rule == "kpi"]
    assert [(f.file, f.severity.value) for f in found] == [("kpis/2026-Q3.yml", "warning")] * 2
    # with the figures gone (and nothing hand-typed for 2027-Q1), the dedicated engineer is warned
    later = [f for f in check(kb, dt.date(2027, 4, 2)).findings if f.rule == "kpi"]
    assert len(later) == 1 and later[0].file == "engineers/zhang-wei.yml" and "2027-Q1" in later[0].message.zh


def test_a_kpis_file_named_after_another_period_is_an_error(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    assert run_kb("import", "tickets", str(export), "--root", str(kb)).returncode == 0
    (kb / "kpis" / "2026-Q3.yml").rename(kb / "kpis" / "2026-Q2.yml")
    found = [f for f in check(kb, dt.date(2026, 11, 24)).findings if f.rule == "kpi" and f.severity.value == "error"]
    assert len(found) == 1 and found[0].file == "kpis/2026-Q2.yml"


def test_example_kpis_are_the_example_export_imported(tmp_path: Path) -> None:
    """examples/tickets-2026-Q3.csv imported gives the committed kpis/2026-Q3.yml, byte for byte."""
    from generator.importer.table import read_table
    from generator.pipeline import read_model
    from generator.tickets import REQUIRED, quarters, read_tickets, to_yaml

    from .conftest import REPO

    kb = read_model(REPO).kb
    assert kb.policy is not None
    table = read_table(REPO / "examples" / "tickets-2026-Q3.csv", kb.policy.ticket_columns, required=REQUIRED)
    tickets, bad = read_tickets(table, kb, kb.policy.ticket_columns)
    assert bad == []
    (q3,) = quarters(tickets, kb).values()
    body = to_yaml(q3, "tickets-2026-Q3.csv", table.sha256, table.row_count, 0)
    assert body == (REPO / "kpis" / "2026-Q3.yml").read_text(encoding="utf-8")


def test_incentive_report_shows_the_kpi_assessment_beside_an_unchanged_payout(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    import csv
    import io

    dossier = kb / "clients" / "acme" / "client.yml"
    dossier.write_text(dossier.read_text(encoding="utf-8")
                       + "renewals: [{year: 2026, renewed_on: 2026-08-20, bonus_cny: 120000}]\n", encoding="utf-8")

    def rows() -> dict[str, dict[str, str]]:
        r = run_kb("export", "incentives", "--year", "2026", "--format", "csv", "-o", "-", "--root", str(kb),
                   "--today", "2026-11-24")
        assert r.returncode == 0, r.stderr
        return {x["人员ID"]: x for x in csv.DictReader(io.StringIO(r.stdout))}

    before = rows()
    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    assert run_kb("import", "tickets", str(export), "--root", str(kb)).returncode == 0
    policy = kb / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8") + "kpi: {satisfaction_min: 4.6}\n", encoding="utf-8")
    after = rows()
    zw = after["zhang-wei"]["绩效考核（§9.1）"]
    assert "2026-Q3 MTTR 3h，满意度 4.5，专人处理率 80.0%（未达标：满意度）" in zw
    assert "2026-Q1 无考核数据" in zw and "2026-Q4 MTTR 3h，满意度 5" in zw  # hand-typed Q3 of the base KB is superseded
    assert {k: v["金额（元）"] for k, v in after.items()} == {k: v["金额（元）"] for k, v in before.items()}
    assert all(v["绩效考核（§9.1）"] == "" for k, v in after.items() if k != "zhang-wei")  # the account manager


def test_trend_has_kb_completeness_per_quarter_from_git(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    """The fourth trend panel: the share of the engineer's clients whose KB was complete in the last
    version committed by the quarter's end (the base KB was first committed on 2026-11-13)."""
    from generator.render.site import kpi_series

    export = tmp_path / "export.csv"
    export.write_text(GOOD, encoding="utf-8")
    assert run_kb("import", "tickets", str(export), "--root", str(kb)).returncode == 0
    commit_all(kb, "导入工单指标", "2026-11-20T10:00:00+08:00")
    result = check(kb, dt.date(2026, 11, 24))
    trend = kpi_series(result.kb, "zhang-wei", result.history)
    assert trend is not None
    quarters_, series = trend
    assert quarters_ == ["2026-Q3", "2026-Q4"]
    assert [s.title for s in series] == ["MTTR（小时）", "满意度", "专人处理率（%）", "知识库完整（%）"]
    assert series[0].values == [3.0, 3.0] and series[2].values == [80.0, 100.0]
    assert series[3].values == [0.0, 100.0]  # nothing committed by 2026-09-30; complete since 2026-11-13
    assert kpi_series(result.kb, "zhang-wei", None) is not None  # without git the panel has no points
