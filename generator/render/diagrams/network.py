"""The network diagram of a client: sites as cards, lines as labelled edges, a legend."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ...model import Client, NetLine, Site
from .canvas import (
    APP_PT,
    BRANCH_TIER,
    CARD_MAX_W,
    CARD_MIN_W,
    CARRIERS,
    COL_GAP,
    DRAWING_VERSION,
    EDGE_PT,
    GREY,
    KINDS,
    MARGIN,
    MAX_APPS,
    MAX_COLS,
    NAME_PT,
    OTHER_KIND,
    OVERLAY_WORDS,
    PAD,
    PNG_DPI,
    PNG_MAX_PIXELS,
    ROW_GAP,
    SEP,
    SUB_PT,
    TEXT,
    TIER,
    TITLE_PT,
    _fit,
    _line_h,
    _new_figure,
    _png_font,
    _render,
    _width,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Fmt = Literal["svg", "png"]

# What the browser should look for, in order (the SVG's CSS font-family).


# ---------------------------------------------------------------- network diagram


def bandwidth_label(mbps: float | None) -> str:
    """``1000`` → ``1G``, ``500`` → ``500M``, ``1500`` → ``1.5G``, ``0.5`` → ``500K``."""
    if mbps is None or mbps <= 0:
        return ""
    if mbps >= 1000:
        return f"{mbps / 1000:g}G"
    if mbps >= 1:
        return f"{mbps:g}M"
    return f"{mbps * 1000:g}K"


def line_label(line: NetLine) -> str:
    """The edge label: carrier, type and bandwidth, e.g. ``中国电信 MPLS 1G``."""
    return " ".join(p for p in (line.carrier, line.type, bandwidth_label(line.bandwidth_mbps)) if p)


def _carrier(line: NetLine) -> tuple[str, str]:
    text = (line.carrier or "").lower()
    for name, colour, words in CARRIERS:
        if any(w in text for w in words):
            return name, colour
    return "其他运营商", GREY


def _overlay(line: NetLine) -> bool:
    text = (line.type or "").lower()
    return any(w in text for w in OVERLAY_WORDS)


@dataclass
class _Card:
    site: Site
    texts: list[tuple[str, float, str, str]]  # (text, points, colour, weight)
    width: float = 0.0
    height: float = 0.0
    x: float = 0.0  # centre
    top: float = 0.0

    @property
    def y(self) -> float:
        return self.top - self.height / 2

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return (self.x - self.width / 2, self.top - self.height, self.x + self.width / 2, self.top)


def _card(site: Site, apps: list[str]) -> _Card:
    label, _fill, border = KINDS.get(site.kind or "", OTHER_KIND)
    sub = f"{label} · {site.city}" if site.city else label
    texts = [(site.name or site.id, NAME_PT, TEXT, "bold"), (sub, SUB_PT, border, "normal")]
    shown = apps if len(apps) <= MAX_APPS else [*apps[: MAX_APPS - 1], f"… 另有 {len(apps) - MAX_APPS + 1} 项业务"]
    texts += [(a, APP_PT, "#374151", "normal") for a in shown]
    return _Card(site, texts)


def _rect_hit(rect: tuple[float, float, float, float], x: float, y: float, grow: float = 0.0) -> bool:
    return rect[0] - grow <= x <= rect[2] + grow and rect[1] - grow <= y <= rect[3] + grow


def _overlap(r: tuple[float, float, float, float], s: tuple[float, float, float, float]) -> float:
    w = min(r[2], s[2]) - max(r[0], s[0])
    h = min(r[3], s[3]) - max(r[1], s[1])
    return w * h if w > 0 and h > 0 else 0.0


def _bezier(a: tuple[float, float], c: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    u = 1 - t
    return (u * u * a[0] + 2 * u * t * c[0] + t * t * b[0], u * u * a[1] + 2 * u * t * c[1] + t * t * b[1])


def _control(a: tuple[float, float], b: tuple[float, float], rad: float) -> tuple[float, float]:
    """Control point of a quadratic curve bulging ``rad`` × the distance to the left of a→b."""
    return ((a[0] + b[0]) / 2 - rad * (b[1] - a[1]), (a[1] + b[1]) / 2 + rad * (b[0] - a[0]))


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else math.inf


def _spread(want: Sequence[float], gap: float) -> list[float]:
    """Positions as close to ``want`` (sorted; inf = anywhere) as keeping ``gap`` apart allows."""
    if not want:
        return []
    if all(math.isinf(w) for w in want):
        return [(i - (len(want) - 1) / 2) * gap for i in range(len(want))]
    xs: list[float] = []
    for w in want:
        if xs and (math.isinf(w) or w < xs[-1] + gap):
            xs.append(xs[-1] + gap)
        else:
            xs.append(w if not math.isinf(w) else 0.0)
    fixed = [(x, w) for x, w in zip(xs, want, strict=True) if not math.isinf(w)]
    shift = sum(w - x for x, w in fixed) / len(fixed)
    return [x + shift for x in xs]


def _place(client: Client) -> tuple[dict[str, _Card], list[tuple[NetLine, str, str]], int]:
    """Cards with positions (x centred on 0, y from 0 downwards), drawable lines, skipped count."""
    sites: dict[str, Site] = {}
    for s in client.sites:
        sites.setdefault(s.id, s)
    apps: dict[str, list[str]] = {sid: [] for sid in sites}
    for app in client.applications:
        if app.site in apps:
            ports = ", ".join(str(p) for p in app.ports)
            apps[app.site].append(f"{app.name} · {ports}" if ports else app.name)
    edges = [(ln, ln.a, ln.b) for ln in client.lines if ln.a in sites and ln.b in sites and ln.a != ln.b]
    skipped = len(client.lines) - len(edges)
    cards = {sid: _card(s, apps[sid]) for sid, s in sites.items()}
    width = min(
        CARD_MAX_W,
        max(CARD_MIN_W, *(max(_width(t, pt) for t, pt, _c, _w in c.texts) + 2 * PAD for c in cards.values())),
    )
    for c in cards.values():
        c.width = width
        c.texts = [(_fit(t, pt, width - 2 * PAD), pt, col, w) for t, pt, col, w in c.texts]
        c.height = 2 * PAD + sum(_line_h(pt) for _t, pt, _c, _w in c.texts) + (SEP if len(c.texts) > 2 else 0)
    neighbours: dict[str, list[str]] = {sid: [] for sid in sites}
    for _ln, a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    same_row = [
        _width(line_label(ln), EDGE_PT)
        for ln, a, b in edges
        if TIER.get(sites[a].kind or "", BRANCH_TIER) == TIER.get(sites[b].kind or "", BRANCH_TIER)
    ]
    slot = width + min(2.0, max(COL_GAP, max(same_row, default=0) + 0.3))

    tiers: list[list[str]] = [[] for _ in range(BRANCH_TIER + 1)]
    for sid, s in sites.items():
        tiers[TIER.get(s.kind or "", BRANCH_TIER)].append(sid)
    tiers[1].sort(key=lambda sid: sites[sid].kind != "core")  # stable: core first, then IDC
    placed: dict[str, float] = {}
    rows: dict[int, list[list[str]]] = {}
    for tier in (1, 0, 2, 3):  # the centre first; the others go under or over their neighbours
        ids = tiers[tier]
        k = max(1, math.ceil(len(ids) / MAX_COLS))
        want = {sid: _mean([placed[n] for n in neighbours[sid] if n in placed]) for sid in ids}
        ids = sorted(ids, key=lambda sid: want[sid])  # stable: ties keep the file's order
        # wrapped rows interleave and stagger, so the order left to right is kept and edges
        # to the lower rows pass between the cards of the upper ones
        for sid, x in zip(ids, _spread([want[sid] for sid in ids], slot / k), strict=True):
            cards[sid].x = placed[sid] = x
        rows[tier] = [ids[j::k] for j in range(k)] if ids else []
    top = 0.0
    for tier in range(BRANCH_TIER + 1):
        for row in rows.get(tier, []):
            for sid in row:
                cards[sid].top = top
            top -= max(cards[sid].height for sid in row) + ROW_GAP
    return cards, edges, skipped


def _draw_network(client: Client) -> Figure:
    from matplotlib.patches import FancyBboxPatch, PathPatch
    from matplotlib.path import Path

    cards, edges, skipped = _place(client)
    rects = {sid: c.rect for sid, c in cards.items()}
    # parallel lines between the same two sites fan out; a line that would cross another
    # site's card bends around it
    pairs: dict[tuple[str, str], int] = {}
    for _ln, a, b in edges:
        pairs[(min(a, b), max(a, b))] = pairs.get((min(a, b), max(a, b)), 0) + 1
    seen: dict[tuple[str, str], int] = {}
    curves: list[tuple[NetLine, tuple[float, float], tuple[float, float], tuple[float, float]]] = []
    for ln, a, b in edges:
        key = (min(a, b), max(a, b))
        n, i = pairs[key], seen.get(key, 0)
        seen[key] = i + 1
        pa, pb = (cards[key[0]].x, cards[key[0]].y), (cards[key[1]].x, cards[key[1]].y)
        base = (i - (n - 1) / 2) * 0.22
        others = [r for sid, r in rects.items() if sid not in key]
        best: tuple[int, tuple[float, float]] | None = None
        for rad in (base, base + 0.2, base - 0.2, base + 0.4, base - 0.4, base + 0.6, base - 0.6):
            c = _control(pa, pb, rad)
            pts = [_bezier(pa, c, pb, t / 20) for t in range(1, 20)]
            hits = sum(1 for x, y in pts for r in others if _rect_hit(r, x, y, 0.06))
            if best is None or hits < best[0]:
                best = (hits, c)
            if hits == 0:
                break
        assert best is not None
        curves.append((ln, pa, best[1], pb))

    labels: list[tuple[str, float, float, str]] = []
    boxes: list[tuple[float, float, float, float]] = []
    for ln, pa, c, pb in curves:
        text = line_label(ln)
        if not text:
            continue
        w, h = _width(text, EDGE_PT) + 0.12, _line_h(EDGE_PT) + 0.06
        choice: tuple[float, tuple[float, float, float, float]] | None = None
        for t in (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8):
            x, y = _bezier(pa, c, pb, t)
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            cost = sum(_overlap(box, r) for r in [*rects.values(), *boxes])
            if choice is None or cost < choice[0]:
                choice = (cost, box)
            if cost == 0:
                break
        assert choice is not None
        boxes.append(choice[1])
        labels.append((text, (choice[1][0] + choice[1][2]) / 2, (choice[1][1] + choice[1][3]) / 2, _carrier(ln)[1]))

    # bounds of everything drawn, then the title band above and the legend band below
    xs = [v for r in [*rects.values(), *boxes] for v in (r[0], r[2])]
    ys = [v for r in [*rects.values(), *boxes] for v in (r[1], r[3])]
    for _ln, pa, c, pb in curves:
        for t in range(11):
            x, y = _bezier(pa, c, pb, t / 10)
            xs.append(x)
            ys.append(y)
    legend = _legend_entries(cards, [ln for ln, *_ in curves])
    title = f"{client.name or client.id} · 网络拓扑"
    width = max(max(xs) - min(xs) + 2 * MARGIN, _width(title, TITLE_PT) + 2 * MARGIN, 6.0)
    x0 = (min(xs) + max(xs)) / 2 - width / 2
    slots = _legend_slots(legend, width - 2 * MARGIN)
    legend_h = 0.3 * (max(row for _x, row in slots) + 1) + 0.2
    title_h = 0.75
    y0, y1 = min(ys) - MARGIN - legend_h, max(ys) + MARGIN + title_h
    fig = _new_figure(width, y1 - y0)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(x0, x0 + width)
    ax.set_ylim(y0, y1)
    # add_artist, not add_patch: the limits are set, and updating them from each curve
    # costs a fifth of the render

    for ln, pa, c, pb in curves:
        lw = min(3.5, max(1.0, 1.2 + 0.6 * math.log10(max(ln.bandwidth_mbps or 1.0, 1.0))))
        path = Path([pa, c, pb], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
        ax.add_artist(
            PathPatch(
                path,
                fill=False,
                ec=_carrier(ln)[1],
                lw=lw,
                ls=(0, (4, 2.5)) if _overlay(ln) else "-",
                zorder=1,
                capstyle="round",
            )
        )
    for c_ in cards.values():
        _label, fill, border = KINDS.get(c_.site.kind or "", OTHER_KIND)
        r = c_.rect
        ax.add_artist(
            FancyBboxPatch(
                (r[0], r[1]),
                r[2] - r[0],
                r[3] - r[1],
                boxstyle="round,pad=0,rounding_size=0.08",
                fc=fill,
                ec=border,
                lw=1.3,
                zorder=3,
            )
        )
        y = r[3] - PAD
        for i, (text, pt, colour, weight) in enumerate(c_.texts):
            if i == 2:  # the applications, under a rule
                y -= SEP / 2
                ax.plot([r[0] + PAD, r[2] - PAD], [y, y], color=border, lw=0.6, alpha=0.6, zorder=4)
                y -= SEP / 2
            ax.text(
                r[0] + PAD if i >= 2 else c_.x,
                y,
                text,
                fontsize=pt,
                color=colour,
                fontweight=weight,
                ha="left" if i >= 2 else "center",
                va="top",
                zorder=5,
                parse_math=False,
            )
            y -= _line_h(pt)
    for text, x, y, colour in labels:
        ax.text(
            x,
            y,
            text,
            fontsize=EDGE_PT,
            color=TEXT,
            ha="center",
            va="center",
            zorder=6,
            parse_math=False,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "lw": 0.6},
        )

    counts = f"{len(cards)} 个站点 · {len(curves)} 条线路 · {len(client.applications)} 项重要业务"
    if skipped:
        counts += f"（另有 {skipped} 条线路的站点不存在，未画出）"
    ax.text(x0 + MARGIN, y1 - 0.22, title, fontsize=TITLE_PT, fontweight="bold", color=TEXT, va="top", parse_math=False)
    ax.text(x0 + MARGIN, y1 - 0.52, counts, fontsize=SUB_PT, color=GREY, va="top", parse_math=False)
    _draw_legend(ax, legend, slots, x0 + MARGIN, y0 + legend_h - 0.2)
    return fig


def _legend_entries(cards: Mapping[str, _Card], lines: Sequence[NetLine]) -> list[tuple[str, str, str, str]]:
    """(kind of mark, label, colour, fill or line style) for what the picture shows."""
    present = {c.site.kind if c.site.kind in KINDS else "" for c in cards.values()}
    out = [("box", label, border, fill) for kind, (label, fill, border) in KINDS.items() if kind in present]
    if "" in present:
        out.append(("box", OTHER_KIND[0], OTHER_KIND[2], OTHER_KIND[1]))
    carriers = {_carrier(ln) for ln in lines}
    out += [
        ("line", name, colour, "-")
        for name, colour in [*((n, c) for n, c, _w in CARRIERS), ("其他运营商", GREY)]
        if (name, colour) in carriers
    ]
    styles = {_overlay(ln) for ln in lines}
    if False in styles:
        out.append(("line", "专线 / MPLS", TEXT, "-"))
    if True in styles:
        out.append(("line", "互联网 / SD-WAN", TEXT, "--"))
    return out


def _legend_slots(entries: Sequence[tuple[str, str, str, str]], room: float) -> list[tuple[float, int]]:
    """(x offset, row) of each legend entry, packed left to right and wrapped at ``room``."""
    slots: list[tuple[float, int]] = []
    x, row = 0.0, 0
    for _mark, label, _colour, _extra in entries:
        w = 0.4 + _width(label, SUB_PT) + 0.35
        if x and x + w > room:
            x, row = 0.0, row + 1
        slots.append((x, row))
        x += w
    return slots


def _draw_legend(
    ax: Axes, entries: Sequence[tuple[str, str, str, str]], slots: Sequence[tuple[float, int]], x0: float, y: float
) -> None:
    from matplotlib.patches import FancyBboxPatch

    for (mark, label, colour, extra), (dx, row) in zip(entries, slots, strict=True):
        x, yy = x0 + dx, y - row * 0.3
        if mark == "box":
            ax.add_artist(
                FancyBboxPatch(
                    (x, yy - 0.07), 0.3, 0.14, boxstyle="round,pad=0,rounding_size=0.04", fc=extra, ec=colour, lw=1.0
                )
            )
        else:
            ax.plot([x, x + 0.3], [yy, yy], color=colour, lw=2.0, ls=extra)
        ax.text(x + 0.4, yy, label, fontsize=SUB_PT, color=TEXT, va="center", parse_math=False)


def network_diagram(client: Client, fmt: Fmt = "svg") -> bytes | None:
    """The client's network: sites as cards by kind (cloud, core/IDC, HUB, branch from top to
    bottom), lines as edges labelled carrier/type/bandwidth, important applications under
    their site, and a legend. None when the client has no sites; lines to unknown sites are
    left out (the ``ref`` rule reports them)."""
    if not client.sites:
        return None

    def dpi(fig: Figure) -> float:
        w, h = fig.get_size_inches()
        return min(PNG_DPI, PNG_MAX_PIXELS / float(max(w, h)))

    return _render(fmt, lambda: _draw_network(client), dpi)


@functools.lru_cache(maxsize=1)
def _matplotlib_version() -> str:
    from importlib.metadata import version

    return version("matplotlib")


def network_key(client: Client, fmt: Fmt = "svg") -> str:
    """A digest of everything :func:`network_diagram` depends on — the client's name, sites,
    lines and applications, this module's drawing version, matplotlib's version and the font
    it measures with — so a build can keep pictures between runs: same key, same bytes."""
    import hashlib
    import json

    facts = [
        DRAWING_VERSION,
        fmt,
        _matplotlib_version(),
        _png_font(),
        client.id,
        client.name,
        [(s.id, s.name, s.kind, s.city) for s in client.sites],
        [(ln.id, ln.a, ln.b, ln.carrier, ln.type, ln.bandwidth_mbps) for ln in client.lines],
        [(a.name, a.site, list(a.ports)) for a in client.applications],
    ]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()
