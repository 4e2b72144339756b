"""``kb export incentives`` (finance) and ``kb export codeowners`` (review)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from ..finding import Finding, Lang
from ..incentives import report
from ..render import codeowners, incentive_report
from ..report import render as render_findings
from .common import (
    EXIT_FINDINGS,
    EnvProblem,
    kb_root_of,
    lang_option,
    output_to,
    read_only_model,
    root_option,
    say,
    today_of,
    today_option,
    write_output,
)


def _refuse(findings: Sequence[Finding], lang: Lang, what: str) -> None:
    """Print the problems (file:line, hint) and exit 1 without writing anything."""
    click.echo(
        render_findings(sorted(findings, key=Finding.sort_key), "text", lang, files_checked=0, color=False), err=True
    )
    click.echo(
        say(lang, f"kb：以上问题修好之前不生成{what}。", f"kb: {what} not written until these are fixed."), err=True
    )
    sys.exit(EXIT_FINDINGS)


@click.command("incentives")
@click.option("--year", type=int, default=None, help="年度（默认：今年）")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@output_to("保有奖励-年度.xlsx")
@lang_option
@root_option
@today_option
def export_incentives(
    year: int | None, fmt: str, output: str | None, lang: Lang, root: str | None, today: str | None
) -> None:
    """财务用的客户保有奖励报表：每条续约的奖金、备案比例、按服务月份折算后每人的金额（§9.2、§9.3）。

    未备案分配比例的客户是错误，不按默认比例发放：报表不生成，退出码 1。
    """
    day = today_of(today, lang)
    y = year if year is not None else day.year
    if not 2000 <= y <= 2100:
        raise EnvProblem(say(lang, f"--year 应为 2000–2100 的年份：{y}", f"--year must be a year 2000–2100: {y}"))
    outcome = read_only_model(kb_root_of(root, lang), lang)
    payouts, problems = report(outcome.kb, y, day)
    if problems:
        _refuse(problems, lang, say(lang, "保有奖励报表", "the incentive report"))
    kb = outcome.kb
    data = incentive_report.to_csv(payouts, lang, kb) if fmt == "csv" else incentive_report.to_xlsx(payouts, y, lang, kb)
    if not payouts:
        click.echo(say(lang, f"{y} 年没有续约记录。", f"No renewals in {y}."), err=True)
    if output == "-":  # to standard output: CSV as text, the workbook as bytes
        if fmt == "csv":
            click.echo(data.decode("utf-8-sig"), nl=False)
        else:
            sys.stdout.buffer.write(data)
        return
    write_output(data, say(lang, f"保有奖励-{y}.{fmt}", f"incentives-{y}.{fmt}"), output, lang)


@click.command("codeowners")
@click.option("--style", type=click.Choice(["github", "gitlab"]), default="github", show_default=True)
@output_to("github 为 .github/CODEOWNERS，gitlab 为 .gitlab/CODEOWNERS")
@click.option("--check", is_flag=True, help="只检查现有文件是否与生成结果一致（CI 用），不一致时退出码 1")
@lang_option
@root_option
def export_codeowners(style: str, output: str | None, check: bool, lang: Lang, root: str | None) -> None:
    """CODEOWNERS：客户档案的变更须该客户的专属工程师和运维经理审核；CODEOWNERS 本身归运维经理。"""
    kb_root = kb_root_of(root, lang)
    outcome = read_only_model(kb_root, lang)
    problems = list(codeowners.problems(outcome.kb))
    if problems:
        _refuse(problems, lang, "CODEOWNERS")
    target = kb_root / codeowners.DEFAULT_PATH[style] if output in (None, "-") else Path(output).resolve()
    try:
        self_path = target.relative_to(kb_root).as_posix()
    except ValueError:
        self_path = codeowners.DEFAULT_PATH[style]
    text = codeowners.render(outcome.kb, style, self_path)
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            click.echo(say(lang, f"{self_path} 与人员记录一致。", f"{self_path} is up to date."))
            return
        click.echo(
            say(
                lang,
                f"{self_path} {'不存在' if current is None else '与人员和指派记录不一致'}：运行 kb export codeowners --style {style} 重新生成并提交。",
                f"{self_path} is {'missing' if current is None else 'out of date'}: run kb export codeowners --style {style} and commit it.",
            ),
            err=True,
        )
        sys.exit(EXIT_FINDINGS)
    if output == "-":
        click.echo(text, nl=False)
        return
    write_output(text.encode("utf-8"), str(target), None, lang)
