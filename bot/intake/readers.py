"""Turn one delivered file (.txt, .csv, .xlsx) into rows of (line number, raw personnummer text).

The column is the one whose header is named like personnummer/pnr/personnr, or else the only column whose
values look like personnummer. A file that cannot be read raises UnreadableFile (the delivery goes on
without it, with a warning); rows are yielded lazily, blank ones skipped.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.errors import DeliveryError
from bot.intake.limits import IntakeLimits

SNIFF_ROWS = 50
DELIMITERS = (";", "\t", ",")
# Every character str.splitlines() ends a line at.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_HEADER_NAME = re.compile(
    r"^(personnummer|personnr|persnr|pnr|p-?nr|person[\s_.-]*(nummer|nr|number|id)|personal[\s_.-]*"
    r"(identity|id)[\s_.-]*(number|nr)?|ssn|id[\s_.-]*nummer)\b",
    re.IGNORECASE,
)
# Anything shaped like a personnummer, valid or not, so a column of mistyped numbers is still found.
_LOOKS_LIKE = re.compile(r"^(\d{2})?\d{6}\s?[-+]?\s?[0-9A-Za-z]\d{3}$", re.ASCII)


class UnreadableFile(DeliveryError):
    """One file of a delivery cannot be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Row:
    """A non-blank value from the personnummer column, with its 1-based line (or Excel row) number."""

    line: int
    value: str


def looks_like_pnr(text: str) -> bool:
    """True when `text` is shaped like a personnummer (not necessarily a valid one)."""
    return bool(_LOOKS_LIKE.match(text.strip()))


def is_header_name(text: str) -> bool:
    """True when a header cell names the personnummer column."""
    return bool(_HEADER_NAME.match(text.strip()))


def decode(name: str, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(f"Filen '{name}' har trasig UTF-16-kodning och kunde inte läsas.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UnreadableFile(f"Filen '{name}' ser inte ut som en textfil och kunde inte läsas.")
    return text


def read_rows(name: str, data: bytes, limits: IntakeLimits | None = None) -> Iterator[Row]:
    """Rows of the personnummer column of a .txt, .csv or .xlsx file, counted against the delivery's `limits`."""
    limits = limits or IntakeLimits(max_rows=1 << 62, max_inner_bytes=1 << 62)
    if name.lower().endswith(".xlsx"):
        return _xlsx_rows(name, data, limits)
    return _text_rows(name, decode(name, data), limits)


def line_count(text: str) -> int:
    """How many lines `text.splitlines()` would give (at most one more), without making them."""
    return sum(text.count(ch) for ch in LINE_BREAKS) - text.count("\r\n") + 1


def _text_rows(name: str, text: str, limits: IntakeLimits) -> Iterator[Row]:
    limits.spend_rows(name, line_count(text))  # before a single line becomes a Python object
    lines = text.splitlines()
    delimiter = _sniff_delimiter(lines)
    try:
        table = [(i, [c.strip().strip("\ufeff") for c in cells]) for i, cells in _csv_lines(lines, delimiter)]
    except csv.Error:
        raise UnreadableFile(f"Filen '{name}' har trasiga citattecken och kunde inte läsas.") from None
    return _pick(name, table)


def _csv_lines(lines: list[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines, delimiter=delimiter)
    for cells in reader:
        yield reader.line_num, cells


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter found on most of the first non-blank lines (';' if none)."""
    sample = [line for line in lines if line.strip()][:SNIFF_ROWS]
    best, best_count = ";", 0
    for delimiter in DELIMITERS:
        count = sum(1 for line in sample if delimiter in line)
        if count > best_count and count * 2 >= len(sample):
            best, best_count = delimiter, count
    return best


def _xlsx_rows(name: str, data: bytes, limits: IntakeLimits) -> Iterator[Row]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            # A member is never read past its declared size, so the declared sizes bound what openpyxl unpacks.
            unpacked = sum(info.file_size for info in inner.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableFile(f"Excelfilen '{name}' är skadad och kunde inte läsas.") from None
    limits.spend_inner_bytes(name, unpacked)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheets = [_sheet_rows(name, ws, limits) for ws in workbook.worksheets]
            finally:
                workbook.close()
    except DeliveryError:
        raise
    except Exception:  # openpyxl raises zipfile, KeyError, ValueError ... for a damaged workbook
        raise UnreadableFile(f"Excelfilen '{name}' är skadad och kunde inte läsas.") from None
    for table in sheets:
        if _find_column(table, strict=True) is not None:
            return _pick(name, table)
    raise UnreadableFile(f"Excelfilen '{name}' har inget blad med en kolumn med personnummer.")


def _sheet_rows(name: str, sheet, limits: IntakeLimits) -> list[tuple[int, list[str]]]:
    rows = []
    for i, row in enumerate(sheet.iter_rows(values_only=True), 1):
        limits.spend_rows(name, 1)
        rows.append((i, [_cell(v) for v in row]))
    return rows


def _cell(value: object) -> str:
    """A cell as text; numbers as digits (Excel drops a 10-digit number's leading zero: put it back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        return digits.zfill(10) if len(digits) == 9 else digits
    return str(value).strip()


def _non_blank(table: Iterable[tuple[int, Sequence[str]]]) -> list[tuple[int, Sequence[str]]]:
    return [(i, cells) for i, cells in table if any(c for c in cells)]


def _find_column(table: list[tuple[int, list[str]]], strict: bool = False) -> tuple[int, bool] | None:
    """(column index, whether the first non-blank row is a header) or None when no column qualifies.
    A text file's only column is taken as it is (its bad rows are then rejected one by one); `strict`
    (used to choose among a workbook's sheets) wants a named column or one shaped like personnummer."""
    rows = _non_blank(table)
    if not rows:
        return None
    first = rows[0][1]
    named = [i for i, c in enumerate(first) if is_header_name(c)]
    if named:
        return named[0], True
    width = max(len(cells) for _, cells in rows)
    # A first row without digits is a header: always beside other columns, and in a one-column file when
    # the values below it look like personnummer (an unnamed header such as 'id').
    has_header = not any(any(ch.isdigit() for ch in c) for c in first) and (
        width > 1 or _mostly_shaped([cells[0] for _, cells in rows[1 : SNIFF_ROWS + 1] if cells])
    )
    data = rows[1 if has_header else 0 :][:SNIFF_ROWS]
    if width == 1 and not strict:
        return 0, has_header
    shaped = [col for col in range(width) if _mostly_shaped([cells[col] for _, cells in data if col < len(cells)])]
    return (shaped[0], has_header) if len(shaped) == 1 else None


def _mostly_shaped(values: list[str]) -> bool:
    """True when at least half of the non-empty values are shaped like personnummer."""
    values = [v for v in values if v]
    return bool(values) and sum(looks_like_pnr(v) for v in values) * 2 >= len(values)


def _pick(name: str, table: list[tuple[int, list[str]]]) -> Iterator[Row]:
    found = _find_column(table)
    if found is None:
        raise UnreadableFile(
            f"Filen '{name}' har ingen kolumn som tydligt innehåller personnummer "
            "(döp kolumnen till 'personnummer' eller leverera en kolumn)."
        )
    column, has_header = found
    return _rows(table, column, has_header)


def _rows(table: list[tuple[int, list[str]]], column: int, has_header: bool) -> Iterator[Row]:
    skipped_header = not has_header
    for line, cells in table:
        if not any(cells):
            continue
        if not skipped_header:
            skipped_header = True
            continue
        yield Row(line, cells[column] if column < len(cells) else "")
