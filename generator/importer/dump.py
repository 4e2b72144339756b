"""The dossier dict as YAML text that our loader reads back to the same data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import yaml

from .common import _KEY, SCHEMA_LINE
from .values import _ordered, client_schema

_STR = "tag:yaml.org,2002:str"


class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, dates plain (our loader keeps them
    text); every other string that YAML 1.1 would type (010, no, 22:30, true) is quoted."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_Dumper.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


class _Types(yaml.resolver.BaseResolver):
    """What a YAML 1.1 reader (and so most editors and tools) would type a plain scalar as."""


_Types.yaml_implicit_resolvers = _Dumper.yaml_implicit_resolvers
_TYPES = _Types()


def needs_quotes(value: str) -> bool:
    """Whether ``value`` must be written in quotes to stay the text it is: YAML would read it as
    a number, boolean or null (a phone number, ``010``, ``no``, ``null``), or it begins or ends
    with white space (`` ``, a non-breaking space), which plain YAML drops or hides."""
    tag = cast(Any, _TYPES).resolve(yaml.ScalarNode, value, (True, False))
    return tag != _STR or value != value.strip() or value == ""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Multi-line text as a ``|`` block; text that plain YAML would type or trim in double
    quotes, as the README writes ``"13800000000"``."""
    style: str | None = "|" if "\n" in value and value == value.strip(" \t") else None
    if style is None and needs_quotes(value):
        style = '"'
    return dumper.represent_scalar(_STR, value, style=style)


def _float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    text = repr(value)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text if "e" not in text else f"{value:f}")


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    """A short list of one-line scalars in flow style (``ports: [443, 8443]``), as people write it."""
    flow = len(str(value)) <= 80 and all(
        isinstance(v, int | float) or (isinstance(v, str) and "\n" not in v) for v in value
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.MappingNode:
    """Keys as the data contract spells them: ``on:`` plain (our loader reads it as text;
    PyYAML would quote it as a YAML 1.1 boolean)."""
    node = dumper.represent_mapping("tag:yaml.org,2002:map", value)
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and _KEY.match(key.value):
            key.tag = cast(Any, dumper).resolve(yaml.ScalarNode, key.value, (True, False))
            key.style = None
    return node


_Dumper.add_representer(str, _str)
_Dumper.add_representer(dict, _dict)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(float, _float)


def to_yaml(data: Mapping[str, Any]) -> str:
    """The dossier text for ``data``: the schema line, then the keys in the data contract's
    order, block style, Chinese as typed; it loads back with ``load_text`` to ``data``."""
    body = yaml.dump(
        _ordered(dict(data), client_schema()),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )
    return f"{SCHEMA_LINE}\n{body}"
