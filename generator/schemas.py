"""Our JSON Schemas, compiled, and how to find a property's schema and title by key path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from .formats import checkers
from .load import KeyPath

KINDS = ("client", "engineer", "meeting", "handoff", "policy", "calendar", "kpis")


class SchemaError(Exception):
    """Our own schemas cannot be used: an environment problem (exit 2), not bad input."""


@dataclass(frozen=True)
class SchemaSet:
    """The compiled schema of each file kind."""

    schemas: dict[str, dict[str, Any]]
    validators: dict[str, Any]

    @classmethod
    def from_dir(cls, folder: Path) -> SchemaSet:
        schemas: dict[str, dict[str, Any]] = {}
        validators: dict[str, Any] = {}
        formats = checkers()
        for kind in KINDS:
            path = folder / f"{kind}.schema.json"
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
                validators[kind] = jsonschema_rs.Draft7Validator(schema, formats=formats, validate_formats=True)
            except OSError as exc:
                raise SchemaError(f"{path}: {exc.strerror}") from exc
            except (ValueError, jsonschema_rs.ValidationError) as exc:
                raise SchemaError(f"{path}: {exc}") from exc
            schemas[kind] = schema
        return cls(schemas, validators)

    def subschema(self, kind: str, path: KeyPath) -> dict[str, Any] | None:
        """The schema that applies at ``path`` (following properties, items, local $ref and the
        long form of a key that also takes a short one, see :func:`long_form`)."""
        root = self.schemas[kind]
        node: dict[str, Any] | None = root
        for part in path:
            node = long_form(root, node)
            if node is None:
                return None
            if isinstance(part, int):
                items = node.get("items")
                node = items if isinstance(items, dict) else None
            else:
                node = node.get("properties", {}).get(part)
        return long_form(root, node)

    def title(self, kind: str, path: KeyPath) -> str | None:
        """The Chinese title of the property at ``path`` (read before following $ref)."""
        if not path:
            return None
        parent = self.subschema(kind, path[:-1])
        if parent is None:
            return None
        last = path[-1]
        prop = parent.get("items") if isinstance(last, int) else parent.get("properties", {}).get(last)
        if isinstance(prop, dict):
            t = prop.get("title") or (_deref(self.schemas[kind], prop) or {}).get("title")
            return str(t) if t else None
        return None


def long_form(root: dict[str, Any], node: dict[str, Any] | None) -> dict[str, Any] | None:
    """A key that takes several forms (``anyOf``/``oneOf``: a record or just its name, a list or one
    sentence) read as its first form — the long one, which the model, the forms and the importer
    write — under the key's own title and description."""
    node = _deref(root, node)
    seen = 0
    while isinstance(node, dict) and "properties" not in node and "items" not in node and seen < 16:
        forms = node.get("anyOf") or node.get("oneOf")
        if not (isinstance(forms, list) and forms and isinstance(forms[0], dict)):
            break
        first = _deref(root, forms[0]) or {}
        node = {**first, **{k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}}
        seen += 1
    return node


def long_forms(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every key that also takes a short form reduced to its long form
    (:func:`long_form`), all the way down: what a reader that walks ``properties`` and ``items``
    (the form importer) expects. The short forms' only difference is how people may write them."""

    def walk(node: Any, depth: int) -> Any:
        if not isinstance(node, dict) or depth > 64:
            return node
        node = long_form(schema, node) or {}
        out = dict(node)
        if isinstance(node.get("properties"), dict):
            out["properties"] = {k: walk(v, depth + 1) for k, v in node["properties"].items()}
        if isinstance(node.get("items"), dict):
            out["items"] = walk(node["items"], depth + 1)
        return out

    result: dict[str, Any] = walk(schema, 0)
    return result


def _deref(root: dict[str, Any], node: dict[str, Any] | None) -> dict[str, Any] | None:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 16:
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            return None
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target
        seen += 1
    return node


def show_path(path: KeyPath) -> str:
    """``('contacts', 2, 'phone')`` → ``contacts[2].phone``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(根)"


def _set(data: Any, path: KeyPath, value: Any) -> None:
    cur = data
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value
