"""The routing table the service desk imports (JSON, CSV): pure functions from routing rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from ..model import KB
from ..routing import TableRow
from .cells import csv_row

# The columns, in order; the README documents each one. Keys are a contract: extend, don't rename.
COLUMNS = (
    "client",
    "client_name",
    "status",
    "tier",
    "priority",
    "priority_label",
    "route",
    "engineer",
    "engineer_name",
    "backup",
    "backup_name",
    "hours_start",
    "hours_end",
    "hours_days",
    "leave",
    "priority_from",
    "priority_until",
    "account_manager",
)


def _name(kb: KB, eid: str | None) -> str:
    e = kb.engineers.get(eid or "")
    return (e.name or "") if e is not None else ""


def records(kb: KB, rows: Sequence[TableRow]) -> list[dict[str, Any]]:
    """One mapping per client with exactly :data:`COLUMNS` (``leave`` as a list of windows)."""
    out = []
    for r in rows:
        c = r.client
        out.append(
            {
                "client": c.id,
                "client_name": c.name or "",
                "status": c.status or "",
                "tier": c.tier or "",
                "priority": r.priority.rank,
                "priority_label": r.priority.label.zh,
                "route": r.route,
                "engineer": r.engineer or "",
                "engineer_name": _name(kb, r.engineer),
                "backup": r.backup or "",
                "backup_name": _name(kb, r.backup),
                "hours_start": r.hours.start.strftime("%H:%M"),
                "hours_end": r.hours.end.strftime("%H:%M"),
                "hours_days": "cn-workdays" if r.hours.workdays_only else "all",
                "leave": [
                    {
                        "engineer": w.engineer,
                        "from": w.start.isoformat(),
                        "to": w.end.isoformat(),
                        "covered_by": w.covered_by or "",
                    }
                    for w in r.leave
                ],
                "priority_from": r.priority_from.isoformat() if r.priority_from else "",
                "priority_until": r.priority_until.isoformat() if r.priority_until else "",
                "account_manager": (c.account_manager.name or "") if c.account_manager else "",
            }
        )
    return out


def to_json(kb: KB, rows: Sequence[TableRow], today: dt.date) -> str:
    """``{"generated_on", "policy_version", "clients": [...]}``, UTF-8 text, stable key order."""
    doc = {
        "generated_on": today.isoformat(),
        "policy_version": kb.policy.version if kb.policy else None,
        "clients": records(kb, rows),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def leave_cell(windows: Sequence[dict[str, str]]) -> str:
    """``2026-12-01~2026-12-05>li-na; …`` — ``>`` with nothing after it: the standard queue covers."""
    return "; ".join(f"{w['from']}~{w['to']}>{w['covered_by']}" for w in windows)


def to_csv(kb: KB, rows: Sequence[TableRow]) -> str:
    """The same columns as CSV (RFC 4180, CRLF); write it with a BOM so Excel reads the Chinese.
    Text a spreadsheet would run as a formula (a name like ``=HYPERLINK(…)``) gets a leading
    ``'`` (render/cells.py); the JSON form carries every value as it is."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row(COLUMNS))
    for rec in records(kb, rows):
        writer.writerow(csv_row(leave_cell(rec["leave"]) if k == "leave" else rec[k] for k in COLUMNS))
    return buf.getvalue()
