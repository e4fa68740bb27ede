"""Export writers. CSV here: UTF-8 with a byte-order mark, and no cell a spreadsheet runs as a formula.

Excel reads a CSV without a BOM as the local code page, which garbles
Vietnamese names; with one it reads UTF-8. A text cell starting with = + - @,
a tab or a carriage return can be run as a formula by Excel or LibreOffice
("CSV injection"), and names in data files are not ours to trust, so such
cells get a leading single quote, which spreadsheets show as text. Numbers
are left as numbers: a float cannot carry a formula.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "safe_cell", "to_csv_bytes"]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with a leading ' when it is text a spreadsheet could run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, CRLF line ends), header and text cells neutralised."""
    out = frame.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
