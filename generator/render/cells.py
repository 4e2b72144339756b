"""Spreadsheet cells that never run: the one place every CSV and XLSX writer escapes text.

Excel and WPS read a cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (OWASP "CSV injection"): a client or person named
``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` would become a live link or a command in the
service desk's or finance's spreadsheet. Such *text* is written as text; numbers stay
numbers, so a negative amount is still a number finance can sum.

* CSV has no types: the text gets a leading ``'``, which spreadsheets show as "text follows"
  (OWASP's advice). The value as typed is still visible after the quote.
* XLSX has types: the cell is an explicit string cell (never a formula, whatever it starts
  with) and carries Excel's quote-prefix flag, so editing it in Excel keeps it text. The
  value is stored exactly as typed, without the quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

# The characters a spreadsheet reads as the start of a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would run as a formula; never for a number."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A CSV field: formula-like text gets a leading ``'``; numbers and other text as they are."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row with every field passed through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]


def xlsx_cell(ws: Worksheet, value: Any) -> Cell:
    """A worksheet cell for ``value``: text is an explicit string cell (openpyxl would make
    any text starting with ``=`` a formula), formula-like text is also quote-prefixed."""
    from openpyxl.cell.cell import Cell

    cell = Cell(ws, row=1, column=1, value=value)  # append() gives it its real place
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell


def xlsx_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append a row to ``ws`` with every value written by :func:`xlsx_cell`."""
    ws.append([xlsx_cell(ws, v) for v in values])
