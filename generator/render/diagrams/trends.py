"""KPI trends per quarter (§9.1) for an engineer's page: MTTR, satisfaction and continuity side by
side, each a small line chart with the policy.yml target as a dashed line when one is set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .canvas import GREEN, GREY, RED, TEXT, Fmt, _new_figure, _render

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Series:
    """One panel: a title, a value per quarter (None = no figure), the target and its direction."""

    title: str
    values: Sequence[float | None]
    target: float | None = None
    higher_is_better: bool = True


def _panels(width: float, height: float, n: int) -> tuple[Figure, list[Axes]]:
    """A figure of ``n`` panels side by side (at least one)."""
    fig = _new_figure(width, height, constrained=True)
    return fig, list(fig.subplots(1, max(n, 1), squeeze=False)[0])


def _frame(ax: Axes, title: str) -> None:
    """What every trend panel shares: no top and right spines, the title, light grid lines."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=9, color=TEXT)
    ax.tick_params(axis="y", labelsize=7, colors=GREY)
    ax.grid(axis="y", color="#e5e7eb", zorder=0)


def kpi_trend_chart(quarters: Sequence[str], series: Sequence[Series], fmt: Fmt = "svg") -> bytes:
    """One panel per series over ``quarters``: points that miss the target red, others green."""

    def draw() -> Figure:
        fig, axes = _panels(max(6.0, 2.4 * len(series)), 2.4, len(series))
        for ax, s in zip(axes, series, strict=False):
            _frame(ax, s.title)
            xs = [i for i, v in enumerate(s.values) if v is not None]
            ys = [v for v in s.values if v is not None]
            ax.set_xticks(range(len(quarters)), labels=list(quarters), fontsize=7, rotation=30)
            if not ys:
                ax.text(0.5, 0.5, "暂无数据", transform=ax.transAxes, ha="center", va="center", color=GREY)
                continue
            ax.plot(xs, ys, color=GREY, lw=1.2, zorder=2)
            t = s.target
            colours = [GREEN if t is None or (y >= t if s.higher_is_better else y <= t) else RED for y in ys]
            ax.scatter(xs, ys, c=colours, s=22, zorder=3)
            for x, y in zip(xs, ys, strict=True):
                ax.annotate(f"{y:g}", (x, y), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7,
                            color=TEXT)
            if t is not None:
                ax.axhline(t, color=GREY, ls="--", lw=1, zorder=1)
            ax.set_xlim(-0.5, len(quarters) - 0.5)
        return fig

    return _render(fmt, draw)


# ------------------------------------------------------------------ month-end trends (issue 16)

TREND_DRAWING = 2  # bump when month_chart draws differently: the picture cache keys on it
PALETTE = ("#1f5fa8", "#dc2626", "#f59e0b", "#16a34a", "#6a3fb5", "#177e96", "#b7791f", "#6b7280")


@dataclass(frozen=True)
class Panel:
    """One panel of a month-end trend chart: stacked bars (``bars``) and/or lines (``lines``),
    each a (label, one value per month) pair; ``limit`` a dashed line (e.g. §6.2's load limit)."""

    title: str
    bars: Sequence[tuple[str, Sequence[float]]] = ()
    lines: Sequence[tuple[str, Sequence[float | None]]] = ()
    limit: float | None = None
    percent: bool = False


def month_chart(months: Sequence[str], panels: Sequence[Panel], fmt: Fmt = "svg") -> bytes:
    """Panels side by side over ``months`` (``YYYY-MM`` labels; the last may be today's point)."""

    def draw() -> Figure:
        from matplotlib.ticker import MaxNLocator

        fig, axes = _panels(max(6.0, 4.2 * len(panels)), 3.3, len(panels))
        labels = [m[2:] if len(m) == 7 else m for m in months]  # 26-07: 25 labels fit under a panel
        step = max(1, (len(labels) + 11) // 12)
        for ax, panel in zip(axes, panels, strict=False):
            _frame(ax, panel.title)
            xs = list(range(len(months)))
            ax.set_xticks(xs[::step], labels=labels[::step], fontsize=7, rotation=45)
            bottom = [0.0] * len(months)
            colour = iter(PALETTE)
            for name, values in panel.bars:
                vals = [float(v) for v in values]
                ax.bar(xs, vals, bottom=bottom, color=next(colour, GREY), label=name, width=0.75, zorder=2)
                bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
            for name, series in panel.lines:
                pts = [(x, v) for x, v in zip(xs, series, strict=True) if v is not None]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], color=next(colour, GREY), lw=1.4,
                            marker="o", ms=2.5, label=name, zorder=3)
            if panel.limit is not None:
                ax.axhline(panel.limit, color=RED, ls="--", lw=1, zorder=1, label="上限")
            if panel.percent:
                ax.set_ylim(0, 105)
            else:  # counts: whole numbers from 0, also when every value is 0
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
                ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1))
            if not panel.bars and not panel.lines:
                ax.text(0.5, 0.5, "暂无数据", transform=ax.transAxes, ha="center", va="center", color=GREY)
            elif len(panel.bars) + len(panel.lines) + (panel.limit is not None) > 1:
                ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=4)
            ax.set_xlim(-0.6, len(months) - 0.4)
        return fig

    return _render(fmt, draw)


def sparkline(values: Sequence[float | None], top: float | None = None, width: int = 160, height: int = 28,
              label: str = "") -> bytes:
    """A tiny SVG line of ``values`` (None: a gap) for a client's or an engineer's page; the last
    point is marked. Hand-drawn (a polyline): thousands of pages, no figure to set up for each."""
    from xml.sax.saxutils import escape

    known = [v for v in values if v is not None]
    hi = max([*known, top or 0.0, 1.0])
    n = max(len(values) - 1, 1)
    pad = 3.0

    def xy(i: int, v: float) -> str:
        x = pad + (width - 2 * pad) * i / n
        y = height - pad - (height - 2 * pad) * v / hi
        return f"{x:.1f},{y:.1f}"

    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(xy(i, v))
    body = [f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#e5e7eb"/>']
    for run in runs:
        if len(run) > 1:
            body.append(f'<polyline fill="none" stroke="{GREY}" stroke-width="1.5" points="{" ".join(run)}"/>')
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        x, y = xy(*last).split(",")
        body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="#1f5fa8"/>')
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img">{title}{"".join(body)}</svg>'
    ).encode()
