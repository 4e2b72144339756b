"""Stage 2 — JSON Schema errors as findings at the line of the offending key.

Every error of every file is reported, one finding each, in words chosen by error kind
(missing, wrong type, not one of the allowed values, bad format, unknown key …) with the
property's Chinese title from the schema and a hint. A key written with no value where
the schema needs one is a ``todo`` finding ("请填写…"), reported once — not a type error
followed by the enum or format error the same empty value also fails. The validator is jsonschema-rs
(draft-07): it yields every error with its kind and instance path, about a hundred
times faster than the pure-Python one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from .explain import RULE, TODO, explain
from .finding import Finding, Msg, error
from .load import KeyPath, Loaded
from .schemas import KINDS, SchemaError, SchemaSet

__all__ = ["KINDS", "RULE", "TODO", "SchemaError", "SchemaSet", "validate"]


def _set(data: Any, path: KeyPath, value: Any) -> None:
    cur = data
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value


def _all(errors: Iterable[Any]) -> Iterable[Any]:
    """The errors and, for a key that takes several forms (anyOf), each form's errors."""
    for e in errors:
        yield e
        if type(e.kind).__name__ in ("AnyOf", "OneOfNotValid"):
            for form in e.kind.context:
                yield from _all(form)


def _string_coercions(errors: Iterable[Any], loaded: Loaded) -> dict[KeyPath, str]:
    """Typed scalars (``13800000000``, ``4.0``) where the schema wants text: use what was typed
    (also where one of a key's forms wants text: ``key_terms: [2026]``)."""
    out: dict[KeyPath, str] = {}
    for e in _all(errors):
        if type(e.kind).__name__ == "Type" and "string" in e.kind.types:
            path = tuple(e.instance_path)
            text = loaded.source_text.get(path)
            if text is not None:
                out[path] = text
    return out


def validate(loaded: Loaded, kind: str, schemas: SchemaSet) -> tuple[Any, list[Finding]]:
    """Validate one loaded file; return its data (numbers read as text where the schema
    wants text) and one finding per schema error."""
    file = loaded.file
    data = loaded.data
    if data is None:
        return None, [
            error(
                file,
                1,
                1,
                RULE,
                Msg("文件是空的。", "The file is empty."),
                Msg(
                    "参照 README 中的示例填写，或用 kb new 生成骨架。",
                    "Fill it in after the README's example, or generate a skeleton with kb new.",
                ),
            )
        ]
    if not isinstance(data, dict):
        return None, [
            error(
                file,
                *loaded.pos(()),
                RULE,
                Msg(
                    "文件内容应是“键: 值”的映射，而不是列表或单个值。",
                    "The file should hold a mapping of 'key: value', not a list or a single value.",
                ),
            )
        ]
    validator = schemas.validators[kind]
    errors = list(validator.iter_errors(data))
    fixes = _string_coercions(errors, loaded)
    if fixes:
        data = copy.deepcopy(data)
        for path, text in fixes.items():
            _set(data, path, text)
        errors = list(validator.iter_errors(data))
    findings: list[Finding] = []
    # A value of the wrong type (or no value: a to-do) also fails its enum/format/range: say only the first thing.
    mistyped = {tuple(e.instance_path) for e in errors if type(e.kind).__name__ == "Type"}
    for e in errors:
        path = tuple(e.instance_path)
        if loaded.is_poisoned(path) or (path in mistyped and type(e.kind).__name__ != "Type"):
            continue
        findings.extend(explain(e, path, kind, loaded, schemas))
    return data, findings
