"""KPI trends per quarter (§9.1) for an engineer's page: MTTR, satisfaction and continuity side by
side, each a small line chart with the policy.yml target as a dashed line when one is set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .canvas import GREEN, GREY, RED, TEXT, Fmt, _new_figure, _render

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Series:
    """One panel: a title, a value per quarter (None = no figure), the target and its direction."""

    title: str
    values: Sequence[float | None]
    target: float | None = None
    higher_is_better: bool = True


def kpi_trend_chart(quarters: Sequence[str], series: Sequence[Series], fmt: Fmt = "svg") -> bytes:
    """One panel per series over ``quarters``: points that miss the target red, others green."""

    def draw() -> Figure:
        fig = _new_figure(max(6.0, 2.4 * len(series)), 2.4, constrained=True)
        axes = fig.subplots(1, max(len(series), 1), squeeze=False)[0]
        for ax, s in zip(axes, series, strict=False):
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.set_title(s.title, fontsize=9, color=TEXT)
            xs = [i for i, v in enumerate(s.values) if v is not None]
            ys = [v for v in s.values if v is not None]
            ax.set_xticks(range(len(quarters)), labels=list(quarters), fontsize=7, rotation=30)
            ax.tick_params(axis="y", labelsize=7, colors=GREY)
            ax.grid(axis="y", color="#e5e7eb", zorder=0)
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
