"""Acceptance tests: the real `kb` command, each output format and each exit code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BROKEN = """\
# yaml-language-server: $schema=../../schemas/client.schema.json
id: acme
name: 艾克美物流
status: dedicatd
tier: gold
contacts:
  - {name: 李强, level: technical, phone: "12345"}
assignment:
  engineer: zhang-wie
"""


def _break(kb: Path) -> Path:
    target = kb / "clients" / "acme" / "client.yml"
    target.write_text(BROKEN, encoding="utf-8")
    return target


def _no_traceback(*outputs: str) -> None:
    for out in outputs:
        assert "Traceback" not in out


def test_clean_kb_exits_0(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--root", str(base_kb))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 个错误" in r.stdout


def test_text_format_gives_file_line_col_and_hint(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _break(base_kb)
    r = run_kb("check", "--root", str(base_kb))
    assert r.returncode == 1
    _no_traceback(r.stdout, r.stderr)
    lines = r.stdout.splitlines()
    assert "clients/acme/client.yml:4:1: error schema “status”（服务状态）的值“dedicatd”不是允许的值之一：" \
           "[candidate, applied, dedicated, suspended, temporary-priority, exited]。" in lines
    i = next(i for i, ln in enumerate(lines) if ln.startswith("clients/acme/client.yml:4:1:"))
    assert lines[i + 1] == "    提示：是不是想写“dedicated”？"
    assert any(re.match(r"clients/acme/client\.yml:7:\d+: error schema .*phone", ln) for ln in lines)
    assert any(ln.startswith("clients/acme/client.yml:9:3: error ref 工程师“zhang-wie”不存在") for ln in lines)
    assert lines[-1].startswith("检查了 ")


def test_english(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _break(base_kb)
    r = run_kb("check", "--root", str(base_kb), "--lang", "en")
    assert "'status' is 'dedicatd', not one of" in r.stdout
    assert "hint: Did you mean 'dedicated'?" in r.stdout
    assert not re.search(r"[\u4e00-\u9fff]", r.stdout.replace("艾克美", "")), r.stdout


def test_json_format(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _break(base_kb)
    r = run_kb("check", "--root", str(base_kb), "--format", "json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data and all(set(d) == {"file", "line", "column", "rule", "severity", "message", "hint"} for d in data)
    assert {(d["file"], d["line"], d["rule"]) for d in data} >= {
        ("clients/acme/client.yml", 4, "schema"), ("clients/acme/client.yml", 7, "schema"),
        ("clients/acme/client.yml", 9, "ref")}
    assert all(d["line"] >= 1 and d["column"] >= 1 for d in data)


def test_github_format_and_step_summary(base_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _break(base_kb)
    summary = tmp_path / "summary.md"
    r = run_kb("check", "--root", str(base_kb), "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert all(ln.startswith(("::error ", "::warning ", "::notice ")) for ln in lines)
    first = next(ln for ln in lines if "line=4," in ln)
    assert first.startswith("::error file=clients/acme/client.yml,line=4,col=1,title=kb schema::")
    assert "%0A提示：" in first and "\n" not in first
    table = summary.read_text(encoding="utf-8")
    assert table.startswith("## kb check：")
    assert table.count("\n| `clients/acme/client.yml:") == len(lines)


def test_github_escaping() -> None:
    from generator.finding import Msg, error
    from generator.report.ci import github

    f = error("a,b:c.yml", 3, 2, "schema", Msg("100% 不行\r\n第二行", "x"), Msg("", ""))
    out = github([f], "zh")
    assert out == "::error file=a%2Cb%3Ac.yml,line=3,col=2,title=kb schema::100%25 不行%0D%0A第二行"


def test_gitlab_format(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _break(base_kb)
    # two identical findings in two places must still get distinct fingerprints
    (base_kb / "clients" / "acme" / "client.yaml").write_text("x: 1\n", encoding="utf-8")
    r = run_kb("check", "--root", str(base_kb), "--format", "gitlab")
    assert r.returncode == 1
    issues = json.loads(r.stdout)
    assert isinstance(issues, list) and issues
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    for i in issues:
        assert set(i) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert i["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert i["location"]["lines"]["begin"] >= 1
    sev = {(i["location"]["path"], i["check_name"]): i["severity"] for i in issues}
    assert sev[("clients/acme/client.yaml", "load")] == "minor"
    assert sev[("clients/acme/client.yml", "ref")] == "major"


def test_gitlab_fingerprints_unique_for_identical_findings() -> None:
    from generator.finding import Msg, error
    from generator.report.ci import gitlab

    f = error("a.yml", 3, 1, "schema", Msg("同一个问题", "same"))
    issues = json.loads(gitlab([f, f, f], "zh"))
    assert len({i["fingerprint"] for i in issues}) == 3


def test_warnings_fail_only_with_strict(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    (base_kb / "engineers" / "wang-fang.yaml").write_text("id: wang-fang\n", encoding="utf-8")
    r = run_kb("check", "--root", str(base_kb))
    assert r.returncode == 0 and "warning load" in r.stdout
    assert run_kb("check", "--root", str(base_kb), "--strict").returncode == 1


def test_paths_limit_the_report(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _break(base_kb)
    r = run_kb("check", "engineers", "--format", "json", cwd=base_kb)
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = run_kb("check", "clients/acme/client.yml", "--format", "json", cwd=base_kb)
    assert r.returncode == 1 and {d["file"] for d in json.loads(r.stdout)} == {"clients/acme/client.yml"}


@pytest.mark.parametrize("args", [
    ("check", "--root", "/nonexistent/kb"),
    ("check", "--format", "xml"),
    ("check", "--today", "2026-13-01"),
    ("check", "no/such/path"),
    ("check", "/"),
    ("frobnicate",),
])
def test_usage_and_environment_errors_exit_2(base_kb: Path, run_kb, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    r = run_kb(*args, cwd=base_kb)
    assert r.returncode == 2, r.stdout + r.stderr
    _no_traceback(r.stdout, r.stderr)
    assert r.stderr.strip()


def test_not_a_kb_exits_2(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--root", str(tmp_path))
    assert r.returncode == 2
    assert "不是知识库" in r.stderr
    _no_traceback(r.stdout, r.stderr)


def test_broken_schema_exits_2(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from .conftest import REPO

    shutil.copytree(REPO / "schemas", base_kb / "schemas")
    (base_kb / "schemas" / "client.schema.json").write_text("{ not json", encoding="utf-8")
    r = run_kb("check", "--root", str(base_kb))
    assert r.returncode == 2
    assert "client.schema.json" in r.stderr
    _no_traceback(r.stdout, r.stderr)


def test_build_runs_the_checks(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    assert run_kb("build", "--root", str(base_kb)).returncode == 0
    _break(base_kb)
    assert run_kb("build", "--root", str(base_kb)).returncode == 1


def test_read_only(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """A command that only reads never modifies what the user wrote (nor git's index); only
    its own self-ignoring cache folder .kb-cache/ may appear."""
    target = _break(base_kb)

    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in base_kb.rglob("*")
                if p.is_file() and ".kb-cache" not in p.parts and (".git" not in p.parts or p.name == "index")}

    before = files()
    run_kb("check", "--root", str(base_kb), "--format", "gitlab")
    run_kb("status", "--root", str(base_kb))
    after = files()
    assert before == after and target in after


def test_example_kb_passes(run_kb) -> None:  # type: ignore[no-untyped-def]
    """The example KB, with its own git history, has no error (warnings are its realistic content)."""
    import subprocess

    from .conftest import EXAMPLE_TODAY, REPO

    r = run_kb("check", "--root", str(REPO), "--format", "json", "--today", EXAMPLE_TODAY.isoformat())
    _no_traceback(r.stdout, r.stderr)
    errors = [f for f in json.loads(r.stdout) if f["severity"] == "error"]
    shallow = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--is-shallow-repository"],
                             capture_output=True, text=True).stdout.strip() == "true"
    if shallow:  # the one honest answer a shallow clone can give (.ci/run unshallows first)
        assert [f["rule"] for f in errors] == ["history"] and "fetch-depth: 0" in errors[0]["message"]
    else:
        assert r.returncode == 0 and errors == [], r.stdout
