"""Trends (issue 16): the figures at each month's end, read from git — the same findings as the
--as-of check, known answers on a repository with months of history, the cache, the 趋势 page
with its charts in Chromium and the trend lines of the client and engineer pages."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator import asof
from generator.pipeline import Reuse, check
from generator.render.diagrams.trends import sparkline
from generator.trends import Point, family, month_ends, read_trends
from tests.conftest import REPO, TODAY, copy_base, git
from tests.histories import make_history
from tests.test_site import Visit, browser, serve  # noqa: F401 - the fixtures

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("trends") / "kb")


def _facts(out: object) -> list[tuple[object, ...]]:
    return [(f.file, f.line, f.column, f.rule, f.severity.value, f.message("en"), f.due) for f in out.findings]  # type: ignore[attr-defined]


def test_reused_month_ends_are_the_as_of_check(history_repo: Path) -> None:
    """A check that shares file versions and the history log with the month-ends before it gives
    exactly the findings and the model of a check on its own (kb check --as-of)."""
    commits = asof.first_parent_commits(history_repo)
    reuse = Reuse(history_repo)
    for day in ("2026-01-31", "2026-02-28", "2026-03-31", "2026-05-31", "2026-07-31", "2026-10-31"):
        sha = asof.commit_on(history_repo, D(day), commits)
        assert sha is not None
        alone = check(history_repo, D(day), at=sha)
        shared = check(history_repo, D(day), at=sha, reuse=reuse)
        assert _facts(shared) == _facts(alone), day
        assert sorted(shared.kb.clients) == sorted(alone.kb.clients), day
        assert shared.history is not None and alone.history is not None
        assert [c.sha for c in shared.history.commits] == [c.sha for c in alone.history.commits], day
        assert dict(shared.history.versions) == dict(alone.history.versions), day
    assert reuse.files, "file versions were kept for the next month-end"


def test_month_end_points_have_the_known_answers(history_repo: Path) -> None:
    t = read_trends(history_repo, TODAY, use_cache=False)
    assert t.available and t.computed == 10 and t.cached == 0
    # 2025-12-31 is before the first commit (2026-01-05): the trend starts with January
    assert t.months() == [f"2026-{m:02d}" for m in range(1, 11)]
    by = {p.month: p for p in t.points}
    for p in t.points:
        expected = git(history_repo, "rev-list", "--first-parent", "-1", f"--before={p.day}T23:59:59+08:00", "HEAD")
        assert p.commit == expected.strip()
    # events by the month their record was committed: February's late one, July's on time and late
    assert by["2026-02"].events == (0, 1)
    assert by["2026-07"].events == (1, 1)
    assert all(p.events == (0, 0) for m, p in by.items() if m not in ("2026-02", "2026-07"))
    # acme's monthly meetings: none in January, held in February, April and August
    assert by["2026-01"].meetings == (0, 1)
    assert by["2026-02"].meetings == (1, 0)
    assert by["2026-04"].meetings[0] == 1 and by["2026-08"].meetings[0] == 1
    assert by["2026-03"].meetings == (0, 1)
    # beta (temporary priority) arrives in May; zhang-wei serves both from then on
    assert by["2026-04"].statuses == {"dedicated": 1}
    assert by["2026-05"].statuses == {"dedicated": 1, "temporary-priority": 1}
    assert by["2026-04"].load["zhang-wei"] == 1 and by["2026-05"].load["zhang-wei"] == 2
    assert set(by["2026-05"].completeness) == {"acme", "beta"} and set(by["2026-04"].completeness) == {"acme"}
    # the link out of the KB was committed in March and removed in April: a boundary error in March only
    assert by["2026-03"].families.get("boundary", (0, 0))[0] == 1
    assert "boundary" not in by["2026-04"].families
    # the month-end's figures are those of kb check --as-of that day
    for p in t.points:
        out = check(history_repo, p.day, at=p.commit)
        assert p.errors == sum(f.severity.value == "error" for f in out.findings)
        assert p.warnings == sum(f.severity.value == "warning" for f in out.findings)
        assert sum(e for e, _w in p.families.values()) == p.errors


def test_current_point_and_as_of_dates(history_repo: Path) -> None:
    """The build's own check is the last point (today); a trend read as of an earlier day stops there."""
    current = check(history_repo, TODAY)
    t = read_trends(history_repo, TODAY, current, use_cache=False)
    assert t.points[-1].commit is None and t.points[-1].day == TODAY
    assert t.points[-1].errors == sum(f.severity.value == "error" for f in current.findings)
    earlier = read_trends(history_repo, D("2026-06-30"), use_cache=False)
    assert earlier.months() == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]


def test_a_second_run_reads_the_cache(history_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "kb"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(repo)], check=True)
    first = read_trends(repo, TODAY)
    assert first.computed == 10 and (repo / ".kb-cache" / "trends.json").is_file()
    second = read_trends(repo, TODAY)
    assert second.computed == 0 and second.cached == 10
    assert second.points == first.points
    # a damaged cache is a hint that failed: rebuilt without a word, the same figures
    (repo / ".kb-cache" / "trends.json").write_bytes(b'{"kind": "trends", "oops"')
    third = read_trends(repo, TODAY)
    assert third.computed == 10 and third.points == first.points
    # a commit after the last month-end changes none of them; a month later one more is judged
    later = read_trends(repo, D("2026-12-15"))
    assert later.computed == 1 and later.cached == 10 and later.months()[-1] == "2026-11"


def test_no_history_no_trend(tmp_path: Path) -> None:
    kb = copy_base(tmp_path / "kb")  # not in git
    current = check(kb, TODAY)
    t = read_trends(kb, TODAY, current)
    assert not t.available and t.problem is not None and "git" in t.problem.zh


def test_month_ends() -> None:
    ends = month_ends(D("2026-12-01"))
    assert len(ends) == 24 and ends[0] == D("2024-12-31") and ends[-1] == D("2026-11-30")
    assert month_ends(D("2026-11-30"))[-1] == D("2026-10-31")  # the month is not over on its last day
    assert month_ends(D("2026-03-15"), since=D("2026-01-05")) == [D("2026-01-31"), D("2026-02-28")]
    assert month_ends(D("2024-03-10"), months=1) == [D("2024-02-29")]
    assert family("change.1bd") == "change" and family("secret") == "secret"


def test_point_round_trips_through_json() -> None:
    p = Point(D("2026-07-31"), "a" * 40, 3, 2, {"dedicated": 2}, 4, 5, {"sync": (1, 2)}, (1, 1), (0, 2), (1, 0),
              {"acme": 80}, {"zhang-wei": 2})
    assert Point.from_json(p.to_json()) == p
    bad = p.to_json() | {"errors": "4"}
    with pytest.raises(TypeError):
        Point.from_json(bad)


def test_sparkline_is_small_valid_svg_with_gaps() -> None:
    svg = sparkline([None, 10.0, 20.0, None, 30.0], top=100, label="知识库完善度 <测试>")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    assert len(lines) == 1 and len(lines[0].get("points", "").split()) == 2  # the lone 30 is a dot, not a line
    assert root.find(f"{ns}circle") is not None and root.find(f"{ns}title").text == "知识库完善度 <测试>"  # type: ignore[union-attr]
    assert len(svg) < 1000


def test_built_site_has_the_trend_page_with_charts(history_repo: Path, tmp_path: Path, run_kb, serve, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    kb = tmp_path / "site-kb"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(kb)], check=True)
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
    shutil.copytree(REPO / "site", kb / "site", ignore=shutil.ignore_patterns("generated"))
    r = run_kb("build", "--root", str(kb), "--today", "2026-11-24", "--no-forms")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    site = kb / "public"
    charts = sorted(p.name for p in (site / "generated" / "charts").glob("trend-*.svg"))
    assert charts == ["trend-deadlines.svg", "trend-findings.svg", "trend-kb.svg", "trend-load.svg", "trend-status.svg"]
    assert "错误（按规则族）" in (site / "generated" / "charts" / "trend-findings.svg").read_text(encoding="utf-8")
    v = Visit(browser, serve(site), "generated/trends.html")
    try:
        assert v.errors == [] and v.foreign == []
        imgs = v.page.locator("article img.kb-diagram")
        assert imgs.count() == 5
        assert all(imgs.nth(i).evaluate("i => i.complete && i.naturalWidth > 0") for i in range(5))
        text = v.page.locator("article").inner_text()
        assert "共 11 个时点，自 2026-01-31 起" in text
        rows = {r.split("\t")[0]: r.split("\t") for r in v.page.locator("article table").nth(1).inner_text().splitlines()}
        assert rows["2026-02"][6] == "0 / 1" and rows["2026-07"][6] == "1 / 1" and rows["今天"][2] == "工作区"
    finally:
        v.close()
    v = Visit(browser, serve(site), "generated/engineers/zhang-wei.html")
    try:
        line = v.page.locator("article img.kb-trend")
        assert line.count() == 1 and line.evaluate("i => i.complete && i.naturalWidth > 0")
        assert "负荷：2026-01 月末 1 个客户 → 今天 2 个（上限 4）" in v.page.locator("article").inner_text()
    finally:
        v.close()
    v = Visit(browser, serve(site), "generated/clients/beta.html")
    try:
        assert v.page.locator("article img.kb-trend").count() == 1
        assert "知识库完善度：2026-05 月末" in v.page.locator("article").inner_text()
    finally:
        v.close()
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert "generated/trends.html" in nav and "趋势" in nav


def test_a_shallow_clone_says_why(history_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{history_repo}", str(repo)], check=True)
    for current in (None, check(repo, TODAY)):
        t = read_trends(repo, TODAY, current, use_cache=False)
        assert not t.available and t.problem is not None and "浅克隆" in t.problem.zh


def test_a_damaged_repository_is_a_reason_not_a_traceback(history_repo: Path, tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """Objects missing from old commits (a damaged clone): a missing file version is that month's
    unreadable file, as kb check --as-of says; a missing tree is git's own reason on the 趋势 page
    — and the build still publishes today's KB."""
    repo = tmp_path / "kb"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(history_repo), str(repo)], check=True)

    def commit_of(day: str) -> str:
        return git(repo, "rev-list", "--first-parent", "-1", f"--before={day}T23:59:59+08:00", "HEAD").strip()

    def drop(obj: str) -> None:
        (repo / ".git" / "objects" / obj[:2] / obj[2:]).unlink()

    may, june = commit_of("2026-05-31"), commit_of("2026-06-30")
    blob = git(repo, "rev-parse", f"{may}:clients/beta/client.yml").strip()
    assert blob != git(repo, "rev-parse", "HEAD:clients/beta/client.yml").strip()  # only the past holds it
    drop(blob)
    t = read_trends(repo, TODAY, use_cache=False)
    by = {p.month: p for p in t.points}
    unreadable = check(repo, D("2026-05-31"), at=may)
    assert any(f.file == "clients/beta/client.yml" and f.severity.value == "error" for f in unreadable.findings)
    assert by["2026-05"].errors == sum(f.severity.value == "error" for f in unreadable.findings)
    tree = git(repo, "rev-parse", f"{june}^{{tree}}").strip()
    drop(tree)
    t = read_trends(repo, TODAY, use_cache=False)
    assert not t.available and t.problem is not None
    assert "读取 git 历史失败" in t.problem.zh and tree in t.problem.zh
    shutil.copy(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(REPO / "site", repo / "site", ignore=shutil.ignore_patterns("generated"))
    r = run_kb("build", "--root", str(repo), "--today", "2026-11-24", "--no-forms")
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stdout + r.stderr
    page = (repo / "public" / "generated" / "trends.html").read_text(encoding="utf-8")
    assert "没有趋势可看" in page and "unable to read tree" in page


def test_kb_deadlines_of_the_month(tmp_path: Path) -> None:
    """§7.2.5 as client.kb-30d judges it: acme's materials came on 2025-07-12, so its KB was due
    on 2025-08-11 — on time when proofread on 2025-08-05, late when proofread on 2025-08-20."""
    from generator.trends import point

    kb = copy_base(tmp_path / "kb")
    august, september = D("2025-08-31"), D("2025-09-30")
    assert point(check(kb, august, git=False), august, None).kbs == (1, 0)
    assert point(check(kb, september, git=False), september, None).kbs == (0, 0)  # not due in September
    dossier = kb / "clients" / "acme" / "client.yml"
    dossier.write_text(dossier.read_text(encoding="utf-8").replace("on: 2025-08-05}", "on: 2025-08-20}"), encoding="utf-8")
    assert point(check(kb, august, git=False), august, None).kbs == (0, 1)
