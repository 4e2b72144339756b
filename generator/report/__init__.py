"""Stage: report — findings to text for people and to the formats CI systems read.

Every reporter is a pure function from findings to a string; the command layer prints
it and writes files (e.g. GitHub's step summary).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..finding import Finding, Lang, Severity
from .ci import github, github_summary, gitlab
from .text import text

FORMATS = ("text", "json", "github", "gitlab")


def render(findings: Sequence[Finding], fmt: str, lang: Lang, files_checked: int = 0, color: bool = False) -> str:
    if fmt == "json":
        from .ci import as_json

        return as_json(findings, lang)
    if fmt == "github":
        return github(findings, lang)
    if fmt == "gitlab":
        return gitlab(findings, lang)
    return text(findings, lang, files_checked, color)


def counts(findings: Sequence[Finding]) -> dict[Severity, int]:
    out = dict.fromkeys(Severity, 0)
    for f in findings:
        out[f.severity] += 1
    return out


__all__ = ["FORMATS", "counts", "github_summary", "render"]
