"""What loading one file produces: data, the line map, and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..finding import Finding

RULE = "load"
DEFAULT_MAX_BYTES = 512 * 1024
DEFAULT_MAX_DEPTH = 32

KeyPath = tuple[str | int, ...]
Pos = tuple[int, int]  # 1-based line, 1-based column


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH


DEFAULT_LIMITS = Limits()


@dataclass
class Loaded:
    """One file's content: data, the position of every key path, and what went wrong.

    ``data`` is ``None`` when the file could not be read at all (``usable`` is False).
    ``poisoned`` holds key paths whose value was dropped or is suspect (an alias, a tag,
    a control character), so later stages do not report a second, confusing error there.
    ``source_text`` keeps what the user typed for typed scalars (``13800000000``), so a
    value the schema declares a string can be read as the text it was written as.
    """

    file: str
    data: Any = None
    usable: bool = False
    positions: dict[KeyPath, Pos] = field(default_factory=dict)
    source_text: dict[KeyPath, str] = field(default_factory=dict)
    poisoned: set[KeyPath] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    text: str | None = field(default=None, repr=False)  # the decoded text, when it could be decoded

    def pos(self, path: KeyPath) -> Pos:
        """Position of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            hit = self.positions.get(p)
            if hit is not None:
                return hit
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def is_poisoned(self, path: KeyPath) -> bool:
        p = tuple(path)
        return any(p[: i + 1] in self.poisoned for i in range(len(p))) or () in self.poisoned
