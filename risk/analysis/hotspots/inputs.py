"""Population and expected counts per commune: what every hotspot method starts from."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def population_matrix(indicators: pd.DataFrame, commune_ids: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """Population per commune and year; a missing year takes the commune's latest earlier year
    with data, else its earliest later one (never an invented interpolation)."""
    ids = [str(c) for c in commune_ids]
    if "population" not in indicators.columns:
        return pd.DataFrame(np.nan, index=pd.Index(ids, name="commune_id"), columns=list(years))
    pop = indicators[["commune_id", "year", "population"]].copy()
    pop["commune_id"] = pop["commune_id"].astype(str)
    pop = pop[pd.to_numeric(pop["population"], errors="coerce") > 0]
    wide = pop.pivot_table(index="commune_id", columns="year", values="population", aggfunc="mean")
    all_years = sorted(set(wide.columns) | set(years))
    wide = wide.reindex(index=ids, columns=all_years).astype(float)
    wide = wide.T.ffill().bfill().T if len(all_years) else wide
    out = wide.reindex(columns=list(years))
    out.index.name = "commune_id"
    return out


def expected_counts(observed: np.ndarray, population: pd.DataFrame | None) -> np.ndarray:
    """Expected cases per commune over the period if every person had the same risk.

    Indirect standardisation: e_i = C × (person-years of commune i) / (all person-years),
    so Σ e = C, the observed total. Without population every commune gets an equal
    share (the page then says so: expected counts that ignore population are weak).
    """
    y = np.asarray(observed, dtype=float)
    total = float(y.sum())
    if population is None:
        return np.full(len(y), total / max(len(y), 1))
    person_years = population.to_numpy(dtype=float).sum(axis=1)
    if len(person_years) != len(y):
        raise ValueError(f"{len(person_years)} population rows for {len(y)} communes")
    return total * person_years / person_years.sum()
