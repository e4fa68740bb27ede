"""Synthetic commune coverages at province and national scale, and indicators and cases on them.

Voronoi cells over a Vietnam-sized box, with edges densified and wiggled so
each polygon carries a few hundred vertices like a surveyed boundary. The
wiggle is a function of the vertex position, so shared edges stay shared.
(bench.coverage draws a whole country instead, for the browser benchmark.)

`synthetic_panel` gives any set of communes indicators per year and Poisson
cases with a known signal: more cases near the border (`west`), with more
out-migration, more people and last year's cases.
"""
from __future__ import annotations

from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box


def _wiggle(coords: np.ndarray, amplitude: float) -> np.ndarray:
    rounded = np.round(coords, 7)
    phase = np.sin(rounded[:, 0] * 1234.567 + rounded[:, 1] * 7654.321) * 43758.5453
    noise = (phase - np.floor(phase)) - 0.5
    phase2 = np.sin(rounded[:, 0] * 4321.123 - rounded[:, 1] * 2468.135) * 24634.6345
    noise2 = (phase2 - np.floor(phase2)) - 0.5
    return rounded + amplitude * np.column_stack([noise, noise2])


def synthetic_communes(n: int, seed: int = 0, spacing_deg: float = 0.002) -> gpd.GeoDataFrame:
    """n communes covering a box sized so communes are about as big as Vietnam's."""
    rng = np.random.default_rng(seed)
    side = np.sqrt(n / 130) * 1.3  # 130 communes ≈ a 1.3° square (Nghệ An's scale)
    frame = box(102.0, 10.0, 102.0 + side, 10.0 + side)
    pts = shapely.points(rng.uniform(102.0, 102.0 + side, n), rng.uniform(10.0, 10.0 + side, n))
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame)
    cells = shapely.intersection(np.asarray(shapely.get_parts(cells)), frame)
    dense = shapely.segmentize(cells, spacing_deg)
    wiggled = shapely.transform(dense, lambda c: _wiggle(c, spacing_deg * 0.4))
    wiggled = shapely.make_valid(wiggled)
    ids = [f"{i:05d}" for i in range(len(wiggled))]
    return gpd.GeoDataFrame(
        {"commune_id": ids, "name": [f"Xã Thử nghiệm {i}" for i in range(len(wiggled))],
         "former_district": [f"Huyện {i // 10}" for i in range(len(wiggled))],
         "poverty_rate": rng.uniform(0, 60, len(wiggled)), "note": ["x" * 40] * len(wiggled)},
        geometry=wiggled, crs="EPSG:4326",
    )


def synthetic_panel(commune_ids: Sequence[str], west: np.ndarray, rng: np.random.Generator,
                    years: Sequence[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators, cases) for these communes: `west` is 1 at the border and 0 far from it.

    Cases carry a commune and a mid-year date but no point (callers that need points place them)."""
    n = len(commune_ids)
    ids = pd.Series(list(commune_ids))
    commune_effect = rng.normal(0, 1, n)
    population = rng.uniform(3000, 40000, n)
    rows, case_rows, prev = [], [], np.zeros(n)
    for k, year in enumerate(years):
        poverty = np.clip(5 + 40 * west + 4 * commune_effect + rng.normal(0, 2, n), 0.1, 99)
        outmigration = np.clip(8 + 15 * west + 3 * commune_effect + rng.normal(0, 2, n), 0.1, 99)
        mobile = np.clip(98 - 20 * west + rng.normal(0, 2, n), 0, 100)
        pop = population * 1.01 ** k
        eta = -2.6 + 0.1 * (outmigration - 15) + 1.0 * west + 0.4 * np.log(pop / 10_000) + 0.3 * np.log1p(prev)
        prev = rng.poisson(np.exp(eta))
        rows.append(pd.DataFrame({"commune_id": ids, "year": year, "poverty_rate": poverty,
                                  "outmigration_rate": outmigration, "mobile_coverage": mobile,
                                  "population": pop.round()}))
        for i in np.flatnonzero(prev):
            for _ in range(int(prev[i])):
                case_rows.append((ids.iloc[i], f"{year}-06-15",
                                  "patrol" if rng.random() < 0.3 * west[i] else "victim_or_family_report"))
    cases = pd.DataFrame({
        "case_id": [f"c{i}" for i in range(len(case_rows))],
        "date": pd.to_datetime([d for _, d, _ in case_rows]).astype("datetime64[ns]"),
        "lon": np.nan, "lat": np.nan, "commune_id": [c for c, _, _ in case_rows], "form": "other",
        "victims": 1, "destination": "", "detected_by": [b for _, _, b in case_rows],
    })
    return pd.concat(rows, ignore_index=True), cases
