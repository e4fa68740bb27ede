"""Recorded cases counted per commune and year: the one table hotspots and privacy both start from."""
from __future__ import annotations

from typing import Sequence

import pandas as pd


def case_matrix(
    cases: pd.DataFrame, commune_ids: Sequence[str], years: Sequence[int], form: str | None = None,
) -> pd.DataFrame:
    """Recorded cases per commune (rows, in `commune_ids` order) and year (columns), as ints."""
    located = cases[cases["commune_id"].notna() & cases["date"].notna()]
    if form:
        located = located[located["form"] == form]
    frame = pd.DataFrame({"commune_id": located["commune_id"].astype(str).to_numpy(),
                          "year": located["date"].dt.year.astype("int64").to_numpy()})
    counts = frame.groupby(["commune_id", "year"]).size().unstack(fill_value=0)
    ids = [str(c) for c in commune_ids]
    counts = counts.reindex(index=ids, columns=list(years), fill_value=0).fillna(0).astype("int64")
    counts.index.name, counts.columns.name = "commune_id", "year"
    return counts


RECENT_YEARS = 3  # what "recorded cases" weighs in patrol coverage: the year and the two before


def recent_case_totals(cases: pd.DataFrame, commune_ids: Sequence[str], last_year: int,
                       years: int = RECENT_YEARS) -> pd.Series:
    """Recorded cases per commune over the `years` years up to `last_year`, as floats by commune_id."""
    span = list(range(int(last_year) - years + 1, int(last_year) + 1))
    return case_matrix(cases, commune_ids, span).sum(axis=1).astype(float)
