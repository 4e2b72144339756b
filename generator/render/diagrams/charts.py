"""Bar charts: load per engineer against the limit, knowledge-base completeness per client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from .canvas import AMBER, GREEN, GREY, RED, TEXT, _fit, _new_figure, _render, _width

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Fmt = Literal["svg", "png"]

# What the browser should look for, in order (the SVG's CSS font-family).


# ---------------------------------------------------------------- bar charts


def _bars(
    rows: Sequence[tuple[str, int]], colours: Sequence[str], xlabel: str, suffix: str = ""
) -> tuple[Figure, Axes]:
    longest = max((_width(name, 9) for name, _v in rows), default=1.0)
    fig = _new_figure(max(6.0, min(longest, 3.5) + 4.5), 1.0 + 0.36 * max(len(rows), 1), constrained=True)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "暂无数据", transform=ax.transAxes, ha="center", va="center", color=GREY, parse_math=False)
        return fig, ax
    names = [_fit(name, 9, 3.5) for name, _v in rows]
    values = [v for _n, v in rows]
    ax.barh(range(len(rows)), values, color=colours, height=0.62, zorder=2)
    ax.set_yticks(range(len(rows)), labels=names, fontsize=9)
    for label in ax.get_yticklabels():
        label.set_parse_math(False)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=9, color=TEXT)
    ax.tick_params(axis="x", labelsize=8, colors=GREY)
    ax.grid(axis="x", color="#e5e7eb", zorder=0)
    for i, v in enumerate(values):
        ax.text(max(v, 0), i, f" {v}{suffix}", va="center", fontsize=8, color=TEXT, parse_math=False)
    return fig, ax


def _level(red_if: bool, amber_if: bool) -> str:
    return RED if red_if else AMBER if amber_if else GREEN


def load_chart(rows: Sequence[tuple[str, int]], limit: int | None, fmt: Fmt = "svg") -> bytes:
    """Clients per engineer (display name, count) as horizontal bars, a dashed line at the
    load limit (§7.3): over the limit red, at it amber, under it green."""

    def draw() -> Figure:
        from matplotlib.ticker import MaxNLocator

        colours = [GREEN if limit is None else _level(v > limit, v == limit) for _n, v in rows]
        fig, ax = _bars(rows, colours, "在服务客户数")
        if rows:
            top = max(max(v for _n, v in rows), limit or 0)
            ax.set_xlim(0, top + 1)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if limit is not None:
                ax.axvline(limit, color=GREY, ls="--", lw=1.2, zorder=3)
                ax.text(
                    limit, -0.7, f"上限 {limit}", ha="center", va="bottom", fontsize=8, color=GREY, parse_math=False
                )
        return fig

    return _render(fmt, draw)


def completeness_chart(rows: Sequence[tuple[str, int]], fmt: Fmt = "svg") -> bytes:
    """Knowledge-base completeness (§5.2) per client (name, percent) as horizontal bars on a
    0–100 axis: under 50 red, under 100 amber, 100 green."""

    def draw() -> Figure:
        colours = [_level(v < 50, v < 100) for _n, v in rows]
        clipped = [(n, max(0, min(100, v))) for n, v in rows]
        fig, ax = _bars(clipped, colours, "知识库完整度（%）", "%")
        if rows:
            ax.set_xlim(0, 112)  # room for "100%" after the longest bar
            ax.set_xticks([0, 25, 50, 75, 100])
        return fig

    return _render(fmt, draw)
