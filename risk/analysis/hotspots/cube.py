"""The space-time cube: recorded cases per commune and time slice, and the counts a constant rate would give.

Bins are (commune, slice), slices being years, quarters or months of
`year_from..year_to` in time order, labelled "2021", "2021-Q1" or "2021-03".
`observed` counts the recorded cases (rows of `cases`) in each bin; cases
outside the period, without a commune or a date, in a commune outside `ids`,
or of another `form` (when one is asked) are left out.

`expected` is indirect standardisation under one constant rate over the whole
cube: E[i, t] = O × py[i, t] / Σ py, where O is the total observed in the cube
and py[i, t] the population-time of the bin, that year's population × the
slice's share of the year (1, 1/4 or 1/12). So Σ expected == Σ observed, and
observed − expected is the excess the population does not explain. Without
population (none given, or a commune with no figure for some year of the
period) every bin gets the same population-time, E = O / (n × T), and
`population_known` is False: the excess is then about counts, not risk.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from risk.analysis.hotspots.vocabulary import SLICES

__all__ = ["SLICES", "SpaceTimeCube", "space_time_cube", "slice_labels"]

_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


@dataclass(frozen=True, eq=False)
class SpaceTimeCube:
    """Observed and expected counts per commune (rows, `ids` order) and slice (columns, `labels` order)."""

    ids: tuple[str, ...]
    slice: str
    labels: tuple[str, ...]
    observed: np.ndarray  # n × T, int
    expected: np.ndarray  # n × T, float
    population_known: bool

    def __post_init__(self) -> None:
        shape = (len(self.ids), len(self.labels))
        if self.slice not in SLICES:
            raise ValueError(f"unknown slice {self.slice!r}; one of {', '.join(SLICES)}")
        if np.shape(self.observed) != shape or np.shape(self.expected) != shape:
            raise ValueError(f"observed {np.shape(self.observed)} and expected {np.shape(self.expected)} "
                             f"must both be {shape} (communes × slices)")

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def t(self) -> int:
        return len(self.labels)

    @property
    def excess(self) -> np.ndarray:
        """observed − expected per bin."""
        return np.asarray(self.observed, dtype=float) - np.asarray(self.expected, dtype=float)


def slice_labels(year_from: int, year_to: int, slice: str = "quarter") -> tuple[str, ...]:
    """The slices of `year_from..year_to` in time order: "2021", "2021-Q1" or "2021-03"."""
    if slice not in SLICES:
        raise ValueError(f"unknown slice {slice!r}; one of {', '.join(SLICES)}")
    years = range(int(year_from), int(year_to) + 1)
    if slice == "year":
        return tuple(str(y) for y in years)
    if slice == "quarter":
        return tuple(f"{y}-Q{q}" for y in years for q in range(1, 5))
    return tuple(f"{y}-{m:02d}" for y in years for m in range(1, 13))


def space_time_cube(
    cases: pd.DataFrame, ids: Sequence[str], year_from: int, year_to: int, slice: str = "quarter",
    population: pd.DataFrame | None = None, form: str | None = None,
) -> SpaceTimeCube:
    """Observed and expected counts per commune and slice (module docstring for the rules).

    `population`: communes (index = ids) × years (columns), as made by
    `inputs.population_matrix`, or None.
    """
    if int(year_from) > int(year_to):
        raise ValueError(f"the period {year_from}..{year_to} is empty")
    labels = slice_labels(year_from, year_to, slice)
    ids = tuple(str(c) for c in ids)
    if len(set(ids)) != len(ids):
        raise ValueError("commune ids must be unique")
    per_year = _PER_YEAR[slice]
    n, t = len(ids), len(labels)

    located = cases[cases["commune_id"].notna() & cases["date"].notna()]
    if form:
        located = located[located["form"] == form]
    dates = pd.to_datetime(located["date"])
    row = pd.Index(ids).get_indexer(located["commune_id"].astype(str))
    year = dates.dt.year.to_numpy(dtype="int64")
    month = dates.dt.month.to_numpy(dtype="int64")
    within = (row >= 0) & (year >= int(year_from)) & (year <= int(year_to))
    step = (month - 1) * per_year // 12  # 0 for years, quarter 0..3, month 0..11
    col = (year - int(year_from)) * per_year + step
    observed = np.zeros((n, t), dtype="int64")
    np.add.at(observed, (row[within], col[within]), 1)

    years = list(range(int(year_from), int(year_to) + 1))
    weight, known = _population_time(population, ids, years, per_year)
    total = observed.sum()
    expected = total * weight / weight.sum() if total > 0 else np.zeros((n, t), dtype=float)
    return SpaceTimeCube(ids, slice, labels, observed, expected, known)


def _population_time(
    population: pd.DataFrame | None, ids: tuple[str, ...], years: list[int], per_year: int,
) -> tuple[np.ndarray, bool]:
    """Population-time per bin (n × T) and whether it comes from real population figures."""
    equal = np.full((len(ids), len(years) * per_year), 1.0 / per_year)
    if population is None or not len(ids):
        return equal, False
    pop = population.copy()
    pop.index = pop.index.astype(str)
    pop.columns = [int(c) if str(c).strip().isdigit() else c for c in pop.columns]  # "2021" as 2021
    pop = pop.reindex(index=list(ids), columns=years).to_numpy(dtype=float)
    if not np.isfinite(pop).all() or (pop < 0).any() or not pop.sum() > 0:
        return equal, False
    return np.repeat(pop, per_year, axis=1) / per_year, True
