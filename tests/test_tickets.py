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
from generator.tickets import Ticket

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
    from generator.importer.table import scan_table
    from generator.pipeline import read_model
    from generator.tickets import REQUIRED, quarters, read_tickets, to_yaml

    from .conftest import REPO

    kb = read_model(REPO).kb
    assert kb.policy is not None
    scan = scan_table(REPO / "examples" / "tickets-2026-Q3.csv", kb.policy.ticket_columns, required=REQUIRED)
    read = read_tickets(scan, kb, kb.policy.ticket_columns)
    assert read.findings == [] and read.refused is None
    (q3,) = quarters(read, kb).values()
    body = to_yaml(q3, "tickets-2026-Q3.csv", scan.sha256, read.row_count, 0)
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


# ------------------------------------------------------------------ the one-pass reader (issue 15's benchmark)

MIXED_HEADER = ["工单号", "标题", "客户", "处理人", "创建时间", "解决时间", "满意度"]
MIXED = [  # read straight from the cells (fast) or through the values (slow): the same either way
    ["M-1", "好", "acme", "张伟", "2026-07-01 09:00", "2026-07-01 11:00", "5"],
    ["M-2", "斜杠", "艾克美物流", "zhang-wei", "2026/7/2 9:30", "2026/7/2 13:30:15", "4"],
    ["M-3", "T", "acme", "li-na", "2026-07-03T10:00:00", "2026-07-03T16:00", ""],
    ["M-4", "中文日期", "acme", "张伟", "2026年7月4日 9:15", "2026-07-04 10:15", "3"],
    ["M-5", "空格", " 艾克美物流 ", " 张伟", "2026-07-05 09:00 ", "2026-07-05 10:00", " 4 "],
    ["M-6", "大写", "ACME", "ZHANG-WEI", "2026-07-06 00:00", "2026-07-06 00:00", "4.5"],
    [],
    ["", "", "", "", "", "", ""],
    ["M-7", "多行\n标题\n三行", "acme", "李娜", "2026-08-11 10:00", "2026-08-11 16:00", "5"],
    ["M-8", "短行", "acme", "张伟", "2026-08-12 08:00"],
    ["M-1", "重复", "acme", "张伟", "2026-07-01 09:00", "2026-07-01 11:00", "5"],
    [" M-9", "id 带空格", "acme", "张伟", "2026-08-13 9:00", "", ""],
    ["M-10", "早于", "acme", "张伟", "2026-08-14 09:00", "2026-08-13 09:00", "5"],
    ["M-11", "满意度", "acme", "张伟", "2026-08-14 09:00", "2026-08-14 10:00", "6"],
    ["M-12", "客户", "艾克美物留", "张伟", "2026-08-14 09:00", "2026-08-14 10:00", ""],
    ["M-13", "没有的时间", "acme", "张伟", "2026-07-03 24:00", "", ""],
    ["M-14", "只有日期", "acme", "张伟", "2026-07-03", "", ""],
    ["M-15", "全角", "acme", "张伟", "２０２６-07-03 09:15", "2026-07-03 09:45", "５"],
    ["M-16", "未解决", "acme", "li-na", "2026-09-01 08:00", "  ", ""],
    ["M-17", "下季度", "acme", "张伟", "2026-10-08 09:00", "2026-10-08 12:00:30", "5"],
    ["", "没有工单号", "acme", "张伟", "2026-09-02 08:00", "", ""],
    ["M-18", "二月三十日", "acme", "张伟", "2026-02-30 08:00", "", ""],
]


def _mixed_csv(rows: list[list[str]], pad: bool = False) -> str:
    """The rows as an export; ``pad`` puts spaces around every cell, which sends every row to the
    slow path (a cell with spaces around it is never read straight) without changing a value."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MIXED_HEADER)
    for r in rows:
        if not r:
            buf.write("\n")
        else:
            w.writerow([f"  {c} " if pad and c else c for c in r])
    return buf.getvalue()


Found = tuple[int, int, str, str, str]


def _read(path: Path, kb: Path) -> tuple[list[Ticket], list[Found], int, dict[str, str]]:
    """The tickets, the findings (line, column, messages, hint), the rows counted and each quarter's file."""
    from generator.importer.table import scan_table
    from generator.pipeline import read_model
    from generator.tickets import REQUIRED, quarters, read_tickets

    model = read_model(kb).kb
    cols = dict(model.policy.ticket_columns) if model.policy else {}
    scan = scan_table(path, cols, required=REQUIRED, display="x")
    read = read_tickets(scan, model, cols)
    assert read.refused is None
    grouped = quarters(read, model)
    assert grouped == quarters(read.tickets, model)  # the grouping while reading is the reference one
    ymls = {q: to_yaml_text(v) for q, v in grouped.items()}
    findings = [(f.line, f.column, f.message.zh, f.message.en, f.hint.zh) for f in read.findings]
    return read.tickets, findings, read.row_count, ymls


def to_yaml_text(q: object) -> str:
    from generator.tickets import Quarter, to_yaml

    assert isinstance(q, Quarter)
    return to_yaml(q, "x.csv", "0" * 64, 0, 0)


def test_fast_rows_are_read_as_the_slow_path_reads_them(kb: Path, tmp_path: Path) -> None:
    """The same export read straight from its cells, padded (every row through the slow path),
    in GB18030 and as XLSX: the same tickets, the same findings at the same line and column, the
    same rows counted and the same figures."""
    plain = tmp_path / "plain.csv"
    plain.write_text(_mixed_csv(MIXED), encoding="utf-8")
    padded = tmp_path / "padded.csv"
    padded.write_text(_mixed_csv(MIXED, pad=True), encoding="utf-8")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(_mixed_csv(MIXED).replace("\n", "\r\n").encode("gb18030"))
    tickets, findings, rows, ymls = _read(plain, kb)
    assert _read(padded, kb) == (tickets, findings, rows, ymls)
    assert _read(gbk, kb) == (tickets, findings, rows, ymls)

    # what it found: the lines (M-7's title spans 10-12), the good rows and the figures
    assert rows == len(MIXED) - 2  # the empty line and the row of empty cells are not rows
    assert [t[0] for t in tickets] == [2, 3, 4, 5, 6, 7, 10, 13, 15, 21, 22, 23]
    assert sorted({f[0] for f in findings}) == [14, 16, 17, 18, 19, 20, 24, 25]
    by_line = {t[0]: t for t in tickets}
    assert by_line[3][3:] == (dt.datetime(2026, 7, 2, 9, 30), dt.datetime(2026, 7, 2, 13, 30, 15), 4.0)
    assert by_line[7][3:] == (dt.datetime(2026, 7, 6), dt.datetime(2026, 7, 6), 4.5)
    assert by_line[13][4:] == (None, None)  # the short row: open, no answer
    assert by_line[21][3] == dt.datetime(2026, 7, 3, 9, 15) and by_line[21][5] == 5.0  # full-width digits
    assert by_line[22][4] is None  # a resolution of spaces only: open
    assert any("第 2 行已有" in f[2] for f in findings if f[0] == 14)
    assert "mttr_hours" in ymls["2026-Q3"] and "2026-Q4" in ymls

    # an XLSX of the same cells: every row read through the values, each at its sheet row
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(MIXED_HEADER)
    for r in MIXED:
        ws.append([c if c else None for c in r] if r else [None])
    xlsx = tmp_path / "same.xlsx"
    wb.save(xlsx)
    sheet_row = {}  # CSV line of each record -> its sheet row
    line = 2
    for i, r in enumerate(MIXED):
        sheet_row[line] = i + 2
        line += 1 + sum(c.count("\n") for c in r)
    x_tickets, x_findings, x_rows, x_ymls = _read(xlsx, kb)
    assert x_tickets == [(sheet_row[t[0]], *t[1:]) for t in tickets]
    assert x_findings == [(sheet_row[f[0]], *f[1:]) for f in findings]
    assert (x_rows, x_ymls) == (rows, ymls)


def test_a_malformed_csv_found_after_the_good_rows_refuses_the_file(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    """The rows are read as they are split: an unclosed quote at the end still refuses the whole
    file, and nothing is written."""
    export = tmp_path / "late.csv"
    export.write_text(GOOD + 'T-7,"未闭合,acme,张伟,2026-07-01 09:00,,\n', encoding="utf-8")
    r = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert r.returncode == 1
    assert re.search(r"late\.csv:\d+:1: error import CSV 格式错误", r.stderr), r.stderr
    assert "什么也没有写" in r.stderr and "未知" not in r.stderr
    assert not (kb / "kpis").exists()


def test_an_export_without_satisfaction_or_resolution_columns(kb: Path, tmp_path: Path, run_kb: Run) -> None:
    export = tmp_path / "short.csv"
    export.write_text("工单号,客户,处理人,创建时间,解决时间\n"
                      "S-1,acme,张伟,2026-07-01 09:00,2026-07-01 11:00\n"
                      "S-2,acme,李娜,2026-07-02 09:00,2026-07-02 13:00\n", encoding="utf-8")
    r = run_kb("import", "tickets", str(export), "--root", str(kb))
    assert r.returncode == 0, r.stderr
    acme = _figures(kb, "2026-Q3")["clients"]["acme"]
    assert (acme["tickets"], acme["mttr_hours"], acme["satisfaction_answers"], acme["continuity"]) == (2, 3, 0, 0.5)
    assert "satisfaction" not in acme
    opened_only = tmp_path / "opened.csv"
    opened_only.write_text("工单号,客户,处理人,创建时间\nS-1,acme,张伟,2026-07-01 09:00\n", encoding="utf-8")
    r = run_kb("import", "tickets", str(opened_only), "--root", str(kb), "--force")
    assert r.returncode == 0, r.stderr
    acme = _figures(kb, "2026-Q3")["clients"]["acme"]
    assert (acme["tickets"], acme["resolved"], acme["satisfaction_answers"]) == (1, 0, 0) and "mttr_hours" not in acme


@pytest.mark.parametrize(("spelling", "read"), [
    *((s, True) for s in ("2026-07-03 09:15", "2026-07-03 09:15:07", "2026/7/3 9:15", "2026/07/03 09:15:07",
                          "2026-7-3 9:15", "2026-07-03T09:15:00", "2026-07-03T09:15", "2026/7/3T9:15",
                          "2026-07-03 00:00", "2026-12-31 23:59:59", "2028-02-29 12:00")),
    # not read by the memo: parse_time reads them, or says what is wrong
    *((s, False) for s in ("2026-02-30 10:00", "2027-02-29 12:00", "2026-07-03 24:00", "2026-07-03 09:60",
                           "2026-07-03 09:15:60", "2026-07-03 9:5", " 2026-07-03 09:15", "2026-07-03 09:15 ",
                           "2026-07-03  09:15", "２０２６-07-03 09:15", "2026年7月3日 9:15", "2026.7.3 09:15",
                           "2026-07/03 09:15", "2026-07-03", "2026-07-03 09:15:07.5", "2026-07-03 09:15+08:00",
                           "0000-01-01 00:00", "昨天", "", "46206.385")),
])
def test_the_time_memo_reads_what_parse_time_reads(spelling: str, read: bool) -> None:
    """The fast path's times: each one the memo reads is parse_time's, remembered or not."""
    from generator.importer.table import TimeMemo, parse_time

    memo = TimeMemo()
    first, again = memo.read(spelling), memo.read(spelling)  # the second from what it remembered
    assert first == again
    if read:
        assert first is not None and first == parse_time(spelling)
    else:
        assert first is None


def test_scan_table_streams_the_records_read_table_keeps(tmp_path: Path) -> None:
    from generator.importer.table import read_table, scan_table

    cols = {"id": "工单号", "client": "客户", "note": "备注"}
    f = tmp_path / "t.csv"
    f.write_text('工单号,客户\nT-1,a\n\n"T-2","b\nc"\nT-3\n', encoding="utf-8")
    scan = scan_table(f, cols, required=("id",))
    assert scan.index == {"id": 0, "client": 1} and scan.text_cells and scan.refused() is None
    records = list(scan.records)
    assert [line for line, _ in records] == [2, 3, 4, 6]  # the blank line is a record, not a row
    assert [scan.values(cells) for _, cells in records] == [
        {"id": "T-1", "client": "a", "note": None}, None, {"id": "T-2", "client": "b\nc", "note": None},
        {"id": "T-3", "client": None, "note": None}]
    assert list(scan.records) == []  # one pass
    table = read_table(f, cols, required=("id",))
    assert [(r.line, r.values) for r in table.rows] == [(line, scan.values(c)) for line, c in records if scan.values(c)]
    broken = tmp_path / "b.csv"
    broken.write_text('工单号,客户\nT-1,a\nT-2,"b\n', encoding="utf-8")
    late = scan_table(broken, cols, required=("id",))
    assert late.refused() is None  # known only once the records are read
    assert [line for line, _ in late.records] == [2]
    refused = late.refused()
    assert refused is not None and refused.rows == () and "CSV" in refused.findings[0].message.zh
    assert read_table(broken, cols, required=("id",)).findings == refused.findings
