"""kb export incentives: bonus / 12 × months served (§9.3.1), the recorded split (§9.2), an
engineer replaced mid-year paid only for the months served (§9.3.2), a missing split refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from generator.incentives import Stint, allocate, credit

DOSSIER = Path("clients") / "acme" / "client.yml"
ASSIGNMENT = """\
assignment:
  engineer: zhang-wei
  backup: li-na
  since: 2025-08-01
  assigned_by: 运维经理
  incentive_split: {account_manager: 70, engineer: 30, agreed_on: 2025-08-01, agreed_by: [运维总监, 销售总监]}
"""


def _set_assignment(kb: Path, block: str, renewals: str = "renewals: [{year: 2026, renewed_on: 2026-08-20, bonus_cny: 120000}]\n") -> None:
    path = kb / DOSSIER
    text = path.read_text(encoding="utf-8")
    assert ASSIGNMENT in text
    path.write_text(text.replace(ASSIGNMENT, block) + renewals, encoding="utf-8")


def _months_served(kb: Path) -> None:
    """policy.yml: the other reading of §9.3.2 — a replaced engineer keeps the share of the months served."""
    path = kb / "policy.yml"
    text = path.read_text(encoding="utf-8")
    assert "  engineer: 30\n" in text
    path.write_text(text.replace("  engineer: 30\n", "  engineer: 30\n  replaced_engineer_share: months-served\n"),
                    encoding="utf-8")


def _rows(run_kb, kb: Path, *extra: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    r = run_kb("export", "incentives", "--year", "2026", "--format", "csv", "-o", "-", "--root", str(kb),
               "--today", "2026-11-24", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


def _amounts(rows: list[dict[str, str]]) -> dict[str, tuple[str, str, str]]:
    return {r["人员ID"]: (r["金额（元）"], r["计奖月数"], r["计奖月份"]) for r in rows}


MID_YEAR = """\
assignment:
  engineer: li-na
  backup: zhang-wei
  since: 2026-07-01
  history:
    - {engineer: zhang-wei, from: 2025-08-01, to: 2026-06-30, reason: 年度人为事故 3 次，启动替换（§9.3.2）}
  incentive_split: {account_manager: 70, engineer: 30, agreed_on: 2025-08-01, agreed_by: [运维总监, 销售总监]}
"""


def test_mid_year_replacement_months_served(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """replaced_engineer_share: months-served — the replaced engineer is paid for the months served,
    even from a renewal completed after the replacement."""
    _set_assignment(base_kb, MID_YEAR)
    _months_served(base_kb)
    rows = _rows(run_kb, base_kb)
    assert {r["客户ID"] for r in rows} == {"acme"}
    assert all(r["年度保有奖励（元）"] == "120000.00" and r["分配比例（客户经理:专属工程师）"] == "70:30" for r in rows)
    got = _amounts(rows)
    assert got["wangmin@example.com"] == ("84000.00", "12", "1–12")
    assert got["zhang-wei"] == ("18000.00", "6", "1–6")  # 120000 × 30% / 12 × 6, nothing after June
    assert got["li-na"] == ("18000.00", "6", "7–12")
    zw = next(r for r in rows if r["人员ID"] == "zhang-wei")
    assert (zw["服务起"], zw["服务止"]) == ("2026-01-01", "2026-06-30")
    assert "此后不再享受激励" in zw["说明"]
    assert sum(Decimal(r["金额（元）"]) for r in rows) == Decimal("120000.00")


def test_replaced_engineer_gets_nothing_from_a_later_renewal(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """The default reading of §9.3.2 (replaced_engineer_share: none): zhang-wei was replaced on
    2026-06-30, the 2026 renewal completed on 2026-08-20 — he gets nothing from it, and the share of
    his six months is an explicit unallocated row, not given to anyone else; the rows still add up."""
    _set_assignment(base_kb, MID_YEAR)
    rows = _rows(run_kb, base_kb)
    got = _amounts(rows)
    assert "zhang-wei" not in got
    assert got["wangmin@example.com"] == ("84000.00", "12", "1–12")
    assert got["li-na"] == ("18000.00", "6", "7–12")
    rest = [r for r in rows if r["角色"] == "未分配"]
    assert len(rest) == 1 and (rest[0]["金额（元）"], rest[0]["计奖月份"], rest[0]["人员ID"]) == ("18000.00", "1–6", "")
    assert "被替换者不再享受后续激励" in rest[0]["说明"] and "2026-06-30" in rest[0]["说明"] and "2026-08-20" in rest[0]["说明"]
    assert sum(Decimal(r["金额（元）"]) for r in rows) == Decimal("120000.00")


def test_renewal_before_the_replacement_pays_the_months_served(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """Renewed on 2026-05-20, before zhang-wei was replaced on 2026-06-30: the renewal is not "后续",
    so he is paid for his months; nothing is unallocated."""
    _set_assignment(base_kb, MID_YEAR, "renewals: [{year: 2026, renewed_on: 2026-05-20, bonus_cny: 120000}]\n")
    rows = _rows(run_kb, base_kb)
    got = _amounts(rows)
    assert got["zhang-wei"] == ("18000.00", "6", "1–6") and got["li-na"] == ("18000.00", "6", "7–12")
    assert not [r for r in rows if r["角色"] == "未分配"]


def test_replacement_and_an_undated_renewal_is_refused(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """With a replacement in the year, a renewal without renewed_on cannot say whether the replaced
    engineer shares it: an error at the renewal, no report."""
    _set_assignment(base_kb, MID_YEAR, "renewals: [{year: 2026, bonus_cny: 120000}]\n")
    r = run_kb("export", "incentives", "--year", "2026", "--format", "csv", "-o", "-", "--root", str(base_kb))
    assert r.returncode == 1 and "renewed_on" in r.stderr and "被替换者不再享受后续激励" in r.stderr


def test_renewal_before_the_split_is_not_paid(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """§9.2.4 pays by the split recorded beforehand: a renewal of 2026-08-20 and a split agreed on
    2026-09-01 — refused at the renewal's date (exit 1)."""
    _set_assignment(base_kb, ASSIGNMENT.replace("agreed_on: 2025-08-01", "agreed_on: 2026-09-01"))
    r = run_kb("export", "incentives", "--year", "2026", "--format", "csv", "-o", "-", "--root", str(base_kb))
    assert r.returncode == 1, r.stdout
    assert "早于分配比例的备案日期 2026-09-01" in r.stderr and "clients/acme/client.yml:" in r.stderr


def test_replacement_mid_month_credits_the_month_once(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    # June: zhang-wei 14 days, li-na 16 days → June is li-na's; months add up to 12, not 13.
    _months_served(base_kb)
    _set_assignment(base_kb, MID_YEAR.replace("since: 2026-07-01", "since: 2026-06-15").replace("to: 2026-06-30", "to: 2026-06-14"))
    got = _amounts(_rows(run_kb, base_kb))
    assert got["zhang-wei"] == ("15000.00", "5", "1–5")
    assert got["li-na"] == ("21000.00", "7", "6–12")


def test_client_exit_prorates_the_whole_bonus(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    path = base_kb / DOSSIER
    path.write_text(path.read_text(encoding="utf-8").replace("status: dedicated", "status: exited"), encoding="utf-8")
    _set_assignment(
        base_kb,
        """\
assignment:
  history:
    - {engineer: zhang-wei, from: 2025-08-01, to: 2026-03-31, reason: 不再满足关键客户标准，退出（§9.3.1）}
  incentive_split: {account_manager: 70, engineer: 30, agreed_on: 2025-08-01, agreed_by: [运维总监, 销售总监]}
""",
    )
    rows = _rows(run_kb, base_kb)
    assert {r["折算奖金（元）"] for r in rows} == {"30000.00"}  # 120000 / 12 × 3
    got = _amounts(rows)
    assert got["wangmin@example.com"][0] == "21000.00" and got["zhang-wei"][0] == "9000.00"


def test_rounding_adds_up(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _months_served(base_kb)
    _set_assignment(
        base_kb,
        MID_YEAR.replace("since: 2026-07-01", "since: 2026-08-01").replace("to: 2026-06-30", "to: 2026-07-31"),
        "renewals: [{year: 2026, renewed_on: 2026-08-20, bonus_cny: 100001}]\n",
    )
    rows = _rows(run_kb, base_kb)
    total = Decimal(rows[0]["折算奖金（元）"])
    assert total == Decimal("100001.00")
    assert sum(Decimal(r["金额（元）"]) for r in rows) == total
    got = _amounts(rows)
    # 30000.30 × 7/12 = 17500.175 and × 5/12 = 12500.125: rounding both up would pay one fen more
    # than the bonus; the one fen left goes to the first of the equal remainders.
    assert got["zhang-wei"][0] == "17500.18" and got["li-na"][0] == "12500.12"
    assert got["wangmin@example.com"][0] == "70000.70"


def test_missing_split_is_an_error_not_a_default(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _set_assignment(base_kb, "assignment:\n  engineer: zhang-wei\n  backup: li-na\n  since: 2025-08-01\n")
    out = tmp_path / "report.xlsx"
    r = run_kb("export", "incentives", "--year", "2026", "--root", str(base_kb), "-o", str(out))
    assert r.returncode == 1
    assert not out.exists()
    assert "clients/acme/client.yml:" in r.stderr and "incentive.split" in r.stderr
    assert "assignment.incentive_split" in r.stderr and "Traceback" not in r.stderr


def test_split_not_summing_to_100_and_duplicate_year(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _set_assignment(
        base_kb,
        ASSIGNMENT.replace("engineer: 30,", "engineer: 20,"),
        "renewals:\n  - {year: 2026, bonus_cny: 1000}\n  - {year: 2026, bonus_cny: 2000}\n",
    )
    r = run_kb("export", "incentives", "--year", "2026", "--format", "csv", "-o", "-", "--root", str(base_kb))
    assert r.returncode == 1
    assert "70:20" in r.stderr and "两条续约记录" in r.stderr


def test_other_years_and_english(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _set_assignment(base_kb, MID_YEAR)
    r = run_kb("export", "incentives", "--year", "2025", "--format", "csv", "-o", "-", "--root", str(base_kb), "--lang", "en")
    assert r.returncode == 0
    assert r.stdout.splitlines()[0].startswith("year,client,client name")
    assert "No renewals in 2025" in r.stderr


def test_xlsx_shows_the_unallocated_remainder(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The workbook's total is what is paid; the replaced engineer's months are their own line."""
    _set_assignment(base_kb, MID_YEAR)
    out = tmp_path / "bonus.xlsx"
    assert run_kb("export", "incentives", "--year", "2026", "--root", str(base_kb), "-o", str(out)).returncode == 0
    ws = load_workbook(out).worksheets[0]
    head = [c.value for c in ws[1]]
    amount = head.index("金额（元）")
    rows = list(ws.iter_rows(values_only=True))
    total = next(row for row in rows if row[0] == "合计")
    rest = next(row for row in rows if str(row[0]).startswith("未分配（被替换工程师的月份"))
    assert Decimal(str(total[amount])) == Decimal("102000") and Decimal(str(rest[amount])) == Decimal("18000")
    assert [row[head.index("角色")] for row in rows].count("未分配") == 1
    assert "未分配" in load_workbook(out).worksheets[1]["A4"].value


def test_xlsx_matches_csv(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _set_assignment(base_kb, MID_YEAR)
    _months_served(base_kb)
    out = tmp_path / "bonus.xlsx"
    r = run_kb("export", "incentives", "--year", "2026", "--root", str(base_kb), "--today", "2026-11-24", "-o", str(out))
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    amount = head.index("金额（元）")
    person = head.index("人员ID")
    body = [row for row in ws.iter_rows(min_row=2, values_only=True) if row[person]]
    assert {row[person]: Decimal(str(row[amount])) for row in body} == {
        "wangmin@example.com": Decimal("84000"),
        "zhang-wei": Decimal("18000"),
        "li-na": Decimal("18000"),
    }
    total_row = next(row for row in ws.iter_rows(values_only=True) if row[0] == "合计")
    assert Decimal(str(total_row[amount])) == Decimal("120000")
    assert ws.cell(2, amount + 1).number_format == "#,##0.00"
    assert "§9.3.1" in wb.worksheets[1]["A2"].value


def test_example_kb_2026(run_kb) -> None:  # type: ignore[no-untyped-def]
    """The bundled example: 天元教育 exited after January, 和睿医疗 started in April."""
    r = run_kb("export", "incentives", "--year", "2026", "--format", "csv", "-o", "-", "--today", "2026-11-29")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    ty = {x["角色"]: x["金额（元）"] for x in rows if x["客户ID"] == "ty-edu"}
    assert ty == {"客户经理": "2100.00", "专属工程师": "900.00"}
    hr = {x["角色"]: x["金额（元）"] for x in rows if x["客户ID"] == "hr-hospital"}
    assert hr == {"客户经理": "42000.00", "专属工程师": "18000.00"}  # 80000 / 12 × 9


# ------------------------------------------------------------------ the arithmetic alone


def test_month_credit_rules() -> None:
    d = dt.date
    # the incoming engineer wins a tie (15/15 in a 30-day month)
    got = credit(2026, [Stint("a", d(2025, 1, 1), d(2026, 6, 15)), Stint("b", d(2026, 6, 16), None)])
    assert got[6] == "b" and got[5] == "a" and len(got) == 12
    # less than half a month of service: the month is not paid
    got = credit(2026, [Stint("a", d(2026, 3, 20), None)])
    assert 3 not in got and got[4] == "a"
    assert credit(2026, [Stint("a", d(2026, 3, 16), None)])[3] == "a"  # 16 of 31 days


@given(
    total=st.fractions(min_value=0, max_value=10_000_000, max_denominator=1200),
    parts=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6),
)
def test_allocate_parts_add_up(total: Fraction, parts: list[int]) -> None:
    rounded, amounts = allocate(total, [Fraction(p) for p in parts])
    if sum(parts):
        assert sum(amounts) == rounded
    assert all(a >= 0 for a in amounts)
    assert abs(rounded - Decimal(total.numerator) / Decimal(total.denominator)) <= Decimal("0.005")
