"""Exemptions (issue 13 item 7): applied once after the rules, as a pure function; what the policy
parameters change; the example KB's §7.3 case before and after its expiry; the pages.

The cases under tests/cases/exemption/ cover each way an exemption is current, expired or invalid."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator import exemptions
from generator.finding import Finding, Msg, Severity
from generator.pipeline import check
from generator.render.site import build_pages
from generator.render.views import SiteInput

from .conftest import EXAMPLE_TODAY, REPO, TODAY, copy_base

ZW = "engineers/zhang-wei.yml"
EXPIRING = (
    "  - {name: Fortinet NSE 4, kind: fortinet, obtained: 2023-01-10}",
    "  - {name: Fortinet NSE 4, kind: fortinet, obtained: 2023-01-10, expires: 2027-01-10}",
)


def _kb(tmp_path: Path, exemption: str, policy: str = "") -> Path:
    """The base KB with zhang-wei's NSE 4 expiring in 47 days (an eng.certs warning at line 11)
    and ``exemption`` (YAML lines under ``exemptions:``) in his file; ``policy`` appended to policy.yml."""
    kb = copy_base(tmp_path / "kb")
    path = kb / ZW
    text = path.read_text(encoding="utf-8").replace(*EXPIRING)
    path.write_text(text.rstrip("\n") + "\nexemptions:\n" + exemption, encoding="utf-8")
    if policy:
        with (kb / "policy.yml").open("a", encoding="utf-8") as f:
            f.write(policy)
    return kb


def _ex(**kw: str) -> str:
    d = {
        "rule": "eng.certs",
        "reason": "NSE 4 重考排在 2027-01-20",
        "approved_by": "工程运维部负责人",
        "approved_on": "2026-11-01",
        "expires": "2027-01-31",
        **kw,
    }
    return "".join(("  - " if i == 0 else "    ") + f"{k}: {v}\n" for i, (k, v) in enumerate(d.items()) if v)


def _of(findings: list[Finding], *rules: str) -> list[tuple[int, str, str]]:
    return [(f.line, f.rule, f.severity.value) for f in findings if f.file == ZW and f.rule in rules]


def test_apply_is_pure_and_leaves_unmatched_findings_alone(tmp_path: Path) -> None:
    kb = check(_kb(tmp_path, _ex()), TODAY, git=False).kb
    other = Finding(ZW, 11, 5, "eng.level", Severity.ERROR, Msg("甲", "a"))
    matched = Finding(ZW, 11, 5, "eng.certs", Severity.WARNING, Msg("乙", "b"), Msg("提示", "hint"))
    elsewhere = Finding("engineers/li-na.yml", 11, 5, "eng.certs", Severity.WARNING, Msg("丙", "c"))
    given = [other, matched, elsewhere]
    out = exemptions.apply(given, kb, TODAY)
    assert given == [other, matched, elsewhere]  # not mutated
    assert out[0] is other and out[2] is elsewhere
    assert out[1].severity is Severity.INFO and out[1].rule == "eng.certs"
    assert out[1].message.zh == "已豁免至 2027-01-31（NSE 4 重考排在 2027-01-20，工程运维部负责人）：乙"
    assert out[1].due == dt.date(2027, 1, 31)  # the day it comes back
    assert "恢复为警告" in out[1].hint.zh and "提示" in out[1].hint.zh
    assert len(out) == 3  # a current exemption is not a finding itself


def test_the_rules_never_see_exemptions(tmp_path: Path) -> None:
    """The rules run on the model with its exemptions; only the pipeline's one step applies them."""
    from generator.rules import run_rules

    kb = check(_kb(tmp_path, _ex()), TODAY, git=False).kb
    assert kb.engineers["zhang-wei"].exemptions
    ruled = [f for f in run_rules(kb, None, TODAY) if f.file == ZW and f.rule == "eng.certs"]
    assert [f.severity for f in ruled] == [Severity.WARNING]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("events[2]", ("events", 2)),
        ("certifications[1].expires", ("certifications", 1, "expires")),
        ("assignment.load_plan", ("assignment", "load_plan")),
        ("a[0][1]", ("a", 0, 1)),
        ("events[x]", None),
        ("", None),
        (".a", None),
    ],
)
def test_key_paths(text: str, path: Any) -> None:
    assert exemptions.key_path(text) == path


def test_the_approver_role_is_a_policy_parameter(tmp_path: Path) -> None:
    by_manager = _ex(approved_by="运维经理")
    default = check(_kb(tmp_path / "a", by_manager), TODAY, git=False).findings
    assert (11, "eng.certs", "warning") in _of(default, "eng.certs")
    assert [f.message.zh for f in default if f.rule == "exemption"] == [
        "豁免须由工程运维部负责人批准，“运维经理”不是：不会生效。"
    ]
    managed = check(_kb(tmp_path / "b", by_manager, "exemption: {approver: ops_manager}\n"), TODAY, git=False).findings
    assert _of(managed, "eng.certs", "exemption") == [(11, "eng.certs", "info")]


def _name_the_head(kb: Path) -> Path:
    """policy.yml's roles name the department head 郑国栋 (under its own roles block if it has one)."""
    path = kb / "policy.yml"
    text = path.read_text(encoding="utf-8")
    if "\nroles:" not in text:
        text += "roles:\n"
    lines = [ln for ln in text.splitlines() if not ln.startswith("  department_head:")]
    at = lines.index(next(ln for ln in lines if ln.startswith("roles:")))
    lines.insert(at + 1, "  department_head: {name: 郑国栋}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kb


def test_the_approver_by_the_name_policy_roles_gives(tmp_path: Path) -> None:
    findings = check(_name_the_head(_kb(tmp_path / "a", _ex(approved_by="郑国栋"))), TODAY, git=False).findings
    assert _of(findings, "eng.certs", "exemption") == [(11, "eng.certs", "info")]
    wrong = check(_name_the_head(_kb(tmp_path / "b", _ex(approved_by="王五"))), TODAY, git=False).findings
    assert [f.message.zh for f in wrong if f.rule == "exemption"] == [
        "豁免须由工程运维部负责人（郑国栋）批准，“王五”不是：不会生效。"
    ]


def test_the_longest_term_is_a_policy_parameter(tmp_path: Path) -> None:
    four_months = _ex(approved_on="2026-10-01", expires="2027-01-31")
    assert _of(check(_kb(tmp_path / "a", four_months), TODAY, git=False).findings, "eng.certs", "exemption") == [
        (11, "eng.certs", "info")
    ]
    short = check(_kb(tmp_path / "b", four_months, "exemption: {max_months: 3}\n"), TODAY, git=False).findings
    assert [f.message.zh for f in short if f.rule == "exemption"] == [
        "豁免从 2026-10-01 到 2027-01-31，超过最长 3 个月（最晚到 2027-01-01）：不会生效。"
    ]


def test_an_empty_approver_is_one_todo_not_two_findings(tmp_path: Path) -> None:
    kb = _kb(tmp_path, _ex(approved_by="") + "    approved_by:\n")
    findings = check(kb, TODAY, git=False).findings
    line = (kb / ZW).read_text(encoding="utf-8").splitlines().index("    approved_by:") + 1
    at = [(f.rule, f.severity.value) for f in findings if f.file == ZW and f.line == line]
    assert at == [("todo", "error")], [(f.line, f.rule, f.message.zh) for f in findings if f.file == ZW]
    assert (11, "eng.certs", "warning") in _of(findings, "eng.certs")  # and it is not applied


def test_every_rule_that_can_never_be_exempted_is_refused(tmp_path: Path) -> None:
    for rule in exemptions.NEVER:
        kb = check(_kb(tmp_path / rule, _ex(rule=rule)), TODAY, git=False)
        said = [f.message.zh for f in kb.findings if f.rule == "exemption"]
        assert said == [
            f"规则“{rule}”不能豁免：文件能否读取、是否符合格式、待填写项、密钥、知识库边界、历史记录和豁免本身都不能豁免。"
        ]


# ------------------------------------------------------------------ the example KB's §7.3 case


@pytest.fixture(scope="module")
def example() -> Any:
    return check(REPO, EXAMPLE_TODAY)


def test_the_example_load_limit_case_is_info_while_current(example: Any) -> None:
    load = [f for f in example.findings if f.file == ZW and f.rule == "eng.load"]
    assert [f.severity for f in load] == [Severity.INFO]
    assert load[0].message.zh.startswith("已豁免至 2027-03-31（")
    assert "工程运维部负责人 郑国栋）：张伟（zhang-wei）的负载 4/4" in load[0].message.zh
    assert not [f for f in example.findings if f.rule == "exemption"]


def test_after_its_expiry_the_example_warning_is_back(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".git", "public", "site", "tests", "bench", "*.egg-info"))
    later = check(root, dt.date(2027, 4, 1), git=False).findings
    load = [f for f in later if f.file == ZW and f.rule in ("eng.load", "exemption")]
    assert sorted((f.rule, f.severity.value) for f in load) == [("eng.load", "warning"), ("exemption", "warning")]
    assert (
        "已于 2027-03-31 到期，不再生效：1 条发现恢复为原级别"
        in next(f for f in load if f.rule == "exemption").message.zh
    )


def test_the_json_report_says_info(run_kb: Any) -> None:
    r = run_kb("check", "--root", str(REPO), "--format", "json", "--today", EXAMPLE_TODAY.isoformat())
    rows = [f for f in json.loads(r.stdout) if f["file"] == ZW and f["rule"] == "eng.load"]
    assert [f["severity"] for f in rows] == ["info"] and rows[0]["message"].startswith("已豁免至 2027-03-31")


def test_the_pages_show_the_exemption(example: Any) -> None:
    pages = build_pages(SiteInput(example.kb, example.findings, None, EXAMPLE_TODAY))
    engineer = str(pages["engineers/zhang-wei.md"])
    assert "### 豁免" in engineer and "| 生效中 | eng&#46;load | 全文件 |" in engineer
    compliance = str(pages["compliance.md"])
    assert "## 豁免" in compliance and "| 生效中 | eng&#46;load | 张伟（zhang&#45;wei） | 全文件 |" in compliance
    assert "已豁免至 2027&#45;03&#45;31" in compliance  # the finding stays on the dashboard, as info
    assert "### 豁免" not in str(pages["clients/hx-logistics.md"])  # only where there are some


def test_the_page_says_expired_and_invalid(tmp_path: Path) -> None:
    kb = _kb(tmp_path, _ex(expires="2026-11-20") + _ex(approved_by="运维经理"))
    o = check(kb, TODAY, git=False)
    page = str(build_pages(SiteInput(o.kb, o.findings, None, TODAY))["engineers/zhang-wei.md"])
    assert "| 已过期 | eng&#46;certs |" in page and "| 无效 | eng&#46;certs |" in page
