"""Secrets inside office documents and archives: a password in a Word table, an SNMP community in
an Excel sheet, a zipped running-config are found at their line of the document's text, and
none of those attachments is published; a clean document is published and not flagged."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from generator.textfiles import SCAN_LIMIT, read_text

from .conftest import copy_base, init_repo
from .test_boundary import _site_files

CLIENT = "clients/acme/client.yml"
FILES = "clients/acme/files"
SECRETS = {"docx": "Yq@2026!core", "xlsx": "Yq2026rwComm", "zip": "Zip-Pa55-908"}


def _docx(path: Path, secret: str | None) -> None:
    d = Document()
    d.add_paragraph("核心交换机巡检记录：CPU 12%，内存 40%，无告警。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "设备", "core-sw-01"
    t.cell(1, 0).text, t.cell(1, 1).text = ("密码", secret) if secret else ("负责人", "张伟")
    d.save(str(path))


def _office_kb(tmp_path: Path) -> Path:
    kb = copy_base(tmp_path / "kb")
    _site_files(kb)
    files = kb / FILES
    _docx(files / "巡检记录.docx", SECRETS["docx"])
    _docx(files / "巡检记录-干净.docx", None)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["设备", "配置"])
    ws.append(["core-sw-01", f"snmp-server community {SECRETS['xlsx']} RW"])
    wb.save(str(files / "设备清单.xlsx"))
    with zipfile.ZipFile(files / "configs.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("core/running-config", f"hostname core\nusername admin password 0 {SECRETS['zip']}\n")
        z.writestr("core/topology.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    with zipfile.ZipFile(files / "big-logs.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("syslog.txt", "a" * (SCAN_LIMIT + 1024))  # inflates past what one scan reads
    c = kb / CLIENT
    text = c.read_text(encoding="utf-8")
    old = "    - {title: 全网拓扑图, path: files/topology.png}\n"
    assert old in text
    names = ["巡检记录.docx", "巡检记录-干净.docx", "设备清单.xlsx", "configs.zip", "big-logs.zip"]
    text = text.replace(old, old + "".join(f"    - {{title: {n}, path: files/{n}}}\n" for n in names))
    c.write_text(text, encoding="utf-8")
    return init_repo(kb)


@pytest.fixture(scope="module")
def office_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _office_kb(tmp_path_factory.mktemp("office"))


def _unzipped(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_the_text_inside_is_read(office_kb: Path) -> None:
    text, problem = read_text(office_kb, f"{FILES}/巡检记录.docx")
    assert problem is None and text is not None
    assert f"密码 \t{SECRETS['docx']}" in text  # a table row on one line: key and value together
    text, _ = read_text(office_kb, f"{FILES}/configs.zip")
    assert text is not None and "# core/running-config" in text and "topology.png" not in text


def test_check_finds_the_secrets_inside_documents_and_archives(office_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--root", str(office_kb), "--today", "2026-11-24", "--format", "json")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    secret = [f for f in json.loads(r.stdout) if f["rule"] == "secret"]
    by_file = {(f["file"], f["severity"]) for f in secret}
    assert (f"{FILES}/巡检记录.docx", "error") in by_file
    assert (f"{FILES}/设备清单.xlsx", "error") in by_file
    assert (f"{FILES}/configs.zip", "error") in by_file
    assert (f"{FILES}/big-logs.zip", "warning") in by_file  # too much text to scan in full: not published
    assert not any(f["file"].endswith("巡检记录-干净.docx") for f in secret)  # no false alarm
    lines = {f["file"]: f["line"] for f in secret}
    assert lines[f"{FILES}/configs.zip"] == 3  # "# core/running-config", hostname, then the password
    assert not any(v in r.stdout for v in SECRETS.values())


def test_flagged_documents_are_not_published(office_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("build", "--root", str(office_kb), "--today", "2026-11-24")
    assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
    public = office_kb / "public"
    files = public / "generated" / "clients" / "acme" / "files"
    assert (files / "巡检记录-干净.docx").is_file()  # the clean one is published
    for name in ("巡检记录.docx", "设备清单.xlsx", "configs.zip", "big-logs.zip"):
        assert not (files / name).exists(), name
    for path in public.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        text = _unzipped(path) if raw[:4] == b"PK\x03\x04" else raw.decode("utf-8", "replace")
        assert not [k for k, v in SECRETS.items() if v in text], path


def test_a_damaged_or_hostile_zip_is_not_a_crash(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    files = kb / "clients" / "acme" / "files"
    files.mkdir(parents=True)
    (files / "broken.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)  # a zip signature, then nothing
    assert read_text(kb, "clients/acme/files/broken.docx") == (None, None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document><w:p><w:r><w:t>口令：&lt;Ab3!&gt;</w:t></w:r></w:p></w:document>")
    (files / "tiny.docx").write_bytes(buf.getvalue())
    text, problem = read_text(kb, "clients/acme/files/tiny.docx")
    assert problem is None and text == "# word/document.xml\n口令：<Ab3!>"
