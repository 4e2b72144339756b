"""Personal data is declared once, in the schemas (`x-personal`), and masked once, in the model
the staff site is rendered from (generator/personal.py, the same kind of transform as the
secret redaction)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

from generator.personal import KEYWORD, KINDS, mask, mask_outcome, masks
from generator.pipeline import find_schemas, read_model
from generator.schemas import SchemaSet

from .conftest import REPO


def _schema(kind: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return data


def _marked(node: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if KEYWORD in node:
            yield path, node[KEYWORD]
        for key in ("properties", "definitions"):
            for name, sub in (node.get(key) or {}).items():
                yield from _marked(sub, f"{path}.{name}" if path else name)
        if isinstance(node.get("items"), dict):
            yield from _marked(node["items"], path + "[]")


def test_the_schemas_declare_the_personal_keys() -> None:
    client = dict(_marked(_schema("client")))
    assert client == {
        "account_manager.email": "email",
        "account_manager.phone": "phone",
        "contacts[].phone": "phone",
        "contacts[].email": "email",
    }
    assert dict(_marked(_schema("engineer"))) == {"email": "email", "phone": "phone", "mobile": "phone"}
    assert all(kind in KINDS for k in ("client", "engineer", "policy") for _p, kind in _marked(_schema(k)))


def test_mask_forms() -> None:
    assert mask("phone", "13800010001") == "138****0001"
    assert mask("phone", "0731-84000001") == "073****0001"
    assert mask("phone", "400-820-8820") == "400****8820"
    assert mask("email", "zhangwei@example.com") == "z***@example.com"
    assert mask("address", "上海市浦东新区富特北路 1 号") == "上海市浦东新****"


def _strings(obj: object) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for x in obj:
            yield from _strings(x)
    elif isinstance(obj, dict):
        for x in obj.values():
            yield from _strings(x)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name not in ("where", "texts"):  # texts: the files as read, for the secret scan only
                yield from _strings(getattr(obj, f.name))


def test_the_masked_model_holds_no_personal_value() -> None:
    outcome = read_model(REPO)
    schemas = SchemaSet.from_dir(find_schemas(REPO))
    table = masks(outcome.loaded, schemas)
    assert table["13900080001"] == "139****0001"
    assert table["pengzhigang@herui.example"] == "p***@herui.example"
    before = [s for s in _strings(outcome.kb) if any(v in s for v in table)]
    assert len(before) > 40
    masked = mask_outcome(outcome, schemas)
    assert [s for s in _strings(masked.kb) if any(v in s for v in table)] == []
    names = {c.name for cl in masked.kb.clients.values() for c in cl.contacts}
    assert names == {c.name for cl in outcome.kb.clients.values() for c in cl.contacts}  # names stay
    assert mask_outcome(outcome, schemas).kb.clients.keys() == outcome.kb.clients.keys()
