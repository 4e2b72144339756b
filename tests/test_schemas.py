"""Our schemas stay in the draft-07 subset VS Code understands, fully titled in Chinese."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from generator.formats import FORMATS
from generator.validate import KINDS

from .conftest import REPO

ALLOWED = {"$schema", "$id", "title", "description", "type", "properties", "required", "additionalProperties",
           "items", "enum", "format", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems",
           "uniqueItems", "definitions", "$ref", "default", "examples", "pattern", "anyOf",
           "x-personal"}  # ours (generator/personal.py); draft-07 and VS Code ignore unknown keywords
CJK = re.compile(r"[\u4e00-\u9fff]")


def _schema(kind: str) -> dict[str, Any]:
    return json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))


def _nodes(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key in ("properties", "definitions"):
            for name, sub in node.get(key, {}).items():
                yield from _nodes(sub, f"{path}/{key}/{name}")
        if isinstance(node.get("items"), dict):
            yield from _nodes(node["items"], f"{path}/items")
        for i, sub in enumerate(node.get("anyOf", ())):
            yield from _nodes(sub, f"{path}/anyOf/{i}")


@pytest.mark.parametrize("kind", KINDS)
def test_short_forms_come_after_the_long_form_and_are_described(kind: str) -> None:
    """A key that also takes a short form (a plain name, one sentence) lists the long form first
    (VS Code completes its keys; the importer writes it), the short one as titled text after it,
    and the key's description shows both forms."""
    problems = []
    for path, node in _nodes(_schema(kind)):
        forms = node.get("anyOf")
        if forms is None:
            continue
        if len(forms) != 2 or forms[0].get("type") not in ("object", "array") or forms[1].get("type") != "string":
            problems.append(f"{path}: anyOf must be [record or list, text]")
        if not CJK.search(str(forms[1].get("title", ""))) or "或" not in str(node.get("description", "")):
            problems.append(f"{path}: the short form needs a Chinese title, the key's description both forms")
        if set(node) - {"title", "description", "anyOf"}:
            problems.append(f"{path}: keywords beside anyOf belong in the forms: {sorted(set(node) - {'anyOf'})}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", KINDS)
def test_is_valid_draft07(kind: str) -> None:
    schema = _schema(kind)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("kind", KINDS)
def test_subset_titles_and_closed_objects(kind: str) -> None:
    problems = []
    for path, node in _nodes(_schema(kind)):
        extra = set(node) - ALLOWED
        if extra:
            problems.append(f"{path}: keywords outside the subset {sorted(extra)}")
        closed = node.get("additionalProperties") is False
        if (node.get("type") == "object" or "properties" in node) and not closed:
            problems.append(f"{path}: additionalProperties must be false")
        if "format" in node and node["format"] not in FORMATS:
            problems.append(f"{path}: unknown format {node['format']}")
        for name, prop in node.get("properties", {}).items():
            for key in ("title", "description"):
                if not CJK.search(str(prop.get(key, ""))):
                    problems.append(f"{path}/properties/{name}: no Chinese {key}")
    assert not problems, "\n".join(problems)


def test_every_example_file_has_its_modeline() -> None:
    files = [REPO / "policy.yml", *sorted((REPO / "engineers").glob("*.yml")),
             *sorted((REPO / "clients").glob("*/client.yml")),
             *sorted((REPO / "clients").glob("*/meetings/*.yml")), *sorted((REPO / "clients").glob("*/handoffs/*.yml"))]
    assert len(files) > 10
    for f in files:
        first = f.read_text(encoding="utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, f"{f}: first line is not a schema modeline"
        assert (f.parent / m.group(1)).resolve().is_file(), f"{f}: modeline points nowhere"
