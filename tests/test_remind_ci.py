"""The scheduled reminder jobs work as shipped: .github/workflows/remind.yml and the kb-remind job
of .gitlab-ci.yml — their settings, the vendored schema (offline), and their script run as the
runners run it against the local robots and SMTP server (tests/robot_servers.py): it sends on a
working day and does nothing on a day off."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.pipeline import read_model

from .conftest import REPO, TODAY
from .remind_kb import remind_kb
from .robot_servers import Mailbox, RobotServer, robot_server, smtp_server
from .test_remind_send import _env

WORKFLOW = REPO / ".github" / "workflows" / "remind.yml"
GITLAB_CI = REPO / ".gitlab-ci.yml"
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _example_env_names() -> list[str]:
    policy = read_model(REPO).kb.policy
    assert policy is not None
    return [n for c in policy.notify.channels for n in (c.url_env, c.secret_env) if n]


def _step(job: dict[str, Any], run: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("run", "").strip() == run]
    return step


def test_github_workflow_settings() -> None:
    wf = _load(WORKFLOW)
    on = wf.get("on", wf.get(True))  # PyYAML reads the key `on` as True
    assert on["schedule"] == [{"cron": "0 1 * * *"}], "09:00 China Standard Time is 01:00 UTC"
    assert "workflow_dispatch" in on
    assert wf["permissions"] == {"contents": "read"}
    assert wf["concurrency"]["cancel-in-progress"] is False
    (job,) = wf["jobs"].values()
    (checkout,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0, "kb refuses a shallow clone: the deadline rules read git history"
    _step(job, "python -m pip install -e .")
    send = _step(job, "kb remind --send")
    # every variable the example's channels name comes from a secret of the same name
    assert send["env"] == {n: f"${{{{ secrets.{n} }}}}" for n in _example_env_names()}
    assert not any("${{" in s.get("run", "") for s in job["steps"])  # expressions only through env


def test_gitlab_job_settings() -> None:
    ci = _load(GITLAB_CI)
    job = ci["kb-remind"]
    assert job["script"] == ["kb remind --send"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule" && $KB_REMIND == "1"'}]
    assert job["needs"] == [] and job["resource_group"] == "kb-remind"
    assert str(ci["variables"]["GIT_DEPTH"]) == "0"
    assert ci["default"]["before_script"] == ["python -m pip install -e ."]
    text = GITLAB_CI.read_text(encoding="utf-8")
    assert all(n in text for n in _example_env_names()), "the comment names every CI/CD variable to set"


def test_workflow_matches_the_vendored_schema(tmp_path: Path) -> None:
    exe = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, "--builtin-schema", "vendor.github-workflows", str(path)],
                              capture_output=True, text=True, env=env, timeout=120)

    ok = run(WORKFLOW)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = _load(WORKFLOW)
    del broken["jobs"]["remind"]["runs-on"]
    bad_path = tmp_path / "remind.yml"
    bad_path.write_text(yaml.safe_dump(broken, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert run(bad_path).returncode == 1  # the validation is not vacuous


@pytest.fixture
def servers() -> Iterator[tuple[RobotServer, Mailbox]]:
    with robot_server() as robots, smtp_server() as mailbox:
        yield robots, mailbox


def _bash(script: str, kb: Path, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "kb"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    full = {**os.environ, "NO_COLOR": "1", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=kb, env=full,
                          capture_output=True, text=True, timeout=180)


@needs_bash
@pytest.mark.parametrize("runner", ["github", "gitlab"])
def test_the_job_sends_on_working_days_only(
    runner: str, tmp_path: Path, servers: tuple[RobotServer, Mailbox]
) -> None:
    robots, mailbox = servers
    kb = remind_kb(tmp_path / "kb")
    if runner == "github":
        script = _step(next(iter(_load(WORKFLOW)["jobs"].values())), "kb remind --send")["run"]
    else:
        script = "\n".join(_load(GITLAB_CI)["kb-remind"]["script"])
    env = _env(robots, mailbox)
    saturday = _bash(script, kb, tmp_path, {**env, "KB_TODAY": "2026-11-28"})
    assert saturday.returncode == 0, saturday.stdout + saturday.stderr
    assert "不是工作日" in saturday.stdout and robots.received == [] and mailbox.messages == []
    workday = _bash(script, kb, tmp_path, {**env, "KB_TODAY": TODAY.isoformat()})
    assert workday.returncode == 0, workday.stdout + workday.stderr
    assert {r.platform for r in robots.received} == {"dingtalk", "wecom", "feishu"}
    assert all(r.ok for r in robots.received) and len(mailbox.messages) == 3
    # a secret that is not set fails the job, and says which
    failing = _bash(script, kb, tmp_path, {**env, "KB_TODAY": TODAY.isoformat(), "KB_FEISHU_SECRET": ""})
    assert failing.returncode == 1 and "KB_FEISHU_SECRET" in failing.stderr
