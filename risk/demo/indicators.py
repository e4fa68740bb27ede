"""Generated commune indicators with a realistic geography (not real statistics).

Every commune gets a latent remoteness: far from the coast and the provincial
capital, close to the international border, plus a former-district effect, a
spatially smooth field and a little noise. Each indicator is a logistic curve of
remoteness with its own trend, year shocks and commune effect, so remote border
communes come out poorer, with large ethnic-minority shares, poorer roads and
weaker coverage, and the coastal lowlands and city wards the reverse.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from risk.demo.fields import field_at, random_bumps
from risk.demo.reference import Reference

YEARS = tuple(range(2019, 2026))
INDICATOR_COLUMNS = (
    "poverty_rate", "near_poor_rate", "ethnic_minority_share", "outmigration_rate", "dropout_rate",
    "early_marriage_rate", "no_road_share", "mobile_coverage",
)
COLUMNS = ("commune_id", "year") + INDICATOR_COLUMNS + ("population",)


@dataclass(frozen=True)
class RateSpec:
    """logit(rate/100) = intercept + slope * remoteness + trend * (year - first) + shocks + effects."""

    key: str
    intercept: float
    slope: float
    trend: float
    district_sd: float
    commune_sd: float
    noise_sd: float  # year-to-year, as a random walk, so changes stay small
    shocks: dict[int, float] = field(default_factory=dict)


RATE_SPECS = (
    RateSpec("poverty_rate", -4.3, 4.9, -0.06, 0.15, 0.20, 0.04),
    RateSpec("near_poor_rate", -2.8, 1.7, -0.03, 0.10, 0.15, 0.04),
    RateSpec("ethnic_minority_share", -6.5, 13.0, 0.0, 0.30, 0.45, 0.01),
    RateSpec("outmigration_rate", -1.95, 0.5, 0.03, 0.35, 0.30, 0.04, {2020: -0.10, 2021: -0.20, 2022: -0.05}),
    RateSpec("dropout_rate", -4.7, 2.7, -0.04, 0.15, 0.20, 0.05, {2021: 0.15}),
    RateSpec("early_marriage_rate", -4.9, 4.4, -0.05, 0.20, 0.25, 0.05),
    RateSpec("no_road_share", -4.1, 5.2, -0.09, 0.20, 0.30, 0.04),
    RateSpec("mobile_coverage", 4.6, -4.6, 0.12, 0.15, 0.20, 0.04),
)

# Remoteness: weights of its parts (distances in km, each capped at 1 after scaling)
REMOTENESS = {
    "coast_km_scale": 120.0, "coast_weight": 0.35,
    "capital_km_scale": 200.0, "capital_weight": 0.50,
    "border_km_scale": 20.0, "border_weight": 0.10,  # weight on exp(-d_border / scale)
    "ward_shift": -0.12, "district_sd": 0.04, "field_sd": 0.05, "noise_sd": 0.03,
}


def remoteness(geo: pd.DataFrame, ref: Reference, rng: np.random.Generator) -> np.ndarray:
    """Latent remoteness (about 0 on the coast, about 1 in the far west)."""
    p = REMOTENESS
    base = (p["coast_weight"] * np.minimum(geo["d_coast_km"] / p["coast_km_scale"], 1.0)
            + p["capital_weight"] * np.minimum(geo["d_capital_km"] / p["capital_km_scale"], 1.0)
            + p["border_weight"] * np.exp(-geo["d_border_km"] / p["border_km_scale"]))
    smooth = field_at(random_bumps(ref, rng, 10, 1.0, (20, 50)), geo["x"].to_numpy(), geo["y"].to_numpy())
    smooth = p["field_sd"] * (smooth - smooth.mean()) / max(smooth.std(), 1e-9)
    return (base.to_numpy() + p["ward_shift"] * geo["is_ward"].to_numpy()
            + _district_effect(geo, rng, p["district_sd"]) + smooth
            + rng.normal(0, p["noise_sd"], len(geo)))


def _district_effect(geo: pd.DataFrame, rng: np.random.Generator, sd: float) -> np.ndarray:
    """One shared random effect per former district (drawn in sorted district order)."""
    districts = sorted(set(geo["district_code"]))
    effect = dict(zip(districts, rng.normal(0, sd, len(districts))))
    return geo["district_code"].map(effect).to_numpy(dtype=float)


def _rate_panel(spec: RateSpec, geo: pd.DataFrame, r: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(communes, years) percentages for one indicator."""
    n, t = len(geo), np.arange(len(YEARS))
    fixed = (spec.intercept + spec.slope * r + _district_effect(geo, rng, spec.district_sd)
             + rng.normal(0, spec.commune_sd, n))
    walk = np.cumsum(rng.normal(0, spec.noise_sd, (n, len(YEARS))), axis=1)
    shocks = np.array([spec.shocks.get(y, 0.0) for y in YEARS])
    logit = fixed[:, None] + spec.trend * t[None, :] + shocks[None, :] + walk
    return np.clip(100 / (1 + np.exp(-logit)), 0, 100)


def _population(geo: pd.DataFrame, r: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(communes, years) people: dense lowlands and wards, sparse mountains, steady growth."""
    density = np.exp(6.5 - 3.4 * r + rng.normal(0, 0.15, len(geo)))
    ward = geo["is_ward"].to_numpy()
    density = np.where(ward, density * 2.5, density)
    base = geo["area_km2"].to_numpy() * density
    base = np.where(ward, np.clip(base, 15_000, 100_000), np.clip(base, 3_000, 36_500))
    growth = 0.009 + 0.006 * np.clip(r, 0, 1)[:, None] + rng.normal(0, 0.002, (len(geo), len(YEARS)))
    growth[:, 0] = 0.0
    people = base[:, None] * np.cumprod(1 + growth, axis=1)
    people = np.where(ward[:, None], people, np.clip(people, 3_000, 40_000))
    return np.rint(people).astype(int)


def generate_indicators(geo: pd.DataFrame, ref: Reference, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """The indicator panel (one row per commune and year) and the latent remoteness."""
    r = remoteness(geo, ref, rng)
    panels = {spec.key: _rate_panel(spec, geo, r, rng) for spec in RATE_SPECS}
    population = _population(geo, r, rng)
    rows = {"commune_id": np.repeat(geo["commune_id"].to_numpy(), len(YEARS)),
            "year": np.tile(np.array(YEARS), len(geo))}
    for key in INDICATOR_COLUMNS:
        rows[key] = np.round(panels[key].ravel(), 2)
    rows["population"] = population.ravel()
    return pd.DataFrame(rows, columns=list(COLUMNS)), r
