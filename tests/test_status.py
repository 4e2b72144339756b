"""`kb status`: the terminal scorecard, per client and per engineer, and one client's findings."""

from __future__ import annotations

from pathlib import Path

from .conftest import commit_all


def test_overview(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("status", "--root", str(base_kb), "--today", "2026-11-24")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "知识库概览（2026-11-24）：1 个客户，2 名工程师" in out
    row = next(ln for ln in out.splitlines() if "艾克美物流" in ln)
    assert "专属服务中" in row and "张伟（zhang-wei）" in row and "100%" in row
    zhang = next(ln for ln in out.splitlines() if "zhang-wei" in ln and "L2" in ln)
    assert "1/4" in zhang and "合格" in zhang


def test_overview_counts_findings_and_incomplete_kb(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    dossier = base_kb / "clients" / "acme" / "client.yml"
    text = dossier.read_text(encoding="utf-8")
    text = text.replace("  special_notes: 每月第一个周六 22:00 为变更窗口\n", "")
    text = text.replace("  - {name: 陈总, level: decision, title: CIO, phone: \"13900000003\", duties: 合同与预算}\n", "")
    dossier.write_text(text, encoding="utf-8")
    commit_all(base_kb, "删减档案", "2026-11-20T09:00:00+08:00")
    out = run_kb("status", "--root", str(base_kb), "--today", "2026-11-24").stdout
    row = next(ln for ln in out.splitlines() if "艾克美物流" in ln)
    assert "83%" in row  # five of the six §5.2 sections
    cells = [c.strip() for c in row.split("│") if c.strip()]
    # errors: the decision contact (§8.1) and the knowledge base overdue (§7.2.5); warning: special notes (§5.2)
    assert cells[-3:] == ["2", "1", "·"]


def test_client_detail_groups_by_section(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    dossier = base_kb / "clients" / "acme" / "client.yml"
    text = dossier.read_text(encoding="utf-8").replace("  expectations: 故障 15 分钟内给出定位结论\n", "")
    dossier.write_text(text, encoding="utf-8")
    r = run_kb("status", "acme", "--root", str(base_kb), "--today", "2026-11-24")
    assert r.returncode == 0, r.stderr
    assert "政策 §8.1" in r.stdout
    # the message column may wrap inside the table: compare without borders and line breaks
    flat = "".join(part.strip() for line in r.stdout.splitlines() for part in line.split("│")[-2:-1])
    assert "《客户痛点及历史问题摘要》缺少期望专属工程师解决的核心痛点" in flat
    assert "client.yml:" in r.stdout and "client.materials" in r.stdout


def test_client_detail_english(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("status", "acme", "--root", str(base_kb), "--lang", "en")
    assert r.returncode == 0
    assert "No findings." in r.stdout and "KB completeness" in r.stdout


def test_unknown_client_exits_2_with_suggestion(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("status", "acmee", "--root", str(base_kb))
    assert r.returncode == 2
    assert "没有客户“acmee”，是不是想看 acme？" in r.stderr
