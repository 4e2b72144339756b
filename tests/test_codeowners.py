"""kb export codeowners, parsed back with each platform's rules: on GitLab a client folder needs
its dedicated engineer's section and the ops manager's section; on GitHub both are listed owners;
CODEOWNERS itself belongs to the ops manager alone."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

from tests.conftest import REPO

ROLES = "\nroles:\n  ops_manager: {name: 陈静, handle: chenjing-yq}\n"


def _handles(kb: Path) -> None:
    for eid, handle in (("zhang-wei", "zhangwei-yq"), ("li-na", "lina-yq")):
        path = kb / "engineers" / f"{eid}.yml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"id: {eid}\n", f"id: {eid}\nhandle: {handle}\n", 1), encoding="utf-8")
    dossier = kb / "clients" / "acme" / "client.yml"
    dossier.write_text(
        dossier.read_text(encoding="utf-8").replace('phone: "13800000000"}', 'phone: "13800000000", handle: wangmin-yq}', 1),
        encoding="utf-8",
    )
    (kb / "policy.yml").write_text((kb / "policy.yml").read_text(encoding="utf-8") + ROLES, encoding="utf-8")


def _matches(pattern: str, path: str) -> bool:
    """CODEOWNERS pattern semantics shared by GitHub and GitLab for the patterns we write:
    a leading / anchors at the root, a trailing / owns everything below, * alone owns all."""
    if pattern == "*":
        return True
    if pattern.endswith("/"):
        return ("/" + path).startswith(pattern if pattern.startswith("/") else "/" + pattern)
    return fnmatch.fnmatchcase("/" + path, pattern if pattern.startswith("/") else "*/" + pattern)


def github_owners(text: str, path: str) -> set[str]:
    """GitHub: the last matching line wins; any one of its owners can approve."""
    owners: set[str] = set()
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern, *who = line.split()
        if _matches(pattern, path):
            owners = set(who)
    return owners


def gitlab_rules(text: str, path: str) -> dict[str, tuple[bool, set[str]]]:
    """GitLab: per section, the last matching entry; each section is its own approval rule.
    Returns section → (required, owners)."""
    sections: dict[str, tuple[bool, set[str]]] = {}
    name, required, default = "", True, []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head = re.fullmatch(r"(\^?)\[([^\]]+)\](?:\[\d+\])?\s*(.*)", line)
        if head:
            name, required, default = head.group(2), not head.group(1), head.group(3).split()
            continue
        pattern, *who = line.split()
        if _matches(pattern, path):
            sections[name] = (required, set(who or default))
    return sections


@pytest.fixture
def kb(base_kb: Path) -> Path:
    _handles(base_kb)
    return base_kb


def test_gitlab_needs_engineer_and_ops_manager(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("export", "codeowners", "--style", "gitlab", "--root", str(kb))
    assert r.returncode == 0, r.stderr
    text = (kb / ".gitlab" / "CODEOWNERS").read_text(encoding="utf-8")
    rules = gitlab_rules(text, "clients/acme/client.yml")
    required = {k: v[1] for k, v in rules.items() if v[0]}
    assert required == {"运维经理": {"@chenjing-yq"}, "专属工程师": {"@zhangwei-yq"}}
    assert rules["客户经理"] == (False, {"@wangmin-yq"})  # the account manager is asked, not required
    for other in ("policy.yml", "engineers/zhang-wei.yml", ".gitlab/CODEOWNERS", "clients/acme/meetings/2026-10-15.yml"):
        rules = gitlab_rules(text, other)
        assert rules["运维经理"] == (True, {"@chenjing-yq"})
    assert set(gitlab_rules(text, ".gitlab/CODEOWNERS")) == {"运维经理"}


def test_github_lists_both_and_owns_itself(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("export", "codeowners", "--style", "github", "-o", "-", "--root", str(kb))
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert github_owners(text, "clients/acme/client.yml") == {"@zhangwei-yq", "@chenjing-yq"}
    assert github_owners(text, "clients/acme/handoffs/t-2026-001.yml") == {"@zhangwei-yq", "@chenjing-yq"}
    assert github_owners(text, ".github/CODEOWNERS") == {"@chenjing-yq"}
    assert github_owners(text, "policy.yml") == {"@chenjing-yq"}
    assert "any one" in text or "任何一位" in text  # the limitation is said in the file


def test_owner_changes_with_the_assignment_and_check_sees_it(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    assert run_kb("export", "codeowners", "--root", str(kb)).returncode == 0
    ok = run_kb("export", "codeowners", "--check", "--root", str(kb))
    assert ok.returncode == 0, ok.stderr
    dossier = kb / "clients" / "acme" / "client.yml"
    text = dossier.read_text(encoding="utf-8").replace("engineer: zhang-wei\n  backup: li-na", "engineer: li-na\n  backup: zhang-wei")
    dossier.write_text(text, encoding="utf-8")
    stale = run_kb("export", "codeowners", "--check", "--root", str(kb))
    assert stale.returncode == 1 and "kb export codeowners" in stale.stderr
    fresh = run_kb("export", "codeowners", "-o", "-", "--root", str(kb)).stdout
    assert github_owners(fresh, "clients/acme/client.yml") == {"@lina-yq", "@chenjing-yq"}


def test_missing_handles_are_errors_with_lines(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("export", "codeowners", "--root", str(base_kb))
    assert r.returncode == 1
    assert "policy.yml:" in r.stderr and "roles.ops_manager" in r.stderr
    assert "engineers/zhang-wei.yml:" in r.stderr and "handle" in r.stderr
    assert not (base_kb / ".github" / "CODEOWNERS").exists()
    assert "Traceback" not in r.stderr


def test_a_handle_cannot_inject_owners(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    path = kb / "engineers" / "zhang-wei.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("handle: zhangwei-yq", 'handle: "x\\n* @evil"'), encoding="utf-8")
    check = run_kb("check", str(path), "--root", str(kb))
    assert check.returncode == 1 and "handle" in check.stdout
    r = run_kb("export", "codeowners", "-o", "-", "--root", str(kb))
    assert r.returncode == 1 and "@evil" not in r.stdout


@pytest.mark.parametrize("style", ["github", "gitlab"])
def test_committed_codeowners_are_up_to_date(run_kb, style: str) -> None:  # type: ignore[no-untyped-def]
    """The example KB ships both files; CI fails when people or assignments change without them."""
    r = run_kb("export", "codeowners", "--style", style, "--check", "--root", str(REPO))
    assert r.returncode == 0, r.stderr
