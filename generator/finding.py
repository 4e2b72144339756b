"""The one type every stage reports problems with.

A :class:`Finding` names a file (relative to the KB root, POSIX separators), a 1-based
line and column, a stable rule id, a severity, and a message plus a hint in both
languages. Reporters pick the language; stages never print.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Lang = Literal["zh", "en"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Msg:
    """A user-facing text in Simplified Chinese (default) and English."""

    zh: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


NO_HINT = Msg("", "")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: Msg
    hint: Msg = NO_HINT
    due: dt.date | None = None  # the deadline a finding is about, for dashboards (not in the JSON report)

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.file, self.line, self.column, self.severity.rank, self.rule)

    def as_dict(self, lang: Lang) -> dict[str, object]:
        """The JSON shape: exactly these seven keys."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message(lang),
            "hint": self.hint(lang),
        }


def error(file: str, line: int, column: int, rule: str, message: Msg, hint: Msg = NO_HINT) -> Finding:
    return Finding(file, line, column, rule, Severity.ERROR, message, hint)


def warning(file: str, line: int, column: int, rule: str, message: Msg, hint: Msg = NO_HINT) -> Finding:
    return Finding(file, line, column, rule, Severity.WARNING, message, hint)


def info(file: str, line: int, column: int, rule: str, message: Msg, hint: Msg = NO_HINT) -> Finding:
    return Finding(file, line, column, rule, Severity.INFO, message, hint)
