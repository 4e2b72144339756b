"""Rendering: escaping that survives Markdown, and golden pages for the base KB."""

from __future__ import annotations

import os
import re
from html import unescape
from pathlib import Path

import markdown
import pytest

from generator.pipeline import check
from generator.render.escape import block, link, text
from generator.render.site import build_pages
from generator.render.views import SiteInput

from .conftest import TODAY, copy_base

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "[x](javascript:alert(1))", "x{ onclick=alert(1) }",
    "# 标题", "a | b", "{{ 7*7 }}", "{% raw %}", "**b** _i_ `c`", "&amp; &lt;", "<https://evil.example>",
    "![i](http://evil.example/i.png)", "1. 列表", "- 列表", "> 引用", "---", "\\*转义\\*", "$x$", "~~删~~", "[^1]",
    "*[HTML]: Hyper", ":::", "!!! note", "--8<-- \"/etc/passwd\"",
]
EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "footnotes", "abbr", "def_list", "toc",
              "pymdownx.snippets"]


def _html(md: str) -> str:
    return markdown.markdown(md, extensions=EXTENSIONS, extension_configs={"pymdownx.snippets": {"check_paths": False}})


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_exactly_as_typed(value: str) -> None:
    html = _html(f"| 列 |\n|---|\n| {text(value)} |\n\n{text(value)}\n")
    assert not re.search(r"<(?:script|img|a|h1|em|strong|code|del|ol|ul|blockquote|hr|sup|abbr)\b", html), html
    assert "onclick=" not in html and "onerror=" not in html
    body = unescape(re.sub(r"<[^>]+>", "", html))
    assert body.count(value) == 2, body


def test_block_keeps_paragraphs_and_lines() -> None:
    html = _html(block("第一行\n第二行\n\n# 第二段"))
    assert "<h1" not in html and html.count("<p>") == 2 and "<br>" in html


def test_link_targets_are_ours() -> None:
    assert link("华兴", "clients/hx-logistics.md") == "[华兴](clients/hx-logistics.md)"
    assert ":" not in link("x", "javascript:alert(1)").split("](")[1]  # percent-encoded: a path, never a scheme
    assert link("附件", "acme/files/拓扑 图.png").endswith("(acme/files/%E6%8B%93%E6%89%91%20%E5%9B%BE.png)")


def test_golden_pages(tmp_path: Path) -> None:
    """The base KB's generated Markdown, compared with tests/golden/ (KB_UPDATE_GOLDEN=1 rewrites)."""
    kb = copy_base(tmp_path / "kb")
    outcome = check(kb, TODAY, git=False)
    pages = build_pages(SiteInput(outcome.kb, outcome.findings, None, TODAY))
    for name in ("clients/acme.md", "engineers/zhang-wei.md", "routing.md", "transition.md"):
        got = pages[name]
        assert isinstance(got, str)
        golden = GOLDEN / name.replace("/", "__")
        if os.environ.get("KB_UPDATE_GOLDEN") or not golden.exists():
            golden.write_text(got, encoding="utf-8")
        assert got == golden.read_text(encoding="utf-8"), f"{name} differs from {golden} (KB_UPDATE_GOLDEN=1 to accept)"


def test_recent_changes_list_only_data_commits_with_their_files(tmp_path: Path) -> None:
    """The home page's "最近变更" is about the KB, not the tool: a commit that touches only code or
    docs is not listed; a data commit is listed with the files it touched."""
    from .conftest import commit_all, git, init_repo

    kb = init_repo(copy_base(tmp_path / "kb"))
    (kb / "generator").mkdir()
    (kb / "generator" / "tool.py").write_text("x = 1\n", encoding="utf-8")
    (kb / "README.md").write_text("# 说明\n", encoding="utf-8")
    commit_all(kb, "工具开发：重构", "2026-11-16T10:00:00+08:00")
    (kb / "notice.txt").write_text("不是知识库数据\n", encoding="utf-8")
    dossier = kb / "clients" / "acme" / "client.yml"
    dossier.write_text(dossier.read_text(encoding="utf-8") + "# 备注\n", encoding="utf-8")
    (kb / "engineers" / "zhang-wei.yml").write_text(
        (kb / "engineers" / "zhang-wei.yml").read_text(encoding="utf-8") + "# 备注\n", encoding="utf-8")
    commit_all(kb, "更新艾克美档案", "2026-11-17T10:00:00+08:00")
    assert "工具开发" in git(kb, "log", "--format=%s")
    outcome = check(kb, TODAY)
    snippet = str(build_pages(SiteInput(outcome.kb, outcome.findings, outcome.history, TODAY))["dashboard.snippet"])
    recent = snippet[snippet.index("最近变更"):]
    assert "工具开发" not in recent and "更新艾克美档案" in recent and "导入知识库" in recent
    row = next(line for line in recent.splitlines() if "更新艾克美档案" in unescape(line))
    assert "clients/acme/client.yml" in unescape(row) and "engineers/zhang-wei.yml" in unescape(row)
    assert "notice.txt" not in unescape(row)
