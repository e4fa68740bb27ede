"""Synthetic commune coverages at province and national scale, for benchmarks.

Voronoi cells over a Vietnam-sized box, with edges densified and wiggled so
each polygon carries a few hundred vertices like a surveyed boundary. The
wiggle is a function of the vertex position, so shared edges stay shared.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
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
