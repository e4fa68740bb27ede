"""The ranked priority list: one row per commune with what an official needs to decide,
and the filters a planner applies to it.

Pure: the caller supplies the ranking (model scores or composite index), the
hotspot classes, distances and case totals already shaped for the viewer's
role by risk.access.privacy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from risk.i18n import DEFAULT_LANGUAGE

COLUMNS = ("rank", "rank_low", "rank_high", "commune_id", "name", "former_district", "score", "drivers",
           "cases_3y", "hotspot", "dist_border_km", "population")


@dataclass(frozen=True)
class PriorityFilters:
    """What a planner narrows the list to. Empty/None means no filter."""

    districts: tuple[str, ...] = ()
    max_border_km: float | None = None
    min_population: float | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)  # indicator -> minimum value

    def describe(self) -> dict:
        """For export metadata and the audit log."""
        out: dict = {}
        if self.districts:
            out["former_district"] = list(self.districts)
        if self.max_border_km is not None:
            out["max_border_km"] = self.max_border_km
        if self.min_population is not None:
            out["min_population"] = self.min_population
        out.update({f"min_{k}": v for k, v in self.thresholds.items()})
        return out


def drivers_text(drivers: list[dict] | None, label) -> str:
    """'▲ poverty, ▲ distance to border, ▼ mobile coverage' from a score's drivers."""
    if not drivers:
        return ""
    return ", ".join(f"{'▲' if d['contribution'] > 0 else '▼'} {label(d['feature'])}" for d in drivers)


def priority_table(
    boundaries: pd.DataFrame, ranking: pd.DataFrame, indicators_year: pd.DataFrame,
    cases_3y: pd.Series | None = None, hotspot: pd.Series | None = None, dist_border_km: pd.Series | None = None,
    feature_label=lambda key: key, drivers_column: str = "drivers",
) -> pd.DataFrame:
    """One row per ranked commune, sorted by rank.

    `ranking`: commune_id, score (0..1 model probability or 0..100 index), rank,
    and optionally rank_low, rank_high and the drivers column named by `drivers_column` (the one
    risk.access.privacy.drivers_column gives the viewer's role). `indicators_year`: the year's
    indicator rows (commune_id + columns). Series are indexed by commune_id.
    """
    base = boundaries[["commune_id", "name"] + (["former_district"] if "former_district" in boundaries else [])]
    base = base.assign(commune_id=base["commune_id"].astype(str)).set_index("commune_id")
    rank = ranking.assign(commune_id=ranking["commune_id"].astype(str)).set_index("commune_id")
    table = pd.DataFrame(index=rank.index)
    table["rank"] = rank["rank"].astype("Int64")
    table["rank_low"] = rank["rank_low"].astype("Int64") if "rank_low" in rank else table["rank"]
    table["rank_high"] = rank["rank_high"].astype("Int64") if "rank_high" in rank else table["rank"]
    table["name"] = base["name"].reindex(table.index)
    table["former_district"] = base["former_district"].reindex(table.index) if "former_district" in base else ""
    table["score"] = rank["score"].astype(float)
    table["drivers"] = (rank[drivers_column].map(lambda d: drivers_text(d, feature_label))
                        if drivers_column in rank else "")
    table["cases_3y"] = cases_3y.reindex(table.index) if cases_3y is not None else ""
    table["hotspot"] = hotspot.reindex(table.index) if hotspot is not None else ""
    table["dist_border_km"] = dist_border_km.reindex(table.index).astype(float) if dist_border_km is not None else np.nan
    ind = indicators_year.assign(commune_id=indicators_year["commune_id"].astype(str)).set_index("commune_id")
    table["population"] = ind["population"].reindex(table.index) if "population" in ind else np.nan
    table = table.reset_index()
    return table.sort_values(["rank", "commune_id"], kind="mergesort", na_position="last").reset_index(drop=True)[
        list(COLUMNS)]


def apply_filters(table: pd.DataFrame, indicators_year: pd.DataFrame, filters: PriorityFilters) -> pd.DataFrame:
    """Rows of `table` that pass every filter; the original ranks are kept (not renumbered)."""
    keep = pd.Series(True, index=table.index)
    if filters.districts:
        keep &= table["former_district"].isin(filters.districts)
    if filters.max_border_km is not None:
        keep &= table["dist_border_km"].le(filters.max_border_km).fillna(False)
    if filters.min_population is not None:
        keep &= table["population"].ge(filters.min_population).fillna(False)
    if filters.thresholds:
        ind = indicators_year.assign(commune_id=indicators_year["commune_id"].astype(str)).set_index("commune_id")
        for key, minimum in filters.thresholds.items():
            values = ind[key].reindex(table["commune_id"]).to_numpy() if key in ind else np.full(len(table), np.nan)
            keep &= pd.Series(values >= minimum, index=table.index).fillna(False)
    return table[keep.to_numpy()].reset_index(drop=True)
