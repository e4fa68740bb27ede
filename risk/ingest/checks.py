"""Problems found in input files, and the table reading that finds them.

Loaders never stop at the first mistake: they collect every problem in a file
(up to a cap), each naming the file, the row as the user sees it and the column,
so a user can fix a whole file in one pass. Messages come from `risk.i18n`.
"""
from __future__ import annotations

import csv
import io
import math
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Collection, Iterable

import numpy as np
import pandas as pd

from risk.contracts.problems import Problem
from risk.i18n import DEFAULT_LANGUAGE

MAX_PROBLEMS_PER_FILE = 200
TABLE_SUFFIXES = (".csv", ".xlsx")
# Cell texts read as "no value" in numeric columns (case-insensitive).
NA_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "—", "–", "..", "#n/a"})
# Candidate CSV delimiters, in order of preference when counts tie.
DELIMITERS = (",", ";", "\t", "|")
# Combining tone marks: Windows-1258 stores them after the letter.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VIET_MODIFIERS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn


def clean_text(value: object) -> str:
    """Cell or property text, NFC-normalised and stripped; missing values become ""."""
    if type(value) is str:  # the common case, kept fast for 100,000-row files
        text = value.strip()
        return text if text.isascii() else unicodedata.normalize("NFC", text).strip()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 16681.0 from a numeric field is the code "16681"
    return unicodedata.normalize("NFC", str(value)).strip()


class DataError(Exception):
    """Every problem found in one or more input files; nothing was loaded."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(self.problems)  # so the error pickles (args rebuild it)

    def messages(self, lang: str = DEFAULT_LANGUAGE) -> list[str]:
        """One sentence per problem, in `lang`."""
        return [problem.message(lang) for problem in self.problems]

    @property
    def codes(self) -> list[str]:
        """The error codes, in order (handy for tests and logs)."""
        return [problem.code for problem in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.messages("en"))


class ProblemLog:
    """Problems of one file, capped so a broken 100,000-row file stays readable."""

    def __init__(self, file: str, limit: int = MAX_PROBLEMS_PER_FILE):
        self.file = file
        self.limit = limit
        self._items: list[Problem] = []
        self._overflow = 0

    def add(self, code: str, row: int | None = None, column: str | None = None, **params: object) -> None:
        """Record a problem; past the cap only count it."""
        if len(self._items) < self.limit:
            plain = {k: v.item() if isinstance(v, np.generic) else v for k, v in params.items()}
            self._items.append(Problem(self.file, None if row is None else int(row), column, code, plain))
        else:
            self._overflow += 1

    def __len__(self) -> int:
        return len(self._items) + self._overflow

    def __bool__(self) -> bool:
        return len(self) > 0

    @property
    def problems(self) -> list[Problem]:
        """File-wide problems first, then by row (stable), so a file can be fixed
        top to bottom; ends with an "and N more" line when capped."""
        ordered = sorted(self._items, key=lambda p: (p.row is not None, p.row or 0))
        if not self._overflow:
            return ordered
        return [*ordered, Problem(self.file, None, None, "io.more_problems", {"count": self._overflow})]

    def raise_if_any(self) -> None:
        """Raise DataError when anything was recorded."""
        if self:
            raise DataError(self.problems)


# --- checks shared by all loaders ---------------------------------------------


def fmt_number(value: float) -> str:
    """A coordinate or number short enough for a message."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def file_ok(path: Path, log: ProblemLog) -> bool:
    """The file is there and not 0 bytes."""
    if not path.is_file():
        log.add("io.file_not_found")
        return False
    if path.stat().st_size == 0:
        log.add("io.file_empty")
        return False
    return True


def require_columns(frame: pd.DataFrame, required: Collection[str], log: ProblemLog) -> bool:
    """Report each missing column; True when all are present."""
    missing = [c for c in required if c not in frame.columns]
    found = ", ".join(str(c) for c in frame.columns if c != "geometry") or "-"
    for column in missing:
        log.add("io.missing_column", column=column, found=found)
    return not missing


def required_text(frame: pd.DataFrame, column: str, log: ProblemLog) -> pd.Series:
    """A text column with each empty cell reported."""
    values = frame[column].map(clean_text)
    for row in values.index[values == ""]:
        log.add("io.empty_value", row=row, column=column)
    return values


def report_unknown_ids(ids: pd.Series, known: Collection[str] | None, column: str, log: ProblemLog) -> pd.Series:
    """Mask of ids not in `known` (reported); all False when nothing is known."""
    if known is None:
        return pd.Series(False, index=ids.index)
    unknown = (ids != "") & ~ids.isin(set(known))
    for row, value in ids[unknown].items():
        log.add("io.unknown_commune", row=row, column=column, value=value)
    return unknown


# --- reading tables -----------------------------------------------------------


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


def first_line(err: BaseException) -> str:
    """The first line of an exception message (library errors can be long)."""
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


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


# --- parsing values -------------------------------------------------------------


def is_missing(values: pd.Series) -> pd.Series:
    """Cells that mean "no value" (empty, NA, -, ...)."""
    return values.str.lower().isin(NA_TOKENS)


def parse_numbers(values: pd.Series, column: str, log: ProblemLog) -> pd.Series:
    """Float values of a text column; each non-number is a problem and becomes NaN.

    A trailing % is allowed. A decimal comma gets its own hint, since Vietnamese
    spreadsheets write 12,5 where the file needs 12.5.
    """
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    retry = ~np.isfinite(numbers.to_numpy())  # only these cells need the slower text handling
    if retry.any():
        odd = values[retry]
        missing = is_missing(odd)
        cleaned = odd.where(~missing).str.removesuffix("%").str.strip()
        numbers[retry] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        bad = pd.Series(False, index=values.index)
        bad[retry] = ~missing & ~np.isfinite(numbers[retry].to_numpy())
    else:
        bad = pd.Series(False, index=values.index)
    for row, value in values[bad].items():
        if _looks_decimal_comma(value):
            log.add("io.decimal_comma", row=row, column=column, value=value)
        else:
            log.add("io.not_a_number", row=row, column=column, value=value)
    return numbers.where(~bad)


def _looks_decimal_comma(value: str) -> bool:
    """'12,5' or '1,234': a number written with a comma."""
    head, sep, tail = value.removesuffix("%").strip().lstrip("+-").partition(",")
    return bool(sep) and head.isdigit() and tail.isdigit()


def check_integers(numbers: pd.Series, values: pd.Series, column: str, log: ProblemLog) -> pd.Series:
    """Mask of values that are whole numbers; the others are problems."""
    whole = numbers.isna() | (numbers == np.floor(numbers))
    for row in numbers.index[~whole]:
        log.add("io.not_integer", row=row, column=column, value=values[row])
    return whole


def report_duplicates(keys: pd.DataFrame, log: ProblemLog, code: str, column: str | None) -> None:
    """One problem per repeated key, naming the row where it first appeared."""
    if keys.empty:
        return
    repeated = keys.duplicated(keep="first")
    if not repeated.any():
        return
    first_rows = {tuple(k): row for row, k in zip(keys.index[~repeated], keys[~repeated].itertuples(index=False))}
    for row, key in zip(keys.index[repeated], keys[repeated].itertuples(index=False)):
        params = dict(zip(keys.columns, key))
        if "value" not in params:
            params["value"] = " / ".join(str(k) for k in key)
        log.add(code, row=row, column=column, first_row=first_rows[tuple(key)], **params)


def normalise_choice(value: str, aliases: dict[str, str]) -> str:
    """'Forced labor' -> 'forced_labour': case, spaces and hyphens do not matter."""
    key = "_".join(value.lower().replace("-", " ").split())
    return aliases.get(key, key)
