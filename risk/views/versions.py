"""The Data page's comparison of two dataset versions, labelled in the user's language."""
from __future__ import annotations

import pandas as pd

from risk.i18n import t

# Catalogue keys of Store.compare's rows (risk/store/versions.py), in its order.
ROW_KEYS = {
    "boundaries": "dp.cmp.boundaries", "indicators": "dp.cmp.indicators", "cases": "dp.cmp.cases",
    "border": "dp.cmp.border", "gates": "dp.cmp.gates", "communes_added": "dp.cmp.communes_added",
    "communes_removed": "dp.cmp.communes_removed", "indicator_values_changed": "dp.cmp.indicator_values_changed",
    "cases_changed": "dp.cmp.cases_changed", "communes_changed": "dp.cmp.communes_changed",
}


def comparison_table(frame: pd.DataFrame, v1: int, v2: int, lang: str) -> pd.DataFrame:
    """Store.compare(v1, v2) with its rows and columns named in `lang`."""
    version = t("dp.version", lang)
    out = frame.rename(index=lambda row: t(ROW_KEYS[row], lang) if row in ROW_KEYS else row,
                       columns={f"v{v1}": f"{version} {v1}", f"v{v2}": f"{version} {v2}",
                                "change": t("dp.cmp.change", lang)})
    out.index.name = t("dp.cmp.what", lang)
    return out


# Catalogue keys of the version list's columns (Store.versions), in the order shown.
VERSION_COLUMN_KEYS = {
    "id": "dp.col.id", "created_at": "dp.col.created_at", "label": "dp.col.label", "user": "dp.col.user",
    "active": "dp.col.active", "boundaries": "dp.cmp.boundaries", "indicators": "dp.cmp.indicators",
    "cases": "dp.cmp.cases", "border": "dp.cmp.border", "gates": "dp.cmp.gates", "years": "dp.col.years",
}


def versions_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Store.versions() as the Data page lists it: local time in the language's format, columns named
    in `lang`, without checksums and source paths."""
    from risk.i18n import format_datetime

    shown = frame[[c for c in VERSION_COLUMN_KEYS if c in frame.columns]].copy()
    if "created_at" in shown:
        shown["created_at"] = shown["created_at"].map(lambda v: format_datetime(v, lang))
    return shown.rename(columns={c: t(VERSION_COLUMN_KEYS[c], lang) for c in shown.columns})
