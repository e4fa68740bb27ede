"""The leakage check the model card runs on the open dataset: time travel.

Why. The no-signal control (shuffled training labels) cannot detect leakage: an
injected feature equal to next year's label raised the AUC to 0.99 while the
control stayed near 0.5. What does detect it: scoring year T must use nothing
recorded after T, so removing every indicator row and case dated after T must
leave every score unchanged. A leak (a feature built from later years, a
target that reads the future) changes them. Run on the data the card
describes, not only on the demo (tests/analysis/test_model.py holds that it
can fail).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.contracts.dataset import Dataset

__all__ = ["TOLERANCE", "TimeTravel", "time_travel", "truncated_after"]

TOLERANCE = 1e-9  # scores are probabilities; refits on identical rows agree to about 1e-15


@dataclass(frozen=True)
class TimeTravel:
    """Scores of `year` with and without everything after it: identical when nothing leaks."""

    year: int
    communes: int
    max_difference: float
    removed_cases: int
    removed_indicator_rows: int

    @property
    def identical(self) -> bool:
        return self.max_difference <= TOLERANCE


def truncated_after(ds: Dataset, year: int) -> Dataset:
    """The dataset as it stood at the end of `year`: later indicator rows and cases removed."""
    dates = pd.to_datetime(ds.cases["date"], errors="coerce")
    return dataclasses.replace(ds, indicators=ds.indicators[ds.indicators["year"] <= year].copy(),
                               cases=ds.cases[~(dates.dt.year > year)].copy())


def time_travel(ds: Dataset, config, year: int | None = None, table=None) -> TimeTravel | None:
    """Score `year` (default: the last year with a later year to remove) on the full and on the
    truncated dataset; None when the dataset has no later year to remove. Raises ModelError
    when the year cannot be scored. `table`: the full dataset's feature table, when the caller
    has it (the truncated dataset's is always built here)."""
    from risk.analysis.model import score

    years = ds.years
    if year is None:
        if len(years) < 2:
            return None
        year = years[-2]
    cut = truncated_after(ds, year)
    removed_cases, removed_rows = len(ds.cases) - len(cut.cases), len(ds.indicators) - len(cut.indicators)
    if removed_cases == 0 and removed_rows == 0:
        return None
    quick = dataclasses.replace(config, n_bootstrap=0, margin_draws=0)
    full = score(ds, year, quick, table).table.set_index("commune_id")["score"]
    short = score(cut, year, quick).table.set_index("commune_id")["score"].reindex(full.index)
    difference = np.abs(full.to_numpy(float) - short.to_numpy(float))
    return TimeTravel(int(year), len(full), float(np.nanmax(difference)) if len(difference) else 0.0,
                      int(removed_cases), int(removed_rows))
