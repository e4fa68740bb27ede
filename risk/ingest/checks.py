"""Problems found in input files (ProblemLog, DataError) and the column checks that find them.

Loaders never stop at the first mistake: they collect every problem in a file
(up to a cap), each naming the file, the row as the user sees it and the column,
so a user can fix a whole file in one pass. Messages come from `risk.i18n`.
"""
from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Collection, Iterable

import numpy as np
import pandas as pd

from risk.contracts.problems import Problem
from risk.i18n import DEFAULT_LANGUAGE

MAX_PROBLEMS_PER_FILE = 200
# Cell texts read as "no value" in numeric columns (case-insensitive).
NA_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "—", "–", "..", "#n/a"})


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


def first_line(err: BaseException) -> str:
    """The first line of an exception message (library errors can be long)."""
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


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
