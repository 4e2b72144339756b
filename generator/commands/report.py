"""``kb report --month YYYY-MM``: the monthly report for the department head (generator/monthly.py)."""

from __future__ import annotations

import re
import sys

import click

from ..finding import Lang
from .common import EnvProblem, kb_root_of, lang_option, root_option, say, write_output

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DEFAULTS = {"docx": "月度报表-{m}.docx", "xlsx": "月度报表-{m}.xlsx", "md": "site/报表/{m}.md"}


@click.command("report")
@click.option("--month", required=True, metavar="YYYY-MM", help="报表月份")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "md"]), default="docx", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None,
    help="输出文件（默认：月度报表-YYYY-MM.docx/.xlsx；md 写到站点的 site/报表/YYYY-MM.md；- 为标准输出）",
)
@lang_option
@root_option
def report_cmd(month: str, fmt: str, output: str | None, lang: Lang, root: str | None) -> None:
    """月度报表：主要指标及与上月的变化、本月晚报与缺失的事项（客户、负责人、规则、条款、期限、晚了多久）、
    应开与已开的例会、未完善的知识库、过渡期、上季度 KPI、下月期限。

    两个月末的数字都按 --as-of 读取（当天结束时的最后一次提交，以那天为“今天”），不动工作区。
    """
    from ..monthly import monthly_report
    from ..render.forms import FormTemplateError
    from ..render.monthly_report import to_docx, to_markdown, to_xlsx
    from ..source import GitError
    from ..validate import SchemaError

    if not _MONTH.match(month):
        raise EnvProblem(say(lang, f"--month 应为 YYYY-MM：{month}", f"--month must be YYYY-MM: {month}"))
    kb_root = kb_root_of(root, lang)
    try:
        report = monthly_report(kb_root, month)
    except (SchemaError, GitError) as exc:
        raise EnvProblem(say(lang, f"无法生成月度报表：{exc}", f"Cannot make the monthly report: {exc}")) from exc
    if report.commit is None:
        raise EnvProblem(
            say(
                lang,
                f"{month} 月末之前没有提交：那时知识库还不存在。",
                f"There is no commit before the end of {month}: the KB did not exist yet.",
            )
        )
    if fmt == "md":
        data = to_markdown(report, lang).encode("utf-8")
    elif fmt == "xlsx":
        data = to_xlsx(report, lang)
    else:
        try:
            data = to_docx(report, kb_root)
        except FormTemplateError as exc:
            raise EnvProblem(say(lang, f"报表模板无法使用：{exc}", f"The report template cannot be used: {exc}")) from exc
    if output == "-":
        sys.stdout.buffer.write(data)
        return
    default = DEFAULTS[fmt].format(m=month)
    write_output(data, str(kb_root / default) if fmt == "md" and output is None else default, output, lang)
