"""Untrusted text stays text: escaping values for Markdown *and* HTML.

``html.escape`` alone leaves ``[x](javascript:…)`` links, ``{ onclick=… }`` attribute
lists, ``# headings``, ``|`` table breaks and ``*emphasis*`` live, because Python-Markdown
reads them before any HTML exists. Every character Markdown, its extensions or HTML
could act on becomes a numeric character reference: it renders exactly as typed, and no
parser treats it as syntax. Templates get this as Jinja's ``finalize`` hook, so a value
is escaped unless the code built it as :class:`markupsafe.Markup` on purpose.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

# HTML specials, Markdown punctuation, attr_list braces, table pipes, and the characters
# of autolinks, entities and Jinja/MkDocs-macro delimiters.
_SPECIAL = re.compile(r"""[&<>"'\\`*_{}\[\]()#+\-.!|~:=$%^@/]""")


def _ref(m: re.Match[str]) -> str:
    return f"&#{ord(m.group())};"


def text(value: Any) -> str:
    """One line of text (a table cell, a heading, a list item): line breaks become ``<br>``."""
    if value is None:
        return ""
    s = _SPECIAL.sub(_ref, str(value))
    return s.replace("\r\n", "\n").replace("\n", "<br>")


def block(value: Any) -> str:
    """A paragraph-sized text: blank lines separate paragraphs; single breaks are kept."""
    if value is None:
        return ""
    paragraphs = re.split(r"\n\s*\n", str(value).replace("\r\n", "\n").strip())
    return "\n\n".join(text(p) for p in paragraphs)


def finalize(value: Any) -> Markup:
    """Jinja's ``finalize``: escape every printed value unless it is deliberate markup. The
    environment also autoescapes, so macro output stays markup and nothing is escaped twice."""
    if isinstance(value, Markup):
        return value
    return Markup(text(value))


def link(label: Any, href: str) -> Markup:
    """A link we build ourselves: the label is escaped; the target, one of our own relative
    paths, is percent-encoded so no file name can turn it into anything else."""
    target = quote(href, safe="/#._-")
    if target.startswith(("/", ".", "#")) and not target.startswith("../"):
        target = "./" + target.lstrip("/")
    return Markup(f"[{text(label)}]({target})")
