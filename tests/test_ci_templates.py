"""The CI templates, the pre-commit hook and the review templates work as shipped.

- .github/workflows/kb.yml and .gitlab-ci.yml: the settings kb depends on (full history, the
  machine formats, Pages), valid against check-jsonschema's vendored schemas (offline), and the
  check commands they run, run here as the CI would run them on a small git-backed KB.
- .pre-commit-hooks.yaml: loaded by pre-commit's own manifest loader, then installed by
  pre-commit from a .pre-commit-config.yaml and run by `git commit` in a KB repository: a bad
  staged file blocks the commit, an old error elsewhere does not. (Not `pre-commit try-repo`:
  it installs into a throw-away store on every call, ~1 minute each; the installed hook covers
  the same manifest, install and run, plus the consumer's config.)
- the pull/merge request templates: the policy checklist, each item citing its section.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import REPO, TODAY, commit_all, copy_base, git

GITHUB_WORKFLOW = REPO / ".github" / "workflows" / "kb.yml"
GITLAB_CI = REPO / ".gitlab-ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
PR_TEMPLATE = REPO / ".github" / "pull_request_template.md"
MR_TEMPLATE = REPO / ".gitlab" / "merge_request_templates" / "Default.md"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _steps(job: dict[str, Any], uses: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith(uses)]


def _run_step(job: dict[str, Any], command: str) -> dict[str, Any]:
    found = [s for s in job["steps"] if s.get("run", "").strip() == command]
    assert len(found) == 1, f"no single step runs {command!r}"
    return found[0]


def _gitlab_job(ci: dict[str, Any], name: str) -> dict[str, Any]:
    """A job with its `extends` merged in (one level, as our template uses it)."""
    job = dict(ci[name])
    base = job.pop("extends", None)
    return {**ci[base], **job} if base else job


# ------------------------------------------------------------------ GitHub Actions


def test_github_workflow_settings() -> None:
    wf = _load(GITHUB_WORKFLOW)
    # YAML 1.1 (PyYAML) reads the key `on` as True; GitHub reads it as "on"
    on = wf.get("on", wf.get(True))
    assert {"pull_request", "push", "workflow_dispatch"} <= set(on)
    assert on["push"]["branches"] == ["main"]
    assert str(wf["env"]["NO_MKDOCS_2_WARNING"]) == "1"
    jobs = wf["jobs"]
    assert set(jobs) == {"check", "build", "deploy"}

    for name in ("check", "build"):
        job = jobs[name]
        (checkout,) = _steps(job, "actions/checkout@")
        assert checkout["uses"] == "actions/checkout@v4"
        assert checkout["with"]["fetch-depth"] == 0, "kb refuses a shallow clone: the deadline rules read git history"
        (setup,) = _steps(job, "actions/setup-python@")
        assert setup["uses"] == "actions/setup-python@v5"
        assert str(setup["with"]["python-version"]) == "3.11"
        _run_step(job, "python -m pip install -e .")

    check = jobs["check"]
    pr = _run_step(check, 'kb check --format github --changed-since "$BASE_SHA"')
    assert pr["if"] == "github.event_name == 'pull_request'"
    assert pr["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    push = _run_step(check, "kb check --format github")
    assert push["if"] == "github.event_name != 'pull_request'"
    _run_step(check, "kb export codeowners --style github --check")
    # expressions are passed through env, never pasted into a shell script
    assert not any("${{" in s.get("run", "") for job in jobs.values() for s in job.get("steps", []))

    build = jobs["build"]
    runs = [s.get("run", "") for s in build["steps"]]
    fonts = next(i for i, r in enumerate(runs) if "apt-get install" in r and "fonts-noto-cjk" in r)
    assert "sudo apt-get" in runs[fonts]
    kb_build = runs.index("kb build")  # exactly `kb build`: not --strict, the check job is the gate
    assert fonts < kb_build, "the CJK fonts must be installed before matplotlib draws the pictures"
    (pages,) = _steps(build, "actions/upload-pages-artifact@")
    assert pages["uses"] == "actions/upload-pages-artifact@v3"
    assert pages["with"]["path"] == "public"
    assert "pull_request" in pages["if"]
    assert build["steps"].index(pages) > kb_build

    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert "github.ref == 'refs/heads/main'" in deploy["if"] and "!= 'pull_request'" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["group"] == "pages"
    assert deploy["concurrency"]["cancel-in-progress"] is False
    (dep,) = _steps(deploy, "actions/deploy-pages@")
    assert dep["uses"] == "actions/deploy-pages@v4"


# ------------------------------------------------------------------ GitLab CI


def test_gitlab_ci_settings() -> None:
    ci = _load(GITLAB_CI)
    assert ci["image"] == "python:3.11"
    assert str(ci["variables"]["GIT_DEPTH"]) == "0", "kb refuses a shallow clone: the deadline rules read git history"
    assert ci["variables"]["PIP_CACHE_DIR"] == "$CI_PROJECT_DIR/.cache/pip"
    assert ci["cache"]["paths"] == [".cache/pip"]
    assert str(ci["variables"]["NO_MKDOCS_2_WARNING"]) == "1"
    assert ci["default"]["before_script"] == ["python -m pip install -e ."]
    assert [r["if"] for r in ci["workflow"]["rules"]] == [
        '$CI_PIPELINE_SOURCE == "merge_request_event"',
        "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
    ]

    check = _gitlab_job(ci, "kb-check")
    assert check["script"][-1] == "kb check --format gitlab $CHANGED > gl-code-quality-report.json", (
        "the Code Quality run must be last: its exit code is the job's"
    )
    assert "kb check $CHANGED || true" in check["script"]
    assert any("$CI_MERGE_REQUEST_DIFF_BASE_SHA" in line and "--changed-since" in line for line in check["script"])
    assert check["artifacts"]["when"] == "always"
    assert check["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"

    assert _gitlab_job(ci, "codeowners")["script"] == ["kb export codeowners --style gitlab --check"]

    pages = _gitlab_job(ci, "pages")
    assert pages["script"] == ["kb build"]
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert pages["needs"] == [], "the site is published even when kb-check fails (errors are on its dashboard)"
    fonts = [
        i for i, line in enumerate(pages["before_script"]) if "apt-get install" in line and "fonts-noto-cjk" in line
    ]
    assert fonts and fonts[0] < pages["before_script"].index("python -m pip install -e .")
    review = _gitlab_job(ci, "kb-build")
    assert review["script"] == ["kb build"]
    assert review["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]


# ------------------------------------------------------------------ schemas (offline)


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    # a proxy that refuses every connection: the vendored schemas must do without the network
    env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    return subprocess.run(
        [exe, "--builtin-schema", schema, str(path)], capture_output=True, text=True, env=env, timeout=120
    )


def _break_github(wf: dict[str, Any]) -> None:
    del wf["jobs"]["check"]["runs-on"]


def _break_gitlab(ci: dict[str, Any]) -> None:
    ci["kb-check"]["artifacts"]["when"] = "sometimes"


@pytest.mark.parametrize(
    ("schema", "path", "breaker"),
    [("vendor.github-workflows", GITHUB_WORKFLOW, _break_github), ("vendor.gitlab-ci", GITLAB_CI, _break_gitlab)],
)
def test_templates_match_vendored_schemas(schema: str, path: Path, breaker: Any, tmp_path: Path) -> None:
    ok = _check_jsonschema(schema, path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ok -- validation done" in ok.stdout
    # the same check refuses a broken copy: the validation is not vacuous
    data = _load(path)
    breaker(data)
    broken = tmp_path / path.name
    broken.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    bad = _check_jsonschema(schema, broken)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Schema validation errors" in bad.stdout


# ------------------------------------------------------------------ the check commands, run as CI runs them


def _kb_shim(bin_dir: Path) -> Path:
    """`kb` on PATH for the CI scripts: this interpreter's kb, with "today" pinned so the
    outcome does not depend on the calendar."""
    bin_dir.mkdir()
    shim = bin_dir / "kb"
    shim.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = check ]; then shift; exec "{sys.executable}" -m generator check --today {TODAY} "$@"; fi\n'
        f'exec "{sys.executable}" -m generator "$@"\n',
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return bin_dir


def _level(kb: Path, engineer: str, level: str) -> None:
    path = kb / "engineers" / f"{engineer}.yml"
    text = path.read_text(encoding="utf-8")
    assert "\nlevel: L2\n" in text
    path.write_text(text.replace("\nlevel: L2\n", f"\nlevel: {level}\n"), encoding="utf-8")


def _note(kb: Path, engineer: str) -> None:
    path = kb / "engineers" / f"{engineer}.yml"
    path.write_text(path.read_text(encoding="utf-8") + "# 备注：季度复核已完成\n", encoding="utf-8")


@pytest.fixture
def pr_repo(tmp_path: Path) -> tuple[Path, str]:
    """A KB whose main branch has an old error (zhang-wei's level), and a branch `good` whose
    one commit changes only engineers/li-na.yml, validly. Returns (kb, base sha)."""
    kb = copy_base(tmp_path / "kb")
    git(kb, "init", "-q", "-b", "main")
    commit_all(kb, "导入知识库", "2026-11-13T10:00:00+08:00")
    _level(kb, "zhang-wei", "L9")
    commit_all(kb, "张伟级别（错误）", "2026-11-16T10:00:00+08:00")
    base = git(kb, "rev-parse", "HEAD").strip()
    git(kb, "checkout", "-q", "-b", "good")
    _note(kb, "li-na")
    commit_all(kb, "李娜：备注", "2026-11-17T10:00:00+08:00")
    return kb, base


def _bash(script: str, kb: Path, bin_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    full.pop("GITHUB_STEP_SUMMARY", None)
    full.update(env)
    # both GitHub's `run` and GitLab's bash runner execute with errexit and pipefail
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=kb,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_git
@needs_bash
def test_github_check_steps_as_actions_runs_them(pr_repo: tuple[Path, str], tmp_path: Path) -> None:
    kb, base = pr_repo
    bin_dir = _kb_shim(tmp_path / "bin")
    check = _load(GITHUB_WORKFLOW)["jobs"]["check"]
    pr_step = next(s for s in check["steps"] if s.get("if") == "github.event_name == 'pull_request'")
    push_step = next(s for s in check["steps"] if s.get("if") == "github.event_name != 'pull_request'")
    summary = tmp_path / "summary.md"

    # on the pull request: the old error is annotated, but only the touched file decides
    pr = _bash(pr_step["run"], kb, bin_dir, {"BASE_SHA": base, "GITHUB_STEP_SUMMARY": str(summary)})
    assert pr.returncode == 0, pr.stdout + pr.stderr
    assert "::error file=engineers/zhang-wei.yml,line=4," in pr.stdout
    assert "engineers/zhang-wei.yml" in summary.read_text(encoding="utf-8")

    # on push: every error decides
    push = _bash(push_step["run"], kb, bin_dir, {"GITHUB_STEP_SUMMARY": str(summary)})
    assert push.returncode == 1, push.stdout + push.stderr
    assert "::error file=engineers/zhang-wei.yml,line=4," in push.stdout

    # a pull request that breaks the file it touches fails
    git(kb, "checkout", "-q", "-b", "bad", base)
    _level(kb, "li-na", "L0")
    commit_all(kb, "李娜级别（错误）", "2026-11-18T10:00:00+08:00")
    bad = _bash(pr_step["run"], kb, bin_dir, {"BASE_SHA": base, "GITHUB_STEP_SUMMARY": str(summary)})
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "::error file=engineers/li-na.yml,line=4," in bad.stdout


@needs_git
@needs_bash
def test_gitlab_check_job_as_the_runner_runs_it(pr_repo: tuple[Path, str], tmp_path: Path) -> None:
    kb, base = pr_repo
    bin_dir = _kb_shim(tmp_path / "bin")
    script = "\n".join(_gitlab_job(_load(GITLAB_CI), "kb-check")["script"])
    report = kb / "gl-code-quality-report.json"

    def findings() -> list[dict[str, Any]]:
        data = json.loads(report.read_text(encoding="utf-8"))
        assert isinstance(data, list)
        return data

    # merge request pipeline: the text report in the log, every finding in the report,
    # and only the files the merge request changes decide
    mr = _bash(script, kb, bin_dir, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
    assert mr.returncode == 0, mr.stdout + mr.stderr
    assert "engineers/zhang-wei.yml:4:1: error" in mr.stdout
    assert "--changed-since" in mr.stdout  # the text run says which files decide
    assert {f["location"]["path"] for f in findings()} == {"engineers/zhang-wei.yml"}
    assert {f["severity"] for f in findings()} == {"major"}

    # default-branch pipeline: the job fails, and the report is still written for the artifact
    report.unlink()
    main = _bash(script, kb, bin_dir, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": ""})
    assert main.returncode == 1, main.stdout + main.stderr
    assert "engineers/zhang-wei.yml:4:1: error" in main.stdout
    assert len(findings()) == 2 and all(f["check_name"] in ("schema", "eng.level") for f in findings())


# ------------------------------------------------------------------ pre-commit


def test_hook_manifest_loads_with_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(HOOKS))
    assert [h["id"] for h in hooks] == ["kb-check"]
    (hook,) = hooks
    assert hook["entry"] == "kb check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True
    files = re.compile(hook["files"])
    for path in (
        "clients/acme/client.yml",
        "clients/acme/meetings/2026-11-12.yml",
        "clients/acme/files/topology.png",
        "engineers/li-na.yml",
        "policy.yml",
    ):
        assert files.search(path), path
    for path in (
        "README.md",
        "schemas/client.schema.json",
        "site/index.md",
        "policy.yml.bak",
        "tests/clients/x.yml",
        "generator/policy.yml",
    ):
        assert not files.search(path), path


@needs_git
def test_no_strict_hook_because_staged_files_always_warn(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """Why the manifest has no --strict variant: a staged file is uncommitted, and the deadline
    rules warn about every uncommitted dossier, so --strict would refuse every commit."""
    _note(base_kb, "li-na")
    git(base_kb, "add", "engineers/li-na.yml")
    plain = run_kb("check", "--today", TODAY.isoformat(), "engineers/li-na.yml", cwd=base_kb)
    strict = run_kb("check", "--strict", "--today", TODAY.isoformat(), "engineers/li-na.yml", cwd=base_kb)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert strict.returncode == 1 and "warning history" in strict.stdout, strict.stdout
    assert "--strict" not in HOOKS.read_text(encoding="utf-8").split("- id:", 1)[1]


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This repository as pre-commit would fetch it: a clean git repository of the working tree
    (tracked files and new ones git does not ignore), so pre-commit installs the code the rest of
    the suite tests, committed or not (on CI's fresh clone that is the commit under test)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    src = tmp_path_factory.mktemp("hook-source")
    files = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for rel in filter(None, files):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    git(src, "init", "-q", "-b", "main")
    commit_all(src, "hook source", "2026-11-13T10:00:00+08:00")
    return str(src)


@pytest.fixture(scope="module")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One pre-commit cache for the module: the hook's environment is installed once."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "NO_COLOR": "1",
        "PRE_COMMIT_COLOR": "never",
    }


def _hook_kb(tmp_path: Path) -> Path:
    """A KB repository as a team would keep it (schemas/ included — the installed `kb` reads the
    KB's own schemas), with an old error in engineers/zhang-wei.yml already committed."""
    kb = copy_base(tmp_path / "kb")
    shutil.copytree(REPO / "schemas", kb / "schemas")
    git(kb, "init", "-q", "-b", "main")
    commit_all(kb, "导入知识库", "2026-11-13T10:00:00+08:00")
    _level(kb, "zhang-wei", "L9")
    commit_all(kb, "张伟级别（错误）", "2026-11-16T10:00:00+08:00")
    return kb


def _pre_commit(env: dict[str, str], kb: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=kb, env=env, capture_output=True, text=True, timeout=600
    )


@needs_git
def test_installed_hook_on_git_commit(hook_source: str, pre_commit_env: dict[str, str], tmp_path: Path) -> None:
    """The consumer's view: the hook from .pre-commit-config.yaml, installed, run by `git commit`."""
    kb = _hook_kb(tmp_path)
    rev = git(Path(hook_source), "rev-parse", "HEAD").strip()
    config = {
        "repos": [
            {"repo": hook_source, "rev": rev, "hooks": [{"id": "kb-check", "args": ["--today", TODAY.isoformat()]}]}
        ]
    }
    (kb / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    commit_all(kb, "pre-commit", "2026-11-17T10:00:00+08:00")
    installed = _pre_commit(pre_commit_env, kb, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        """`git commit` with the hook's report (git sends a hook's output to stderr) in stdout."""
        env = {
            **pre_commit_env,
            "GIT_AUTHOR_NAME": "测试",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "测试",
            "GIT_COMMITTER_EMAIL": "test@example.com",
            "GIT_AUTHOR_DATE": "2026-11-18T10:00:00+08:00",
            "GIT_COMMITTER_DATE": "2026-11-18T10:00:00+08:00",
        }
        r = subprocess.run(
            ["git", "-C", str(kb), "commit", "-q", "-m", message], env=env, capture_output=True, text=True, timeout=600
        )
        return subprocess.CompletedProcess(r.args, r.returncode, r.stdout + r.stderr, "")

    head = git(kb, "rev-parse", "HEAD")
    # a valid edit commits although zhang-wei.yml has an old error
    _note(kb, "li-na")
    git(kb, "add", "engineers/li-na.yml")
    good = commit("李娜：备注")
    assert good.returncode == 0, good.stdout
    assert re.search(r"kb check（专属工程师知识库）\.+Passed", good.stdout), good.stdout
    assert git(kb, "rev-parse", "HEAD") != head
    assert git(kb, "log", "-1", "--format=%s").strip() == "李娜：备注"

    # the hook does run on a staged dossier: a schema error there refuses the commit
    head = git(kb, "rev-parse", "HEAD")
    _level(kb, "li-na", "L0")
    git(kb, "add", "engineers/li-na.yml")
    bad = commit("李娜级别（错误）")
    out = bad.stdout
    assert bad.returncode == 1, out
    assert "engineers/li-na.yml:4:1: error schema" in out, out
    assert "zhang-wei" not in out, out
    assert git(kb, "rev-parse", "HEAD") == head

    # the old error blocks a commit that touches its file
    git(kb, "reset", "-q", "--hard")
    _note(kb, "zhang-wei")
    git(kb, "add", "engineers/zhang-wei.yml")
    old = commit("张伟：备注")
    assert old.returncode == 1 and "engineers/zhang-wei.yml:4:1: error" in old.stdout

    # files outside the KB do not run the hook
    git(kb, "reset", "-q", "--hard")
    (kb / "notes.md").write_text("会议安排\n", encoding="utf-8")
    git(kb, "add", "notes.md")
    other = commit("笔记")
    assert other.returncode == 0, other.stdout
    assert re.search(r"kb check（专属工程师知识库）\.+\(no files to check\)Skipped", other.stdout), other.stdout


# ------------------------------------------------------------------ review templates


CHECKLIST = {
    "四份必备资料": "§8.1",
    "1 个工作日内": "§8.2",
    "六部分": "§5.2",
    "会议纪要": "§8.2",
    "不超过 4 个": "§7.3",
    "分配比例": "§9.2",
    "《问题定界分析报告》": "§6.2",
    "备份工程师": "§7.4",
}


@pytest.mark.parametrize("path", [PR_TEMPLATE, MR_TEMPLATE], ids=["github", "gitlab"])
def test_review_template_checklist(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    items = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert len(items) >= 10
    for words, section in CHECKLIST.items():
        (item,) = [i for i in items if words in i]
        assert section in item, item
    for words in ("密码", "密钥", "`kb check`", "CODEOWNERS", "运维经理"):
        assert any(words in i for i in items), words
    # each item cites a policy section or names the kb rule that checks it
    assert all(re.search(r"§\d+\.\d+|kb check", i) for i in items), [i for i in items if "§" not in i]


def test_review_templates_say_the_same() -> None:
    assert PR_TEMPLATE.read_text(encoding="utf-8") == MR_TEMPLATE.read_text(encoding="utf-8")
