"""A problem found in an input file, as a plain value: where it is and what is wrong.

Loaders (risk/ingest) collect them, check reports and stored versions keep them,
pages show them; the sentence comes from `risk.i18n` in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from risk.i18n import DEFAULT_LANGUAGE, t

__all__ = ["LIST_LIMIT", "QUOTE_LIMIT", "VECTOR_SUFFIXES", "Problem", "shorten"]

QUOTE_LIMIT = 60  # characters of a user's value shown in a message
LIST_LIMIT = 240  # characters of a list (allowed values, columns found)
_LIST_PARAMS = frozenset({"allowed", "expected", "found", "reason", "bounds", "folder",
                          "columns", "candidates", "method", "layers", "rows", "examples", "communes"})
# Files whose rows are features (a message says "feature 3", not "row 3").
VECTOR_SUFFIXES = frozenset({".gpkg", ".geojson", ".zip", ".shp"})


def shorten(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value as one short line, so a huge or multi-line cell cannot flood a message."""
    text = str(value).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one input file, located as the user sees the file."""

    file: str
    row: int | None
    column: str | None
    code: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """A full sentence naming the file, row and column, then what is wrong."""
        where = [self.file]
        if self.row is not None:
            row_key = "io.at.feature" if Path(self.file).suffix.lower() in VECTOR_SUFFIXES else "io.at.row"
            where.append(t(row_key, lang, row=self.row))
        if self.column is not None:
            where.append(t("io.at.column", lang, column=shorten(self.column)))
        params = {
            key: shorten(value, LIST_LIMIT if key in _LIST_PARAMS else QUOTE_LIMIT) if isinstance(value, str) else value
            for key, value in self.params.items()
        }
        return f"{', '.join(where)}: {t(self.code, lang, **params)}"
