"""What several rule families share: building findings and message pieces. The facts the rules
judge (active statuses, period arithmetic, who serves whom) live in ``generator/facts.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..finding import Finding, Msg, Severity
from ..model import Client
from ..roles import Role


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


def acted_by(
    who: Role,
    key: str,
    written: str | None,
    missing: tuple[tuple[str, int, int], str, str],
    wrong: tuple[tuple[str, int, int], str, str],
    rule: str,
    extra_zh: str = "",
) -> Iterator[Finding]:
    """The policy names who acts (§7.2.3: the ops manager assigns; §9.3.3: the retention team asks):
    an error when the record does not say who (``missing``: where, zh, en) or says someone else
    (``wrong``). ``key`` is the record's key path (``assignment.assigned_by``), ``who`` the role
    (policy.yml ``roles.<role_key>``); the hints are the same for every such record."""
    field, role_key = key.rsplit(".", 1)[-1], who.key
    if not written:
        at, zh, en = missing
        yield make(Severity.ERROR, at, rule, zh, en, f"添加 {key}: {who.name or who.title}{extra_zh}。",
                   f"Add {key}: {who.name or who.title}.")
    elif not who.named_in(written):
        at, zh, en = wrong
        yield make(Severity.ERROR, at, rule, zh, en, f"{field} 写{who.label}（见 policy.yml 的 roles.{role_key}）。",
                   f"Write {who.label} under {field} (policy.yml roles.{role_key}).")
