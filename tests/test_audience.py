"""`kb build --audience staff|team|both`: the staff site masks personal data in every byte it
publishes (pages, search index, Word forms, routing exports); the team site keeps it.

What is personal is declared once, in the schemas (`x-personal`); the values checked here are
read from the example KB through the same declaration, so a key marked later is checked too.
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.personal import masks
from generator.pipeline import find_schemas, read_model
from generator.schemas import SchemaSet

from .conftest import ENGINES, REPO
from .test_site import _example_repo


def _texts(site: Path) -> Iterator[tuple[str, str]]:
    """Every published file's text as a reader or a search sees it: HTML entities decoded,
    jieba's U+200B removed, and each member of a .docx/.xlsx (zip) read too."""
    for p in sorted(site.rglob("*")):
        if not p.is_file():
            continue
        raw = p.read_bytes()
        parts = [raw]
        if raw[:2] == b"PK":
            with zipfile.ZipFile(p) as z:
                parts += [z.read(n) for n in z.namelist()]
        for b in parts:
            text = b.decode("utf-8", errors="replace")
            if p.suffix == ".json":
                text += "\n" + json.dumps(json.loads(text), ensure_ascii=False) if text.strip()[:1] in "[{" else ""
            yield str(p.relative_to(site)), html.unescape(text).replace("\u200b", "")


@pytest.fixture(scope="module", params=ENGINES)
def both_sites(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    kb = _example_repo(tmp_path_factory.mktemp(f"audience-{request.param}"))
    r = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", "2026-11-24",
         "--audience", "both", "--engine", request.param],
        capture_output=True, text=True, cwd=REPO,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "个人信息已打码" in r.stdout
    return kb, request.param


def _personal(kb: Path) -> dict[str, set[str]]:
    """Each personal value of the KB (as the schemas declare them) and the files that hold it."""
    outcome = read_model(kb)
    schemas = SchemaSet.from_dir(find_schemas(kb))
    out: dict[str, set[str]] = {}
    for rel, loaded in outcome.loaded.items():
        for value in masks({rel: loaded}, schemas):
            out.setdefault(value, set()).add(rel)
    return out


def test_staff_site_has_no_phone_or_email_anywhere(both_sites: tuple[Path, str]) -> None:
    kb, _engine = both_sites
    personal = _personal(kb)
    assert len(personal) > 40  # every contact, account manager and engineer of the example
    assert "13900080001" in personal and "pengzhigang@herui.example" in personal
    leaks = [(v, f) for f, text in _texts(kb / "public") for v in personal if v in text]
    assert leaks == []
    staff = dict(_texts(kb / "public"))
    page = staff["generated/clients/hr-hospital.html"]
    assert "彭志刚" in page and "信息中心网络组组长" in page  # names and roles stay
    assert "139****0001" in page and "p***@herui.example" in page
    assert any(name.endswith(".docx") for name in staff)  # the forms were searched, not skipped


def test_team_site_keeps_them(both_sites: tuple[Path, str]) -> None:
    kb, _engine = both_sites
    team = "\n".join(text for _f, text in _texts(kb / "public-team"))
    published = [v for v, files in _personal(kb).items() if any(f.startswith("clients/") for f in files)]
    assert len(published) > 30
    assert [v for v in published if v not in team] == []
    with zipfile.ZipFile(next((kb / "public-team" / "forms" / "hr-hospital").glob("专属工程师服务申请表-*.docx"))) as z:
        assert "13900080001" in z.read("word/document.xml").decode("utf-8")


def test_single_audience_builds_into_public(tmp_path: Path) -> None:
    kb = _example_repo(tmp_path / "kb")
    for audience, present in (("team", True), ("staff", False)):
        r = subprocess.run(
            [sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", "2026-11-24",
             "--no-forms", "--audience", audience],
            capture_output=True, text=True, cwd=REPO,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        page = html.unescape((kb / "public" / "generated" / "clients" / "hr-hospital.html").read_text(encoding="utf-8"))
        assert ("13900080001" in page) is present and ("pengzhigang@herui.example" in page) is present
        assert "彭志刚" in page
        assert not (kb / "public-team").exists()


BLOCK_ZENSICAL = """
import sys
class NoZensical:
    def find_spec(self, name, path=None, target=None):
        if name == "zensical" or name.startswith("zensical."):
            raise ModuleNotFoundError(name)
        return None
sys.meta_path.insert(0, NoZensical())
from generator.cli import main
sys.argv[0] = "kb"
main()
"""


def test_a_missing_zensical_is_exit_2_with_the_fix(tmp_path: Path) -> None:
    kb = _example_repo(tmp_path / "kb")
    r = subprocess.run([sys.executable, "-c", BLOCK_ZENSICAL, "build", "--root", str(kb), "--engine", "zensical"],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2, r.stdout + r.stderr
    assert 'pip install -e ".[zensical]"' in r.stderr and "Traceback" not in r.stderr
    assert not (kb / "public").exists()


def test_a_killed_zensical_build_leaves_no_config_behind(tmp_path: Path) -> None:
    """The per-build config of a build killed with -9 is removed by the next build; one of a
    build that is still running (this test's own pid) is left alone."""
    import os

    kb = _example_repo(tmp_path / "kb")
    dead = kb / ".kb-zensical-999999999-x1.yml"
    live = kb / f".kb-zensical-{os.getpid()}-x2.yml"
    for p in (dead, live):
        p.write_text("INHERIT: mkdocs.yml\nsite_dir: .public-999999999-x\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", "2026-11-24",
                        "--no-forms"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not dead.exists() and live.exists()


def test_text_attachments_are_masked_in_the_staff_site(tmp_path: Path) -> None:
    """A downloadable text attachment that repeats a contact's number: masked in the staff copy,
    as committed in the team copy; a picture is copied byte for byte."""
    kb = _example_repo(tmp_path / "kb")
    log = kb / "clients" / "hx-logistics" / "files" / "xt-2026-0226-wh-hub-traffic.log"
    original = log.read_text(encoding="utf-8")
    phone = next(v for v in _personal(kb) if v.isdigit() and "clients/hx-logistics/client.yml" in _personal(kb)[v])
    log.write_text(original + f"\n# 现场联系人电话 {phone}\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", "2026-11-24",
                        "--no-forms", "--audience", "both"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    rel = Path("generated") / "clients" / "hx-logistics" / "files" / log.name
    staff, team = (kb / "public" / rel).read_text(encoding="utf-8"), (kb / "public-team" / rel).read_text(encoding="utf-8")
    assert phone not in staff and f"{phone[:3]}****{phone[-4:]}" in staff
    assert phone in team and team == log.read_text(encoding="utf-8")
    picture = Path("generated") / "clients" / "hx-logistics" / "files" / "topology.png"
    assert (kb / "public" / picture).read_bytes() == (kb / "clients" / "hx-logistics" / "files" / "topology.png").read_bytes()
