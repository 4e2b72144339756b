"""Machine formats: JSON, GitHub Actions workflow commands, GitLab Code Quality."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence

from ..finding import Finding, Lang, Severity


def as_json(findings: Sequence[Finding], lang: Lang) -> str:
    """A list of objects with exactly file, line, column, rule, severity, message, hint."""
    return json.dumps([f.as_dict(lang) for f in findings], ensure_ascii=False, indent=2)


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


_GH_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def github(findings: Sequence[Finding], lang: Lang) -> str:
    """One ``::error file=…,line=…,col=…,title=…::message`` line per finding."""
    out = []
    for f in findings:
        msg = f.message(lang)
        hint = f.hint(lang)
        if hint:
            msg += "\n" + ("提示：" if lang == "zh" else "hint: ") + hint
        props = f"file={_gh_prop(f.file)},line={f.line},col={f.column},title={_gh_prop('kb ' + f.rule)}"
        out.append(f"::{_GH_LEVEL[f.severity]} {props}::{_gh_data(msg)}")
    return "\n".join(out)


def _md_cell(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def github_summary(findings: Sequence[Finding], lang: Lang) -> str:
    """The full table for ``$GITHUB_STEP_SUMMARY`` (annotations show only 10 per step)."""
    n = Counter(f.severity for f in findings)
    zh = lang != "en"
    head = (
        f"## kb check：{n[Severity.ERROR]} 个错误，{n[Severity.WARNING]} 个警告，{n[Severity.INFO]} 条提示\n\n"
        if zh
        else f"## kb check: {n[Severity.ERROR]} errors, {n[Severity.WARNING]} warnings, {n[Severity.INFO]} info\n\n"
    )
    if not findings:
        return head + ("没有发现问题。\n" if zh else "No problems found.\n")
    rows = [
        "| 位置 | 级别 | 规则 | 问题 | 提示 |" if zh else "| location | severity | rule | problem | hint |",
        "|---|---|---|---|---|",
    ]
    for f in findings:
        rows.append(
            f"| `{_md_cell(f.file)}:{f.line}:{f.column}` | {f.severity.value} | {f.rule} | "
            f"{_md_cell(f.message(lang))} | {_md_cell(f.hint(lang))} |"
        )
    return head + "\n".join(rows) + "\n"


_GL_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def gitlab(findings: Sequence[Finding], lang: Lang) -> str:
    """A Code Quality report; fingerprints are stable and unique (identical findings are
    numbered, since GitLab collapses duplicate fingerprints)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for f in findings:
        key = (f.file, f.rule, f.message.en)
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode()).hexdigest()
        desc = f.message(lang)
        hint = f.hint(lang)
        if hint:
            desc += ("　提示：" if lang == "zh" else " Hint: ") + hint
        issues.append(
            {
                "description": desc,
                "check_name": f.rule,
                "fingerprint": digest,
                "severity": _GL_SEVERITY[f.severity],
                "location": {"path": f.file, "lines": {"begin": f.line}},
            }
        )
    return json.dumps(issues, ensure_ascii=False, indent=2)
