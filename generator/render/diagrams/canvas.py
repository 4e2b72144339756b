"""What every picture shares: fonts, colours, figure set-up and saving."""

from __future__ import annotations

import io
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Fmt = Literal["svg", "png"]

# What the browser should look for, in order (the SVG's CSS font-family).


CSS_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei")
# What PNG rendering may find installed (Debian fonts-noto-cjk, fonts-wqy-*, Windows, macOS …).
PNG_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Heiti SC",
    "Sarasa Gothic SC",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
LATIN_FONT = "DejaVu Sans"  # ships with matplotlib: there is always a font to measure with
PNG_DPI = 150
DRAWING_VERSION = 1  # bump when the drawing changes, so pictures cached by network_key are redrawn
PNG_MAX_PIXELS = 4000  # longest side of a network PNG; the dpi drops for very large networks

RED, AMBER, GREEN, GREY = "#dc2626", "#f59e0b", "#16a34a", "#6b7280"
TEXT = "#1f2937"

# kind → (label, fill, border); site kinds of schemas/client.schema.json
KINDS: Mapping[str, tuple[str, str, str]] = {
    "core": ("核心", "#dbe8f7", "#1f5fa8"),
    "idc": ("IDC", "#ebe2f8", "#6a3fb5"),
    "hub": ("HUB", "#dcf2e3", "#2e7d46"),
    "branch": ("分支", "#fff1d6", "#b7791f"),
    "cloud": ("云", "#dcf3f7", "#177e96"),
}
OTHER_KIND = ("站点", "#eeeeee", GREY)
# rows from top to bottom: cloud, then core and IDC, then HUBs, then branches (and unknown kinds)
TIER = {"cloud": 0, "core": 1, "idc": 1, "hub": 2}
BRANCH_TIER = 3
# carrier colours of the edges; anything else is grey ("其他运营商")
CARRIERS = (
    ("中国电信", "#2563eb", ("电信", "telecom")),
    ("中国联通", "#dc2626", ("联通", "unicom")),
    ("中国移动", "#059669", ("移动", "mobile")),
)
# line types drawn dashed: over the internet rather than a private circuit
OVERLAY_WORDS = ("互联网", "internet", "宽带", "sd-wan", "vpn", "隧道", "4g", "5g", "lte", "broadband")

# sizes in points; the network diagram works in inches (1 data unit = 1 inch)
NAME_PT, SUB_PT, APP_PT, EDGE_PT, TITLE_PT = 10.5, 8.0, 7.5, 7.5, 13.0
PAD, SEP, ROW_GAP, COL_GAP, MARGIN = 0.1, 0.08, 0.95, 0.8, 0.35
MAX_COLS, MAX_APPS = 6, 6
CARD_MIN_W, CARD_MAX_W = 1.5, 3.4


# ---------------------------------------------------------------- shared plumbing


def _em(text: str) -> float:
    """Estimated width in em: layout must not depend on which fonts are installed."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def _width(text: str, pt: float) -> float:
    return _em(text) * pt / 72


def _line_h(pt: float) -> float:
    return pt * 1.35 / 72


def _fit(text: str, pt: float, room: float) -> str:
    """``text``, cut with an ellipsis when wider than ``room`` inches."""
    if _width(text, pt) <= room:
        return text
    while text and _width(text + "…", pt) > room:
        text = text[:-1]
    return text + "…"


def _png_font() -> str | None:
    """The first installed CJK font of :data:`PNG_FONTS`, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in PNG_FONTS if name in installed), None)


@contextmanager
def _style(fmt: Fmt) -> Iterator[None]:
    """matplotlib's defaults (not the user's matplotlibrc) plus ours, for one render."""
    import matplotlib as mpl

    if fmt == "png":
        found = _png_font()
        fonts = [found, LATIN_FONT] if found else [LATIN_FONT]
    else:
        fonts = [*CSS_FONTS, LATIN_FONT]
    with mpl.rc_context():
        mpl.rcdefaults()
        mpl.rcParams.update(
            {
                "svg.fonttype": "none",  # text stays text: selectable, searchable, escaped
                "svg.hashsalt": "kb-diagrams",  # stable clip-path ids
                "text.parse_math": False,  # "$x^2$" in a name is not mathtext
                "text.usetex": False,
                "font.family": ["sans-serif"],
                "font.sans-serif": fonts,
                "axes.unicode_minus": False,
            }
        )
        yield


def _new_figure(width: float, height: float, *, constrained: bool = False) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, fmt: Fmt, dpi: float) -> bytes:
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, facecolor="white")
    else:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    return buf.getvalue()


def _render(fmt: Fmt, draw: Callable[[], Figure], dpi: Callable[[Figure], float] | None = None) -> bytes:
    if fmt not in ("svg", "png"):
        raise ValueError(f"unknown picture format {fmt!r}")
    with _style(fmt), warnings.catch_warnings():
        # without a CJK font matplotlib warns once per missing glyph (when measuring text for
        # either format); boxes in the PNG are the documented fallback, so not a failure
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        fig = draw()
        try:
            return _save(fig, fmt, dpi(fig) if dpi else PNG_DPI)
        finally:
            fig.clear()
