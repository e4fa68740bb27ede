"""Generated trafficking cases from a hidden, documented process (not real cases).

Recorded cases in commune i and year t are Poisson with log-rate

    log λ[i,t] = b0 + Σ coef_k · x_k[i,t] + U(i) + persistence · log(1 + cases[i,t-1])

where x_k are the commune's indicators and distances (TERMS below), U is a
spatially smooth unobserved field (a sum of Gaussian bumps) and b0 is set so the
province sees about TARGET_CASES_PER_YEAR cases a year. The indicator and
distance part carries most of the signal and persistence is moderate, so a model
on indicators can beat "last year's cases" — which is the point of the demo.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from risk.demo.fields import Bump, field_at, random_bumps
from risk.demo.indicators import YEARS
from risk.demo.reference import Reference

TARGET_CASES_PER_YEAR = 40.0
PERSISTENCE = 0.30  # coefficient on log(1 + last year's cases in the commune)
HIDDEN_FIELD_SD = 0.35  # standard deviation of U over communes
HIDDEN_BUMPS = 8
BURN_IN_YEARS = 3  # simulated before the first year so it has a "last year"
COLUMNS = ("case_id", "date", "lon", "lat", "commune_id", "form", "victims", "destination", "detected_by")
FORMS = ("sexual_exploitation", "forced_marriage", "forced_labour", "child_trafficking", "other")
DETECTED_BY = ("patrol", "victim_or_family_report", "returnee_screening", "other")
VICTIM_COUNTS = (1, 2, 3, 4, 5)
VICTIM_PROBS = (0.58, 0.24, 0.10, 0.05, 0.03)


@dataclass(frozen=True)
class Term:
    """One covariate of the hidden log-rate: coef * (value of `expression`)."""

    name: str
    coef: float
    expression: str


TERMS = (
    Term("poverty", 0.15, "poverty_rate / 10"),
    Term("outmigration", 0.90, "outmigration_rate / 10"),
    Term("dropout", 0.15, "dropout_rate / 5"),
    Term("early_marriage", 0.15, "early_marriage_rate / 10"),
    Term("no_road", 0.10, "no_road_share / 25"),
    Term("mobile_gap", 0.10, "(100 - mobile_coverage) / 25"),
    Term("border_proximity", 0.70, "exp(-d_border_km / 25)"),
    Term("gate_proximity", 0.60, "exp(-d_gate_km / 15)"),
    Term("population", 0.40, "log(population / 10000)"),
)


@dataclass(frozen=True)
class CaseProcess:
    """The hidden process as drawn for one seed (for the README and for checks)."""

    intercept: float
    bumps: list[Bump]
    expected_per_year: dict[int, float]


def term_values(panel: pd.DataFrame) -> pd.DataFrame:
    """Each term's covariate, evaluated on a commune-year panel (indicators + geography)."""
    return pd.DataFrame({
        "poverty": panel["poverty_rate"] / 10,
        "outmigration": panel["outmigration_rate"] / 10,
        "dropout": panel["dropout_rate"] / 5,
        "early_marriage": panel["early_marriage_rate"] / 10,
        "no_road": panel["no_road_share"] / 25,
        "mobile_gap": (100 - panel["mobile_coverage"]) / 25,
        "border_proximity": np.exp(-panel["d_border_km"] / 25),
        "gate_proximity": np.exp(-panel["d_gate_km"] / 15),
        "population": np.log(panel["population"] / 10_000),
    })


def _linear_part(panel: pd.DataFrame) -> np.ndarray:
    """Σ coef_k x_k, in panel row order."""
    values = term_values(panel)
    total = np.zeros(len(panel))
    for term in TERMS:
        total += term.coef * values[term.name].to_numpy()
    return total


def _calibrate_intercept(eta: np.ndarray) -> float:
    """b0 such that the expected yearly total (persistence followed on expectations) hits the target.

    eta is (communes, years) without the intercept; bisection keeps it exact and stable.
    """
    def yearly_mean(b0: float) -> float:
        lam_prev, totals = np.zeros(eta.shape[0]), []
        for t in range(-BURN_IN_YEARS, eta.shape[1]):
            lam = np.exp(b0 + eta[:, max(t, 0)] + PERSISTENCE * np.log1p(lam_prev))
            if t >= 0:
                totals.append(lam.sum())
            lam_prev = lam
        return float(np.mean(totals))

    lo, hi = -15.0, 5.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if yearly_mean(mid) < TARGET_CASES_PER_YEAR else (lo, mid)
    return round((lo + hi) / 2, 3)


def simulate_counts(panel: pd.DataFrame, ref: Reference, rng: np.random.Generator) -> tuple[np.ndarray, CaseProcess]:
    """(communes, years) recorded case counts; panel rows are commune-major, years ascending."""
    n, n_years = panel["commune_id"].nunique(), len(YEARS)
    eta = _linear_part(panel).reshape(n, n_years)
    bumps = random_bumps(ref, rng, HIDDEN_BUMPS, 1.0, (12, 35))
    first = panel.iloc[::n_years]
    u = field_at(bumps, first["x"].to_numpy(), first["y"].to_numpy())
    scale = HIDDEN_FIELD_SD / max(float(u.std()), 1e-9)
    u = (u - u.mean()) * scale
    bumps = [Bump(b.x, b.y, b.amplitude * scale, b.sigma_m) for b in bumps]
    eta = eta + u[:, None]
    b0 = _calibrate_intercept(eta)
    counts = np.zeros((n, n_years), dtype=int)
    prev = np.zeros(n, dtype=int)
    expected = {}
    for t in range(-BURN_IN_YEARS, n_years):
        lam = np.exp(b0 + eta[:, max(t, 0)] + PERSISTENCE * np.log1p(prev))
        prev = rng.poisson(lam)
        if t >= 0:
            counts[:, t] = prev
            expected[YEARS[t]] = round(float(lam.sum()), 1)
    return counts, CaseProcess(b0, bumps, expected)


def _pick(rng: np.random.Generator, options: tuple[str, ...], weights: list[float]) -> str:
    p = np.asarray(weights, float)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def _form(rng: np.random.Generator, west: float) -> str:
    """Forced marriage (mostly to China) grows toward the far west; labour elsewhere."""
    return _pick(rng, FORMS, [0.30 - 0.08 * west, 0.08 + 0.42 * west, 0.40 - 0.30 * west,
                              0.10 - 0.02 * west, 0.12 - 0.02 * west])


DESTINATIONS = {  # form -> (countries, base weights, extra weight on LA per unit of westness)
    "forced_marriage": (("CN", "LA", "KR"), [0.88, 0.08, 0.04]),
    "sexual_exploitation": (("CN", "LA", "TH", "MY", "KH"), [0.45, 0.25, 0.10, 0.10, 0.10]),
    "forced_labour": (("LA", "CN", "KH", "MY", "TH", "KR", "JP"), [0.25, 0.25, 0.15, 0.10, 0.10, 0.08, 0.07]),
    "child_trafficking": (("CN", "LA", "TH"), [0.60, 0.30, 0.10]),
    "other": (("CN", "LA", "TH", "KH", "MY"), [0.40, 0.30, 0.10, 0.10, 0.10]),
}


def _destination(rng: np.random.Generator, form: str, west: float) -> str:
    countries, weights = DESTINATIONS[form]
    weights = [w + (0.2 * west if c == "LA" else 0.0) for c, w in zip(countries, weights)]
    return _pick(rng, countries, weights)


def _detected_by(rng: np.random.Generator, d_border_km: float) -> str:
    """Patrols detect more near the border (the feedback the model card warns about)."""
    patrol = 0.08 + 0.55 * float(np.exp(-d_border_km / 15))
    return _pick(rng, DETECTED_BY, [patrol, 0.93 - patrol - 0.22, 0.22, 0.07])


def random_point_in(polygon: BaseGeometry, rng: np.random.Generator) -> tuple[float, float]:
    """A uniform random point strictly inside the polygon, still inside after rounding to 6 decimals."""
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        x, y = round(float(rng.uniform(minx, maxx)), 6), round(float(rng.uniform(miny, maxy)), 6)
        if polygon.contains(shapely.Point(x, y)):
            return x, y


def case_rows(counts: np.ndarray, geo: pd.DataFrame, polygons: list[BaseGeometry], remoteness: np.ndarray,
              prefix: str, rng: np.random.Generator) -> pd.DataFrame:
    """One row per case, with date, point, form, victims, destination and detecting agency."""
    rows = []
    for t, year in enumerate(YEARS):
        start, days = date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days
        year_rows = []
        for i in np.flatnonzero(counts[:, t]):
            west = float(np.clip(remoteness[i], 0, 1))
            for _ in range(counts[i, t]):
                lon, lat = random_point_in(polygons[i], rng)
                form = _form(rng, west)
                year_rows.append({
                    "date": (start + timedelta(days=int(rng.integers(days)))).isoformat(),
                    "lon": lon, "lat": lat, "commune_id": geo["commune_id"].iloc[i], "form": form,
                    "victims": int(rng.choice(VICTIM_COUNTS, p=VICTIM_PROBS)),
                    "destination": _destination(rng, form, west),
                    "detected_by": _detected_by(rng, float(geo["d_border_km"].iloc[i])),
                })
        year_rows.sort(key=lambda r: (r["date"], r["commune_id"], r["lon"], r["lat"]))
        for k, row in enumerate(year_rows, start=1):
            rows.append({"case_id": f"{prefix}-{year}-{k:04d}", **row})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.sort_values(["date", "case_id"], kind="stable").reset_index(drop=True)
