"""The commune-year feature table the risk model learns from.

One row per commune and indicator year t: the indicators at t, distances to the
border line and the nearest border gate (from the commune's polygon, 0 km when
it touches the border: risk.analysis.geography.commune_distances_km, the same
numbers the hotspot and priority tables show), recorded cases at t and t-1, the mean
of the Queen-contiguity neighbours' cases at t, and the target "at least one
recorded case at t+1" (NaN for the last year, whose next year is not yet known).

Feedback loop: recorded cases follow patrols, so a model trained on them sends
patrols back where they already are. `patrol_weight` in [0, 1] sets how much a
case detected by a patrol counts, everywhere at once:

- case counts (`cases_t`, `cases_t1`, `neighbour_cases_t`, `cases_next`) count
  a patrol-detected case as `patrol_weight` of a case;
- a row whose next year has a case detected otherwise is a positive, weight 1;
- a row whose next year has only patrol-detected cases is a positive with
  sample `weight` = `patrol_weight` (a label we trust that much); at 0 those
  cases are dropped entirely, so the row is a negative with weight 1.

1 (the default) is the records as they are; 0 trains and judges the model on
cases that did not come from patrols only. Neither corrects the loop: dropping
patrol-detected cases throws away real signal (in simulation weight 0 recovered
true risk worse than weight 1), so below 1 it is a sensitivity check.

What corrects it is patrol effort (the dataset's optional `patrols` part). With
it the table gains `patrol_effort_t` (effort in the feature year, so the model
can discount cases found because patrols were there) and `patrol_effort_next`
(effort in the target year, which explains part of next year's records), plus
`patrol_effort_reference`: the province's mean effort in the feature year. The
model learns from the actual effort and scores every commune at the reference
(`at_reference_effort`), so a score is the chance of a recorded case next year
if patrols were spread evenly, not where they happened to go. (Dividing the
counts by each commune's relative effort, the textbook exposure offset, was
tried as well: on rare counts it recovered true risk worse than weight 1 in
bench/patrol_effort.py, because it inflates the noise of lightly patrolled
communes.)
"""
from __future__ import annotations

import numbers

import geopandas as gpd
import numpy as np
import pandas as pd
from risk.analysis.geography import commune_distances_km, contiguity_weights, metric_crs

from risk.i18n import DEFAULT_LANGUAGE, LocalisedError, t
from risk.contracts.indicators import indicator_for
from risk.contracts.dataset import Dataset

__all__ = [
    "CASE_FEATURES", "DERIVED_FEATURES", "EFFORT_FEATURES", "FEATURE_LABELS", "ModelError", "at_reference_effort",
    "feature_keys", "feature_label", "feature_table", "metric_crs",
]

DERIVED_FEATURES: tuple[str, ...] = ("dist_border_km", "dist_gate_km", "cases_t", "cases_t1", "neighbour_cases_t")
# Features computed from case counts: for roles that may not see case rows, their values and
# contributions are a channel to suppressed counts (risk/access/privacy.py decides who sees them).
CASE_FEATURES: frozenset[str] = frozenset({"cases_t", "cases_t1", "neighbour_cases_t"})
# i18n keys of the derived features' labels (indicators are labelled by the registry).
FEATURE_LABELS: dict[str, str] = {
    "dist_border_km": "model.feature.dist_border_km", "dist_gate_km": "model.feature.dist_gate_km",
    "cases_t": "model.feature.cases_t", "cases_t1": "model.feature.cases_t1",
    "neighbour_cases_t": "model.feature.neighbour_cases_t",
}
# Patrol effort features, present only when the dataset has a `patrols` part. They explain where
# cases were recorded, not where risk is: never shown as a commune's driver.
EFFORT_FEATURES: tuple[str, ...] = ("patrol_effort_t", "patrol_effort_next")
EFFORT_REFERENCE = "patrol_effort_reference"
FEATURE_LABELS.update({"patrol_effort_t": "model.feature.patrol_effort_t",
                       "patrol_effort_next": "model.feature.patrol_effort_next"})
assert set(FEATURE_LABELS) == {*DERIVED_FEATURES, *EFFORT_FEATURES}
# Columns of the table that are not features.
ID_COLUMNS: tuple[str, ...] = ("commune_id", "name", "year", "target_year")
LABEL_COLUMNS: tuple[str, ...] = ("target", "weight", "cases_next")
PATROL = "patrol"


class ModelError(LocalisedError):
    """Data or options the model cannot work with; the message comes from risk.i18n."""



def feature_label(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A feature's label: derived features from i18n, indicators from the registry."""
    if key in FEATURE_LABELS:
        return t(FEATURE_LABELS[key], lang)
    return indicator_for(key).label(lang)


def feature_keys(ds: Dataset) -> list[str]:
    """Every candidate feature of the dataset, indicators first then derived (then patrol effort)."""
    return [*ds.indicator_keys, *DERIVED_FEATURES, *(EFFORT_FEATURES if ds.patrols is not None else ())]


def at_reference_effort(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with next year's patrol effort set to the province's mean (see the module docstring);
    unchanged when the table has no effort data."""
    if EFFORT_REFERENCE not in rows.columns:
        return rows
    return rows.assign(patrol_effort_next=rows[EFFORT_REFERENCE].to_numpy())


def _effort_columns(panel: pd.DataFrame, patrols: pd.DataFrame) -> dict[str, np.ndarray]:
    """Effort at t and t+1 per panel row, and the feature year's province mean.

    A year with patrol rows gives 0 to the communes it does not list (no patrol there); a year
    with none is unknown (NaN, imputed by the model)."""
    frame = patrols.assign(commune_id=patrols["commune_id"].astype(str), year=patrols["year"].astype("int64"))
    known_years = set(frame["year"].tolist())
    effort = frame.groupby(["commune_id", "year"])["effort"].sum()

    def lookup(offset: int) -> np.ndarray:
        years = panel["year"].to_numpy() + offset
        key = pd.MultiIndex.from_arrays([panel["commune_id"], years])
        values = effort.reindex(key).fillna(0.0).to_numpy(dtype=float)
        return np.where(np.isin(years, list(known_years)), values, np.nan)

    now = lookup(0)
    mean = pd.Series(now).groupby(panel["year"].to_numpy()).transform("mean").to_numpy(dtype=float)
    return {"patrol_effort_t": now, "patrol_effort_next": lookup(1), EFFORT_REFERENCE: mean}


def _case_counts(cases: pd.DataFrame, patrol_weight: float) -> pd.DataFrame:
    """Per commune and year: weighted count, and counts of non-patrol and patrol cases."""
    located = cases[cases["commune_id"].notna() & cases["date"].notna()]
    patrol = (located["detected_by"] == PATROL).to_numpy()
    frame = pd.DataFrame({
        "commune_id": located["commune_id"].astype(str).to_numpy(),
        "year": located["date"].dt.year.astype("int64").to_numpy(),
        "other": (~patrol).astype(float),
        "patrol": patrol.astype(float),
    })
    counts = frame.groupby(["commune_id", "year"], sort=True)[["other", "patrol"]].sum()
    counts["weighted"] = counts["other"] + patrol_weight * counts["patrol"]
    return counts


def _neighbour_mean(boundaries: gpd.GeoDataFrame, panel: pd.DataFrame) -> np.ndarray:
    """Mean of Queen neighbours' `cases_t` for each panel row; NaN for a commune with no neighbour."""
    # The STR-tree Queen builder shared with the hotspots (about 10x faster than
    # libpysal's at national scale); islands keep no neighbour, so their mean is NaN.
    graph = contiguity_weights(boundaries, islands="keep").graph
    links = graph.adjacency.reset_index()
    links = links[links["weight"] > 0]
    wide = panel.pivot(index="commune_id", columns="year", values="cases_t")
    sums = wide.reindex(links["neighbor"].to_numpy()).set_axis(links["focal"].to_numpy()).groupby(level=0).sum()
    n = links.groupby("focal").size()
    means = sums.div(n, axis=0).reindex(wide.index)  # islands: no row, so NaN
    stacked = means.stack(future_stack=True).rename("value")
    key = pd.MultiIndex.from_arrays([panel["commune_id"], panel["year"]])
    return stacked.reindex(key).to_numpy(dtype=float)


def feature_table(ds: Dataset, patrol_weight: float = 1.0) -> pd.DataFrame:
    """Commune-year features, target and sample weight (see the module docstring for `patrol_weight`).

    Columns: commune_id, name, year, target_year (= year + 1), every indicator,
    dist_border_km, dist_gate_km, cases_t, cases_t1, neighbour_cases_t, then
    target (1/0, NaN for the last year), weight (sample weight) and cases_next
    (weighted case count at t+1, what capture rates count). Rows are every
    commune × every indicator year (a missing indicator row gives NaN values,
    imputed by the model). `cases_t1` is NaN before the first recorded year.
    """
    if not (isinstance(patrol_weight, numbers.Real) and 0.0 <= float(patrol_weight) <= 1.0):
        raise ModelError("model.bad_patrol_weight", value=patrol_weight)
    patrol_weight = float(patrol_weight)
    years = ds.years
    ids = ds.boundaries["commune_id"].astype(str).to_numpy()
    panel = pd.DataFrame({
        "commune_id": np.repeat(ids, len(years)),
        "year": np.tile(np.asarray(years, dtype="int64"), len(ids)),
    })
    panel["name"] = panel["commune_id"].map(dict(zip(ids, ds.boundaries["name"].astype(str))))
    panel["target_year"] = panel["year"] + 1
    indicators = ds.indicators.copy()
    indicators["commune_id"] = indicators["commune_id"].astype(str)
    panel = panel.merge(indicators[["commune_id", "year", *ds.indicator_keys]], on=["commune_id", "year"], how="left")
    panel = panel.merge(commune_distances_km(ds.boundaries, ds.border, ds.gates), on="commune_id", how="left")

    counts = _case_counts(ds.cases, patrol_weight)
    case_years = counts.index.get_level_values("year")
    first_year = min(years[0], int(case_years.min())) if len(counts) else years[0]
    last_year = years[-1]

    def lookup(column: str, year_offset: int) -> np.ndarray:
        key = pd.MultiIndex.from_arrays([panel["commune_id"], panel["year"] + year_offset])
        return counts[column].reindex(key).fillna(0.0).to_numpy() if len(counts) else np.zeros(len(panel))

    panel["cases_t"] = lookup("weighted", 0)
    panel["cases_t1"] = np.where(panel["year"] - 1 >= first_year, lookup("weighted", -1), np.nan)
    panel["neighbour_cases_t"] = _neighbour_mean(ds.boundaries, panel)

    other_next, patrol_next = lookup("other", 1), lookup("patrol", 1)
    known = (panel["year"] + 1 <= last_year).to_numpy()
    positive = (other_next > 0) | ((patrol_next > 0) & (patrol_weight > 0))
    only_patrol = (other_next == 0) & (patrol_next > 0) & (patrol_weight > 0)
    panel["target"] = np.where(known, positive.astype(float), np.nan)
    panel["weight"] = np.where(known & only_patrol, patrol_weight, 1.0)
    panel["cases_next"] = np.where(known, lookup("weighted", 1), np.nan)
    columns = [*ID_COLUMNS, *ds.indicator_keys, *DERIVED_FEATURES, *LABEL_COLUMNS]
    if ds.patrols is not None:
        for name, values in _effort_columns(panel, ds.patrols).items():
            panel[name] = values
        columns += [*EFFORT_FEATURES, EFFORT_REFERENCE]
    return panel[columns].sort_values(["year", "commune_id"], kind="stable").reset_index(drop=True)
