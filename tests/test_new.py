"""Acceptance tests of `kb new`: real skeletons in a copy of the base KB, checked by the real `kb check`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.load import load_text
from generator.pipeline import find_schemas

from .conftest import REPO, TODAY, commit_all

CJK = re.compile(r"[\u4e00-\u9fff]")
KEY_LINE = re.compile(r"^(\s*(?:- )?)([a-z_]+):(.*)$")
DAY = TODAY.isoformat()

# kind → (kb new arguments, the new file, KB-relative)
KINDS: dict[str, tuple[list[str], str]] = {
    "client": (["client", "dq-retail", "--name", "鼎泉连锁零售"], "clients/dq-retail/client.yml"),
    "engineer": (["engineer", "wang-fang", "--name", "王芳"], "engineers/wang-fang.yml"),
    "meeting": (["meeting", "acme", "--date", DAY], f"clients/acme/meetings/{DAY}.yml"),
    "handoff": (["handoff", "acme", "t-2026-002", "--date", DAY], "clients/acme/handoffs/t-2026-002.yml"),
}


def _schema(kind: str) -> dict[str, Any]:
    return json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))


def _new(run_kb, kb: Path, kind: str):  # type: ignore[no-untyped-def]
    args, rel = KINDS[kind]
    r = run_kb("new", *args, "--root", str(kb))
    assert r.returncode == 0, r.stdout + r.stderr
    return r, kb / rel


def _check(run_kb, kb: Path, rel: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--root", str(kb), "--format", "json", "--today", DAY)
    assert r.returncode in (0, 1), r.stderr
    return [f for f in json.loads(r.stdout) if f["file"] == rel]


def _commit(kb: Path, message: str) -> None:
    commit_all(kb, message, f"{DAY}T18:00:00+08:00")


def _required_keys_present(data: Any, schema: dict[str, Any], node: dict[str, Any], where: str) -> None:
    """Every mapping in the skeleton holds the keys its schema requires (read from the schema)."""
    while "$ref" in node:
        target: Any = schema
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    if isinstance(data, dict):
        missing = set(node.get("required", ())) - set(data)
        assert not missing, f"{where}: required keys missing: {missing}"
        for key, value in data.items():
            _required_keys_present(value, schema, node.get("properties", {}).get(key, {}), f"{where}.{key}")
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(data):
            _required_keys_present(item, schema, node["items"], f"{where}[{i}]")


@pytest.mark.parametrize("kind", list(KINDS))
def test_skeleton_shape(kind: str, base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r, path = _new(run_kb, base_kb, kind)
    assert "已创建" in r.stdout and KINDS[kind][1] in r.stdout and "kb check" in r.stdout
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", lines[0])
    assert m, lines[0]
    # the schema the KB is checked with: its own schemas/, else the package's (the base KB has none)
    assert (path.parent / m.group(1)).resolve() == (find_schemas(base_kb) / f"{kind}.schema.json").resolve()
    loaded = load_text(text, KINDS[kind][1])
    assert loaded.usable and not loaded.findings  # strict loader: no anchors, tags or duplicate keys
    schema = _schema(kind)
    assert set(schema["required"]) <= set(loaded.data)
    _required_keys_present(loaded.data, schema, schema, kind)
    keyed = [ln for ln in lines if KEY_LINE.match(ln)]
    assert len(keyed) >= len(schema["required"])
    for ln in keyed:
        assert "# " in ln and CJK.search(ln.split("# ", 1)[1]), f"no Chinese comment: {ln!r}"


def test_known_values_are_filled_in(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("new", "client", "dq-retail", "--name", "鼎泉 #1 零售: 华东", "--tier", "gold",
               "--account-manager", "赵敏", "--root", str(base_kb))  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = load_text((base_kb / "clients/dq-retail/client.yml").read_text(encoding="utf-8"), "x").data
    assert data["id"] == "dq-retail" and data["name"] == "鼎泉 #1 零售: 华东"  # quoted where YAML needs it
    assert (data["status"], data["tier"], data["account_manager"]["name"]) == ("candidate", "gold", "赵敏")
    header = (base_kb / "clients/dq-retail/client.yml").read_text(encoding="utf-8").split("\nid:")[0]
    assert "assigned_by" in header and "knowledge_base.proofread" in header  # §7.2.3, §7.2.5: said up front
    assert [s["kind"] for s in data["sites"]] == ["core", "hub", "idc"]  # policy.yml materials lists
    assert [c["level"] for c in data["contacts"]] == ["technical", "business", "decision"]
    assert run_kb("new", "engineer", "wang-fang", "--name", "王芳", "--level", "L2", "--root", str(base_kb)).returncode == 0
    engineer = load_text((base_kb / "engineers/wang-fang.yml").read_text(encoding="utf-8"), "x").data
    assert engineer["level"] == "L2" and engineer["employment"] == {"status": "active"}  # §4.1 在职
    _, path = _new(run_kb, base_kb, "meeting")
    meeting = load_text(path.read_text(encoding="utf-8"), "x").data
    assert (meeting["date"], meeting["kind"]) == (DAY, "monthly")  # the client's cadence
    r = run_kb("new", "handoff", "acme", "t-2026-002", "--ticket", "WO-1", "--date", DAY, "--root", str(base_kb))
    assert r.returncode == 0, r.stderr
    handoff = load_text((base_kb / KINDS["handoff"][1]).read_text(encoding="utf-8"), "x").data
    assert (handoff["task_id"], handoff["ticket"], handoff["opened_on"], handoff["status"]) == (
        "t-2026-002", "WO-1", DAY, "open")  # fmt: skip
    assert handoff["coordinator"] == {"name": "王敏", "role": "客户经理"}  # the client's account manager


def _todo_only(kind: str, findings: list[dict[str, Any]]) -> None:
    todos = [f for f in findings if f["rule"] == "todo"]
    assert todos, "a fresh skeleton has something to fill in"
    assert all(f["severity"] == "error" and f["message"].startswith("请填写“") and f["hint"] for f in todos)
    assert len({f["line"] for f in todos}) == len(todos)  # one finding per blank: no type, enum or format echo
    others = [f"{f['line']}: {f['rule']} {f['message']}" for f in findings if f["rule"] != "todo"]
    assert not others, "\n".join(others)


@pytest.mark.parametrize("kind", ["client", "engineer"])
def test_fresh_skeleton_fails_only_with_todos(kind: str, base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _new(run_kb, base_kb, kind)
    rel = KINDS[kind][1]
    uncommitted = _check(run_kb, base_kb, rel)  # before the commit, the history rule says it skipped the file
    assert [(f["rule"], f["severity"], f["line"]) for f in uncommitted if f["rule"] != "todo"] == [
        ("history", "warning", 1)]  # fmt: skip
    _commit(base_kb, "新建骨架")
    _todo_only(kind, _check(run_kb, base_kb, rel))


@pytest.mark.parametrize("kind", ["meeting", "handoff"])
def test_fresh_record_fails_only_with_todos(kind: str, base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """The policy rules of meetings and handoffs read the same blanks (sync.cadence's agenda items,
    handoff.report's report, owner and ask); a blank is said once, as its to-do."""
    _new(run_kb, base_kb, kind)
    _commit(base_kb, "新建骨架")
    _todo_only(kind, _check(run_kb, base_kb, KINDS[kind][1]))


@pytest.mark.parametrize("kind,rule", [("meeting", "sync.cadence"), ("handoff", "handoff.report")])
def test_rules_judge_the_record_once_filled(kind: str, rule: str, base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """The to-dos hide nothing for good: a value that is there but wrong is still the rule's to report."""
    _, path = _new(run_kb, base_kb, kind)
    _commit(base_kb, "新建骨架")
    before = {f["line"] for f in _check(run_kb, base_kb, KINDS[kind][1]) if f["rule"] == "todo"}
    assert before
    # delete the blank lines: what was a to-do is now simply missing, and the rule says so
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for i, ln in enumerate(lines, start=1) if i not in before]
    path.write_text("".join(kept), encoding="utf-8")
    _commit(base_kb, "删去空项")
    after = _check(run_kb, base_kb, KINDS[kind][1])
    assert any(f["rule"] == rule and f["severity"] == "error" for f in after), after


# ------------------------------------------------------------------ filling the skeleton in


def _value(key: str, line: int, lines: list[str]) -> str:
    first_site = next((i + 1 for i, ln in enumerate(lines) if ln.strip().startswith("- id:")), 0)
    values = {
        "tier": "gold", "email": "someone@example.com", "phone": '"13800000011"', "peak_periods": "[每年 11 月大促]",
        "id": f"site-{line}", "site": f"site-{first_site}", "ip": "10.20.1.10", "domain": "wms.example.com",
        "ports": "[443]", "start": "2025-01-01", "end": "2027-12-31", "response_minutes": "30", "onsite_hours": "4",
        "restore_hours": "8", "date": "2025-11-11", "level": "L1", "joined_on": "2020-07-06",
        "ops_since": "2020-08-01", "products": "[nova]", "kind": "nova", "obtained": "2023-01-10",
        "attendees": "[客户经理 王敏]", "conclusions": "[月底前提交评估]", "shared_with_engineer_on": DAY,
        "shared_via": "email", "trigger": "product-defect", "logs": "[files/ipsec.log]",
        "screenshots": "[files/topology.png]",
    }  # fmt: skip
    return values.get(key, "某某内容")


def _fill(path: Path, todo_lines: set[int]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for n in sorted(todo_lines):
        m = KEY_LINE.match(lines[n - 1])
        assert m and not m.group(3).split("#")[0].strip(), lines[n - 1]
        lines[n - 1] = f"{m.group(1)}{m.group(2)}: {_value(m.group(2), n, lines)}{m.group(3)}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("kind", list(KINDS))
def test_filling_in_clears_the_todos(kind: str, base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _, path = _new(run_kb, base_kb, kind)
    rel = KINDS[kind][1]
    _commit(base_kb, "新建骨架")
    _fill(path, {f["line"] for f in _check(run_kb, base_kb, rel) if f["rule"] == "todo"})
    _commit(base_kb, "填写")
    left = _check(run_kb, base_kb, rel)
    assert left == [], left
    r = run_kb("check", "--root", str(base_kb), "--today", DAY)
    assert r.returncode == 0, r.stdout


# ------------------------------------------------------------------ refusals


def test_never_overwrites(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    existing = base_kb / "clients/acme/meetings/2026-11-12.yml"
    before = existing.read_bytes()
    r = run_kb("new", "meeting", "acme", "--date", "2026-11-12", "--root", str(base_kb))
    assert r.returncode == 1 and "clients/acme/meetings/2026-11-12.yml" in r.stderr and "已存在" in r.stderr
    assert existing.read_bytes() == before
    _new(run_kb, base_kb, "client")
    path = base_kb / KINDS["client"][1]
    path.write_text(path.read_text(encoding="utf-8").replace("tier:", "tier: gold"), encoding="utf-8")
    edited = path.read_bytes()
    r = run_kb("new", "client", "dq-retail", "--name", "别的名字", "--root", str(base_kb))
    assert r.returncode == 1 and "clients/dq-retail/client.yml" in r.stderr
    assert path.read_bytes() == edited


def test_refuses_a_name_that_differs_only_in_case(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    (base_kb / "engineers" / "Wang-Fang.yml").write_text("id: wang-fang\n", encoding="utf-8")
    r = run_kb("new", "engineer", "wang-fang", "--name", "王芳", "--root", str(base_kb))
    assert r.returncode == 1 and "engineers/Wang-Fang.yml" in r.stderr
    assert not (base_kb / "engineers" / "wang-fang.yml").exists()
    (base_kb / "clients" / "DQ-Retail").mkdir()
    r = run_kb("new", "client", "dq-retail", "--name", "鼎泉", "--root", str(base_kb))
    assert r.returncode == 1 and "clients/DQ-Retail" in r.stderr
    assert not (base_kb / "clients" / "dq-retail").exists()


def test_bad_ids(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("new", "client", "DQ_Retail", "--name", "鼎泉", "--root", str(base_kb))
    assert r.returncode == 2 and "dq-retail" in r.stderr and "小写" in r.stderr, r.stderr
    r = run_kb("new", "handoff", "acme", "../x", "--root", str(base_kb))
    assert r.returncode == 2 and "任务 ID" in r.stderr
    assert sorted(p.name for p in (base_kb / "clients").iterdir()) == ["acme"]
    assert sorted(p.name for p in (base_kb / "clients/acme/handoffs").iterdir()) == ["t-2026-001.yml"]


def test_unknown_client(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("new", "meeting", "acmee", "--root", str(base_kb))
    assert r.returncode == 2 and "没有客户“acmee”" in r.stderr and "是不是想写 acme" in r.stderr
    r = run_kb("new", "handoff", "nobody", "t-1", "--root", str(base_kb))
    assert r.returncode == 2 and "kb new client" in r.stderr
    assert not (base_kb / "clients" / "acmee").exists() and not (base_kb / "clients" / "nobody").exists()


@pytest.mark.parametrize("date", ["2026-02-30", "2026/11/24", "20261124", "tomorrow"])
def test_bad_date(date: str, base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("new", "meeting", "acme", "--date", date, "--root", str(base_kb))
    assert r.returncode == 2 and "--date" in r.stderr and date in r.stderr
    assert sorted(p.name for p in (base_kb / "clients/acme/meetings").iterdir()) == ["2026-10-15.yml", "2026-11-12.yml"]


def test_values_the_schema_refuses_are_not_written(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("new", "client", "dq-retail", "--name", "鼎泉", "--tier", "gld", "--root", str(base_kb))
    assert r.returncode == 2 and "“tier”（专属级别）" in r.stderr and "gold" in r.stderr, r.stderr
    r = run_kb("new", "engineer", "wang-fang", "--name", "王" * 51, "--root", str(base_kb))
    assert r.returncode == 2 and "太长" in r.stderr
    r = run_kb("new", "engineer", "wang-fang", "--name", "王\n芳", "--root", str(base_kb))
    assert r.returncode == 2 and "--name" in r.stderr
    assert not (base_kb / "clients/dq-retail").exists() and not (base_kb / "engineers/wang-fang.yml").exists()


def test_default_date_is_the_pinned_today(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """Without --date a meeting is dated "today" — the one clock (KB_TODAY here; clock.py)."""
    r = run_kb("new", "meeting", "acme", "--root", str(base_kb), env={"KB_TODAY": "2027-03-08"})
    assert r.returncode == 0, r.stderr
    assert (base_kb / "clients/acme/meetings/2027-03-08.yml").is_file()


def test_english(base_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("new", "engineer", "wang-fang", "--name", "Wang Fang", "--lang", "en", "--root", str(base_kb))
    assert r.returncode == 0 and r.stdout.startswith("Created ") and "kb check" in r.stdout
    assert not CJK.search(r.stdout), r.stdout
    r = run_kb("new", "engineer", "wang-fang", "--name", "Wang Fang", "--lang", "en", "--root", str(base_kb))
    assert r.returncode == 1 and "already exists" in r.stderr and not CJK.search(r.stderr)
    for args in (["meeting", "acmee"], ["meeting", "acme", "--date", "2026-02-30"], ["client", "X_Y", "--name", "x"]):
        r = run_kb("new", *args, "--lang", "en", "--root", str(base_kb))
        assert r.returncode == 2 and r.stderr.startswith("kb: ") and not CJK.search(r.stderr), r.stderr
    _commit(base_kb, "新建骨架")
    r = run_kb("check", "--root", str(base_kb), "--format", "json", "--lang", "en", "--today", DAY)
    todos = [f for f in json.loads(r.stdout) if f["rule"] == "todo"]
    assert todos and all(f["message"].startswith("Fill in '") and not CJK.search(f["hint"]) for f in todos)
