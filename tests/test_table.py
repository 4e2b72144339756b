"""The shared tabular reader on real files: CSV in UTF-8, UTF-8 with BOM, GB18030/GBK, XLSX."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest

from generator.finding import Msg
from generator.importer.table import parse_number, parse_time, read_table

COLS = {"id": "工单号", "client": "客户", "opened": "创建时间", "note": "备注"}
REQ = ("id", "client", "opened")
CSV = ('工单号,客户,创建时间,备注\n'
       'T-1,星河汽车,2026-07-03 09:15,普通\n'
       'T-2,星河汽车,2026/7/3 9:15,"两行\n的备注"\n'
       '\n'
       'T-3,远航物流,2026-07-04 10:00:30,\n')


def _check_rows(t: object) -> None:
    from generator.importer.table import Table
    assert isinstance(t, Table)
    assert t.ok, t.findings
    assert t.row_count == 3
    assert [r.line for r in t.rows] == [2, 3, 6]  # T-3 starts on line 6: T-2's note spans lines 3-4, line 5 is blank
    assert t.rows[1].values["note"] == "两行\n的备注"
    assert t.rows[2].values == {"id": "T-3", "client": "远航物流", "opened": "2026-07-04 10:00:30", "note": None}


@pytest.mark.parametrize(("raw", "enc"), [
    (CSV.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + CSV.encode("utf-8"), "utf-8-sig"),
    (CSV.encode("gb18030"), "gb18030"),
    (CSV.replace("\n", "\r\n").encode("gbk"), "gb18030"),
    (CSV.encode("utf-16"), "utf-16"),
])
def test_csv_encodings(tmp_path: Path, raw: bytes, enc: str) -> None:
    f = tmp_path / "t.csv"
    f.write_bytes(raw)
    t = read_table(f, COLS, required=REQ, display="t.csv")
    assert t.encoding == enc
    assert t.sha256 == hashlib.sha256(raw).hexdigest()
    _check_rows(t)


def test_undecodable_bytes_named_by_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_bytes("工单号,客户,创建时间\nT-1,a,2026-07-03 09:15\n".encode() + b"T-2,\xff\xfe\x80,x\n")
    t = read_table(f, COLS, required=REQ, display="bad.csv")
    assert not t.rows
    (finding,) = t.findings
    assert (finding.file, finding.line, finding.rule) == ("bad.csv", 3, "import")
    assert "UTF-8" in finding.message.zh and "GB18030" in finding.message.zh


def test_missing_column_did_you_mean(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("工单号,客户名称,创建时间\nT-1,a,2026-07-03 09:15\n", encoding="utf-8")
    t = read_table(f, COLS, required=REQ, display="t.csv")
    (finding,) = t.findings
    assert finding.line == 1
    assert "缺少列「客户」" in finding.message.zh and "是不是「客户名称」" in finding.message.zh
    assert "工单号、客户名称、创建时间" in finding.message.zh
    assert "did you mean '客户名称'" in finding.message.en


def test_title_row_above_header_and_tabs(tmp_path: Path) -> None:
    f = tmp_path / "t.tsv"
    f.write_text("工单导出 2026 Q3\n\n工单号\t客户\t创建时间\nT-1\t a \t2026-07-03 09:15\n", encoding="utf-8")
    t = read_table(f, COLS, required=REQ)
    assert t.ok and t.header_line == 3
    assert [(r.line, r.values["client"]) for r in t.rows] == [(4, "a")]


def test_unclosed_quote_and_empty_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "q.csv"
    f.write_text('工单号,客户,创建时间\nT-1,"a,2026\n', encoding="utf-8")
    assert read_table(f, COLS, required=REQ).findings[0].rule == "import"
    e = tmp_path / "e.csv"
    e.write_bytes(b"")
    assert "空" in read_table(e, COLS, required=REQ).findings[0].message.zh
    assert "无法读取" in read_table(tmp_path / "none.csv", COLS, rule="load").findings[0].message.zh


def test_xlsx_dates_rows_and_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "说明"
    ws.append(["这不是数据"])
    data = wb.create_sheet("工单")
    data.append(["工单号", "客户", "创建时间"])
    data.append(["T-1", "星河汽车", dt.datetime(2026, 7, 3, 9, 15)])
    data.append([None, None, None])
    data.append(["T-2", "远航物流", "2026/7/3 9:15"])
    f = tmp_path / "t.xlsx"
    wb.save(f)
    t = read_table(f, COLS, required=REQ, sheet="工单", display="t.xlsx")
    assert t.ok, t.findings
    assert t.sheet == "工单" and t.encoding is None
    assert [r.line for r in t.rows] == [2, 4]
    assert t.rows[0].values["opened"] == dt.datetime(2026, 7, 3, 9, 15)
    first = read_table(f, COLS, required=REQ)
    assert first.findings and "缺少列" in first.findings[0].message.zh  # the first sheet has no header
    wrong = read_table(f, COLS, required=REQ, sheet="工单s")
    assert "是不是「工单」" in wrong.findings[0].message.zh


def test_damaged_xlsx_is_a_finding(tmp_path: Path) -> None:
    f = tmp_path / "t.xlsx"
    f.write_bytes(b"PK\x03\x04 not really a zip")
    (finding,) = read_table(f, COLS, required=REQ, display="t.xlsx").findings
    assert finding.file == "t.xlsx" and "XLSX" in finding.message.zh


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026-07-03 09:15", dt.datetime(2026, 7, 3, 9, 15)),
    ("2026/7/3 9:15", dt.datetime(2026, 7, 3, 9, 15)),
    ("2026/7/3 9:15:07", dt.datetime(2026, 7, 3, 9, 15, 7)),
    ("2026-07-03T09:15:00", dt.datetime(2026, 7, 3, 9, 15)),
    ("2026年7月3日 9:15", dt.datetime(2026, 7, 3, 9, 15)),
    ("２０２６-07-03 09:15", dt.datetime(2026, 7, 3, 9, 15)),
    (dt.datetime(2026, 7, 3, 9, 15), dt.datetime(2026, 7, 3, 9, 15)),
    (46206.5, dt.datetime(2026, 7, 3, 12, 0)),
])
def test_parse_time(cell: object, expected: dt.datetime) -> None:
    assert parse_time(cell) == expected


@pytest.mark.parametrize("cell", ["2026-07-03", "2026-02-30 10:00", "昨天", "", 12, True, "2026-07-03 25:00"])
def test_parse_time_refuses(cell: object) -> None:
    assert isinstance(parse_time(cell), Msg)


@pytest.mark.parametrize(("cell", "expected"), [
    ("320000", 320000.0), ("320,000", 320000.0), ("¥320,000.50", 320000.5), ("￥32万", 320000.0),
    ("32万元", 320000.0), ("4.5", 4.5), (5, 5.0), ("５", 5.0), ("-3", -3.0),
])
def test_parse_number(cell: object, expected: float) -> None:
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", ["95%", "abc", "1,23", None, True, "¥"])
def test_parse_number_refuses(cell: object) -> None:
    assert isinstance(parse_number(cell), Msg)
