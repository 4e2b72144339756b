"""The client lifecycle (facts.LIFECYCLE) as a picture: one box per status with how many clients
are in it, one arrow per allowed move. Drawn from the model's machine, so the picture cannot
drift from what ``client.lifecycle`` checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ...facts import LIFECYCLE, STATES
from ...labels import STATUS
from .canvas import GREY, TEXT, Fmt, _new_figure, _render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# where each status sits (inches): the main line across the top, the side states below it
_AT: Mapping[str, tuple[float, float]] = {
    "candidate": (1.0, 2.6),
    "applied": (3.3, 2.6),
    "dedicated": (5.6, 2.6),
    "suspended": (7.9, 2.6),
    "temporary-priority": (2.15, 0.8),
    "exited": (6.75, 0.8),
}
_FILL: Mapping[str, tuple[str, str]] = {  # (fill, border)
    "candidate": ("#f3f4f6", "#6b7280"),
    "applied": ("#fff1d6", "#b7791f"),
    "dedicated": ("#dcf2e3", "#2e7d46"),
    "suspended": ("#fde2e2", "#b91c1c"),
    "temporary-priority": ("#dcf3f7", "#177e96"),
    "exited": ("#e5e7eb", "#374151"),
}
# a pair of opposite moves is drawn as two parallel lines, this far apart (inches)
_PAIR_GAP = 0.11
# the moves of the picture are solid; the readings added beside them (README) dashed
_READINGS = {
    ("candidate", "temporary-priority"),
    ("applied", "candidate"),
    ("exited", "candidate"),
    ("exited", "applied"),
}
_W, _H = 1.7, 0.78  # box size (inches)
_PAD = 0.06  # between a box and an arrow's end


def _edge(centre: tuple[float, float], towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from a box's centre towards ``towards`` leaves the box (plus a small gap)."""
    (x, y), (tx, ty) = centre, towards
    dx, dy = tx - x, ty - y
    scale = min(
        (_W / 2 + _PAD) / abs(dx) if dx else float("inf"),
        (_H / 2 + _PAD) / abs(dy) if dy else float("inf"),
    )
    return x + dx * scale, y + dy * scale


def _ends(old: str, new: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two ends of the arrow old → new; a move whose opposite is allowed too is shifted to its
    left-hand side, so the pair reads as two lines."""
    (x0, y0), (x1, y1) = _AT[old], _AT[new]
    if old in LIFECYCLE.get(new, ()):
        dx, dy = x1 - x0, y1 - y0
        norm = (dx * dx + dy * dy) ** 0.5
        ox, oy = -dy / norm * _PAIR_GAP, dx / norm * _PAIR_GAP
        x0, y0, x1, y1 = x0 + ox, y0 + oy, x1 + ox, y1 + oy
    return _edge((x0, y0), (x1, y1)), _edge((x1, y1), (x0, y0))


def lifecycle_diagram(counts: Mapping[str, int] | None = None, fmt: Fmt = "svg") -> bytes:
    """The state machine: each status (Chinese name, key, number of clients in it) and each move
    the lifecycle allows (solid: the policy's path; dashed: the readings the README lists)."""
    counts = counts or {}

    def draw() -> Figure:
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

        fig = _new_figure(9.2, 3.6)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 9.2)
        ax.set_ylim(0, 3.6)
        ax.set_axis_off()
        for status in STATES:
            x, y = _AT[status]
            fill, border = _FILL[status]
            ax.add_patch(
                FancyBboxPatch(
                    (x - _W / 2, y - _H / 2),
                    _W,
                    _H,
                    boxstyle="round,pad=0.02,rounding_size=0.12",
                    fc=fill,
                    ec=border,
                    lw=1.6,
                    zorder=3,
                )
            )
            name = STATUS[status].zh if status in STATUS else status
            ax.text(x, y + 0.16, name, ha="center", va="center", fontsize=11, color=TEXT, zorder=4, parse_math=False)
            n = counts.get(status, 0)
            ax.text(
                x,
                y - 0.17,
                f"{status} · {n} 个客户",
                ha="center",
                va="center",
                fontsize=7.5,
                color=GREY,
                zorder=4,
                parse_math=False,
            )
        for old, targets in LIFECYCLE.items():
            for new in targets:
                start, end = _ends(old, new)
                arrow = FancyArrowPatch(
                    start,
                    end,
                    arrowstyle="-|>",
                    mutation_scale=14,
                    lw=1.3,
                    color=GREY if (old, new) in _READINGS else TEXT,
                    linestyle=(0, (4, 3)) if (old, new) in _READINGS else "-",
                    shrinkA=0,
                    shrinkB=0,
                    zorder=2,
                )
                ax.add_patch(arrow)
        ax.text(
            0.15,
            0.12,
            "实线：办法规定的流转；虚线：README 列出的解读（驳回退回候选、候选转临时优先级、退出后重新申请）",
            fontsize=7,
            color=GREY,
            ha="left",
            va="bottom",
            parse_math=False,
        )
        return fig

    return _render(fmt, draw)
