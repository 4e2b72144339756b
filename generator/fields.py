"""Lenient readers for validated YAML data: each returns None (or an empty tuple) when
the value is missing or of the wrong type, so a file with a schema error can still be
modelled — the schema finding already tells the user about the wrong value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .formats import is_date
from .model import Where

Raw = dict[str, Any]


def mapping_at(d: Any, key: str) -> Raw | None:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, dict) else None


def text_at(d: Any, key: str) -> str | None:
    v = d.get(key) if isinstance(d, dict) else None
    if isinstance(v, str):
        return v.strip() or None
    return None


def number_at(d: Any, key: str) -> float | None:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def int_at(d: Any, key: str) -> int | None:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def flag_at(d: Any, key: str) -> bool:
    v = d.get(key) if isinstance(d, dict) else None
    return v is True


def date_at(d: Any, key: str) -> dt.date | None:
    v = text_at(d, key)
    return dt.date.fromisoformat(v) if v and is_date(v) else None


def list_at(d: Any, key: str) -> list[Any]:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, list) else []


def named_days_at(d: Any, key: str) -> tuple[tuple[dt.date, str], ...]:
    """A list of ``{date, name}`` items (holidays, make-up days) as (day, name); undated items dropped."""
    out = []
    for item in list_at(d, key):
        day = date_at(item, "date")
        if day is not None:
            out.append((day, text_at(item, "name") or ""))
    return tuple(out)


def texts_at(d: Any, key: str) -> tuple[str, ...]:
    v = d.get(key) if isinstance(d, dict) else None
    if isinstance(v, str):
        return (v,) if v.strip() else ()
    return tuple(x for x in list_at(d, key) if isinstance(x, str) and x.strip())


def items_at(d: Any, key: str, where: Where) -> list[tuple[Raw, Where]]:
    return [(x, where.sub(key, i)) for i, x in enumerate(list_at(d, key)) if isinstance(x, dict)]


def records_at(d: Any, key: str, where: Where, name: str) -> list[tuple[Raw, Where]]:
    """A list of records (:func:`items_at`) that people may also write as a plain list of names:
    a text item ``门店开通`` reads as the record ``{name: 门店开通}`` (``name`` is the key the
    schema's short form stands for), so both forms give the same model."""
    out = []
    for i, x in enumerate(list_at(d, key)):
        if isinstance(x, str) and x.strip():
            x = {name: x}
        if isinstance(x, dict):
            out.append((x, where.sub(key, i)))
    return out
