"""ruff and mypy stay clean for generator/ (skipped where they are not installed)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .conftest import REPO


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff() -> None:
    r = subprocess.run(["ruff", "check", "generator", "bench", "tests"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_subpackage_ships() -> None:
    """pyproject.toml lists the packages explicitly (it maps schemas/ into the wheel), so a new
    subpackage must be listed there too."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "generator").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert "generator._schemas" in listed


def test_renderers_and_derived_figures_read_the_model_not_the_rules() -> None:
    """STYLE.md habit 12: the vocabulary (active statuses, who serves whom, period arithmetic, KB
    completeness) lives in generator/facts.py; renderers, derived figures and the history stage
    read it there and never import from generator/rules/ (rules only judge)."""
    import ast

    readers = [*sorted((REPO / "generator" / "render").rglob("*.py")),
               *(REPO / "generator" / f"{m}.py" for m in ("history", "incentives", "routing", "publish", "facts"))]
    offenders = []
    for path in readers:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and (
                node.module == "rules" or node.module.startswith("rules.") or ".rules" in f".{node.module}"
            ) and not (node.module == "rules.common" and {a.name for a in node.names} <= {"make"}):
                offenders.append(f"{path.relative_to(REPO)}: from {'.' * node.level}{node.module} import "
                                 + ", ".join(a.name for a in node.names))
    assert offenders == [], offenders
