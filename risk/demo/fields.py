"""Commune-level geography shared by the generated indicators and cases.

Distances are measured in the metric CRS from each generated polygon's centroid,
which is what a user's own feature code would measure too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from risk.demo.geometry import CommuneShapes, sample_points, to_metric, xy_to_metric
from risk.demo.reference import Reference


@dataclass(frozen=True)
class Bump:
    """One Gaussian bump of a smooth random field (metric CRS, metres)."""

    x: float
    y: float
    amplitude: float
    sigma_m: float


def commune_geography(ref: Reference, shapes: CommuneShapes, gates: pd.DataFrame) -> pd.DataFrame:
    """One row per commune: type, former district, centroid, area and distances (km)."""
    info = ref.communes.set_index("code").loc[shapes.codes]
    metric = [to_metric(p) for p in shapes.polygons]
    centroids = np.array([p.centroid.coords[0] for p in metric])
    points = shapely.points(centroids)
    border_m, coast_m = to_metric(ref.border), to_metric(ref.coast)
    gates_m = shapely.points(xy_to_metric(gates["lon"], gates["lat"]))
    capital = shapely.Point(capital_xy(ref))
    borders_laos = ref.districts.set_index("district_code")["borders_laos"]
    return pd.DataFrame({
        "commune_id": shapes.codes,
        "name": info["name"].to_numpy(),
        "type": info["type"].to_numpy(),
        "district_code": info["district_code"].to_numpy(),
        "former_district": info["former_district"].to_numpy(),
        "district_borders_laos": info["district_code"].map(borders_laos).fillna(False).astype(bool).to_numpy(),
        "is_ward": (info["type"] == "phường").to_numpy(),
        "x": centroids[:, 0],
        "y": centroids[:, 1],
        "area_km2": np.array([p.area for p in metric]) / 1e6,
        "d_border_km": shapely.distance(points, border_m) / 1000,
        "d_gate_km": np.min([shapely.distance(points, g) for g in gates_m], axis=0) / 1000,
        "d_coast_km": shapely.distance(points, coast_m) / 1000,
        "d_capital_km": shapely.distance(points, capital) / 1000,
    })


def capital_xy(ref: Reference) -> tuple[float, float]:
    """The provincial capital (metric): the most populous place, else the ward-richest district."""
    if len(ref.places):
        top = ref.places.sort_values(["population", "name"], ascending=[False, True]).iloc[0]
        return tuple(xy_to_metric([top["lon"]], [top["lat"]])[0])
    wards = ref.communes[ref.communes["type"] == "phường"]["district_code"].value_counts()
    district = ref.districts.set_index("district_code").loc[wards.index[0]]
    return tuple(xy_to_metric([district["lon"]], [district["lat"]])[0])


def random_bumps(ref: Reference, rng: np.random.Generator, n: int, amplitude_sd: float,
                 sigma_km: tuple[float, float]) -> list[Bump]:
    """Random Gaussian bumps centred inside the province: a smooth field's recipe."""
    centres = sample_points(to_metric(ref.outline), n, rng)
    amplitudes = rng.normal(0.0, amplitude_sd, n)
    sigmas = rng.uniform(sigma_km[0], sigma_km[1], n) * 1000
    return [Bump(float(c[0]), float(c[1]), float(a), float(s)) for c, a, s in zip(centres, amplitudes, sigmas)]


def field_at(bumps: list[Bump], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Value of the smooth field (sum of bumps) at metric points."""
    total = np.zeros(len(x))
    for b in bumps:
        total += b.amplitude * np.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.sigma_m ** 2))
    return total
