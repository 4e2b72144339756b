"""What several rule families share: building findings and message pieces. The facts the rules
judge (active statuses, period arithmetic, who serves whom) live in ``generator/facts.py``."""

from __future__ import annotations

import datetime as dt

from ..finding import Finding, Msg, Severity
from ..model import Client


def names(clients: list[Client], most: int = 6) -> str:
    """Client names for a message; a long list is cut ("… 等 50 个") so the message stays readable."""
    shown = "、".join(c.name or c.id for c in clients[:most])
    return shown if len(clients) <= most else f"{shown} 等 {len(clients)} 个"


def make(
    severity: Severity,
    where: tuple[str, int, int],
    rule: str,
    zh: str,
    en: str,
    hint_zh: str = "",
    hint_en: str = "",
    due: dt.date | None = None,
) -> Finding:
    return Finding(*where, rule, severity, Msg(zh, en), Msg(hint_zh, hint_en), due)
