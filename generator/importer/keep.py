"""Replacing a dossier in place (``kb import application --force``): the new values go into
the existing text, so its comments, its key order and the exact spelling of every value the
form did not change (``null``, quotes, flow ``{…}`` records, block text) stay as they were.

Why ruamel.yaml's round-trip mode, not our own line map: its tree already carries each
comment and each scalar's style, and it writes back an unchanged file byte for byte (all
31 dossiers of the example KB); editing the text ourselves would mean re-implementing YAML's
block/flow/quoting rules for every kind of change (a row added to a table, a flow record
changed, a key removed). It is slow for 2,000 files (FIELD-NOTES: 25 s) but this is one file,
~20 ms. It reads YAML 1.2, not what our loader reads, so it is told to resolve *nothing*:
every scalar stays the text as written, and what a value means is always decided by our own
loader — the old values come from it, and the written text is loaded back with it and
compared with what should have been written; any difference (or text ruamel cannot parse)
and the caller writes the whole dossier afresh instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ..load import load_text
from .dump import needs_quotes, to_yaml

_COMMENT = re.compile(r"(?:^|\s)(#.*)$")


def _yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.resolver import VersionedResolver

    class _TextOnly(VersionedResolver):
        """No implicit types: ``010``, ``no``, ``2026-03-02`` and ``null`` stay text in the tree."""

        @property
        def versioned_resolver(self) -> Any:
            return {}

    y = YAML(typ="rt")
    y.Resolver = _TextOnly
    y.preserve_quotes = True
    y.width = 1_000_000
    y.indent(mapping=2, sequence=4, offset=2)  # `key:` then `  - item`, as the KB writes lists
    return y


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same kind (``1`` is not ``True``, ``1`` is not ``1.0``)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _float_text(value: float) -> str:
    text = repr(value)
    return text if "e" not in text else f"{value:f}"


def _fresh(value: Any) -> Any:
    """A new value as a tree node whose text our loader reads back as ``value``."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, dict):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = _fresh(v)
        return node
    if isinstance(value, list):
        seq = CommentedSeq([_fresh(v) for v in value])
        if len(str(value)) <= 80 and all(
            isinstance(v, int | float) or (isinstance(v, str) and "\n" not in v) for v in value
        ):
            seq.fa.set_flow_style()  # ports: [443, 8443], as people write short lists
        return seq
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    text = str(value)
    if "\n" in text and text == text.strip(" \t"):
        return LiteralScalarString(text)
    return DoubleQuotedScalarString(text) if needs_quotes(text) else text


# ------------------------------------------------------------------ comments
# ruamel keeps the comments *after* an entry with that entry: its end-of-line comment, then
# the full-line comments up to the next entry (which are really that next entry's heading).
# When an entry is replaced, removed or has a new sibling inserted after it, those full-line
# comments are moved so they stay just before the entry they head.


def _is_block(node: Any) -> bool:
    return bool(node) and hasattr(node, "fa") and not node.fa.flow_style()


def _slot(parent: Any, key: Any) -> tuple[list[Any], int, bool]:
    """Where the comment after ``parent[key]`` lives: a list, an index in it, and whether the
    token there is full-line comments only (a block list's end) rather than end-of-line first."""
    value = parent[key]
    if _is_block(value):
        end = getattr(value.ca, "end", None)
        if isinstance(value, list) and end:
            return end, len(end) - 1, True
        last = list(value)[-1] if isinstance(value, dict) else len(value) - 1
        return _slot(value, last)
    items = parent.ca.items.setdefault(key, [None, None, None, None])
    return items, 2 if isinstance(parent, dict) else 0, False


def _take_rest(parent: Any, key: Any) -> str:
    """Remove and return the full-line comments (and blank lines) after ``parent[key]``; its
    own end-of-line comment stays."""
    holder, i, whole = _slot(parent, key)
    token = holder[i]
    if token is None or not isinstance(getattr(token, "value", None), str):
        return ""
    value: str = token.value
    if whole:
        holder[i] = None
        return value
    first, _, rest = value.partition("\n")
    if first.strip():
        token.value = first + "\n"
    else:
        holder[i] = None
    return rest


def _put_rest(parent: Any, key: Any, rest: str) -> None:
    """Put full-line comments after ``parent[key]`` (after its end-of-line comment)."""
    if not rest:
        return
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    holder, i, whole = _slot(parent, key)
    token = holder[i]
    if token is not None and isinstance(getattr(token, "value", None), str):
        token.value = (token.value if token.value.endswith("\n") else token.value + "\n") + rest
    else:
        holder[i] = CommentToken(rest if whole else "\n" + rest, CommentMark(0), None)


# ------------------------------------------------------------------ the update


def _replace(parent: Any, key: Any, value: Any) -> None:
    rest = _take_rest(parent, key)
    old = parent[key]
    node = _fresh(value)
    if hasattr(old, "fa") and hasattr(node, "fa") and old.fa.flow_style():
        node.fa.set_flow_style()  # a record written {…} stays {…}
    parent[key] = node
    _put_rest(parent, key, rest)


def _update_map(tree: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    for key in [k for k in tree if k not in new]:
        if key in old and old[key] is None:
            continue  # `key: null` says what a missing key says: keep the line as written
        keys = list(tree)
        at = keys.index(key)
        rest = _take_rest(tree, key)
        del tree[key]
        if rest and at > 0:
            _put_rest(tree, keys[at - 1], rest)
    prev: str | None = None
    for key, value in new.items():
        if key in tree:
            if not _same(old.get(key), value):
                _update(tree, key, old.get(key), value)
        else:
            at = list(tree).index(prev) + 1 if prev is not None else 0
            rest = _take_rest(tree, prev) if prev is not None else ""
            tree.insert(at, key, _fresh(value))
            if tree.fa.flow_style() and hasattr(tree[key], "fa"):
                tree[key].fa.set_flow_style()
            _put_rest(tree, key, rest)
        prev = key


def _update_seq(seq: Any, old: list[Any], new: list[Any]) -> None:
    for i in range(min(len(seq), len(new))):
        if not _same(old[i], new[i]):
            _update(seq, i, old[i], new[i])
    if len(new) < len(seq):
        rest = _take_rest(seq, len(seq) - 1)
        del seq[len(new) :]
        if new:
            _put_rest(seq, len(new) - 1, rest)
    elif len(new) > len(seq):
        rest = _take_rest(seq, len(seq) - 1) if seq else ""
        for value in new[len(seq) :]:
            node = _fresh(value)
            if seq.fa.flow_style() and hasattr(node, "fa"):
                node.fa.set_flow_style()
            elif seq and hasattr(seq[0], "fa") and hasattr(node, "fa") and seq[0].fa.flow_style():
                node.fa.set_flow_style()  # rows written {…} get new rows written {…}
            seq.append(node)
        _put_rest(seq, len(seq) - 1, rest)


def _update(parent: Any, key: Any, old: Any, new: Any) -> None:
    current = parent[key]
    if isinstance(new, dict) and isinstance(old, dict) and isinstance(current, dict) and set(current) == set(old):
        _update_map(current, old, new)
    elif isinstance(new, list) and isinstance(old, list) and isinstance(current, list) and len(current) == len(old):
        _update_seq(current, old, new)
    else:
        _replace(parent, key, new)


def _comments(text: str) -> list[str]:
    """The comments of a text, one per line that has one (an approximation: a ``#`` after a
    space inside a quoted value counts too, which only ever makes the check stricter)."""
    return [m.group(1).rstrip() for line in text.splitlines() if (m := _COMMENT.search(line))]


def update_text(text: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """``text`` (a dossier our loader read as ``old``) rewritten to hold ``new``: comments, key
    order and untouched values as they were, new keys after their predecessor in ``new``'s
    order. Returns the text and the comments that could not be kept (they were on lines of
    removed values), or None when the text cannot be updated in place."""
    y = _yaml()
    try:
        tree = y.load(text)
    except Exception:  # ruamel refuses something our loader took (duplicate keys …): write afresh
        return None
    if not isinstance(tree, dict) or set(tree) != set(old):
        return None
    _update_map(tree, old, new)
    buf = io.StringIO()
    try:
        y.dump(tree, buf)
    except Exception:  # pragma: no cover - a tree we built that ruamel cannot write
        return None
    out = buf.getvalue()
    remaining = _comments(out)
    lost = []
    for c in _comments(text):
        if c in remaining:
            remaining.remove(c)
        else:
            lost.append(c)
    return out, lost


def _without_nulls(data: Any) -> Any:
    """``data`` without keys whose value is null (a kept ``key: null`` line means no value)."""
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(v) for v in data]
    return data


def rewrite(text: str, old: Mapping[str, Any], new: Mapping[str, Any], file: str) -> tuple[str, list[str]]:
    """The dossier text holding ``new``, made from ``text`` (read by our loader as ``old``) when
    possible, and the comments of ``text`` it does not keep. Whatever is returned loads with
    our loader to ``new`` (up to kept ``key: null`` lines); when the update in place cannot
    promise that, the dossier is written afresh and every comment is listed as not kept."""
    updated = update_text(text, old, new)
    if updated is not None:
        out, lost = updated
        back = load_text(out, file)
        if back.usable and not back.findings and _same(_without_nulls(back.data), _without_nulls(dict(new))):
            return out, lost
    return to_yaml(new), [c for c in _comments(text) if not c.startswith("# yaml-language-server:")]
