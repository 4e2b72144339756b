"""Pictures drawn at build time with matplotlib — no browser, no internet (DESIGN.md §5).

Pure functions: model in, SVG or PNG bytes out; nothing is written or printed. The same
input gives byte-identical output on the same machine (fixed layout, ``svg.hashsalt``, no
dates or software names in the metadata).

Text from the YAML is untrusted: mathtext is off for every text (``$x^2$`` stays literal)
and the SVG keeps text as escaped XML text (``svg.fonttype: none``), never as markup. SVG
names a CSS list of Chinese fonts for the browser to resolve; PNG uses the first installed
CJK font matplotlib knows, and still renders (with boxes for Chinese) when there is none.

matplotlib is imported inside the functions, so importing this module stays cheap. The
figures use the object API (no pyplot, so no global figure registry); rcParams are set
only inside ``rc_context`` for the duration of one render (not thread-safe — render from
one thread at a time).
"""

from __future__ import annotations

from .canvas import AMBER, DRAWING_VERSION, GREEN, PNG_MAX_PIXELS, RED, Fmt
from .charts import completeness_chart, load_chart
from .network import _overlap, _place, bandwidth_label, line_label, network_diagram, network_key

__all__ = [
    "AMBER",
    "DRAWING_VERSION",
    "GREEN",
    "PNG_MAX_PIXELS",
    "RED",
    "Fmt",
    "_overlap",
    "_place",
    "bandwidth_label",
    "completeness_chart",
    "line_label",
    "load_chart",
    "network_diagram",
    "network_key",
]
