"""Spatial weights between communes, and distances to the border and its gates.

Shared by the hotspot analysis and the model's features, so "neighbour" means
the same thing everywhere:

- contiguity (Queen): two communes are neighbours when their polygons share at
  least one point. Pairs are found with an STR-tree `intersects` query, which
  is about 15 times faster than libpysal's vertex matching at 10,600 communes
  (bench/hotspots.py) and does not miss a shared border whose vertices are not
  exactly the same on both sides (real boundary files often differ there). A
  `tolerance_m` also joins communes separated by a sliver gap narrower than it.
- distance band: communes whose centroids are at most `band_km` apart, measured
  in metres in the UTM zone of the data's centre (never in degrees). With no
  band given, the band is the smallest that leaves no commune without a
  neighbour (the largest nearest-neighbour distance, as ArcGIS does).

Islands (a commune with no neighbour: an offshore island, or a band too short)
would otherwise sit in the analysis with nothing to compare with. With
`islands="nearest"` (the default) each is linked, both ways, to the commune
whose centroid is nearest; `islands="keep"` leaves them alone and reports them.
Either way the ids are in `SpatialWeights.islands`.

Weights are binary (1 for a neighbour), as Getis-Ord Gi* expects.

`commune_distances_km` is the one source of `dist_border_km` / `dist_gate_km`
(from the commune's polygon, 0 km on the border): the model's features, the
hotspot table, the priority list and the border-belt filter all use it.

libpysal and scipy.spatial are imported where a graph or a tree is built, not with this
module: libpysal loads scipy.stats (seconds on a loaded machine), and pages import this
module for distances before anything is weighed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    from libpysal.graph import Graph

__all__ = [
    "SpatialWeights", "commune_distances_km", "contiguity_weights", "default_band_km", "distance_band_weights",
    "metric_crs",
]

IslandPolicy = Literal["nearest", "keep"]


@dataclass(frozen=True)
class SpatialWeights:
    """A binary weights graph over `ids` (in that order) and how it was built."""

    graph: Graph
    ids: tuple[str, ...]
    kind: str  # "contiguity" or "distance"
    band_km: float | None  # the band used (distance weights only)
    islands: tuple[str, ...]  # communes that had no neighbour as built
    islands_linked: bool  # whether those were linked to their nearest commune

    @property
    def n(self) -> int:
        return len(self.ids)

    def neighbour_counts(self) -> pd.Series:
        """Neighbours per commune (0 for an island left alone)."""
        adj = self.graph.adjacency
        counts = (adj > 0).groupby(level=0).sum()
        return counts.reindex(list(self.ids), fill_value=0).astype(int)


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> str:
    """The UTM zone (WGS 84) of the data's centre, so lengths are in metres anywhere."""
    geographic = frame.crs is None or frame.crs.equals("EPSG:4326")
    minx, miny, maxx, maxy = (frame if geographic else frame.to_crs(4326)).total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    zone = min(60, max(1, int(math.floor((lon + 180) / 6)) + 1))
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def _ids(boundaries: gpd.GeoDataFrame) -> np.ndarray:
    ids = boundaries["commune_id"].astype(str).to_numpy()
    if len(set(ids)) != len(ids):
        raise ValueError("commune_id values must be unique to build spatial weights")
    return ids


def _graph(ids: np.ndarray, focal: np.ndarray, neighbor: np.ndarray) -> Graph:
    """A binary Graph from index pairs; a commune with no pair gets libpysal's (i, i, 0) island row."""
    from libpysal.graph import Graph

    pairs = pd.DataFrame({"focal": focal, "neighbor": neighbor}).drop_duplicates()
    pairs = pairs[pairs["focal"] != pairs["neighbor"]]
    missing = np.setdiff1d(np.arange(len(ids)), pairs["focal"].to_numpy())
    lonely = pd.DataFrame({"focal": missing, "neighbor": missing})
    rows = pd.concat([pairs.assign(weight=1.0), lonely.assign(weight=0.0)], ignore_index=True)
    rows = rows.sort_values(["focal", "neighbor"], kind="stable")
    return Graph.from_arrays(ids[rows["focal"].to_numpy()], ids[rows["neighbor"].to_numpy()],
                             rows["weight"].to_numpy(dtype=float))


def _centroids_m(boundaries: gpd.GeoDataFrame, crs: str) -> np.ndarray:
    cent = boundaries.to_crs(crs).geometry.centroid
    return np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])


def _link_islands(
    ids: np.ndarray, focal: np.ndarray, neighbor: np.ndarray, xy: Callable[[], np.ndarray], policy: IslandPolicy,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Pairs with each island linked both ways to its nearest commune (by centroid), if asked."""
    has = np.zeros(len(ids), dtype=bool)
    has[focal[focal != neighbor]] = True
    islands = np.flatnonzero(~has)
    if policy not in ("nearest", "keep"):
        raise ValueError(f"unknown island policy {policy!r}")
    if policy == "keep" or len(islands) == 0 or len(ids) < 2:
        return focal, neighbor, tuple(ids[islands])
    from scipy.spatial import cKDTree

    points = xy()  # only computed when there is an island to link
    _, nearest = cKDTree(points).query(points[islands], k=2)
    partner = nearest[:, 1]
    focal = np.concatenate([focal, islands, partner])
    neighbor = np.concatenate([neighbor, partner, islands])
    return focal, neighbor, tuple(ids[islands])


def contiguity_weights(
    boundaries: gpd.GeoDataFrame, islands: IslandPolicy = "nearest", tolerance_m: float = 0.0,
) -> SpatialWeights:
    """Queen contiguity: polygons sharing at least one point (or closer than `tolerance_m`)."""
    ids = _ids(boundaries)
    if tolerance_m > 0:
        geoms = boundaries.to_crs(metric_crs(boundaries)).geometry.to_numpy()
        i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=float(tolerance_m))
    else:
        geoms = boundaries.geometry.to_numpy()
        i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i != j
    focal, neighbor, lonely = _link_islands(
        ids, i[keep], j[keep], lambda: _centroids_m(boundaries, metric_crs(boundaries)), islands)
    return SpatialWeights(_graph(ids, focal, neighbor), tuple(ids), "contiguity", None, lonely,
                          islands == "nearest" and bool(lonely))


def default_band_km(boundaries: gpd.GeoDataFrame) -> float:
    """The smallest band (km, rounded up to 0.1) that gives every commune a neighbour."""
    xy = _centroids_m(boundaries, metric_crs(boundaries))
    if len(xy) < 2:
        return 0.0
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(xy).query(xy, k=2)
    return math.ceil(float(dist[:, 1].max()) / 100.0) / 10.0


def distance_band_weights(
    boundaries: gpd.GeoDataFrame, band_km: float | None = None, islands: IslandPolicy = "nearest",
) -> SpatialWeights:
    """Communes whose centroids are within `band_km` (metric CRS); default: `default_band_km`."""
    ids = _ids(boundaries)
    xy = _centroids_m(boundaries, metric_crs(boundaries))
    band = default_band_km(boundaries) if band_km is None else float(band_km)
    if not band > 0:
        raise ValueError("the distance band must be a positive number of kilometres")
    from scipy.spatial import cKDTree

    pairs = cKDTree(xy).query_pairs(band * 1000.0, output_type="ndarray")
    focal = np.concatenate([pairs[:, 0], pairs[:, 1]]) if len(pairs) else np.array([], dtype=int)
    neighbor = np.concatenate([pairs[:, 1], pairs[:, 0]]) if len(pairs) else np.array([], dtype=int)
    focal, neighbor, lonely = _link_islands(ids, focal, neighbor, lambda: xy, islands)
    return SpatialWeights(_graph(ids, focal, neighbor), tuple(ids), "distance", band, lonely,
                          islands == "nearest" and bool(lonely))


def commune_distances_km(
    boundaries: gpd.GeoDataFrame, border: gpd.GeoDataFrame | None, gates: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Distance (km) from each commune's polygon to the border line and to the nearest gate.

    Measured from the nearest point of the commune, so a commune touching the
    border is at 0 km: belonging to a border belt is about any part of the
    commune's land. The model's `dist_border_km` / `dist_gate_km` features
    (risk.analysis.features) are these numbers too. NaN where the dataset has
    no border or no gates.
    Columns: commune_id, dist_border_km, dist_gate_km.
    """
    crs = metric_crs(boundaries)
    polys = boundaries.to_crs(crs).geometry.to_numpy()
    border_km = np.full(len(polys), np.nan)
    gate_km = np.full(len(polys), np.nan)
    if border is not None and len(border):
        line = shapely.union_all(border.to_crs(crs).geometry.to_numpy())
        if not line.is_empty:
            border_km = shapely.distance(polys, line) / 1000.0
    if gates is not None and len(gates):
        points = shapely.union_all(gates.to_crs(crs).geometry.to_numpy())
        if not points.is_empty:
            gate_km = shapely.distance(polys, points) / 1000.0
    return pd.DataFrame({"commune_id": boundaries["commune_id"].astype(str).to_numpy(),
                         "dist_border_km": border_km, "dist_gate_km": gate_km})
