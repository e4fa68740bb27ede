"""Which text from a data file is refused, and why: the one rule both loaders share.

Names, codes, kinds and ids end up in three places that would run them: a
spreadsheet (a leading =, +, - or @ is a formula), a page (HTML tags), and the
JavaScript folium writes for a map, where tooltip text sits inside a template
literal (a backtick ends it, `${...}` runs). No commune, gate or case text needs
any of these, so the folder loader and the upload importer both refuse them,
naming the cell (the rule itself: risk/contracts/text.py). Display escaping (risk/outputs/mapview.py `safe_html`, ui markdown
escaping) stays in place behind this: a dataset built in code never passes here.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import pandas as pd

from risk.contracts import text as _rule
from risk.ingest.checks import ProblemLog, clean_text

__all__ = ["TEXT_COLUMNS", "check_header", "check_meta", "check_text"]

# Text columns of each part that reach a page, a map or an export.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "boundaries": ("commune_id", "name", "former_district", "province", "type"),
    "indicators": ("commune_id", "name", "former_district"),
    "cases": ("case_id", "commune_id", "name", "former_district", "form", "destination", "detected_by"),
    "gates": ("name", "kind"),
    "patrols": ("commune_id", "name", "former_district"),
    "crosswalk": ("old_commune_id", "old_name", "old_district", "new_commune_id"),
}
# dataset.json fields shown on pages and in exports.
META_TEXT_FIELDS = ("name", "province", "label", "sources", "crs")

def check_text(frame: pd.DataFrame, columns: Iterable[str], log: ProblemLog) -> None:
    """Log every cell of `columns` that the text rule (risk/contracts/text.py) refuses, by row and column."""
    for column in columns:
        if column not in frame:
            continue
        for row, value in frame[column].items():
            text = clean_text(value)
            code = _rule.unsafe_reason(text) if text else None
            if code:
                log.add(code, row=row, column=column, value=text)


def check_header(columns: Iterable[object], log: ProblemLog) -> None:
    """Column headers become labels (an extra indicator is shown by its header): same rule."""
    for column in columns:
        text = clean_text(column)
        code = _rule.unsafe_reason(text) if text else None
        if code:
            log.add(code, row=1, column=text, value=text)


def check_meta(meta: Mapping[str, object], log: ProblemLog) -> None:
    """dataset.json: its name, province and label are shown on every page."""
    for key, value in meta.items():
        if key in META_TEXT_FIELDS and isinstance(value, str):
            code = _rule.unsafe_reason(clean_text(value))
            if code:
                log.add(code, column=str(key), value=clean_text(value))
