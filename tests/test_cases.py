"""Cases as files: tests/cases/<rule>/<good|bad>/<case>/.

Each case folder holds files at their KB-relative paths (``clients/acme/client.yml``,
``engineers/x.yml`` …) that are laid over a copy of the clean base KB, and an
``expected.json``: the complete list of findings *of the case's rule* (the ``<rule>``
folder) the check must produce, each ``{"file", "line", "rule", "severity"}`` plus
optionally ``"contains"`` (a substring of the Chinese message). A good case's list is
empty or lists only info findings. Findings of other rules are ignored here, unless the list
names that rule too: then its findings are compared completely as well (an ``exemption`` case
names the findings it turns into info, or that come back). The base KB itself is checked clean by
``test_base_kb_is_clean``. A file named ``DELETE`` lists
base-KB paths to remove first (one per line).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.pipeline import check

from .conftest import CASES, TODAY, copy_base


def _cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*/*") if p.is_dir())


def _overlay(case: Path, kb: Path) -> None:
    deletions = case / "DELETE"
    if deletions.is_file():
        for rel in deletions.read_text(encoding="utf-8").split():
            target = kb / rel
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()
    for src in case.rglob("*"):
        if src.is_file() and src.name not in ("expected.json", "DELETE", "README.md"):
            dest = kb / src.relative_to(case)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)


def test_base_kb_is_clean(base_kb: Path) -> None:
    """The base KB (in git, see conftest) has no finding of any rule, deadline rules included."""
    findings = check(base_kb, TODAY).findings
    assert findings == [], [f"{f.file}:{f.line} {f.rule} {f.message.zh}" for f in findings]


def test_there_are_cases() -> None:
    rules = {p.parent.parent.name for p in _cases()}
    assert {"load", "schema", "ref"} <= rules


@pytest.mark.parametrize("case", _cases(), ids=lambda p: "/".join(p.parts[-3:]))
def test_case(case: Path, tmp_path: Path) -> None:
    kb = copy_base(tmp_path / "kb")
    _overlay(case, kb)
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    kind = case.parent.name
    assert kind in ("good", "bad")
    if kind == "good":
        assert all(e["severity"] == "info" for e in expected), "a good case expects no errors or warnings"
    else:
        assert expected, "a bad case must expect at least one finding"
    rule = case.parent.parent.name
    rules = {rule, *(e["rule"] for e in expected)}
    findings = [f for f in check(kb, TODAY).findings if f.rule in rules]
    got = sorted((f.file, f.line, f.rule, f.severity.value) for f in findings)
    want = sorted((e["file"], e["line"], e["rule"], e["severity"]) for e in expected)
    assert got == want, "\n".join(f"{f.file}:{f.line}:{f.column}: {f.severity.value} {f.rule} {f.message.zh}"
                                  for f in findings)
    for e in expected:
        if "contains" in e:
            hits = [f for f in findings if (f.file, f.line, f.rule) == (e["file"], e["line"], e["rule"])]
            assert any(e["contains"] in f.message.zh for f in hits), (e, [f.message.zh for f in hits])
