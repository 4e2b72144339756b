"""Exports never run: a name that a spreadsheet would read as a formula is written as text in
every CSV (a leading ') and XLSX (an explicit string cell, no <f> element); numbers stay numbers."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from generator.render.cells import csv_cell, is_formula_like, xlsx_row

from .conftest import REPO, commit_all

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]
RENEWAL = "renewals: [{year: 2026, renewed_on: 2026-08-20, bonus_cny: 120000}]\n"


@pytest.fixture
def hostile_kb(base_kb: Path) -> Path:
    """One client per payload, its name and its account manager's name the payload; the two
    engineers named with payloads too; every client renewed in 2026 (for the incentives)."""
    source = base_kb / "clients" / "acme" / "client.yml"
    text = source.read_text(encoding="utf-8")
    assert "name: 艾克美物流\n" in text and "account_manager: {name: 王敏," in text
    for i, payload in enumerate(PAYLOADS):
        cid = f"c{i}"
        body = (
            text.replace("id: acme\n", f"id: {cid}\n")
            .replace("name: 艾克美物流\n", f"name: {json.dumps(payload)}\n")
            .replace("account_manager: {name: 王敏,", f"account_manager: {{name: {json.dumps(payload)},")
        )
        folder = base_kb / "clients" / cid
        folder.mkdir()
        (folder / "client.yml").write_text(body + RENEWAL, encoding="utf-8")
    shutil.rmtree(base_kb / "clients" / "acme")
    for eid, payload in (("zhang-wei", PAYLOADS[1]), ("li-na", PAYLOADS[0])):
        path = base_kb / "engineers" / f"{eid}.yml"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(
            "".join(f"name: {json.dumps(payload)}\n" if ln.startswith("name:") else ln for ln in lines),
            encoding="utf-8",
        )
    commit_all(base_kb, "恶意名称", "2026-11-14T10:00:00+08:00")
    return base_kb


def _csv(raw: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.removeprefix("\ufeff"), newline="")))


def _same(value: object, original: str) -> bool:
    """The model trims the whitespace around a name (``\t=1`` is the name ``=1``)."""
    return value in (original, original.strip())


def _escaped(cell: str, original: str) -> None:
    assert cell.startswith("'") and _same(cell[1:], original), (cell, original)


def test_the_shared_rule() -> None:
    for p in PAYLOADS:
        assert is_formula_like(p) and csv_cell(p) == "'" + p
    for value in ("艾克美物流", "2026-08-20", "09:00", "", "a=b", "li-na"):
        assert csv_cell(value) == value
    for number in (-5, -2.5, Decimal("-1.00"), 0, 42):
        assert csv_cell(number) == number and not is_formula_like(number)


def test_xlsx_row_keeps_numbers_and_makes_text_strings(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    xlsx_row(ws, [*PAYLOADS, -5, Decimal("-1.50"), "普通文本"])
    out = tmp_path / "t.xlsx"
    wb.save(out)
    back = load_workbook(out).active
    assert back is not None
    cells = list(back[1])
    assert [c.value for c in cells[: len(PAYLOADS)]] == PAYLOADS
    assert all(c.data_type == "s" for c in cells[: len(PAYLOADS)])
    assert [c.value for c in cells[len(PAYLOADS) :]] == [-5, -1.5, "普通文本"]
    assert [c.data_type for c in cells[len(PAYLOADS) :]] == ["n", "n", "s"]
    assert all(c.quotePrefix for c in cells[: len(PAYLOADS)])
    assert "<f>" not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()


def test_export_routing_csv(hostile_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "routing.csv"
    r = run_kb("export", "routing", "--root", str(hostile_kb), "--today", "2026-11-24", "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {row["client"]: row for row in _csv(out.read_bytes().decode("utf-8"))}
    assert sorted(rows) == [f"c{i}" for i in range(len(PAYLOADS))]
    for i, payload in enumerate(PAYLOADS):
        row = rows[f"c{i}"]
        _escaped(row["client_name"], payload)
        _escaped(row["account_manager"], payload)
        _escaped(row["engineer_name"], PAYLOADS[1])
        _escaped(row["backup_name"], PAYLOADS[0])
        assert row["priority"].isdigit() and row["engineer"] == "zhang-wei"
    # The JSON form is data, not a spreadsheet: values as they are.
    j = run_kb("export", "routing", "--format", "json", "--root", str(hostile_kb), "--today", "2026-11-24", "-o", "-")
    assert j.returncode == 0, j.stderr
    names = {c["client"]: c["client_name"] for c in json.loads(j.stdout)["clients"]}
    assert all(_same(names[f"c{i}"], p) for i, p in enumerate(PAYLOADS))


def _incentives(run_kb, kb: Path, *extra: str):  # type: ignore[no-untyped-def]
    r = run_kb("export", "incentives", "--year", "2026", "--root", str(kb), "--today", "2026-11-24", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_export_incentives_csv(hostile_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    rows = _csv(_incentives(run_kb, hostile_kb, "--format", "csv", "-o", "-").stdout)
    by_client: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_client.setdefault(row["客户ID"], []).append(row)
    assert sorted(by_client) == [f"c{i}" for i in range(len(PAYLOADS))]
    for i, payload in enumerate(PAYLOADS):
        _escaped(by_client[f"c{i}"][0]["客户名称"], payload)
        names = {row["角色"]: row["姓名"] for row in by_client[f"c{i}"]}
        _escaped(names["客户经理"], payload)
        _escaped(names["专属工程师"], PAYLOADS[1])
        for row in by_client[f"c{i}"]:  # money is still a plain number
            assert Decimal(row["金额（元）"]) > 0 and Decimal(row["年度保有奖励（元）"]) == Decimal("120000.00")


def test_export_incentives_xlsx(hostile_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "bonus.xlsx"
    _incentives(run_kb, hostile_kb, "-o", str(out))
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert "<f>" not in z.read(name).decode("utf-8"), name
    ws = load_workbook(out).worksheets[0]
    head = [c.value for c in ws[1]]
    col = {k: head.index(k) + 1 for k in ("客户ID", "客户名称", "姓名", "角色", "金额（元）", "计奖月数")}
    seen = set()
    for r in range(2, ws.max_row + 1):
        cid = ws.cell(r, col["客户ID"]).value
        if not isinstance(cid, str) or not cid.startswith("c"):
            continue
        payload = PAYLOADS[int(cid[1:])]
        name_cell = ws.cell(r, col["客户名称"])
        assert _same(name_cell.value, payload) and name_cell.data_type == "s"
        person = ws.cell(r, col["姓名"])
        want = payload if ws.cell(r, col["角色"]).value == "客户经理" else PAYLOADS[1]
        assert _same(person.value, want) and person.data_type == "s"
        amount, months = ws.cell(r, col["金额（元）"]), ws.cell(r, col["计奖月数"])
        assert amount.data_type == "n" and isinstance(amount.value, int | float) and amount.value > 0
        assert months.data_type == "n" and isinstance(months.value, int)
        seen.add(cid)
    assert len(seen) == len(PAYLOADS)
    total = next(row for row in ws.iter_rows() if row[0].value == "合计")
    assert total[col["金额（元）"] - 1].data_type == "n"


def test_published_routing_csv(hostile_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(REPO / "mkdocs.yml", hostile_kb / "mkdocs.yml")
    shutil.copytree(REPO / "site", hostile_kb / "site", ignore=shutil.ignore_patterns("generated"))
    r = run_kb("build", "--no-forms", "--root", str(hostile_kb), "--today", "2026-11-24")
    assert r.returncode == 0, r.stdout + r.stderr
    published = list((hostile_kb / "public").rglob("routing.csv"))
    assert published, "the site publishes routing.csv"
    for path in published:
        rows = {row["client"]: row for row in _csv(path.read_bytes().decode("utf-8"))}
        for i, payload in enumerate(PAYLOADS):
            _escaped(rows[f"c{i}"]["client_name"], payload)
            _escaped(rows[f"c{i}"]["account_manager"], payload)
