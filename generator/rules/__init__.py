"""Rules: small registered functions ``(kb, history, today) -> findings``.

Each family lives in its own module and registers its rules with :func:`rule`; the
policy section a rule enforces is in its docstring. ``today`` is always a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..finding import Finding
from ..model import KB

RuleFn = Callable[[KB, Any, dt.date], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    fn: RuleFn
    section: str


_REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, section: str = "—") -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        _REGISTRY[f"{rule_id}:{fn.__module__}.{fn.__name__}"] = Rule(rule_id, fn, section)
        return fn

    return register


def all_rules() -> list[Rule]:
    from . import (  # noqa: F401  (they register on import)
        assignment,
        calendar,
        clients,
        deadlines,
        engineers,
        kpi,
        lifecycle,
        priority,
        refs,
        secrets,
        split,
        workflow,
    )

    return list(_REGISTRY.values())


def run_rules(kb: KB, history: Any, today: dt.date) -> list[Finding]:
    out: list[Finding] = []
    for r in all_rules():
        out.extend(r.fn(kb, history, today))
    return out
