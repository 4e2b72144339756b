"""``kb init DIR``: a new KB repository, ready for ``kb check`` and ``kb build``.

The text of each file comes from :mod:`generator.starter`; this module refuses a folder that
already holds something, writes the files (each created, never over one), checks that the
policy it wrote is one ``kb check`` accepts, and with ``--git`` makes the first commit.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from .. import __version__, starter
from ..finding import Lang
from ..load import load_file, load_text
from ..pipeline import PACKAGE_SCHEMAS
from ..schemas import SchemaError, SchemaSet
from ..validate import validate
from .common import EXIT_FINDINGS, EnvProblem, lang_option, say, today_of, today_option

# Who made the first commit when git knows nobody (a fresh CI runner): used for that commit only.
FALLBACK_AUTHOR = ("kb init", "kb-init@localhost")


@click.command("init")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--name", default=None, help="部门或知识库名称（站点标题和 README 用），如 华东区工程运维部")
@click.option("--git", "make_git", is_flag=True, help="初始化 git 仓库并提交第一个版本")
@lang_option
@today_option
def init_cmd(directory: str, name: str | None, make_git: bool, lang: Lang, today: str | None) -> None:
    """新建知识库仓库 DIR：policy.yml（办法的默认参数）、站点、CI 模板、pre-commit、锁定 kb 版本的
    requirements.txt、空的 clients/ 与 engineers/ 和使用说明 README.md。DIR 须不存在或为空。"""
    target = Path(directory).absolute()
    title = _name(name, lang)
    day = today_of(today, lang)
    _refuse_non_empty(target, lang)
    schemas = _schemas(lang)
    example = load_file(starter.SOURCE, "policy.yml")
    files = _files(schemas, example.data if isinstance(example.data, dict) else {}, title, day)
    _check_policy(files["policy.yml"], schemas)
    try:
        for rel, content in files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as fh:  # "x": never over a file (someone may write there meanwhile)
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as exc:
        raise EnvProblem(
            say(
                lang,
                f"无法写入 {exc.filename or target}：{exc.strerror}",
                f"Cannot write {exc.filename or target}: {exc.strerror}",
            )
        ) from exc
    fallback = _first_commit(target, lang) if make_git else None
    shown = _shown(target)
    click.echo(
        say(
            lang,
            f"已在 {shown} 新建知识库（kb {__version__}，{len(files)} 个文件）。",
            f"Created a KB in {shown} (kb {__version__}, {len(files)} files).",
        )
    )
    if make_git:
        click.echo(
            say(
                lang,
                "已初始化 git 仓库并提交第一个版本（分支 main）。",
                "Initialised a git repository and made the first commit (branch main).",
            )
        )
    if fallback:
        click.echo(
            say(
                lang,
                f"提示：git 没有配置提交人（user.name / user.email），第一个提交的作者记为“{fallback[0]} <{fallback[1]}>”；"
                "以后的提交请先配置：git config --global user.name 姓名 && git config --global user.email 邮箱。",
                f"Note: git has no user.name / user.email, so the first commit is by '{fallback[0]} <{fallback[1]}>'; "
                "configure git before further commits.",
            )
        )
    click.echo(
        say(
            lang,
            "下一步：\n"
            f"  1. cd {shown} && python -m pip install -r {starter.REQUIREMENTS}\n"
            "  2. 在 policy.yml 填写 roles（至少 ops_manager 的姓名和平台账号），再运行 kb export codeowners --style github"
            " 和 --style gitlab 生成 CODEOWNERS（CI 会核对）\n"
            "  3. kb new client 客户ID --name 客户名称，或 kb import inventory 盘点表.xlsx 导入现有服务关系\n"
            "  4. kb check，然后 kb build 在 public/ 生成站点",
            "Next:\n"
            f"  1. cd {shown} && python -m pip install -r {starter.REQUIREMENTS}\n"
            "  2. fill in roles in policy.yml (at least ops_manager's name and handle), then run kb export codeowners"
            " --style github and --style gitlab (CI checks them)\n"
            "  3. kb new client ID --name NAME, or kb import inventory FILE.xlsx for the existing relationships\n"
            "  4. kb check, then kb build writes the site to public/",
        )
    )


def _name(value: str | None, lang: Lang) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text or any(ch in text for ch in "\r\n\t\0"):
        raise EnvProblem(
            say(
                lang,
                f"--name 不能为空，也不能含换行：{value!r}",
                f"--name must not be empty nor contain line breaks: {value!r}",
            )
        )
    return text


def _refuse_non_empty(target: Path, lang: Lang) -> None:
    """DIR may be missing, empty, or hold only an empty git repository (a fresh clone of an empty
    remote); anything else would be mixed with the new files, so nothing is written (exit 1)."""
    if os.path.lexists(target) and not target.is_dir():
        raise EnvProblem(say(lang, f"{target} 已存在且不是文件夹。", f"{target} exists and is not a folder."))
    if not target.is_dir():
        return
    try:
        entries = sorted(p.name for p in target.iterdir())
    except OSError as exc:
        raise EnvProblem(
            say(lang, f"无法读取 {target}：{exc.strerror}", f"Cannot read {target}: {exc.strerror}")
        ) from exc
    if entries in ([], [".git"]) and not (entries and _has_commits(target)):
        return
    listed = "、".join(entries[:5]) + ("…" if len(entries) > 5 else "")
    click.echo(
        say(
            lang,
            f"kb：{target} 不是空文件夹（已有 {listed}）：未写入任何文件。请指定一个不存在的或空的文件夹。",
            f"kb: {target} is not empty (it holds {', '.join(entries[:5])}): nothing was written. "
            "Name a folder that does not exist or is empty.",
        ),
        err=True,
    )
    sys.exit(EXIT_FINDINGS)


def _has_commits(target: Path) -> bool:
    r = subprocess.run(["git", "-C", str(target), "rev-parse", "-q", "--verify", "HEAD"], capture_output=True)
    return r.returncode == 0


def _schemas(lang: Lang) -> SchemaSet:
    try:
        return SchemaSet.from_dir(PACKAGE_SCHEMAS)
    except SchemaError as exc:
        raise EnvProblem(say(lang, f"无法使用 JSON Schema：{exc}", f"The JSON Schemas cannot be used: {exc}")) from exc


def _files(schemas: SchemaSet, example: dict[str, object], name: str | None, day: dt.date) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for rel in starter.copied_files():
        text = (starter.SOURCE / rel).read_text(encoding="utf-8")
        files[rel] = starter.mkdocs_text(text, name) if rel == "mkdocs.yml" else starter.for_kb(rel, text)
    # The KB carries the schemas of the kb it pins: editors complete from them (each file's
    # modeline names schemas/), and kb check validates with them.
    for schema in sorted(PACKAGE_SCHEMAS.glob("*.schema.json")):
        files[f"schemas/{schema.name}"] = schema.read_bytes()
    files["policy.yml"] = starter.policy_text(schemas, example, day)
    files[starter.REQUIREMENTS] = starter.requirements_text()
    files[".gitignore"] = starter.gitignore_text()
    hooks = _hooks()
    if hooks:
        files[".pre-commit-config.yaml"] = starter.pre_commit_text(hooks)
    files["README.md"] = starter.readme_text(name, sorted(r for r in files if starter.is_ci(r)))
    files["clients/.gitkeep"] = ""
    files["engineers/.gitkeep"] = ""
    return dict(sorted(files.items()))


def _hooks() -> list[dict[str, object]]:
    import yaml

    path = starter.SOURCE / ".pre-commit-hooks.yaml"
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [h for h in data if isinstance(h, dict)] if isinstance(data, list) else []


def _check_policy(text: str | bytes, schemas: SchemaSet) -> None:
    """The policy we write passes kb check's schema by construction; a schema change that breaks
    that is our bug, said before anything is written."""
    assert isinstance(text, str)
    loaded = load_text(text, "policy.yml")
    findings = list(loaded.findings)
    if loaded.usable:
        findings += validate(loaded, "policy", schemas)[1]
    if findings:
        raise RuntimeError(f"kb init wrote a policy.yml that does not validate: {findings[0].message('en')}")


def _git_identity(target: Path) -> tuple[str, str] | None:
    """None when git knows who commits (config or environment), else the fallback author."""

    def known(key: str, env: tuple[str, ...]) -> bool:
        if any(os.environ.get(e) for e in env):
            return True
        r = subprocess.run(["git", "-C", str(target), "config", key], capture_output=True, text=True)
        return r.returncode == 0 and bool(r.stdout.strip())

    if known("user.name", ("GIT_AUTHOR_NAME",)) and known("user.email", ("GIT_AUTHOR_EMAIL", "EMAIL")):
        return None
    return FALLBACK_AUTHOR


def _first_commit(target: Path, lang: Lang) -> tuple[str, str] | None:
    if shutil.which("git") is None:
        raise EnvProblem(
            say(
                lang,
                "找不到 git：已写入文件，但没有提交。",
                "git is not installed: the files are written but not committed.",
            )
        )
    if not (target / ".git").exists():
        _git(target, lang, "init", "-q")
        _git(target, lang, "symbolic-ref", "HEAD", "refs/heads/main")  # also on git < 2.28 (no init -b)
    fallback = _git_identity(target)
    ident = ["-c", f"user.name={fallback[0]}", "-c", f"user.email={fallback[1]}"] if fallback else []
    _git(target, lang, "add", "-A")
    _git(target, lang, *ident, "commit", "-q", "--no-verify", "-m", f"kb init：新建知识库（kb {__version__}）")
    return fallback


def _git(target: Path, lang: Lang, *args: str) -> None:
    r = subprocess.run(["git", "-C", str(target), *args], capture_output=True, text=True)
    if r.returncode != 0:
        detail = (r.stderr or r.stdout).strip()
        raise EnvProblem(
            say(
                lang,
                f"git {args[-1] if args else ''} 失败：{detail}（文件已写入 {target}）",
                f"git failed: {detail} (the files are in {target})",
            )
        )


def _shown(path: Path) -> str:
    try:
        rel = path.relative_to(Path.cwd())
        return rel.as_posix() or "."
    except ValueError:
        return path.as_posix()
