"""Writing the imported dossier into the KB, keeping what the form does not carry."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..formats import is_slug
from ..load import load_file
from ..redact import secrets_in
from .common import Problem
from .dump import to_yaml
from .keep import rewrite
from .reader import _get, _set, engineer_names, read_application
from .values import _is_table, _node, _ordered, client_schema, says_the_same, short_forms


def _drop(data: dict[str, Any], parts: list[str]) -> None:
    """Remove the key at ``parts`` and the groups that leaves empty."""
    for depth in range(len(parts), 0, -1):
        parent = _get(data, ".".join(parts[: depth - 1])) if depth > 1 else data
        if not isinstance(parent, dict):
            return
        if depth == len(parts) or parent.get(parts[depth - 1]) == {}:
            parent.pop(parts[depth - 1], None)


def _keep_rows(old: list[Any], new: list[Any], columns: set[str]) -> list[Any]:
    """The form's rows, each keeping what the dossier's row of the same id (or name, title)
    had in columns the form does not show (a site's subnets, say)."""
    ident = next((k for k in ("id", "name", "title") if k in columns), None)
    if ident is None:
        return new
    before = {r.get(ident): r for r in old if isinstance(r, dict)}
    out = []
    for row in new:
        prev = before.get(row.get(ident)) if isinstance(row, dict) else None
        out.append({**{k: v for k, v in prev.items() if k not in columns}, **row} if prev else row)
    return out


def _merge(
    old: dict[str, Any],
    new: dict[str, Any],
    carried: frozenset[str],
    schema: Mapping[str, Any],
    shorts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``old`` with every key path the form carries taken from ``new`` (or dropped); a value the
    dossier writes in a short form (``shorts``, see :func:`short_forms`) that says what the form
    says is kept as written."""
    out = copy.deepcopy(old)
    tables = {k for k in carried if (node := _node(schema, k)) is not None and _is_table(node)}
    for key in sorted(carried, key=len):
        if any(key.startswith(t + ".") for t in tables):
            continue  # a table's column: merged with its table
        prev, value = _get(out, key), _get(new, key)
        if key in (shorts or {}) and says_the_same(prev, value, (shorts or {})[key]):
            continue
        _drop(out, key.split("."))
        if key in tables and isinstance(prev, list) and isinstance(value, list):
            value = _keep_rows(prev, value, {c[len(key) + 1 :] for c in carried if c.startswith(key + ".")})
        if value is not None:
            _set(out, key.split("."), value)
    return out


def import_application(root: Path, data: bytes, force: bool = False) -> tuple[Path | None, list[Problem]]:
    """Read the form and write ``clients/<id>/client.yml`` under ``root``. An existing
    dossier is left alone unless ``force``; with it, the keys the form carries replace the
    dossier's and the others (events, renewals, …) are kept. Returns the written path (None
    when nothing was written) and everything that could not be read."""
    result = read_application(data, client_schema(root), engineer_names(root))
    problems = list(result.problems)
    cid = result.data.get("id")
    if not isinstance(cid, str):
        return None, problems
    if not is_slug(cid):
        problems.append(
            Problem(
                f"客户 ID“{cid}”不是小写短名（小写字母、数字和连字符，如 hx-logistics），未写入档案。",
                f"The client id '{cid}' is not a lowercase slug (letters, digits, hyphens, e.g. hx-logistics); nothing was written.",
                "id",
            )
        )
        return None, problems
    path = root / "clients" / cid / "client.yml"
    rel = f"clients/{cid}/client.yml"
    out = result.data
    kept: str | None = None
    if path.exists():
        if not force:
            problems.append(
                Problem(
                    f"{rel} 已存在，未覆盖；确认要用表单内容更新它时加 --force。",
                    f"{rel} exists and was not overwritten; add --force to update it from the form.",
                    "id",
                )
            )
            return None, problems
        loaded = load_file(root, rel)
        old = loaded.data
        if isinstance(old, dict):
            schema = client_schema(root)
            out = _ordered(_merge(old, result.data, result.carried, schema, short_forms(root)), schema)
            # The new values go into the existing text: its comments and key order stay.
            kept, lost = rewrite(loaded.text or "", old, out, rel)
            if lost:
                shown = "\n".join(f"  {c}" for c in lost)
                problems.append(
                    Problem(
                        f"{rel} 中以下注释未能保留（所在的内容已被替换或删除），需要时请补回：\n{shown}",
                        f"These comments of {rel} could not be kept (their content was replaced or removed); add them back if needed:\n{shown}",
                    )
                )
    text = kept if kept is not None else to_yaml(out)
    refused = secrets_in(text, rel)  # a detected secret is never written into YAML, not even with --force
    if refused:
        problems += [
            Problem(f"{f.message.zh[:-1]}：未写入档案（--force 也不写）。", f"{f.message.en[:-1]}: nothing was written.", at)
            for at, f in refused
        ]
        return None, problems
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".client.yml.importing")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path, problems
