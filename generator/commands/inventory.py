"""``kb import inventory FILE.xlsx|FILE.csv``: the §10.4 inventory → skeleton dossiers.

The table is read by :mod:`generator.importer.table` with the columns of policy.yml
``inventory.columns`` (defaults in the policy schema); :mod:`generator.inventory` turns the
rows into files and findings; this layer prints the findings, writes the files (each created,
never over one) or, with ``--dry-run``, only lists them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .. import inventory, scaffold
from ..finding import Finding, Lang, Msg, Severity
from ..importer.table import read_table
from ..load import load_file
from ..report import render
from ..validate import validate
from .common import EXIT_FINDINGS, EXIT_OK, kb_root_of, lang_option, root_option, say, today_of, today_option
from .new import _Context


@click.command("inventory")
@click.argument("table", metavar="FILE.xlsx|FILE.csv", type=click.Path(dir_okay=False))
@click.option("--sheet", default=None, help="XLSX 的工作表名称（默认：第一个）")
@click.option("--dry-run", is_flag=True, help="只列出将要写入的文件，不写入")
@lang_option
@root_option
@today_option
def import_inventory_cmd(
    table: str, sheet: str | None, dry_run: bool, lang: Lang, root: str | None, today: str | None
) -> None:
    """把过渡期盘点表（§10.4 第一步：全面盘点与评估）导入为客户档案骨架，每行一份（状态 dedicated，
    写入分类 A/B/C 与评估日期、客户经理、现服务工程师、月合同金额），尚无档案的工程师各一份骨架。

    不覆盖已有文件；每个有问题的行都报告其行号，有错误的行不导入。列名取自 policy.yml 的
    inventory.columns。导入后运行 kb check，逐项列出过渡期还须补齐的资料。
    """
    sys.exit(run(table, sheet, dry_run, lang, root, today))


def run(table: str, sheet: str | None, dry_run: bool, lang: Lang, root: str | None, today: str | None) -> int:
    kb = kb_root_of(root, lang)
    day = today_of(today, lang)
    ctx = _Context.of(kb, lang)
    policy = ctx.policy()
    columns = _columns(ctx)
    source = _shown(Path(table))
    read = read_table(table, columns, required=inventory.REQUIRED, display=source, sheet=sheet, rule=inventory.RULE)
    findings: list[Finding] = list(read.findings)
    said = inventory.found_encoding(source, read.encoding)
    if said is not None:
        findings.append(said)
    if not read.ok:
        _report(findings, lang)
        click.echo(say(lang, "kb：未写入任何文件。", "kb: nothing was written."), err=True)
        return EXIT_FINDINGS
    refs = {kind: ctx.schema_ref(kind, scaffold.path_of(kind, "x", "x")) for kind in ("client", "engineer")}
    result = inventory.plan(
        read.rows,
        source,
        _known(kb, ctx),
        ctx.schemas,
        refs,
        site_kinds=policy.required_site_kinds if policy else (),
        contact_levels=policy.required_contact_levels if policy else (),
        today=day,
    )
    findings += result.findings
    planned: list[tuple[inventory.Planned, int]] = []
    for item in result.files:
        kind = "client" if item.path.startswith("clients/") else "engineer"
        todos, problems = scaffold.check(item.text, kind, item.path, ctx.schemas)
        if problems:  # a value the schema refuses (a name too long): the row is not imported
            p = problems[0]
            findings.append(
                Finding(source, item.line, 1, inventory.RULE, Severity.ERROR,
                        Msg(f"{item.path}：{p.message('zh')}；这一行未导入。", f"{item.path}: {p.message('en')}; row not imported."),
                        p.hint)
            )
            continue
        planned.append((item, len(todos)))
    written: list[tuple[inventory.Planned, int]] = []
    for item, count in planned:
        if dry_run:
            written.append((item, count))
            continue
        target = kb / item.path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8", newline="\n") as fh:  # "x": never over a file
                fh.write(item.text)
        except FileExistsError:
            findings.append(Finding(source, item.line, 1, inventory.RULE, Severity.INFO,
                                    Msg(f"{item.path} 已存在，未覆盖。", f"{item.path} already exists; not overwritten.")))
            continue
        written.append((item, count))
    _report(findings, lang)
    verb = say(lang, "将写入" if dry_run else "已写入", "would write" if dry_run else "wrote")
    for item, count in written:
        click.echo(
            say(lang, f"{verb} {item.path}（第 {item.line} 行，{item.summary.zh}；{count} 项待填写）",
                f"{verb} {item.path} (line {item.line}, {item.summary.en}; {count} to fill in)")
        )
    clients = sum(1 for item, _ in written if item.path.startswith("clients/"))
    engineers = len(written) - clients
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    rows = read.row_count
    if dry_run:
        click.echo(say(lang, f"演练：{rows} 行，将写入 {clients} 份客户档案、{engineers} 份工程师档案；{errors} 行有错误。未写入任何文件。",
                       f"Dry run: {rows} rows; would write {clients} client and {engineers} engineer files; {errors} error(s). Nothing was written."))
    else:
        click.echo(say(lang, f"{rows} 行：写入 {clients} 份客户档案、{engineers} 份工程师档案；{errors} 行有错误未导入。\n"
                             "下一步：运行 kb check 查看过渡期还须补齐的资料（每个“请填写”一项），提交合并请求。",
                       f"{rows} rows: wrote {clients} client and {engineers} engineer files; {errors} row error(s) not imported.\n"
                       "Next: run kb check to list what the transition must still collect (each todo), then open a pull request."))
    return EXIT_FINDINGS if errors else EXIT_OK


def _columns(ctx: _Context) -> dict[str, str]:
    """Our key → the column name: the policy schema's defaults, then policy.yml inventory.columns."""
    node = ctx.schemas.subschema("policy", ("inventory", "columns")) or {}
    columns = {k: str(v["default"]) for k, v in node.get("properties", {}).items() if "default" in v}
    if (ctx.kb / "policy.yml").is_file():
        loaded = load_file(ctx.kb, "policy.yml")
        data, _ = validate(loaded, "policy", ctx.schemas) if loaded.usable else (None, [])
        given = ((data or {}).get("inventory") or {}).get("columns") if isinstance(data, dict) else None
        if isinstance(given, dict):
            columns.update({k: str(v) for k, v in given.items() if isinstance(v, str)})
    return {k: columns[k] for k in inventory.KEYS if k in columns}


def _known(kb: Path, ctx: _Context) -> inventory.Known:
    """The clients and engineers already in the KB, by id, with their names."""
    def name_of(rel: str) -> str:
        item = load_file(kb, rel)
        data: Any = item.data if item.usable else None
        return str(data.get("name")) if isinstance(data, dict) and data.get("name") else ""

    clients = {p.name: name_of(f"clients/{p.name}/client.yml") for p in sorted((kb / "clients").glob("*"))
               if (p / "client.yml").is_file()} if (kb / "clients").is_dir() else {}
    engineers = {p.stem: name_of(f"engineers/{p.name}") for p in sorted((kb / "engineers").glob("*.yml"))} \
        if (kb / "engineers").is_dir() else {}
    return inventory.Known(clients, engineers)


def _report(findings: list[Finding], lang: Lang) -> None:
    if findings:
        out = render(sorted(findings, key=Finding.sort_key), "text", lang, files_checked=0, color=False)
        click.echo(out.rsplit("\n\n", 1)[0])  # the findings without kb check's "checked N files" line


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()

