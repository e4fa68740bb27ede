"""The demo's years before the July 2025 reform written on the pre-2025 communes (data/demo/pre2025/).

Real registers from before mid-2025 are keyed by the old communes. The demo
generates every year on today's communes, so this module re-keys its own
2019–2024 rows onto the real pre-2025 units of the reference crosswalk (codes and
names are facts; every number stays generated):
- each commune's population is split among its old units by fixed generated
  shares, in whole people that sum exactly to the commune's;
- each rate gets generated differences between the units, centred so that the
  population-weighted mean of the parts is the commune's own rate (then rounded
  to 2 decimals, as the demo writes rates), and kept within 0–100;
- each case keeps its id, date and details, loses its point and is recorded in
  one of its commune's old units (drawn by population share).
Loading the folder with its crosswalk therefore gives back the demo's values
within rounding (tests/demo/test_pre2025.py), and the same backtest.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from risk.demo.indicators import INDICATOR_COLUMNS

FOLDER = "pre2025"
REFORM_YEAR = 2025  # rows of earlier years are written on the old communes
SPREAD = 0.5  # largest difference between a unit's rate and its commune's, as a share of the room to 0 or 100
SHARE_RANGE = (0.5, 1.5)  # relative sizes of the old units of one commune, before normalising


def _shares(crosswalk: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Each old unit's fixed share of its commune's population (sums to 1 per commune), by old code."""
    raw = pd.Series(rng.uniform(*SHARE_RANGE, len(crosswalk)), index=crosswalk["old_commune_id"].to_numpy())
    totals = raw.groupby(crosswalk["new_commune_id"].to_numpy()).transform("sum")
    return raw / totals.to_numpy()


def _split_people(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole people per unit, summing exactly to `total` (largest remainders get the leftovers)."""
    exact = total * shares
    people = np.floor(exact).astype(int)
    leftover = total - int(people.sum())
    order = np.argsort(-(exact - people), kind="stable")
    people[order[:leftover]] += 1
    return people


def _split_rate(rate: float, people: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit rates whose population-weighted mean is `rate` (before rounding), each within 0–100."""
    if np.isnan(rate) or len(people) == 1:
        return np.full(len(people), rate)
    z = rng.uniform(-1, 1, len(people))
    z -= float(np.dot(people, z)) / float(people.sum())
    z /= max(1.0, float(np.abs(z).max()))
    room = min(rate, 100.0 - rate)
    return np.clip(rate + SPREAD * room * z, 0.0, 100.0)


def old_unit_indicators(indicators: pd.DataFrame, crosswalk: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The indicator rows before REFORM_YEAR on the old units, then the later rows as they are."""
    shares = _shares(crosswalk, rng)
    parts = {new: group["old_commune_id"].tolist() for new, group in crosswalk.groupby("new_commune_id", sort=False)}
    rows = []
    for row in indicators[indicators["year"] < REFORM_YEAR].itertuples(index=False):
        units = parts[row.commune_id]
        people = _split_people(int(row.population), shares.loc[units].to_numpy())
        rates = {key: _split_rate(float(getattr(row, key)), people, rng) for key in INDICATOR_COLUMNS}
        for i, unit in enumerate(units):
            rows.append({"commune_id": unit, "year": row.year, **{k: round(float(v[i]), 2) for k, v in rates.items()},
                         "population": int(people[i])})
    old = pd.DataFrame(rows, columns=list(indicators.columns))
    old = old.sort_values(["commune_id", "year"], kind="mergesort")
    later = indicators[indicators["year"] >= REFORM_YEAR]
    return pd.concat([old, later], ignore_index=True)


def old_unit_cases(cases: pd.DataFrame, old_indicators: pd.DataFrame, crosswalk: pd.DataFrame,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Cases before REFORM_YEAR recorded in one old unit of their commune (drawn by the unit's share of
    the commune's population that year, from `old_indicators`) and without their point; later cases as they are."""
    population = old_indicators.set_index(["commune_id", "year"])["population"]
    parts = {new: group["old_commune_id"].tolist() for new, group in crosswalk.groupby("new_commune_id", sort=False)}
    out = cases.copy()
    for column in ("lon", "lat"):  # written as text: 6 decimals, empty where the point is dropped
        out[column] = cases[column].map("{:.6f}".format).astype(object)
    for i, row in enumerate(cases.itertuples(index=False)):
        year = int(str(row.date)[:4])
        if year >= REFORM_YEAR:
            continue
        units = parts[row.commune_id]
        people = population.loc[[(u, year) for u in units]].to_numpy(dtype=float)
        out.iat[i, out.columns.get_loc("commune_id")] = units[int(rng.choice(len(units), p=people / people.sum()))]
        out.iat[i, out.columns.get_loc("lon")] = ""
        out.iat[i, out.columns.get_loc("lat")] = ""
    return out


def readme_text(old_units: int, new_units: int, first: int, last: int) -> str:
    """The sub-folder's README (Markdown)."""
    return "\n".join([
        "# Nghệ An (demo) on the pre-2025 communes: GENERATED data",
        "",
        "**Every number in this folder is GENERATED, as in the parent demo folder; they are NOT real data.** "
        "Only the communes' names and codes, old and new, are real.",
        "",
        f"The same demo dataset with its {first}–{last} indicators and cases keyed by the {old_units} pre-2025 "
        f"communes, as registers from before the July 2025 reform are, and {REFORM_YEAR} on today's "
        f"{new_units}. `crosswalk.csv` is the real crosswalk (`data/reference/nghe_an/crosswalk_2025.csv`); "
        "loading the folder converts the old rows back to today's communes.",
        "",
        "- Population: each commune's split among its old units by fixed generated shares, in whole people "
        "that add up to the commune's.",
        f"- Rates: each old unit differs from its commune by a generated amount (at most {SPREAD:.0%} of the room "
        "to 0 or 100), centred so the parts' population-weighted mean is the commune's rate; rounded to 2 decimals.",
        f"- Cases before {REFORM_YEAR}: the same cases (ids, dates, details), recorded in one old unit of their "
        "commune (drawn by population share) and without coordinates.",
        "",
        "`python -m risk backtest --data data/demo/pre2025 --json` gives the parent folder's backtest within "
        "rounding (tests/demo/test_pre2025.py).",
        "",
        "Rebuilt with the parent folder: `python -m risk demo --out data/demo`.",
        "",
    ])
