"""Reading text tables: encodings (UTF-8, UTF-16, Windows-1258), delimiters, CSV and XLSX rows,
and the header row. One reader for dataset folders and uploads, so a file that loads in one
loads in the other.

Every problem is recorded in a ProblemLog naming the file, the row as the user sees it and the
column; nothing is raised.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Collection, Iterable

import numpy as np
import pandas as pd

from risk.ingest.archives import Limits, check_size, check_zip
from risk.ingest.checks import ProblemLog, clean_text, file_ok, first_line

TABLE_SUFFIXES = (".csv", ".xlsx")


# Candidate CSV delimiters, in order of preference when counts tie.
DELIMITERS = (",", ";", "\t", "|")


# Combining tone marks: Windows-1258 stores them after the letter.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


_VIET_MODIFIERS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn


def decode_utf8(data: bytes, log: ProblemLog) -> str | None:
    """UTF-8 (with or without BOM) text, or None with a problem saying how to fix the file.

    For dataset.json, which JSON requires to be UTF-8; CSV files go through `csv_rows`.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        log.add("io.utf16")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        log.add("io.not_utf8", row=data.count(b"\n", 0, err.start) + 1)
        return None


def is_vietnamese_letter(char: str) -> bool:
    """A Latin letter as Vietnamese writes it (base a-z, tone and vowel marks, đ)."""
    if char in "đĐ":
        return True
    parts = unicodedata.normalize("NFD", char)
    return parts[0].isascii() and parts[0].isalpha() and all(
        c in TONE_MARKS or c in _VIET_MODIFIERS for c in parts[1:])


def _looks_vietnamese(text: str) -> bool:
    """Most non-ASCII characters are Vietnamese letters (not symbols from a legacy font encoding)."""
    odd = [c for c in text if not c.isascii()]
    if not odd:
        return True
    letters = sum(is_vietnamese_letter(c) for c in odd)
    return letters / len(odd) >= 0.8


def decode_text(data: bytes, log: ProblemLog) -> tuple[str, str] | None:
    """Text and the encoding found: UTF-8 (with or without BOM), UTF-16, or Windows-1258.

    The result is NFC-normalised: Windows-1258 writes tone marks as separate
    combining characters, which would otherwise never match a commune name.
    Bytes that only decode into symbols (TCVN3, VNI and other legacy font
    encodings) are refused with advice, never guessed.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8 (BOM)")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("cp1258", "Windows-1258")]
    for codec, name in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue
        text = unicodedata.normalize("NFC", text)
        if codec == "cp1258" and not _looks_vietnamese(text):
            break
        return text, name
    log.add("import.encoding_unknown")
    return None


def detect_delimiter(text: str, sample_lines: int = 50) -> str:
    """The delimiter giving the most rows of one common width (over one column).

    Quotes are respected, so a comma inside a quoted name does not count; a
    delimiter that also splits the header row evenly wins, so decimal commas
    in a semicolon file ('12,5') do not make it look comma-separated.
    """
    lines = text.splitlines()[:sample_lines]
    best, best_score = ",", (False, 0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        widths = [len(r) for r in rows if len(r) > 1]
        if not widths:
            continue
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (len(rows[0]) == width, widths.count(width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(frozen=True)
class CsvRows:
    """Clean cells of a CSV file, row 1 first, with the encoding and delimiter found."""

    rows: list[list[str]]
    encoding: str
    delimiter: str


def csv_rows(data: bytes, log: ProblemLog) -> CsvRows | None:
    """The one CSV reader, for dataset folders and uploads alike.

    Decodes UTF-8 (with or without BOM), UTF-16 or Windows-1258 (`decode_text`)
    and picks the delimiter (`detect_delimiter`: comma, semicolon, tab or pipe).
    A record is one spreadsheet row, as Excel shows it. None with a problem
    when the file cannot be decoded or parsed.
    """
    decoded = decode_text(data, log)
    if decoded is None:
        return None
    text, encoding = decoded
    delimiter = detect_delimiter(text)
    try:
        rows = [[cell.strip() for cell in cells] for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as err:
        log.add("io.file_unreadable", reason=str(err))
        return None
    return CsvRows(rows, encoding, delimiter)


def _csv_rows(path: Path, log: ProblemLog) -> list[list[str]] | None:
    """Clean cells of each CSV record (see `csv_rows`)."""
    read = csv_rows(path.read_bytes(), log)
    return None if read is None else read.rows


def _xlsx_cell(value: object) -> object:
    """An Excel cell as text the CSV path would have produced."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def xlsx_rows(path: Path, log: ProblemLog) -> list[list[str]] | None:
    """Clean cells of each row (from row 1) of the sheet named like the file, else the first."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a non-workbook
        log.add("io.file_unreadable", reason=first_line(err))
        return None
    try:
        sheet = book[path.stem] if path.stem in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # some writers store wrong dimensions
        return [[clean_text(_xlsx_cell(v)) for v in values] for values in sheet.iter_rows(min_row=1, values_only=True)]
    except Exception as err:
        log.add("io.file_unreadable", reason=first_line(err))
        return None
    finally:
        book.close()


def _header_names(cells: list[object], known: Collection[str]) -> list[str]:
    """Header cells cleaned; known column names matched case-insensitively."""
    names = []
    for cell in cells:
        name = clean_text(cell)
        names.append(name.lower() if name.lower() in known else name)
    return names


def read_table(path: Path, log: ProblemLog, known: Collection[str] = (),
               allow_empty: bool = False) -> pd.DataFrame | None:
    """A CSV/XLSX file as text cells, indexed by the row number the user sees.

    The header is the first non-empty row. Blank rows are skipped but still
    counted, so row numbers match the spreadsheet. Returns None when the file
    cannot be read at all (the reason is in `log`). `allow_empty`: a header
    with no rows below it is a valid, empty table (a year without cases).
    """
    if not file_ok(path, log):
        return None
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        log.add("io.unsupported_format", suffix=suffix or path.name, expected=", ".join(TABLE_SUFFIXES))
        return None
    rows = _csv_rows(path, log) if suffix == ".csv" else xlsx_rows(path, log)
    if rows is None:
        return None
    return table_from_rows(rows, log, known, allow_empty=allow_empty)


def table_from_rows(rows: list[list[str]], log: ProblemLog, known: Collection[str] = (),
                    header_at: int | None = None, allow_empty: bool = False) -> pd.DataFrame | None:
    """Rows of clean cells (row 1 first) as a table indexed by spreadsheet row.

    The header is `header_at` (1-based) when given, else the first non-empty
    row; rows above the header are ignored, so a title row can be skipped
    while row numbers still match the spreadsheet. A header without rows is
    "no data" unless `allow_empty` (a file with no row at all always is).
    """
    width = max((len(r) for r in rows), default=0)
    raw = pd.DataFrame([r if len(r) == width else r + [""] * (width - len(r)) for r in rows], dtype=object)
    raw.index = pd.RangeIndex(1, len(raw) + 1)  # spreadsheet row numbers
    filled = raw != ""
    nonblank = filled.any(axis=1)
    if not len(raw) or not nonblank.any():
        log.add("io.no_data")
        return None
    if header_at is None or not nonblank.get(header_at, False):
        header_at = int(nonblank.idxmax())
    named = [p for p, cell in enumerate(raw.loc[header_at]) if cell != ""]
    width = named[-1] + 1  # columns right of the last header name belong to no column
    header = _header_names(raw.loc[header_at].tolist()[:width], known)
    body = nonblank.index > header_at
    body &= nonblank.to_numpy()
    _report_long_rows(filled[body], width, log)
    frame = _name_columns(raw.loc[body, list(range(width))], header, log)
    if not len(frame) and not allow_empty:
        log.add("io.no_data")
    return frame


def _report_long_rows(filled: pd.DataFrame, width: int, log: ProblemLog) -> None:
    """Rows with values right of the last named column (often a stray comma)."""
    if filled.shape[1] <= width:
        return
    for row in filled.index[filled.iloc[:, width:].any(axis=1)]:
        found = int(np.flatnonzero(filled.loc[row].to_numpy())[-1]) + 1
        log.add("io.bad_row_length", row=row, found=found, expected=width)


def _name_columns(frame: pd.DataFrame, header: list[str], log: ProblemLog) -> pd.DataFrame:
    """Give columns their header names; drop empty unnamed ones; report clashes."""
    keep: list[int] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        has_data = bool(len(frame)) and bool((frame[position] != "").any())
        if not name:
            if has_data:
                log.add("io.unnamed_column", index=position + 1)
            continue
        if name in seen:
            seen[name] += 1
            continue
        seen[name] = 1
        keep.append(position)
    for name, count in seen.items():
        if count > 1:
            log.add("io.duplicate_column", column=name, count=count)
    named = frame[keep]
    named.columns = [header[p] for p in keep]
    return named


TEXT_SUFFIXES = (".csv",)
SHEET_SUFFIXES = (".xlsx",)
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Rows scanned for a header line (titles and notes above it are common in reports).
HEADER_SCAN_ROWS = 30
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"^\d{4,6}(\.\d+)?$")


# --- sizes and archives -------------------------------------------------------


# --- shapefile text encoding ---------------------------------------------------------------




def redecode_1258(value: object) -> object:
    """Text read as ISO-8859-1 (one character per byte) decoded as Windows-1258, NFC."""
    if not isinstance(value, str) or value.isascii():
        return value
    try:
        return unicodedata.normalize("NFC", value.encode("latin-1").decode("cp1258"))
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


@dataclass
class TableRows:
    """Cells of a CSV or XLSX file, row 1 first, and how they were read."""

    rows: list[list[str]]
    format: str
    encoding: str | None = None
    delimiter: str | None = None


def read_rows(path: Path, log: ProblemLog, limits: Limits) -> TableRows | None:
    """Clean cells of a CSV (any supported encoding and delimiter) or XLSX file."""
    if not check_size(path, log, limits):
        return None
    suffix = path.suffix.lower()
    if suffix in SHEET_SUFFIXES:
        if check_zip(path, log, limits) is None:  # an .xlsx is a zip: the same bomb checks apply
            return None
        rows = xlsx_rows(path, log)
        return None if rows is None else TableRows(rows, "XLSX")
    if suffix not in TEXT_SUFFIXES:
        log.add("io.unsupported_format", suffix=suffix or path.name, expected=", ".join(TEXT_SUFFIXES + SHEET_SUFFIXES))
        return None
    read = csv_rows(path.read_bytes(), log)
    if read is None:
        return None
    return TableRows(read.rows, "CSV", read.encoding, read.delimiter)


# --- header rows ------------------------------------------------------------------------------


def header_key(cell: object) -> str:
    """A header cell compared loosely: NFC, case-folded, '_' and runs of spaces as one space."""
    return " ".join(clean_text(cell).casefold().replace("_", " ").split())


def find_header(rows: list[list[str]], known: Collection[str], log: ProblemLog,
                expected: Iterable[str]) -> int | None:
    """The 1-based row holding the column names, or None with a problem.

    The header is the first of the top rows naming at least two known columns,
    so a title merged across the columns (one filled cell) and notes above the
    table are skipped. When no row qualifies and the first row looks like a
    title, that row is named in the error; otherwise the first non-empty row
    is the header and the usual missing-column problems follow.
    """
    keys = {header_key(k) for k in known}
    nonblank = [(i + 1, r) for i, r in enumerate(rows) if any(c for c in r)]
    for number, row in nonblank[:HEADER_SCAN_ROWS]:
        if sum(header_key(c) in keys for c in row if c) >= 2:
            return number
    if not nonblank:
        return None
    first_number, first = nonblank[0]
    filled = [c for c in first if c]
    wider_below = any(sum(1 for c in r if c) > len(filled) for _, r in nonblank[1:HEADER_SCAN_ROWS])
    if len(filled) == 1 and wider_below:
        log.add("import.header_not_found", row=first_number, value=filled[0], expected=", ".join(expected))
        return None
    return first_number


# --- values -------------------------------------------------------------------------------------


def excel_serial_date(text: str) -> str | None:
    """An Excel date serial ('45376' or '45376.5') as an ISO date, or None.

    Only numbers between 1950 and 2100 are taken as dates, so an id or a
    year left in the column is not silently turned into a date.
    """
    if not _EXCEL_SERIAL.match(text):
        return None
    serial = float(text)
    if not 18264 <= serial <= 73050:  # 1950-01-01 .. 2100-01-01
        return None
    return (_EXCEL_EPOCH + timedelta(days=int(serial))).isoformat()
