"""Acceptance tests of the form commands: kb export … and kb import application."""

from __future__ import annotations

import shutil
from pathlib import Path

from docx import Document


def _text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_export_each_form(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = tmp_path / "app.docx"
    r = run_kb("export", "application", "acme", "--root", str(base_kb), "-o", str(app))
    assert r.returncode == 0, r.stderr
    assert "艾克美物流" in _text(app) and "HT-2024-0815" in _text(app)
    r = run_kb("export", "kb", "acme", "--root", str(base_kb), "--today", "2026-11-24", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "客户运维知识库-艾克美物流.docx").is_file()  # the default Chinese name
    r = run_kb("export", "handoff", "acme", "t-2026-001", "--root", str(base_kb), cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "问题定界分析报告-艾克美物流-t-2026-001.docx").is_file()
    r = run_kb("export", "blank", "application", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "专属工程师服务申请表（空白）.docx").is_file()


def test_export_unknown_client_or_task(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("export", "application", "acmee", "--root", str(base_kb))
    assert r.returncode == 2 and "是不是想写 acme" in r.stderr
    r = run_kb("export", "handoff", "acme", "t-9", "--root", str(base_kb))
    assert r.returncode == 2 and "t-2026-001" in r.stderr and "Traceback" not in r.stderr


def test_import_round_trip_and_no_overwrite(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    form = tmp_path / "acme.docx"
    assert run_kb("export", "application", "acme", "--root", str(base_kb), "-o", str(form)).returncode == 0
    # into the same KB: the dossier exists, so nothing is written without --force
    before = (base_kb / "clients" / "acme" / "client.yml").read_bytes()
    r = run_kb("import", "application", str(form), "--root", str(base_kb))
    assert r.returncode == 1 and "--force" in r.stderr
    assert (base_kb / "clients" / "acme" / "client.yml").read_bytes() == before
    # into a KB without that client: written, then checked
    shutil.rmtree(base_kb / "clients" / "acme")
    r = run_kb("import", "application", str(form), "--root", str(base_kb))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "已写入 clients/acme/client.yml" in r.stdout and "检查了" in r.stdout
    again = tmp_path / "again.docx"
    assert run_kb("export", "application", "acme", "--root", str(base_kb), "-o", str(again)).returncode == 0
    assert _text(again) == _text(form)


def test_import_blank_form_says_what_is_missing(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blank = tmp_path / "blank.docx"
    assert run_kb("export", "blank", "application", "-o", str(blank)).returncode == 0
    r = run_kb("import", "application", str(blank), "--root", str(base_kb))
    assert r.returncode == 1 and "id" in r.stderr and "Traceback" not in r.stderr
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"not a zip")
    r = run_kb("import", "application", str(junk), "--root", str(base_kb))
    assert r.returncode == 1 and r.stderr.strip() and "Traceback" not in r.stderr
