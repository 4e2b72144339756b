"""Reading a tabular export (CSV or XLSX) into rows keyed by our names — shared by
``kb import tickets`` and ``kb import inventory``.

API
---

``read_table(path, columns, *, required=(), display=None, sheet=None, rule="import") -> Table``
    Reads ``path`` (``.csv``/``.txt``/``.tsv`` as delimited text, ``.xlsx``/``.xlsm`` through
    openpyxl in read-only mode; the first sheet unless ``sheet`` names one). ``columns`` maps
    *our* key to *their* column name (``{"opened": "创建时间"}``, as in policy.yml
    ``tickets.columns``); a key whose column is absent is ``None`` in every row, unless it is
    ``required`` — then the table is refused with a finding that names the column, the
    columns present and the closest one ("did you mean"). Never raises for a bad file: every
    problem is a :class:`~generator.finding.Finding` (rule ``rule``, file ``display``) in
    ``Table.findings``, and a refused file has no rows.

``scan_table(path, columns, *, required=(), display=None, sheet=None, rule="import") -> Scan``
    The same opening (bytes, encoding, delimiter, header, columns, the same findings) for one
    pass over the raw records, kept nowhere: a :class:`Scan`, whose ``values(cells)`` is the
    one conversion of a record into ``{our_key: value}`` that ``read_table`` uses too
    (``read_table`` is ``scan_table(...).table()``). For a caller that reads 10^5 rows
    straight from their cells and needs no row kept (``kb import tickets``).

``Table``
    ``rows`` (tuple of :class:`Row`: ``line`` and ``values`` ``{our_key: value}``), ``sha256``
    of the file's bytes, ``row_count`` (data rows read, blank rows not counted), ``encoding``
    (``utf-8``, ``utf-8-sig``, ``gb18030``, ``utf-16``; ``None`` for XLSX), ``sheet`` (XLSX),
    ``header_line`` and ``header`` (their column names in file order), ``findings``, ``ok``.

    A value is ``None`` (empty cell, or only spaces), a ``str`` (stripped), or — XLSX only —
    an ``int``/``float``/``bool`` or a ``datetime`` (Excel date cells).

Line numbers: for CSV the *physical* line where the record starts (a quoted field may hold
newlines, so a record can span several lines); for XLSX the sheet's row number. The header is
the first row (among the first ten non-blank ones) holding every required column — so a title
row above the header is allowed — else the first non-blank row.

Encoding of CSV: a BOM decides (UTF-8 or UTF-16); otherwise strict UTF-8, then strict
GB 18030 (a superset of GBK, what Excel writes on a Chinese Windows) only if the whole file
decodes cleanly; the encoding used is in ``Table.encoding`` for the command to say. Bytes
neither can decode are refused at their line (never replaced). The delimiter is the one of
``,`` ``\\t`` ``;`` that the first lines hold most of. Newlines inside a quoted field read as ``\\n``.

``parse_time(value) -> datetime | Msg``
    ``2026-07-03 09:15``, ``2026/7/3 9:15``, ``2026.7.3 09:15:30``, ``2026年7月3日 9:15``,
    ``2026-07-03T09:15:00``, a ``datetime`` (Excel date cell), or an Excel serial number
    (``46206.385``, a date cell formatted as General). Seconds are optional. A date without a
    time, a time zone, or anything else is a :class:`Msg` saying what was expected.

``parse_number(value) -> float | Msg``
    ``320000``, ``320,000``, ``¥320,000.50``, ``￥32万``, ``4.5``, full-width digits. ``万``
    multiplies by 10,000 (Chinese exports and forms write money so, and the dossier importer
    already reads ``32万``); ``元``/``RMB``/``CNY`` and currency signs are dropped. A percent
    sign is refused (a share or a number? the caller knows, the reader does not guess).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import itertools
import operator
import re
import unicodedata
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..finding import Finding, Msg, error
from ..gcpause import gc_paused

MAX_TABLE_BYTES = 256 * 1024 * 1024  # a 200,000-row export is ~25 MB; anything near this is not an export
MAX_XLSX_UNZIPPED = 1024 * 1024 * 1024  # refuse zip bombs before openpyxl inflates them
HEADER_SEARCH = 10  # non-blank rows looked at for the header (exports put a title row or two above it)

Value = str | int | float | bool | dt.datetime | None


class Row(NamedTuple):
    """One data row: where it starts in the file and its values by our key (a NamedTuple: an
    export has 10^5 rows, and a frozen dataclass costs three times as much to make)."""

    line: int
    values: dict[str, Value]


@dataclass(frozen=True)
class Table:
    """What was read from one file (see the module docstring)."""

    source: str
    sha256: str
    rows: tuple[Row, ...] = ()
    encoding: str | None = None
    sheet: str | None = None
    header_line: int = 0
    header: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def ok(self) -> bool:
        return not self.findings


# ------------------------------------------------------------------ reading

Cells = Sequence[object]
Record = tuple[int, Cells]  # (the line the record starts on, its cells)


def _no_values(_cells: Cells) -> dict[str, Value] | None:
    return None


@dataclass
class Scan:
    """An opened table, for one pass over its records (``kb import tickets`` reads 10^5 rows
    straight from the cells; :func:`read_table` is this plus a :class:`Row` per record).

    ``source``, ``sha256``, ``encoding``, ``sheet``, ``header_line`` and ``header`` are those of
    :class:`Table`; ``index`` maps our key to its column's 0-based position (an absent optional
    key is not in it); ``text_cells`` is true when every cell is a ``str`` (CSV).
    ``records`` yields each record after the header as ``(start line, cells)`` — blank rows
    included, once —, and ``values(cells)`` is that record as ``Table.rows`` holds it
    (``{our_key: value}``), or ``None`` for a blank row.

    A CSV is split while ``records`` is read, so a malformed one (an unclosed quote) is known
    only at its end: ask ``refused()`` — the refusing :class:`Table`, whose findings say why,
    or ``None`` — after the pass.
    """

    source: str
    sha256: str
    encoding: str | None = None
    sheet: str | None = None
    header_line: int = 0
    header: tuple[str, ...] = ()
    index: Mapping[str, int] = field(default_factory=dict)
    text_cells: bool = False
    records: Iterator[Record] = field(default_factory=lambda: iter(()))
    values: Callable[[Cells], dict[str, Value] | None] = _no_values
    refusal: Table | None = None  # refused before any record (unreadable file, bad header)
    broken: list[Finding] = field(default_factory=list)  # filled when `records` meets malformed CSV

    def refused(self) -> Table | None:
        """The file refused (a :class:`Table` without rows, with the findings), or None."""
        if self.broken:  # as before the header was looked at: the file cannot be split into records
            return Table(self.source, self.sha256, encoding=self.encoding, findings=tuple(self.broken))
        return self.refusal

    def table(self) -> Table:
        """Read the records into a :class:`Table` (the rest of :func:`read_table`)."""
        rows: list[Row] = []
        append = rows.append
        values = self.values
        make = tuple.__new__  # Row(line, values) without a Python-level __new__ per row
        for line, cells in self.records:
            v = values(cells)
            if v is not None:
                append(make(Row, (line, v)))
        refused = self.refused()
        if refused is not None:
            return refused
        return Table(self.source, self.sha256, rows=tuple(rows), encoding=self.encoding, sheet=self.sheet,
                     header_line=self.header_line, header=self.header)


def _refused(table: Table) -> Scan:
    return Scan(table.source, table.sha256, encoding=table.encoding, sheet=table.sheet,
                header_line=table.header_line, header=table.header, refusal=table)


def read_table(path: str | Path, columns: Mapping[str, str], *, required: Collection[str] = (),
               display: str | None = None, sheet: str | None = None, rule: str = "import") -> Table:
    """Read a CSV or XLSX export into rows keyed by ``columns``' keys (see the module docstring)."""
    with gc_paused():
        return scan_table(path, columns, required=required, display=display, sheet=sheet, rule=rule).table()


def scan_table(path: str | Path, columns: Mapping[str, str], *, required: Collection[str] = (),
               display: str | None = None, sheet: str | None = None, rule: str = "import") -> Scan:
    """Open a CSV or XLSX export for one pass over its records (see :class:`Scan`): the same
    reading, findings and values as :func:`read_table`, without keeping a row per record."""
    with gc_paused():  # an XLSX sheet is read whole here
        return _scan(path, columns, required=required, display=display, sheet=sheet, rule=rule)


def _scan(path: str | Path, columns: Mapping[str, str], *, required: Collection[str],
          display: str | None, sheet: str | None, rule: str) -> Scan:
    p = Path(path)
    name = display if display is not None else str(path)

    def refuse(line: int, zh: str, en: str, hint_zh: str = "", hint_en: str = "", digest: str = "") -> Scan:
        return _refused(Table(name, digest, findings=(error(name, line, 1, rule, Msg(zh, en), Msg(hint_zh, hint_en)),)))

    try:
        size = p.stat().st_size
        if size > MAX_TABLE_BYTES:
            return refuse(1, f"文件过大（{size} 字节，上限 {MAX_TABLE_BYTES}）", f"file too large ({size} bytes, limit {MAX_TABLE_BYTES})",
                          "导出一个较短的时间段", "export a shorter period")
        data = p.read_bytes()
    except OSError as exc:
        return refuse(1, f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc.strerror or exc}")
    digest = hashlib.sha256(data).hexdigest()
    if data[:4] == b"PK\x03\x04" or p.suffix.lower() in (".xlsx", ".xlsm"):
        return _scan_xlsx(data, name, digest, columns, required, sheet, rule)
    if p.suffix.lower() == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return refuse(1, "不支持旧版 Excel 97-2003（.xls）文件", "old Excel 97-2003 (.xls) files are not supported",
                      "在 Excel/WPS 中另存为 .xlsx 或 CSV", "save it as .xlsx or CSV in Excel/WPS", digest)
    return _scan_csv(data, name, digest, columns, required, rule)


def _decode(data: bytes) -> tuple[str, str] | tuple[None, int]:
    """(text, encoding), or (None, line of the first byte that cannot be decoded)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            return None, data[:exc.start + 3].count(b"\n") + 1
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            return None, data[:exc.start].count(b"\n") + 1  # approximate for UTF-16, at least the place
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return None, data[:first_bad].count(b"\n") + 1


def _delimiter(text: str) -> str:
    head = text[:65536].split("\n", HEADER_SEARCH + 2)[:HEADER_SEARCH + 2]  # a title row above may hold none
    counts = {d: max(line.count(d) for line in head) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(text: str, broken: list[Finding], malformed: Callable[[csv.Error], Finding]) -> Iterator[Record]:
    """(physical start line, cells) per record, split as they are read (a list of 10^5 cell
    lists costs twice the time of the split); csv's line_num is the record's last line. A
    malformed record ends the records with a finding in ``broken``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    last = 0
    try:
        for cells in reader:
            yield last + 1, cells
            last = reader.line_num
    except csv.Error as exc:
        broken.append(malformed(exc))


def _scan_csv(data: bytes, name: str, digest: str, columns: Mapping[str, str], required: Collection[str],
              rule: str) -> Scan:
    text, enc = _decode(data)
    if text is None:
        assert isinstance(enc, int)
        return _refused(Table(name, digest, findings=(error(
            name, enc, 1, rule,
            Msg("该行含有既不是 UTF-8 也不是 GB18030/GBK 的字节，无法读取", "this line holds bytes that are neither UTF-8 nor GB18030/GBK"),
            Msg("在 Excel/WPS 中另存为“CSV UTF-8”", 'save it as "CSV UTF-8" in Excel/WPS')),)))
    assert isinstance(enc, str)
    if "\r\n" in text:  # one pass in C: a quoted field's CRLF reads as \n, the line count is the same
        text = text.replace("\r\n", "\n")

    def malformed(exc: csv.Error) -> Finding:
        return error(name, text.count("\n") + 1, 1, rule, Msg(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}"),
                     Msg("检查是否有未闭合的引号", "look for an unclosed quote"))

    broken: list[Finding] = []
    return _open(_csv_records(text, broken, malformed), name, digest, columns, required, rule, enc, None, broken)


_RESAVE = Msg("在 Excel/WPS 中打开并另存为 .xlsx 或 CSV UTF-8", "open it in Excel/WPS and save it again as .xlsx or CSV UTF-8")


def _scan_xlsx(data: bytes, name: str, digest: str, columns: Mapping[str, str], required: Collection[str],
               sheet: str | None, rule: str) -> Scan:
    def refuse(zh: str, en: str, hint: Msg = _RESAVE) -> Scan:
        return _refused(Table(name, digest, sheet=sheet, findings=(error(name, 1, 1, rule, Msg(zh, en), hint),)))

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_XLSX_UNZIPPED:
                return refuse("XLSX 解压后过大", "the XLSX is too large once unzipped")
    except (zipfile.BadZipFile, OSError, ValueError):
        return refuse("不是有效的 XLSX 文件（无法解压）", "not a valid XLSX file (cannot unzip)")
    import openpyxl  # imported here: only the XLSX path needs it, and it is slow to import

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook; each is a bad file, not a bug
        return refuse(f"无法读取 XLSX：{type(exc).__name__}", f"cannot read the XLSX: {type(exc).__name__}: {exc}")
    try:
        names = list(wb.sheetnames)
        if sheet is not None and sheet not in names:
            near = difflib.get_close_matches(sheet, names, n=1)
            tip = f"是不是「{near[0]}」？" if near else ""
            return refuse(f"没有名为「{sheet}」的工作表；现有：{'、'.join(names)}。{tip}",
                          f"no sheet named {sheet!r}; sheets: {', '.join(names)}" + (f"; did you mean {near[0]!r}?" if near else ""),
                          Msg("用 --sheet 指定工作表名", "name the sheet with --sheet"))
        if not names:
            return refuse("XLSX 中没有工作表", "the XLSX has no sheet")
        ws = wb[sheet if sheet is not None else names[0]]
        try:  # read whole, inside the try: a damaged sheet part raises while its rows are read
            cells: list[Record] = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        except Exception as exc:  # a damaged sheet part: a bad file, as above
            return refuse(f"无法读取工作表：{type(exc).__name__}", f"cannot read the sheet: {type(exc).__name__}: {exc}")
        return _open(iter(cells), name, digest, columns, required, rule, None, ws.title, [])
    finally:
        wb.close()


def _clean(value: object) -> Value:
    if value is None:
        return None
    if isinstance(value, str):
        s = value.strip().strip("\ufeff").strip()
        return s.replace("\r\n", "\n") if "\r" in s else (s or None)  # XLSX text with Windows newlines
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, bool | int | float):
        return value
    return str(value).strip() or None  # a time cell or anything else openpyxl hands back: its text


def _norm(name: object) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip().strip("\ufeff").strip().casefold() if name is not None else ""


def _open(records: Iterator[Record], name: str, digest: str, columns: Mapping[str, str], required: Collection[str],
          rule: str, enc: str | None, sheet: str | None, broken: list[Finding]) -> Scan:
    """Find the header among the first records and map the columns; the rest are the scan's."""
    looked: list[Record] = []
    header_line: int = 0
    header: Cells = ()
    wanted = {_norm(columns[k]) for k in required if k in columns}
    for line, cells in records:
        if not any(_clean(c) is not None for c in cells):
            continue
        looked.append((line, cells))
        if wanted <= {_norm(c) for c in cells}:
            header_line, header = line, cells
            break
        if len(looked) >= HEADER_SEARCH:
            break
    if broken:
        return Scan(name, digest, encoding=enc, broken=broken)
    if not header_line:
        if not looked:
            return _refused(Table(name, digest, encoding=enc, sheet=sheet, findings=(error(
                name, 1, 1, rule, Msg("文件是空的：没有表头行", "the file is empty: no header row")),)))
        header_line, header = looked[0]
        rest: list[Record] = looked[1:]
    else:
        rest = []
    names = [str(c).strip() if c is not None else "" for c in header]
    normed = [_norm(c) for c in header]
    present = [n for n in names if n]
    findings: list[Finding] = []
    index: dict[str, int] = {}
    for key, their in columns.items():
        hits = [i for i, n in enumerate(normed) if n and n == _norm(their)]
        if len(hits) > 1:
            findings.append(error(name, header_line, hits[1] + 1, rule,
                                  Msg(f"列「{their}」出现了 {len(hits)} 次", f"column {their!r} appears {len(hits)} times"),
                                  Msg("删去或改名多余的列", "remove or rename the extra column")))
        elif hits:
            index[key] = hits[0]
        elif key in required:
            near = difflib.get_close_matches(their, present, n=1, cutoff=0.4)
            findings.append(error(
                name, header_line, 1, rule,
                Msg(f"缺少列「{their}」（{key}）；文件中的列：{'、'.join(present)}" + (f"；是不是「{near[0]}」？" if near else ""),
                    f"missing column {their!r} ({key}); the columns present: {', '.join(present)}"
                    + (f"; did you mean {near[0]!r}?" if near else "")),
                Msg(f"改表头，或在 policy.yml 中把 {key} 映射到文件中的列名",
                    f"rename the header, or map {key} to the file's column name in policy.yml")))
    if findings:
        for _ in records:  # a malformed CSV further down is what is reported, as for a good header
            pass
        return Scan(name, digest, encoding=enc, sheet=sheet, header_line=header_line, header=tuple(names),
                    refusal=Table(name, digest, encoding=enc, sheet=sheet, header_line=header_line, header=tuple(names),
                                  findings=tuple(findings)), broken=broken)
    text_cells = enc is not None
    return Scan(name, digest, encoding=enc, sheet=sheet, header_line=header_line, header=tuple(names), index=index,
                text_cells=text_cells, records=itertools.chain(rest, records) if rest else records,
                values=_values(index, columns, text_cells), broken=broken)


def _values(index: Mapping[str, int], columns: Mapping[str, str], text_cells: bool) -> Callable[[Cells], dict[str, Value] | None]:
    """The one conversion of a record into ``{our_key: value}`` (None: a blank row)."""
    keys = list(index)
    cols = [index[k] for k in keys]
    width = max(cols, default=-1) + 1
    absent = {k: None for k in columns if k not in index}
    pick = operator.itemgetter(*cols) if len(cols) > 1 else (lambda cells: (cells[cols[0]],)) if cols else (lambda _c: ())
    strip = str.strip

    def values(cells: Cells) -> dict[str, Value] | None:
        if text_cells and len(cells) >= width:
            # C-level picking and stripping; empty cells become None after (a dict scan in C first)
            vals: dict[str, Value] = dict(zip(keys, map(strip, pick(cells)), strict=True))
            if "" in vals.values():
                for k, v in vals.items():
                    if v == "":
                        vals[k] = None
                if not any(vals.values()) and not any(c.strip() for c in cells):  # type: ignore[attr-defined]
                    return None
        else:
            n = len(cells)
            picked = [_clean(cells[i]) if i < n else None for i in cols]
            if picked.count(None) == len(picked) and not any(_clean(c) is not None for c in cells):
                return None
            vals = dict(zip(keys, picked, strict=True))
        if absent:
            vals.update(absent)
        return vals

    return values


# ------------------------------------------------------------------ cell values

_TIME = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:T|\s)\s*"
                   r"(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*\Z")
_DATE_ONLY = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\Z")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (the 1900 leap-year bug folded in)
_SERIAL_RANGE = (20000.0, 80000.0)  # 1954..2119: a serial outside is not a ticket time
_EXPECTED_TIME = Msg("应为日期加时间，如 2026-07-03 09:15 或 2026/7/3 9:15", "expected a date and time such as 2026-07-03 09:15 or 2026/7/3 9:15")


def parse_time(value: object) -> dt.datetime | Msg:
    """A cell as a naive local date-time, or a Msg saying why it is not one."""
    if isinstance(value, str):
        fast = _fast_time(value)
        if fast is not None:
            return fast
    elif isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else Msg("带时区的时间不受支持", "times with a time zone are not supported")
    elif isinstance(value, bool):
        return _EXPECTED_TIME
    elif isinstance(value, int | float):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return (_EXCEL_EPOCH + dt.timedelta(days=float(value))).replace(microsecond=0)
        return _EXPECTED_TIME
    elif isinstance(value, dt.date):
        return Msg("只有日期没有时间", "a date without a time")
    else:
        return _EXPECTED_TIME
    s = unicodedata.normalize("NFKC", value).strip()
    m = _TIME.match(s)
    if not m:
        if _DATE_ONLY.match(s):
            return Msg(f"「{value}」只有日期没有时间", f"{value!r} is a date without a time")
        return Msg(f"无法识别的时间「{value}」；" + _EXPECTED_TIME.zh, f"unreadable time {value!r}; " + _EXPECTED_TIME.en)
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    try:
        return dt.datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return Msg(f"不存在的时间「{value}」", f"no such date or time: {value!r}")


_SLASHED = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))?")


def _fast_time(value: str) -> dt.datetime | None:
    """The two common spellings at C speed (an export has 10^5 of them); None: take the slow path."""
    if len(value) in (16, 19) and value[4] == "-" and value[10] in " T":
        try:
            fast = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return fast if fast.tzinfo is None else None
    if value[4:5] == "/":  # 2026/7/3 9:15[:07], as Excel re-saves it
        m = _SLASHED.fullmatch(value)
        if m:
            y, mo, d, h, mi, sec = m.groups()
            try:
                return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec) if sec else 0)
            except ValueError:
                return None
    return None


_DAY_PART = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")
_CLOCK_PART = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


class TimeMemo:
    """:func:`parse_time` of a CSV cell's raw text for 10^5 rows, by parts remembered: exports
    repeat their days and their minutes, not their times.

    ``parts(raw)`` reads a spelling ``DATE TIME`` (or ``T`` between them) — the date ``2026-07-03`` or
    ``2026/7/3``, the time ``9:15``, ``09:15`` or ``09:15:07``, ASCII digits — as the midnight of
    its date and the offset of its time: their sum is the time parse_time gives for ``raw``.
    ``days`` and ``clocks`` remember each part read (None: not one read here); ``day`` and
    ``clock`` read a new one; ``read(raw)`` is the sum. None: not read here — parse_time reads
    it, or says what is wrong."""

    def __init__(self) -> None:
        self.days: dict[str, dt.datetime | None] = {}
        self.clocks: dict[str, dt.timedelta | None] = {}

    def day(self, text: str) -> dt.datetime | None:
        m = _DAY_PART.fullmatch(text)
        try:
            midnight = dt.datetime(int(m[1]), int(m[3]), int(m[4])) if m else None
        except ValueError:  # no such day: parse_time says so
            midnight = None
        self.days[text] = midnight
        return midnight

    def clock(self, text: str) -> dt.timedelta | None:
        m = _CLOCK_PART.fullmatch(text)
        offset = None
        if m:
            h, mi, sec = int(m[1]), int(m[2]), int(m[3] or 0)
            if h < 24 and mi < 60 and sec < 60:  # else no such time: parse_time says so
                offset = dt.timedelta(hours=h, minutes=mi, seconds=sec)
        self.clocks[text] = offset
        return offset

    def parts(self, raw: str) -> tuple[dt.datetime, dt.timedelta] | None:
        for sep in " T":
            day, found, clock = raw.partition(sep)
            if found:
                midnight = self.days[day] if day in self.days else self.day(day)
                offset = self.clocks[clock] if clock in self.clocks else self.clock(clock)
                if midnight is not None and offset is not None:
                    return midnight, offset
        return None

    def read(self, raw: str) -> dt.datetime | None:
        both = self.parts(raw)
        return both[0] + both[1] if both else None


_CURRENCY = re.compile(r"^[¥$€]|(?:元|人民币|rmb|cny)$", re.I)
_NUMERAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\Z")


def parse_number(value: object) -> float | Msg:
    """A cell as a number (see the module docstring for what is read), or a Msg."""
    if isinstance(value, bool) or value is None:
        return Msg("应为数字", "expected a number")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return Msg("应为数字", "expected a number")
    s = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    prev = None
    while prev != s:  # ¥32万元: strip the signs and units on both ends
        prev = s
        s = _CURRENCY.sub("", s).strip()
    factor = 1.0
    if s.endswith("万"):
        factor, s = 10000.0, s[:-1]
    if not _NUMERAL.match(s):
        return Msg(f"无法识别的数字「{value}」", f"unreadable number {value!r}")
    return float(s.replace(",", "")) * factor
