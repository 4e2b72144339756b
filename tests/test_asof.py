"""kb check/status --as-of DATE|REF: the KB as committed then, judged on that day, from git
objects only — the same findings as checking that commit out and running kb check --today."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git
from tests.histories import ACME, make_history


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("asof") / "kb")


def _commit_on(repo: Path, day: str) -> str:
    return git(repo, "rev-list", "--first-parent", "-1", f"--before={day}T23:59:59+08:00", "HEAD").strip()


@pytest.mark.parametrize("day", ["2026-01-31", "2026-02-28", "2026-03-31", "2026-05-31", "2026-07-31", "2026-10-31"])
def test_as_of_date_equals_checkout_and_today(history_repo: Path, day: str, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    before = git(history_repo, "status", "--porcelain", "--untracked-files=all")
    r = run_kb("check", "--root", str(history_repo), "--as-of", day, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    assert git(history_repo, "status", "--porcelain", "--untracked-files=all") == before  # the working tree is not touched (only the blob cache, .kb-cache, may be written)
    # The reference: a clone with that commit checked out, judged with --today.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(clone)], check=True)
    git(clone, "checkout", "-q", "--detach", _commit_on(history_repo, day))
    ref = run_kb("check", "--root", str(clone), "--today", day, "--format", "json")
    assert json.loads(r.stdout) == json.loads(ref.stdout)
    assert r.returncode == ref.returncode


def test_as_of_ref_is_that_commit_on_its_day(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    sha = git(history_repo, "rev-list", "-1", "--grep=新客户 beta", "HEAD").strip()  # 2026-05-12: beta arrives
    r = run_kb("check", "--root", str(history_repo), "--as-of", sha[:10], "--format", "json")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(clone)], check=True)
    git(clone, "checkout", "-q", "--detach", sha)
    ref = run_kb("check", "--root", str(clone), "--today", "2026-05-12", "--format", "json")
    assert json.loads(r.stdout) == json.loads(ref.stdout)


def test_two_dates_see_exactly_what_existed(history_repo: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    def findings(day: str) -> list[dict[str, object]]:
        r = run_kb("check", "--root", str(history_repo), "--as-of", day, "--format", "json", "--lang", "en")
        return list(json.loads(r.stdout))

    march, june = findings("2026-03-31"), findings("2026-06-30")
    # In March the attachment linked to /etc/hostname was committed; by June it was gone.
    assert any(f["rule"] == "boundary" and f["file"] == "clients/acme/files/env.log" for f in march)
    assert not any(f["file"] == "clients/acme/files/env.log" for f in june)
    # The client beta arrived in May: nothing of it before (its status page: test below).
    assert not any(str(f["file"]).startswith("clients/beta/") for f in march)
    # The late July event does not exist yet at the end of June; it does at the end of July.
    assert not any("2026-07-06" in str(f["message"]) for f in june)
    assert any("2026-07-06" in str(f["message"]) for f in findings("2026-07-31"))


def test_as_of_ignores_the_working_tree(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "dirty"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(repo)], check=True)
    (repo / ACME).write_text("id: [broken\n", encoding="utf-8")  # uncommitted, unreadable
    (repo / "clients/ghost").mkdir()
    (repo / "clients/ghost/client.yml").write_text("id: ghost\n", encoding="utf-8")
    r = run_kb("check", "--root", str(repo), "--as-of", "2026-10-31", "--format", "json")
    clean = run_kb("check", "--root", str(history_repo), "--as-of", "2026-10-31", "--format", "json")
    assert json.loads(r.stdout) == json.loads(clean.stdout)
    assert not any("ghost" in f["file"] for f in json.loads(r.stdout))
    assert (repo / ACME).read_text(encoding="utf-8") == "id: [broken\n"


def test_status_as_of_shows_the_clients_then(history_repo: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    march = run_kb("status", "--root", str(history_repo), "--as-of", "2026-03-31")
    june = run_kb("status", "--root", str(history_repo), "--as-of", "2026-06-30")
    assert march.returncode == 0 and june.returncode == 0, march.stderr + june.stderr
    assert "beta" not in march.stdout and "beta" in june.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--as-of", "2025-06-30"], "没有提交"),
        (["--as-of", "no-such-branch"], "既不是日期"),
        (["--as-of", "2026-02-30"], "日期不存在"),
        (["--as-of", "2026-03-31", "--today", "2026-03-31"], "不能同时使用"),
    ],
)
def test_as_of_refusals_are_plain(history_repo: Path, run_kb, args: list[str], said: str) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--root", str(history_repo), *args)
    assert r.returncode == 2
    assert said in r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_build_as_of_publishes_the_kb_then(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import REPO

    kb = tmp_path / "site-kb"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(kb)], check=True)
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")  # the site's frame: the working tree's
    shutil.copytree(REPO / "site", kb / "site", ignore=shutil.ignore_patterns("generated"))
    (kb / "clients/acme/files/topology.png").write_bytes(b"not the committed picture")  # uncommitted
    r = run_kb("build", "--root", str(kb), "--as-of", "2026-03-31")
    assert r.returncode == 0, r.stdout + r.stderr
    pages = {p.relative_to(kb / "public").as_posix() for p in (kb / "public").rglob("*")}
    assert any("acme" in p for p in pages) and not any("beta" in p for p in pages)
    r = run_kb("build", "--root", str(kb), "--as-of", "2026-06-30")
    assert r.returncode == 0, r.stdout + r.stderr
    copied = sorted((kb / "public").rglob("topology.png"))
    assert {p.parent.parent.name for p in copied} >= {"acme", "beta"}  # beta's link inside the KB is followed
    committed = (history_repo / "clients/acme/files/topology.png").read_bytes()
    assert all(p.read_bytes() == committed for p in copied)  # the picture as committed, not the working tree's


def test_big_attachments_read_alike(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """A committed log too large to scan is the same finding as in a checkout, read by its head only."""
    from tests.conftest import commit_all

    repo = tmp_path / "big"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(repo)], check=True)
    line = b"2026-10-01 12:00:00 link up, all good\n"
    (repo / "clients/acme/files/huge.log").write_bytes(line * (9 * 1024 * 1024 // len(line) + 1))  # > 8 MiB
    (repo / "clients/acme/files/mid.log").write_bytes(line * (2 * 1024 * 1024 // len(line)) + b"password: hunter2hunter2\n")
    commit_all(repo, "acme：大日志", "2026-10-20T10:00:00+08:00")
    (repo / "clients/acme/files/huge.log").unlink()  # gone from the working tree: only git has it
    r = run_kb("check", "--root", str(repo), "--as-of", "HEAD", "--format", "json")
    git(repo, "checkout", "-q", "--", ".")
    ref = run_kb("check", "--root", str(repo), "--today", "2026-10-20", "--format", "json")
    found = json.loads(r.stdout)
    assert found == json.loads(ref.stdout)
    assert any(f["file"] == "clients/acme/files/huge.log" for f in found)
