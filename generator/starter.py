"""What ``kb init`` writes into a new KB repository: text in, text out (the command writes it).

One list, :data:`COPIED`, names the files a new KB takes from this repository — the MkDocs
configuration, the hand-written site pages, the CI templates and the review checklists —
so a template added here (a scheduled workflow under ``.github/workflows/``) is picked up
without touching this module. The wheel carries the same files as ``generator/_starter/``
(pyproject.toml's package data; tests/test_init.py checks the patterns agree).

The CI templates here install ``kb`` from this source tree (``pip install -e .``); a KB
repository has no source tree, so :func:`for_kb` makes them install the version the KB pins
in :data:`REQUIREMENTS`. ``policy.yml`` is not copied (this repository's is the example
company's): :func:`policy_text` writes it from the policy schema — every parameter with the
policy's default and the schema's Chinese explanation, the optional blocks commented out —
so it never drifts from what ``kb check`` accepts.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from . import DISTRIBUTION, __version__
from .explain import description
from .load import KeyPath, get
from .scaffold import scalar
from .schemas import SchemaSet

# The wheel carries the starter files as generator/_starter/; from a source tree (an editable
# install, the tests) they are read where they are, at the repository root.
_WHEEL = Path(__file__).resolve().parent / "_starter"
SOURCE = _WHEEL if _WHEEL.is_dir() else Path(__file__).resolve().parent.parent

# Files a new KB takes from this repository (glob patterns relative to SOURCE). Keep in step
# with [tool.setuptools.package-data] "generator._starter" in pyproject.toml.
COPIED = (
    "mkdocs.yml",
    "site/*.md",
    "site/stylesheets/*.css",
    "site/javascripts/*.js",
    ".github/workflows/*.yml",
    ".github/pull_request_template.md",
    ".gitlab-ci.yml",
    ".gitlab/merge_request_templates/*.md",
)
# Read to write other files, not copied themselves.
READ = (".pre-commit-hooks.yaml", "policy.yml")

REQUIREMENTS = "requirements.txt"  # the pin kb init writes and kb check compares (pinning.py)

# What git must not track in a KB: the caches, the published site, the generated pages and the
# temporary folders of a build (each also ignores itself; listed for a stopped build's leftovers).
GITIGNORE = (
    ".kb-cache/",
    "public/",
    "site/generated/",
    ".public-*/",
    "public.old/",
    "site/.generated-*/",
    "site/generated.old/",
)

# How this repository's CI installs kb, and how a KB repository does instead.
_INSTALL = (
    ("python -m pip install -e .", f"python -m pip install -r {REQUIREMENTS}"),
    ("cache-dependency-path: pyproject.toml", f"cache-dependency-path: {REQUIREMENTS}"),
    ("files: [pyproject.toml]", f"files: [{REQUIREMENTS}]"),
    (
        "holds the KB and the `kb` package together (like this one)",
        f"kb init wrote: `kb` is installed from {REQUIREMENTS}, the version the KB pins",
    ),
)
_WRAP = 110  # display columns of a policy.yml comment line
_CLOSING = "，。；：、）」》,.;:)]}"


def copied_files() -> list[str]:
    """The KB-relative paths of the files a new KB takes from SOURCE, sorted."""
    found: set[str] = set()
    for pattern in COPIED:
        found.update(p.relative_to(SOURCE).as_posix() for p in SOURCE.glob(pattern) if p.is_file())
    return sorted(found)


def packaged(rel: str, patterns: list[str]) -> bool:
    """Whether ``rel`` matches one of pyproject's package-data ``patterns`` (for the test)."""
    return any(fnmatch.fnmatchcase(rel, p) for p in patterns)


def is_ci(rel: str) -> bool:
    return rel.startswith(".github/workflows/") or rel == ".gitlab-ci.yml"


def for_kb(rel: str, text: str) -> str:
    """A copied file as a KB repository needs it: CI installs the pinned kb; mkdocs.yml as is."""
    if not is_ci(rel):
        return text
    for ours, theirs in _INSTALL:
        text = text.replace(ours, theirs)
    return text


def mkdocs_text(text: str, name: str | None) -> str:
    """mkdocs.yml with the KB's name as the site's name."""
    if not name:
        return text
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("site_name:"):
            lines[i] = f"site_name: {scalar(name)}\n"
    return "".join(lines)


def requirements_text() -> str:
    return (
        f"# kb init 写入：本知识库用 kb {__version__} 检查和发布（CI 与 pre-commit 都安装这个版本）。\n"
        "# 升级 kb：改下面的版本号，按新版本 CHANGELOG.md 所列修改档案，并用新版本的 schemas/ 替换本库的 schemas/。\n"
        "# 内网没有 PyPI 时，把它换成公司的软件源或 git 地址，如 kb-dedicated-engineer @ git+https://…@v0.1.0。\n"
        f"{DISTRIBUTION}=={__version__}\n"
    )


def gitignore_text() -> str:
    return (
        "# kb 的缓存、发布的站点、生成的页面和构建的临时文件夹：都由 kb build / kb check 重新生成，不提交。\n"
        + "\n".join(GITIGNORE)
        + "\n"
    )


def pre_commit_text(hooks: list[dict[str, Any]]) -> str:
    """A .pre-commit-config.yaml that runs this repository's hooks (.pre-commit-hooks.yaml) with the
    kb installed from requirements.txt (``language: system``): the same version CI runs, no second
    copy of kb in pre-commit's own environments."""
    lines = [
        "# pre-commit（https://pre-commit.com）：提交前检查暂存的知识库文件，只有这些文件中的错误会阻止提交。",
        f"# 先安装本库锁定的 kb：python -m pip install -r {REQUIREMENTS}；再执行一次 pre-commit install。",
        "repos:",
        "  - repo: local",
        "    hooks:",
    ]
    for hook in hooks:
        keys = {**hook, "language": "system"}
        keys.pop("minimum_pre_commit_version", None)
        first = True
        for key, value in keys.items():
            lead = "      - " if first else "        "
            lines.append(f"{lead}{key}: {json.dumps(value, ensure_ascii=False)}")
            first = False
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ policy.yml


def policy_text(schemas: SchemaSet, example: Mapping[str, Any], today: dt.date) -> str:
    """policy.yml for a new KB: every key of the policy schema in its order, each under its
    Chinese title and description. A value is the schema's default (the policy's number), else
    for a required key this repository's ``example`` value (version, title, dates of the policy
    text); ``reviewed_on`` and ``adopted_on`` are ``today``. Optional keys without a default
    (roles, reminder channels …) are written commented out, to be filled and uncommented."""
    stamp = today.isoformat()
    lines = [
        "# yaml-language-server: $schema=schemas/policy.schema.json",
        f"# 《{example.get('title') or '专属工程师管理办法'}》的参数（kb init {stamp} 生成，取办法的默认值）。",
        "# 办法里的每个数字和日期都在这里，规则只从这里读取阈值和期限；办法修订或年度评审后改这里，并更新 reviewed_on。",
        "# 行首为“#”的键是可选项：填好值后删去“# ”启用。每个键上方的注释说明它的含义和办法条款。",
    ]
    overrides: dict[KeyPath, Any] = {("reviewed_on",): stamp, ("adopted_on",): stamp}
    _object(schemas, (), example, overrides, 0, False, lines)
    return "\n".join(lines) + "\n"


def schema_paths(schemas: SchemaSet, path: KeyPath = ()) -> Iterator[KeyPath]:
    """Every property path of the policy schema (list items as index 0), for the test."""
    node = schemas.subschema("policy", path) or {}
    for key in node.get("properties", {}):
        here = (*path, key)
        yield here
        sub = schemas.subschema("policy", here) or {}
        if sub.get("properties"):
            yield from schema_paths(schemas, here)
        elif (schemas.subschema("policy", (*here, 0)) or {}).get("properties"):
            yield from schema_paths(schemas, (*here, 0))


def _object(
    schemas: SchemaSet,
    path: KeyPath,
    example: Mapping[str, Any],
    overrides: Mapping[KeyPath, Any],
    indent: int,
    commented: bool,
    lines: list[str],
) -> None:
    node = schemas.subschema("policy", path) or {}
    required = set(node.get("required", ()))
    for key in node.get("properties", {}):
        here = (*path, key)
        sub = schemas.subschema("policy", here) or {}
        live = not commented and _live(schemas, here, key in required, overrides)
        pad = " " * indent
        mark = "" if live else "# "
        if path == ():
            lines.append("")
        lines.extend(_explain(schemas, here, indent, not live and not commented))
        if here in overrides and live:
            lines.append(f"{pad}{key}: {scalar(overrides[here])}")
        elif "default" in sub:
            lines.append(f"{pad}{mark}{key}: {_flow(sub['default'])}")
        elif sub.get("properties"):
            lines.append(f"{pad}{mark}{key}:")
            _object(schemas, here, example, overrides, indent + 2, not live, lines)
        elif live:
            value = get(example, here)
            lines.append(f"{pad}{key}: {_flow(value if value is not None else [] if _is_array(sub) else None)}")
        elif (item := schemas.subschema("policy", (*here, 0)) or {}).get("properties"):
            lines.append(f"{pad}# {key}:")
            first = True
            for sub_key in item["properties"]:
                lead = "- " if first else "  "
                title = schemas.title("policy", (*here, 0, sub_key)) or ""
                lines.append(_pad(f"{pad}#   {lead}{sub_key}:", title))
                first = False
        else:
            lines.append(f"{pad}# {key}:")


def _live(schemas: SchemaSet, path: KeyPath, required: bool, overrides: Mapping[KeyPath, Any]) -> bool:
    """A key is written live when it is required or has a value we know (a default, a date we
    set); an optional block, when its required keys have defaults and one of its keys is live."""
    sub = schemas.subschema("policy", path) or {}
    if required or path in overrides or "default" in sub:
        return True
    props = sub.get("properties") or {}
    needed = sub.get("required", ())
    known = all("default" in (schemas.subschema("policy", (*path, k)) or {}) for k in needed)
    return bool(props) and known and any(_live(schemas, (*path, k), False, overrides) for k in props)


def _is_array(sub: Mapping[str, Any]) -> bool:
    kind = sub.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def _explain(schemas: SchemaSet, path: KeyPath, indent: int, optional: bool) -> list[str]:
    title = " ".join((schemas.title("policy", path) or "").split())
    desc = description("policy", path, schemas) or ""
    if title and desc.startswith(title):  # "运维经理：提名与评估…" already names itself
        title = ""
    text = f"{title}：{desc}" if title and desc else title or desc
    if not text:
        return []
    prefix = " " * indent + "# " + ("（可选）" if optional else "")
    return _wrap(text, prefix, " " * indent + "#   ")


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """Lines of at most _WRAP display columns, broken between CJK characters or at spaces, never
    inside a word, a number or a path; no line starts with closing punctuation."""
    out, line = [], first
    for token in re.findall(r"[\x21-\x7e§]+ ?|.", text):  # "§7.1" stays whole
        if _width(line) + _width(token.rstrip()) > _WRAP and line.strip() != "#" and token[0] not in _CLOSING:
            out.append(line.rstrip())
            line = rest
        line += token
    out.append(line.rstrip())
    return out


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, comment: str) -> str:
    return text + " " * max(40 - _width(text), 2) + f"# {comment}" if comment else text


def _flow(value: Any) -> str:
    """A default in YAML flow style our loader reads back to the same value."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    text = scalar(value)
    if isinstance(value, str) and not text.startswith('"') and _yaml11(text) != value:
        return json.dumps(value, ensure_ascii=False)  # "09:00": other YAML tools read 09:00 as 540
    return text


def _yaml11(text: str) -> Any:
    """What a YAML 1.1 reader (PyYAML, many editors) makes of ``text``; a date as its ISO text."""
    try:
        value = yaml.safe_load(f"[{text}]")[0]
    except yaml.YAMLError:
        return None
    return value.isoformat() if isinstance(value, dt.date) else value


# ------------------------------------------------------------------ README.md


def readme_text(name: str | None, ci_files: list[str]) -> str:
    """The new KB's README, in Chinese, for the people who will keep it."""
    title = name or "专属工程师知识库"
    ci = "、".join(f"`{f}`" for f in ci_files)
    return f"""# {title}

本仓库是按《工程运维部-专属工程师管理办法》建立的客户运维知识库（docs-as-code）：每个客户一份 YAML 档案，
每位工程师一份档案，办法的参数在 `policy.yml`。`kb` 命令检查档案是否符合办法，并发布成内网站点和 Word 表单。
本库由 `kb init`（kb {__version__}）生成。

## 目录

| 路径 | 内容 |
|---|---|
| `clients/<客户ID>/client.yml` | 客户档案；会议纪要在 `meetings/`，跨部门协同任务在 `handoffs/`，附件在 `files/` |
| `engineers/<工程师ID>.yml` | 工程师档案：级别、证书、资源池、休假 |
| `policy.yml` | 办法的参数（阈值、期限、岗位）；首先填写 `roles`（运维经理等由谁担任） |
| `schemas/` | 各类文件的 JSON Schema：VS Code（YAML 插件）据此补全并提示每个键的含义 |
| `site/` | 站点的手写页面；`site/generated/` 由 `kb build` 生成，不提交 |
| `{REQUIREMENTS}` | 本库锁定的 kb 版本：CI 和 pre-commit 都安装这个版本 |

## 开始之前

```sh
python -m pip install -r {REQUIREMENTS}   # 安装本库锁定的 kb
pre-commit install                        # 可选：提交前检查暂存的档案（需先 pip install pre-commit）
```

1. 在 `policy.yml` 填写 `roles`：至少运维经理的姓名和代码平台账号（`roles.ops_manager.handle`）。
2. 生成 CODEOWNERS（客户档案的变更须专属工程师和运维经理审核）：
   `kb export codeowners --style github`（GitHub）或 `kb export codeowners --style gitlab`（GitLab），提交生成的文件。
   人员或指派变化后重新生成；CI 会核对它是否最新。

## 添加客户和工程师

- 新客户：`kb new client 客户ID --name 客户名称 [--tier gold] [--account-manager 客户经理]`，
  生成 `clients/客户ID/client.yml` 骨架；客户 ID 用小写字母、数字和连字符，如 `hx-logistics`。
- 新工程师：`kb new engineer 工程师ID --name 姓名 --level L2`。
- 会议纪要与协同任务：`kb new meeting 客户ID`、`kb new handoff 客户ID 任务ID`。
- 过渡期盘点（§10.4 第一步）：把现有“准专属服务”关系的盘点表（Excel 或 CSV）导入为档案骨架：
  `kb import inventory 盘点表.xlsx --dry-run` 先看将写入什么，去掉 `--dry-run` 写入；列名对应见 `policy.yml` 的 `inventory`。
- 骨架里空着的值都是待填写项：`kb check` 逐项列出“请填写”，填完再提交合并请求。

## 检查

`kb check` 检查每个文件，指出问题所在的文件和行，并给出修改提示（错误会阻止合并，警告显示在合规看板上）。
CI（{ci}）在每个合并请求上运行 `kb check`：只有该合并请求改动的文件中的错误决定是否通过；
同时核对 CODEOWNERS 是否最新，并试构建站点。期限规则从 git 历史读取日期，CI 须检出完整历史（模板已设置）。

## 站点

`kb build` 生成站点到 `public/`（打开 `public/index.html` 即可离线浏览），`kb serve` 在本地预览并随档案修改刷新。
CI 在默认分支上把站点发布到 GitHub Pages 或 GitLab Pages（仓库设置 → Pages）；发布后把地址写入 `policy.yml` 的 `site_url`，
提醒和日历中的链接指向这里。每天定时重建一次，“逾期”“还剩 N 天”才准确（GitLab：CI/CD → Schedules）。

## 升级 kb

`kb check` 会提示本库锁定的版本（`{REQUIREMENTS}`）与正在运行的 kb 不同。升级时：改 `{REQUIREMENTS}` 中的版本号，
用新版本的 `schemas/` 替换本库的 `schemas/`，按新版本 CHANGELOG.md 列出的不兼容变更修改档案，运行 `kb check` 确认。
"""
