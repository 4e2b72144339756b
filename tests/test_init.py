"""`kb init DIR`: a new KB repository that passes `kb check` and publishes with `kb build`.

The real CLI writes into an empty folder; the result is checked and built (a real MkDocs
build), committed with --git (also with no git identity anywhere, as on a fresh CI runner),
and refused when the folder holds anything. The written policy.yml holds every key of the
policy schema, and the files a KB takes from this repository are the ones the wheel ships.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from generator import DISTRIBUTION, __version__, starter
from generator.load import get, load_file, load_text
from generator.pipeline import PACKAGE_SCHEMAS
from generator.schemas import SchemaSet

from .conftest import REPO, git

DAY = "2026-12-01"
NO_GIT_IDENTITY = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": os.devnull,
    "GIT_AUTHOR_DATE": "2026-12-01T09:00:00+08:00",
    "GIT_COMMITTER_DATE": "2026-12-01T09:00:00+08:00",
}


def _no_identity_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER")) and k != "EMAIL"}
    return {**env, **NO_GIT_IDENTITY}


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    return SchemaSet.from_dir(PACKAGE_SCHEMAS)


def test_init_then_check_and_build(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = tmp_path / "新知识库"
    made = run_kb("init", str(kb), "--name", "华东区工程运维部", "--today", DAY)
    assert made.returncode == 0, made.stdout + made.stderr
    for rel in (
        "policy.yml",
        "mkdocs.yml",
        "site/index.md",
        "site/stylesheets/kb.css",
        ".gitignore",
        ".github/workflows/kb.yml",
        ".github/pull_request_template.md",
        ".gitlab-ci.yml",
        ".gitlab/merge_request_templates/Default.md",
        ".pre-commit-config.yaml",
        "requirements.txt",
        "README.md",
        "clients/.gitkeep",
        "engineers/.gitkeep",
        "schemas/client.schema.json",
    ):
        assert (kb / rel).is_file(), rel
    assert (kb / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == f"{DISTRIBUTION}=={__version__}"
    assert yaml.safe_load((kb / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:")[0].replace("!!python", "#"))[
        "site_name"
    ] == "华东区工程运维部"
    readme = (kb / "README.md").read_text(encoding="utf-8")
    for words in ("# 华东区工程运维部", "kb new client", "kb check", "kb build", "public/", "requirements.txt"):
        assert words in readme, words

    check = run_kb("check", "--today", DAY, cwd=kb)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 个错误" in check.stdout

    git(kb, "init", "-q", "-b", "main")
    git(kb, "add", "-A")
    git(kb, "commit", "-q", "-m", "init", date="2026-12-01T09:00:00+08:00")
    built = run_kb("build", "--today", DAY, cwd=kb)
    assert built.returncode == 0, built.stdout + built.stderr
    home = (kb / "public" / "index.html").read_text(encoding="utf-8")
    assert "还没有客户" in home and "kb new client" in home
    clients = (kb / "public" / "generated" / "clients" / "index.html").read_text(encoding="utf-8")
    assert "还没有客户档案" in clients
    assert "<table" not in clients, "zero clients: no empty table"
    engineers = (kb / "public" / "generated" / "engineers" / "index.html").read_text(encoding="utf-8")
    assert "还没有工程师档案" in engineers and "<table" not in engineers
    # the build's outputs are what .gitignore keeps out of commits
    assert git(kb, "status", "--porcelain") == ""


def test_init_git_without_identity(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = tmp_path / "kb"
    made = run_kb("init", str(kb), "--git", "--today", DAY, env=_no_identity_env())
    assert made.returncode == 0, made.stdout + made.stderr
    assert "kb init <kb-init@localhost>" in made.stdout
    log = git(kb, "log", "--format=%an <%ae>|%s")
    assert log.strip() == f"kb init <kb-init@localhost>|kb init：新建知识库（kb {__version__}）"
    assert git(kb, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git(kb, "status", "--porcelain") == ""
    assert "policy.yml" in git(kb, "ls-files")
    # the fallback was for that commit only: nothing written into the repository's config
    assert "user.name" not in (kb / ".git" / "config").read_text(encoding="utf-8")
    check = run_kb("check", "--today", DAY, cwd=kb)
    assert check.returncode == 0, check.stdout + check.stderr


def test_init_git_uses_the_configured_identity(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = tmp_path / "kb"
    env = {**_no_identity_env(), "GIT_AUTHOR_NAME": "陈静", "GIT_AUTHOR_EMAIL": "chenjing@example.com",
           "GIT_COMMITTER_NAME": "陈静", "GIT_COMMITTER_EMAIL": "chenjing@example.com"}
    made = run_kb("init", str(kb), "--git", "--today", DAY, env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "kb-init@localhost" not in made.stdout
    assert git(kb, "log", "--format=%an <%ae>").strip() == "陈静 <chenjing@example.com>"


def test_init_refuses_a_non_empty_folder(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "notes.txt").write_text("已有的笔记\n", encoding="utf-8")
    refused = run_kb("init", str(kb), "--today", DAY)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "不是空文件夹" in refused.stderr and "notes.txt" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sorted(p.name for p in kb.iterdir()) == ["notes.txt"]
    english = run_kb("init", str(kb), "--lang", "en", "--today", DAY)
    assert english.returncode == 1 and "is not empty" in english.stderr

    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    not_dir = run_kb("init", str(a_file), "--today", DAY)
    assert not_dir.returncode == 2 and "Traceback" not in not_dir.stderr, not_dir.stderr

    # an empty clone (only .git, no commits) is empty enough
    clone = tmp_path / "clone"
    clone.mkdir()
    git(clone, "init", "-q", "-b", "main")
    made = run_kb("init", str(clone), "--today", DAY)
    assert made.returncode == 0, made.stdout + made.stderr


def _uncommented(text: str) -> str:
    """policy.yml with its optional keys switched on: "# key:" lines lose their "# "."""
    out = []
    for line in text.splitlines():
        # "# key:", and a list item's "#   - key:" / "#     key:"; a wrapped comment line is "#   text"
        m = re.match(r"^(\s*)# ((?:  - |    )?[a-z][a-z0-9_]*:(?:\s.*)?)$", line)
        out.append(m.group(1) + m.group(2) if m else line)
    return "\n".join(out) + "\n"


def test_written_policy_holds_every_schema_key_and_validates(schemas: SchemaSet) -> None:
    example = load_file(starter.SOURCE, "policy.yml").data
    text = starter.policy_text(schemas, example, dt.date(2026, 12, 1))
    loaded = load_text(text, "policy.yml")
    assert loaded.usable and not loaded.findings
    from generator.validate import validate

    assert validate(loaded, "policy", schemas)[1] == []
    assert loaded.data["reviewed_on"] == "2026-12-01" and loaded.data["adopted_on"] == "2026-12-01"
    assert loaded.data["key_client"]["monthly_contract_cny"] == 250000  # the policy's default
    assert "roles" not in loaded.data  # the example company's people are not copied
    live = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("yunqiao" in line or "陈静" in line for line in live)

    everything = load_text(_uncommented(text), "policy.yml")
    assert everything.usable, everything.findings
    paths = list(starter.schema_paths(schemas))
    assert len(paths) > 40
    missing = [p for p in paths if not _present(everything.data, p)]
    assert missing == [], missing
    # every value a YAML 1.1 reader (an editor, PyYAML) reads as we do
    assert yaml.safe_load(text)["service_hours"]["start"] == "09:00"


def _present(data: object, path: tuple[str | int, ...]) -> bool:
    """The key is written (commented or not); an item's keys count as written when the list is
    written empty (calendar.holidays: [] — its description shows an item)."""
    for i, part in enumerate(path):
        if isinstance(part, int) and get(data, path[:i]) == []:
            return True
    parent = get(data, path[:-1]) if path[:-1] else data
    last = path[-1]
    if isinstance(last, int):
        return isinstance(parent, list) and len(parent) > last
    return isinstance(parent, dict) and last in parent


def test_ci_templates_install_the_pinned_kb(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = tmp_path / "kb"
    assert run_kb("init", str(kb), "--today", DAY).returncode == 0
    ci = [rel for rel in starter.copied_files() if starter.is_ci(rel)]
    assert ".github/workflows/kb.yml" in ci and ".gitlab-ci.yml" in ci
    for rel in ci:
        text = (kb / rel).read_text(encoding="utf-8")
        assert "pip install -e ." not in text and "pyproject.toml" not in text, rel
        assert "python -m pip install -r requirements.txt" in text, rel
        yaml.safe_load(text)
    wf = yaml.safe_load((kb / ".github/workflows/kb.yml").read_text(encoding="utf-8"))
    setup = [s for s in wf["jobs"]["check"]["steps"] if str(s.get("uses", "")).startswith("actions/setup-python")]
    assert setup[0]["with"]["cache-dependency-path"] == "requirements.txt"
    gl = yaml.safe_load((kb / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gl["cache"]["key"]["files"] == ["requirements.txt"]

    from pre_commit.clientlib import load_config

    config = load_config(str(kb / ".pre-commit-config.yaml"))
    (hook,) = config["repos"][0]["hooks"]
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    assert hook["entry"] == manifest["entry"] and hook["files"] == manifest["files"]
    assert config["repos"][0]["repo"] == "local"

    ignored = (kb / ".gitignore").read_text(encoding="utf-8").splitlines()
    ours = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert set(starter.GITIGNORE) <= set(ignored) and set(starter.GITIGNORE) <= set(ours)


def test_the_wheel_ships_what_kb_init_copies() -> None:
    """pyproject.toml's package data for generator._starter covers every file kb init takes from
    this repository (a new template under .github/workflows/ included)."""
    tool = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert tool["package-dir"]["generator._starter"] == "."
    assert "generator._starter" in tool["packages"]
    patterns = tool["package-data"]["generator._starter"]
    for rel in [*starter.copied_files(), *starter.READ]:
        assert starter.packaged(rel, patterns), f"add {rel} to package-data generator._starter"
    assert set(starter.COPIED) <= set(patterns)


def test_distribution_name_is_the_projects() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION
    assert project["version"] == __version__


def test_pre_commit_config_runs_the_installed_kb(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """The .pre-commit-config.yaml kb init writes, run by pre-commit itself: a bad staged
    engineer file fails the hook at its line, a good one passes (the hook is `language: system`:
    the kb on PATH, here this interpreter's)."""
    import subprocess
    import sys

    kb = tmp_path / "kb"
    assert run_kb("init", str(kb), "--git", "--today", DAY, env=_no_identity_env()).returncode == 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "kb"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PRE_COMMIT_HOME": str(tmp_path / "pch"),
           "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never", "KB_TODAY": DAY}

    def hook(text: str) -> subprocess.CompletedProcess[str]:
        (kb / "engineers" / "li-na.yml").write_text(text, encoding="utf-8")
        git(kb, "add", "engineers/li-na.yml")
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", "engineers/li-na.yml"],
                              cwd=kb, env=env, capture_output=True, text=True, timeout=300)

    bad = hook("id: li-na\nname: 李娜\nlevel: L9\n")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "engineers/li-na.yml:3:1: error schema" in bad.stdout
    good = hook("id: li-na\nname: 李娜\nlevel: L2\n")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"kb check（专属工程师知识库）\.+Passed", good.stdout), good.stdout
