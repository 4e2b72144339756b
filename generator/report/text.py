"""The text report: ``file:line:col: severity rule message`` and an indented hint."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..finding import Finding, Lang, Msg, Severity

_SEVERITY = {
    Severity.ERROR: (Msg("错误", "error"), "red"),
    Severity.WARNING: (Msg("警告", "warning"), "yellow"),
    Severity.INFO: (Msg("提示", "info"), "cyan"),
}


def text(findings: Sequence[Finding], lang: Lang, files_checked: int, color: bool) -> str:
    lines: list[str] = []
    hint_label = "提示：" if lang == "zh" else "hint: "
    for f in findings:
        sev = f.severity.value
        if color:
            sev = click.style(sev, fg=_SEVERITY[f.severity][1], bold=True)
        lines.append(f"{f.file}:{f.line}:{f.column}: {sev} {f.rule} {f.message(lang)}")
        hint = f.hint(lang)
        if hint:
            lines.append(f"    {hint_label}{hint}")
    n = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    if lang == "en":
        summary = (
            f"Checked {files_checked} files: {n[Severity.ERROR]} errors, "
            f"{n[Severity.WARNING]} warnings, {n[Severity.INFO]} info."
        )
    else:
        summary = (
            f"检查了 {files_checked} 个文件：{n[Severity.ERROR]} 个错误，"
            f"{n[Severity.WARNING]} 个警告，{n[Severity.INFO]} 条提示。"
        )
    if lines:
        lines.append("")
    lines.append(summary)
    return "\n".join(lines)
