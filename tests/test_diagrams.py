"""generator/render/diagrams.py: network diagram and bar charts, from dossiers read by the real loader."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.model import Client
from generator.pipeline import find_schemas, load_kb
from generator.render import diagrams
from generator.render.diagrams import completeness_chart, line_label, load_chart, network_diagram
from generator.validate import SchemaSet

from .conftest import REPO, copy_base

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ACME = Path("clients") / "acme" / "client.yml"


def load_client(root: Path, client_id: str) -> Client:
    kb, _findings, _loaded = load_kb(root, SchemaSet.from_dir(find_schemas(root)))
    return kb.clients[client_id]


@pytest.fixture
def acme(tmp_path: Path) -> Callable[..., Client]:
    """acme from a copy of tests/fixtures/base, with text replacements applied to its client.yml."""

    def make(*edits: tuple[str, str]) -> Client:
        root = copy_base(tmp_path / "kb")
        text = (root / ACME).read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new)
        (root / ACME).write_text(text, encoding="utf-8")
        return load_client(root, "acme")

    return make


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_network_svg_has_every_site_and_line_as_text(acme: Callable[..., Client]) -> None:
    client = acme()
    svg = network_diagram(client)
    assert svg is not None
    texts = svg_texts(svg)
    for site in client.sites:
        assert site.name in texts
    labels = [line_label(ln) for ln in client.lines]
    assert labels == ["中国电信 MPLS 500M", "中国联通 互联网专线 200M"]
    for label in labels:
        assert label in texts
    assert "WMS 仓储系统 · 443" in texts  # the application under its site
    assert {"核心", "IDC", "HUB"} <= set(texts)  # kind labels (legend)
    assert "'Noto Sans CJK SC'" in svg.decode() and "sans-serif" in svg.decode()  # CSS font list


def test_network_is_deterministic(acme: Callable[..., Client]) -> None:
    client = acme()
    assert network_diagram(client, "svg") == network_diagram(client, "svg")
    assert network_diagram(client, "png") == network_diagram(client, "png")


def test_network_is_deterministic_across_processes() -> None:
    """No hash-seed dependence: two interpreters with different PYTHONHASHSEED agree byte for byte."""
    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from generator.pipeline import find_schemas, load_kb\n"
        "from generator.validate import SchemaSet\n"
        "from generator.render.diagrams import network_diagram\n"
        "root = Path(sys.argv[1])\n"
        "kb, _f, _l = load_kb(root, SchemaSet.from_dir(find_schemas(root)))\n"
        "print(hashlib.sha256(network_diagram(kb.clients['hx-logistics'])).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script, str(REPO)],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_network_png(acme: Callable[..., Client]) -> None:
    png = network_diagram(acme(), "png")
    assert png is not None
    width, height = png_size(png)
    assert 600 <= width <= 4000 and 300 <= height <= 4000
    assert b"Software" not in png  # no matplotlib version in the metadata


def test_png_without_a_cjk_font_still_renders(acme: Callable[..., Client], monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.render.diagrams import canvas, network

    monkeypatch.setattr(canvas, "_png_font", lambda: None)  # drawing looks the font up here
    monkeypatch.setattr(network, "_png_font", lambda: None)  # and the picture cache key here
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the missing-glyph warnings stay inside
        png = network_diagram(acme(), "png")
        chart = load_chart([("张伟", 2)], 4, "png")
    assert png is not None and png.startswith(PNG_SIGNATURE)
    assert chart.startswith(PNG_SIGNATURE)


HOSTILE = ["<script>alert(1)</script>", "$x^2$", "{{ x }}", "a & b", '"quoted" --> <!--', "<b>电信</b>"]


def test_hostile_names_stay_literal_text(acme: Callable[..., Client]) -> None:
    client = acme(
        ("name: 艾克美物流", "name: 'a & b'"),
        ("name: 上海总部", "name: '<script>alert(1)</script>'"),
        ("name: 上海IDC", "name: '$x^2$'"),
        ("name: 武汉HUB", "name: '{{ x }}'"),
        ("name: WMS 仓储系统", "name: '\"quoted\" --> <!--'"),
        ("carrier: 中国电信", "carrier: '<b>电信</b>'"),
    )
    assert [s.name for s in client.sites] == ["<script>alert(1)</script>", "$x^2$", "{{ x }}"]
    for fmt in ("svg", "png"):
        assert network_diagram(client, fmt)  # type: ignore[arg-type]
    svg = network_diagram(client)
    assert svg is not None
    tags = {el.tag for el in ET.fromstring(svg).iter()}
    assert not any(tag.endswith(("script", "b", "img")) for tag in tags), tags
    assert b"<script" not in svg and b"<b>" not in svg
    joined = "\n".join(svg_texts(svg))
    for name in HOSTILE:
        assert name in joined, name
    assert "$x^2$" in svg_texts(svg)  # a text of its own: not turned into mathtext glyphs


def test_no_sites_gives_none(acme: Callable[..., Client]) -> None:
    yml = (REPO / "tests" / "fixtures" / "base" / ACME).read_text(encoding="utf-8")
    block = yml[yml.index("sites:") : yml.index("lines:")]
    client = acme((block, "sites: []\n"))
    assert client.sites == ()
    assert network_diagram(client) is None
    assert network_diagram(client, "png") is None


def test_line_to_a_missing_site_is_skipped(acme: Callable[..., Client]) -> None:
    client = acme(
        (
            "applications:",
            "  - {id: l-003, a: hq, b: nowhere, carrier: 中国移动, type: 4G, bandwidth_mbps: 50}\napplications:",
        ),
        ("site: sh-idc", "site: gone"),  # an application at a missing site is left out too
    )
    assert [ln.id for ln in client.lines] == ["l-001", "l-002", "l-003"]
    svg = network_diagram(client)
    assert svg is not None
    texts = svg_texts(svg)
    assert "中国移动 4G 50M" not in texts
    assert "中国电信 MPLS 500M" in texts and "中国联通 互联网专线 200M" in texts
    assert not any("WMS" in t for t in texts)
    assert any("另有 1 条线路的站点不存在" in t for t in texts)


def _big_client_yaml(n: int) -> str:
    kinds = ["core", "idc", "idc", "hub", "hub", "hub", "cloud"] + ["branch"] * (n - 7)
    sites = "".join(f"  - {{id: s{i}, name: 站点{i}号机房, kind: {k}, city: 城市{i}}}\n" for i, k in enumerate(kinds))
    lines = ["  - {id: m0, a: s0, b: s1, carrier: 中国电信, type: MPLS, bandwidth_mbps: 1000}"]
    lines += ["  - {id: m1, a: s0, b: s1, carrier: 中国联通, type: MPLS, bandwidth_mbps: 1000}"]  # a parallel line
    lines += [
        f"  - {{id: h{i}, a: s{i}, b: s1, carrier: 中国联通, type: MPLS, bandwidth_mbps: 500}}" for i in (3, 4, 5)
    ]
    lines += ["  - {id: c6, a: s6, b: s2, carrier: 阿里云, type: 云专线, bandwidth_mbps: 200}"]
    lines += [
        f"  - {{id: b{i}, a: s{i}, b: s{3 + i % 3}, carrier: 中国移动, type: 互联网 SD-WAN, bandwidth_mbps: {i}}}"
        for i in range(7, n)
    ]
    return f"sites:\n{sites}lines:\n" + "\n".join(lines) + "\n"


def test_thirty_sites_do_not_overlap(acme: Callable[..., Client]) -> None:
    yml = (REPO / "tests" / "fixtures" / "base" / ACME).read_text(encoding="utf-8")
    client = acme((yml[yml.index("sites:") : yml.index("applications:")], _big_client_yaml(30)))
    assert len(client.sites) == 30
    svg = network_diagram(client)
    assert svg is not None
    texts = svg_texts(svg)
    assert all(s.name in texts for s in client.sites)
    assert all(line_label(ln) in texts for ln in client.lines)
    cards, _edges, _skipped = diagrams._place(client)
    rects = sorted(c.rect for c in cards.values())
    for i, r in enumerate(rects):
        for s in rects[i + 1 :]:
            assert diagrams._overlap(r, s) == 0, (r, s)
    png = network_diagram(client, "png")
    assert png is not None
    assert max(png_size(png)) <= diagrams.PNG_MAX_PIXELS


def test_example_client_renders() -> None:
    client = load_client(REPO, "hx-logistics")
    png = network_diagram(client, "png")
    assert png is not None
    width, height = png_size(png)
    assert width > height > 300
    svg = network_diagram(client)
    assert svg is not None
    texts = svg_texts(svg)
    assert {"上海总部", "上海外高桥IDC", "北京亦庄IDC", "武汉HUB", "广州HUB", "成都区域仓"} <= set(texts)
    assert "中国电信 DCI 专线 2G" in texts
    assert "TMS 运输管理系统 · 443, 8443" in texts


@pytest.mark.parametrize(("mbps", "label"), [(1000, "1G"), (2000, "2G"), (1500, "1.5G"), (500, "500M"), (0.5, "500K")])
def test_bandwidth_label(mbps: float, label: str) -> None:
    assert diagrams.bandwidth_label(mbps) == label


def test_load_chart() -> None:
    rows = [("张伟", 5), ("李娜", 4), ("王强", 2), ("$x$ & <y>", 0)]
    svg = load_chart(rows, 4)
    texts = svg_texts(svg)
    for name, _count in rows:
        assert name in texts
    assert "上限 4" in texts
    assert b"<y>" not in svg
    colours = svg.decode()
    for colour in (diagrams.RED, diagrams.AMBER, diagrams.GREEN):
        assert colour in colours
    assert load_chart(rows, 4) == svg
    assert load_chart(rows, 4, "png").startswith(PNG_SIGNATURE)
    assert "上限" not in "".join(svg_texts(load_chart(rows, None)))
    assert "暂无数据" in svg_texts(load_chart([], 4))


def test_completeness_chart() -> None:
    rows = [("华兴物流集团", 100), ("鼎泉连锁零售", 67), ("艾克美物流", 33)]
    svg = completeness_chart(rows)
    texts = svg_texts(svg)
    for name, pct in rows:
        assert name in texts
        assert f" {pct}%" in texts
    colours = svg.decode()
    for colour in (diagrams.RED, diagrams.AMBER, diagrams.GREEN):
        assert colour in colours
    assert completeness_chart(rows) == svg
    assert completeness_chart(rows, "png").startswith(PNG_SIGNATURE)


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, generator.render.diagrams; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_network_key_follows_what_is_drawn(acme: Callable[..., Client]) -> None:
    client = acme()
    key = diagrams.network_key(client)
    assert key == diagrams.network_key(acme()) != diagrams.network_key(client, "png")
    assert diagrams.network_key(acme(("name: 上海总部", "name: 上海总部二期"))) != key
    assert diagrams.network_key(acme(("bandwidth_mbps: 500", "bandwidth_mbps: 1000"))) != key
    assert diagrams.network_key(acme(("duties: 合同与预算", "duties: 合同"))) == key  # contacts are not drawn
