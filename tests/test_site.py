"""The published site: a real `kb build` opened in headless Chromium, with each site engine
(`--engine mkdocs`, MkDocs Material; `--engine zensical`, skipped only where it is not installed).

Chromium is Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser);
every request that is not to the local test server is refused and recorded, so a page
that needs the internet fails here. `.ci/run` installs chromium and fonts-noto-cjk.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ENGINES, REPO, UNDER_FAKETIME_NO_LIVE_RELOAD, commit_all, copy_base, git

CHROMIUM = Path("/usr/bin/chromium")
# Where each engine documents its search index: Material's search plugin, Zensical's search
SEARCH_INDEX = {"mkdocs": "search/search_index.json", "zensical": "search.json"}
HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "[点我](javascript:window.__xss=3)",
    'x{ onclick="window.__xss=4" }',
    "# 假标题",
    "a | b | c",
    "{{ 7*7 }}",
    '<a href="http://evil.example/">外链</a>',
    "![图](http://evil.example/x.png)",
    "<https://evil.example>",
    "**粗体** _斜体_ `代码`",
    "$x^2$ &amp; &lt;",
]


def _site_files(kb: Path) -> None:
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
    shutil.copytree(REPO / "site", kb / "site", ignore=shutil.ignore_patterns("generated"))


def _example_repo(kb: Path) -> Path:
    """The example KB of this repository (data, schemas, site) in its own git repository, one
    commit on 2026-11-24."""
    for name in ("clients", "engineers", "policy.yml", "schemas", "calendar", "kpis"):
        src = REPO / name
        if src.exists():
            (shutil.copytree if src.is_dir() else shutil.copy)(src, kb / name)
    _site_files(kb)
    git(kb, "init", "-q", "-b", "main")
    commit_all(kb, "导入知识库", "2026-11-24T10:00:00+08:00")
    return kb


def _build(run_kb, kb: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_kb("build", "--root", str(kb), "--today", "2026-11-24", *extra)


def engine_of(site: Path) -> str:
    """Which engine built ``site``, from the generator tag both put in every page."""
    m = re.search(r'<meta name="generator" content="([a-z]+)', (site / "index.html").read_text(encoding="utf-8"))
    assert m, "no generator tag"
    return m.group(1)


@pytest.fixture(scope="module", params=ENGINES)
def example_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example KB of this repository, in its own git repository, built once per engine."""
    import subprocess
    import sys

    kb = _example_repo(tmp_path_factory.mktemp(f"example-{request.param}"))
    r = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", "2026-11-24",
                        "--engine", request.param], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    return kb / "public"


@pytest.fixture(scope="module", params=ENGINES)
def hostile_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dossier full of hostile strings in its name, free text, tables and lists."""
    import subprocess
    import sys

    kb = copy_base(tmp_path_factory.mktemp(f"hostile-{request.param}"))
    _site_files(kb)
    dossier = kb / "clients" / "acme" / "client.yml"
    text = dossier.read_text(encoding="utf-8")
    text = text.replace("name: 艾克美物流", 'name: "艾克美<script>window.__xss=9</script>物流"')
    text = text.replace("  special_notes: 每月第一个周六 22:00 为变更窗口",
                        "  special_notes: |\n" + "".join(f"    {h}\n" for h in HOSTILE))
    text = text.replace("  network_model: 总部与 IDC 为核心，HUB 汇聚区域仓库",
                        "  network_model: " + json.dumps(" / ".join(HOSTILE), ensure_ascii=False))
    text = text.replace("{name: 李强, level: technical, title: 网络主管",
                        "{name: " + json.dumps(HOSTILE[5], ensure_ascii=False) + ", level: technical, title: "
                        + json.dumps(HOSTILE[1], ensure_ascii=False))
    text = text.replace("  - {id: hq, name: 上海总部, kind: core, city: 上海}",
                        "  - {id: hq, name: " + json.dumps(HOSTILE[0], ensure_ascii=False) + ", kind: core, city: 上海}")
    dossier.write_text(text, encoding="utf-8")
    git(kb, "init", "-q", "-b", "main")
    commit_all(kb, "<script>alert(1)</script> 提交说明", "2026-11-13T10:00:00+08:00")
    r = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(kb), "--today", "2026-11-24",
                        "--engine", request.param], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    return kb / "public"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def serve() -> Iterator[functools.partial[str]]:
    servers: list[socketserver.TCPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield functools.partial(start)
    for s in servers:
        s.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # .ci/run installs it: in CI a missing browser is a failure, not a skip
            pytest.fail("Debian chromium is missing in CI")
        pytest.skip("Debian chromium is not installed (apt-get install chromium; .ci/run does this)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


class Visit:
    """One page load: console errors, dialogs, and every request that tried to leave localhost."""

    def __init__(self, browser: object, base: str, path: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            if url.startswith(base):
                r.continue_()  # type: ignore[attr-defined]
            else:
                self.foreign.append(url)
                r.abort()  # type: ignore[attr-defined]

        self.page.route("**/*", route)
        self.page.goto(f"{base}/{path}")
        self.page.wait_for_load_state("networkidle")

    def close(self) -> None:
        self.page.close()


PAGES = ["index.html", "generated/clients/index.html", "generated/clients/hx-logistics.html",
         "generated/engineers/index.html", "generated/engineers/zhang-wei.html", "generated/pool.html",
         "generated/compliance.html", "generated/transition.html", "generated/routing.html",
         "generated/lifecycle.html"]


def test_build_output(example_site: Path, request: pytest.FixtureRequest) -> None:
    assert engine_of(example_site) == request.node.callspec.params["example_site"]
    for page in PAGES:
        assert (example_site / page).is_file(), page
    for client in ("hx-logistics", "jc-pharma", "ms-retail", "rf-manufacturing"):
        assert (example_site / "generated" / "clients" / f"{client}.html").is_file()
    assert (example_site / "generated" / "clients" / "network" / "hx-logistics.svg").is_file()
    # the Word forms are published beside the site and linked from the client page
    forms = sorted(p.name for p in (example_site / "forms" / "hx-logistics").glob("*.docx"))
    assert forms == ["专属工程师服务申请表-华兴物流集团.docx", "客户运维知识库-华兴物流集团.docx",
                     "问题定界分析报告-华兴物流集团-xt-2026-0226.docx"]
    page = (example_site / "generated" / "clients" / "hx-logistics.html").read_text(encoding="utf-8")
    from urllib.parse import quote

    for name in forms:
        assert f'href="../../forms/hx-logistics/{quote(name)}"' in page
    # nothing points at the internet: no Google Fonts, no CDN scripts or styles
    for f in example_site.rglob("*"):
        if f.suffix in (".html", ".css", ".js") and f.is_file():
            body = f.read_text(encoding="utf-8", errors="replace")
            assert "fonts.googleapis" not in body and "fonts.gstatic" not in body, f
            assert not re.search(r"""<(?:script|link)[^>]+(?:src|href)=["']https?://""", body), f


def test_search_index_holds_the_chinese_text(example_site: Path) -> None:
    """The index is the file the engine documents; the Chinese words are in it (jieba's U+200B
    segmentation marks aside), the sortable tables' script is on the compliance page."""
    index = example_site / SEARCH_INDEX[engine_of(example_site)]
    text = json.dumps(json.loads(index.read_text(encoding="utf-8")), ensure_ascii=False).replace("\u200b", "")
    for word in ("华兴物流集团", "外高桥", "和睿医疗", "张伟", "合规看板"):
        assert word in text, word
    assert "javascripts/tables.js" in (example_site / "generated" / "compliance.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_offline_without_errors(example_site: Path, serve, browser, path: str) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, serve(example_site), path)
    try:
        assert v.errors == [], v.errors
        assert v.foreign == [], v.foreign
        assert v.page.locator("article h1").count() >= 1
    finally:
        v.close()


def test_lifecycle_page_draws_the_machine_offline(example_site: Path, serve, browser) -> None:  # type: ignore[no-untyped-def]
    """The 生命周期 page: the state machine drawn at build time (an SVG of ours, no mermaid or CDN),
    each status with its clients; a suspended client's page shows its reviews, an exited one its exit."""
    v = Visit(browser, serve(example_site), "generated/lifecycle.html")
    try:
        assert v.errors == [] and v.foreign == []
        img = v.page.locator("img.kb-diagram")
        assert img.count() == 1 and img.evaluate("i => i.complete && i.naturalWidth > 0")
        assert img.get_attribute("src") == "charts/lifecycle.svg"
        text = v.page.locator("article").inner_text()
        assert "蓝海传媒集团" in text and "已暂停" in text and "天元教育集团" in text
        assert "过渡期 C 类回归标准服务（§10.4）" in text
    finally:
        v.close()
    svg = (example_site / "generated" / "charts" / "lifecycle.svg").read_text(encoding="utf-8")
    assert "已暂停" in svg and "suspended · 1 个客户" in svg
    v = Visit(browser, serve(example_site), "generated/clients/lh-media.html")
    try:
        text = v.page.locator("article").inner_text()
        assert "当前状态：已暂停（suspended）" in text and "暂停（当前）" in text and "限期改进" in text
    finally:
        v.close()
    v = Visit(browser, serve(example_site), "generated/clients/ty-edu.html")
    try:
        text = v.page.locator("article").inner_text()
        assert "退出：2026-01-31，过渡期 C 类回归标准服务（§10.4），决定方 技术运营中心、客户成功部" in text
        assert "C 类去向：服务模式回归计划，转换日期 2026-01-31" in text
    finally:
        v.close()


def test_client_page_shows_diagram_and_sections(example_site: Path, serve, browser) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, serve(example_site), "generated/clients/hx-logistics.html")
    try:
        img = v.page.locator("img.kb-diagram")
        assert img.count() == 1
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        text = v.page.locator("article").inner_text()
        for heading in ("特殊情况说明", "服务目录信息", "基本网络模型", "全网线路以及业务应用信息", "典型历史故障信息", "常见服务请求",
                        "关键联系人", "服务合同及 SLA", "同步会议", "跨部门协同任务", "重大变化时间线", "合规记分卡"):
            assert heading in text, heading
        assert "最后修改：2026-11-24 由 测试" in text  # "last changed on … by …" from git
    finally:
        v.close()


@pytest.mark.parametrize(("word", "page"), [("华兴物流", "hx-logistics"), ("外高桥", "hx-logistics"), ("飞塔", "hx-logistics"),
                                            ("和睿医疗", "hr-hospital"), ("张伟", "zhang-wei")])
def test_chinese_search(example_site: Path, serve, browser, word: str, page: str) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, serve(example_site), "index.html")
    try:
        hrefs = _search(v, word, engine_of(example_site))
        assert any(f"/{page}.html" in h for h in hrefs), hrefs
        assert v.foreign == [], v.foreign
    finally:
        v.close()


def _search(v: Visit, word: str, engine: str) -> list[str]:
    """Type ``word`` into the site's search as a person does; the result links."""
    if engine == "zensical":
        # Zensical's search is a dialog opened by the header's search button; its box and results
        # are an ARIA combobox and listbox (options are the result links)
        v.page.click(".md-search__button")
        box = v.page.locator("[role=combobox]")
        results = v.page.locator("[role=listbox] a[role=option]")
        for _attempt in range(10):
            box.fill(word)
            v.page.keyboard.press("End")
            v.page.wait_for_timeout(1000)
            if results.count():
                break
        return list(results.evaluate_all("els => els.map(e => e.href)"))
    # the search index loads in a web worker; a query typed before it is ready is not re-run
    # as a person does: click into the box, type, let go of a key (Material searches on focus + keyup)
    for _attempt in range(10):
        v.page.click("input.md-search__input")
        v.page.fill("input.md-search__input", word)
        v.page.keyboard.press("End")
        v.page.wait_for_timeout(1000)
        if v.page.locator(".md-search-result__item").count():
            break
    return list(v.page.locator(".md-search-result__item a").evaluate_all("els => els.map(e => e.href)"))


def test_compliance_filter_and_sort(example_site: Path, serve, browser) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, serve(example_site), "generated/compliance.html")
    try:
        rows = v.page.locator("table.kb-findings tbody tr")
        total = rows.count()
        assert total >= 5
        v.page.select_option("select[data-filter='engineer']", "zhao-lei")
        visible = v.page.locator("table.kb-findings tbody tr:not(.kb-hidden)")
        assert 0 < visible.count() < total
        assert all(r == "zhao-lei" for r in visible.evaluate_all("rs => rs.map(r => r.dataset.engineer)"))
        v.page.select_option("select[data-filter='engineer']", "")
        v.page.click("table.kb-findings th:has-text('期限')")
        dues = rows.evaluate_all("rs => rs.map(r => r.lastElementChild.dataset.value)")
        assert dues == sorted(dues)
    finally:
        v.close()


def test_hostile_text_stays_text(hostile_site: Path, serve, browser) -> None:  # type: ignore[no-untyped-def]
    base = serve(hostile_site)
    for path in ("generated/clients/acme.html", "generated/clients/index.html", "index.html", "generated/routing.html"):
        v = Visit(browser, base, path)
        try:
            assert v.dialogs == []
            assert v.page.evaluate("() => window.__xss === undefined")
            assert v.foreign == [], v.foreign
            article = v.page.locator("article")
            assert article.locator("a[href^='javascript'], a[href*='evil'], img[src*='evil'], [onclick], [onerror]").count() == 0
            assert article.locator("script").count() == 0
        finally:
            v.close()
    v = Visit(browser, base, "generated/clients/acme.html")
    try:
        text = v.page.locator("article").inner_text()
        for h in HOSTILE:
            assert h in text, h  # shown exactly as typed
        assert "艾克美<script>window.__xss=9</script>物流" in v.page.locator("article h1").inner_text()
    finally:
        v.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_failed_build_keeps_previous_site(tmp_path: Path, run_kb, engine: str) -> None:  # type: ignore[no-untyped-def]
    kb = copy_base(tmp_path / "kb")
    _site_files(kb)
    assert _build(run_kb, kb, "--engine", engine).returncode == 0
    before = (kb / "public" / "index.html").read_bytes()
    (kb / "site" / "index.md").write_text('# 首页\n\n--8<-- "generated/missing.md"\n', encoding="utf-8")
    r = _build(run_kb, kb, "--engine", engine)
    assert r.returncode == 2 and "构建失败" in r.stderr and "Traceback" not in r.stderr
    assert "generated/missing.md" in r.stderr  # the engine's own reason, not its traceback
    assert (kb / "public" / "index.html").read_bytes() == before
    assert sorted(p.name for p in kb.iterdir() if p.name.startswith(".kb-zensical-")) == []  # its config is gone


def test_strict_build_does_not_publish_errors(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = copy_base(tmp_path / "kb")
    _site_files(kb)
    dossier = kb / "clients" / "acme" / "client.yml"
    dossier.write_text(dossier.read_text(encoding="utf-8").replace("tier: gold", "tier: diamond"), encoding="utf-8")
    r = _build(run_kb, kb, "--strict")
    assert r.returncode == 1 and not (kb / "public").exists()
    r = _build(run_kb, kb)  # without --strict the site is published with the error on the dashboard
    assert r.returncode == 0
    assert "diamond" in (kb / "public" / "generated" / "compliance.html").read_text(encoding="utf-8")


@UNDER_FAKETIME_NO_LIVE_RELOAD
@pytest.mark.parametrize("engine", ENGINES)
def test_serve_regenerates_on_yaml_change(tmp_path: Path, engine: str) -> None:
    """`kb serve`: the page follows an edit of the dossier without restarting."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    kb = copy_base(tmp_path / "kb")
    _site_files(kb)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(kb), "--addr", f"127.0.0.1:{port}",
                             "--engine", engine], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def page() -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/generated/clients/acme.html", timeout=5) as r:
                return str(r.read().decode("utf-8"))
        except OSError:
            return ""

    def wait_for(predicate, seconds: float = 90) -> bool:  # type: ignore[no-untyped-def]
        end = time.time() + seconds
        while time.time() < end:
            if predicate():
                return True
            time.sleep(0.5)
        return False

    try:
        assert wait_for(lambda: "艾克美物流" in page()), "kb serve did not come up"
        dossier = kb / "clients" / "acme" / "client.yml"
        dossier.write_text(dossier.read_text(encoding="utf-8").replace("每月第一个周六 22:00 为变更窗口", "每周三 23:00 为新变更窗口"),
                           encoding="utf-8")
        assert wait_for(lambda: "每周三 23" in page()), "the page was not regenerated"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert not wait_for(lambda: page() != "", 3), "the preview server outlived kb serve"
    assert not (kb / "public").exists()  # a preview never publishes


def test_the_example_still_publishes_years_later(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """The example KB is a snapshot (README: consistent for 2026-12-01); on any later day `kb build`
    still publishes, with what has become overdue — and the missing calendar — on the dashboard."""
    kb = _example_repo(tmp_path / "example")
    r = run_kb("build", "--root", str(kb), "--today", "2029-06-30")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    import html

    compliance = html.unescape((kb / "public" / "generated" / "compliance.html").read_text(encoding="utf-8"))
    assert "calendar.coverage" in compliance and "今年（2029 年）的法定节假日" in compliance
    assert (kb / "public" / "index.html").is_file() and (kb / "public" / "forms").is_dir()
