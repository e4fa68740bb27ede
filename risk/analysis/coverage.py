"""Patrol coverage (maximal covering location problem), solved exactly as an integer program.

Where to put K patrol bases, among commune centres, border gates or uploaded
points, so that the most risk lies within R km of a base. Distances are
straight lines measured in metres in the UTM zone of the data (`metric_crs`),
not road distances: in mountainous communes the road distance can be several
times longer. Solved with `scipy.optimize.milp` (HiGHS) with a zero relative
MIP gap, beside the greedy choice (within 1 − 1/e of the optimum), so the page
can show what the exact answer gains. Rules and messages are shared with the
programme allocation (risk/analysis/allocate.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Collection

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

from risk.analysis.allocate import (  # the rules and messages both integer programs share
    _MILP_STATUS, OBJECTIVES, AllocationError, Objective, _check_count, _check_number, _id_list, _require, _numeric,
    risk_weights,
)
from risk.analysis.geography import metric_crs
from risk.analysis.objectives import COVER_OBJECTIVES

__all__ = ["Coverage", "Site", "commune_points", "cover", "patrol_sites"]


# --- patrol coverage ------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A candidate or chosen patrol base."""

    name: str
    lon: float
    lat: float
    kind: str = "point"  # "commune", "gate" or "point"


@dataclass(frozen=True)
class Coverage:
    """The K bases covering the most risk within `radius_km` (straight-line), and the greedy choice.

    `covered` are commune ids within the radius of a chosen base (sorted);
    `covered_share` is covered risk over total risk (None when the total is 0).
    Greedy adds, K times, the base that covers the most risk not yet covered
    (the usual heuristic, guaranteed within 1 − 1/e of the optimum).
    """

    bases: tuple[Site, ...]
    covered: tuple[str, ...]
    covered_risk: float
    total_risk: float
    covered_share: float | None
    greedy_bases: tuple[Site, ...]
    greedy_covered: tuple[str, ...]
    greedy_covered_risk: float
    greedy_share: float | None
    gap: float
    status: str
    solve_seconds: float
    greedy_seconds: float
    k: int
    radius_km: float
    objective_kind: str
    fixed: tuple[Site, ...] = ()  # existing posts kept open; `bases` includes them, `k` counts the new ones

    def is_fixed(self, base: Site) -> bool:
        """Whether a base is an existing post kept open (the page and the CLI mark it so)."""
        return any((f.name, f.lon, f.lat) == (base.name, base.lon, base.lat) for f in self.fixed)

    def to_dict(self) -> dict:
        def sites(items: tuple[Site, ...]) -> list[dict]:
            return [{"name": s.name, "lon": s.lon, "lat": s.lat, "kind": s.kind} for s in items]

        return {
            "bases": sites(self.bases), "covered": list(self.covered), "covered_risk": self.covered_risk,
            "total_risk": self.total_risk, "covered_share": self.covered_share,
            "greedy_bases": sites(self.greedy_bases), "greedy_covered": list(self.greedy_covered),
            "greedy_covered_risk": self.greedy_covered_risk, "greedy_share": self.greedy_share, "gap": self.gap,
            "status": self.status, "solve_seconds": self.solve_seconds, "greedy_seconds": self.greedy_seconds,
            "k": self.k, "radius_km": self.radius_km, "objective_kind": self.objective_kind,
            "fixed": sites(self.fixed), "distance": "straight_line",
        }


def commune_points(boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """commune_id, name, lon, lat of each commune's representative point (always inside the polygon,
    unlike a centroid of a crescent-shaped commune)."""
    points = boundaries.geometry.to_crs(4326).representative_point()
    return pd.DataFrame({"commune_id": boundaries["commune_id"].astype(str).to_numpy(),
                         "name": boundaries["name"].astype(str).to_numpy(),
                         "lon": points.x.to_numpy(), "lat": points.y.to_numpy()})


def patrol_sites(boundaries: gpd.GeoDataFrame | None = None, gates: gpd.GeoDataFrame | None = None,
                 points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Candidate bases as one table (name, kind, lon, lat): commune centres, border gates, uploaded points.

    `points` is a table with name, lon, lat (e.g. a CSV of existing posts).
    """
    parts = []
    if boundaries is not None:
        centres = commune_points(boundaries)
        parts.append(pd.DataFrame({"name": centres["name"], "kind": "commune", "lon": centres["lon"],
                                   "lat": centres["lat"]}))
    if gates is not None and len(gates):
        geom = gates.geometry.to_crs(4326)
        parts.append(pd.DataFrame({"name": gates["name"].astype(str).to_numpy(), "kind": "gate",
                                   "lon": geom.x.to_numpy(), "lat": geom.y.to_numpy()}))
    if points is not None and len(points):
        _require_sites(points)
        parts.append(pd.DataFrame({"name": points["name"].astype(str).to_numpy(), "kind": "point",
                                   "lon": pd.to_numeric(points["lon"], errors="coerce").to_numpy(),
                                   "lat": pd.to_numeric(points["lat"], errors="coerce").to_numpy()}))
    if not parts:
        return pd.DataFrame({"name": [], "kind": [], "lon": [], "lat": []})
    return pd.concat(parts, ignore_index=True)


def _require_sites(sites: pd.DataFrame) -> None:
    missing = [c for c in ("name", "lon", "lat") if c not in sites.columns]
    if missing:
        raise AllocationError("allocate.missing_site_columns", columns=", ".join(missing))


def _coordinates(frame: pd.DataFrame, code: str, label: str) -> np.ndarray:
    """(n, 2) lon/lat as floats; missing or out-of-range coordinates are an error."""
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        raise AllocationError(code, names=_id_list(frame[label][bad]))
    return np.column_stack([lon, lat])


def _reach(sites: np.ndarray, communes: np.ndarray, radius_km: float) -> sparse.csr_array:
    """(sites, communes) 0/1 matrix: straight-line distance ≤ radius_km, in metres in the UTM zone
    of the communes' centre. A KD-tree keeps it sparse at national scale."""
    commune_geo = gpd.GeoSeries(gpd.points_from_xy(communes[:, 0], communes[:, 1]), crs=4326)
    crs = metric_crs(commune_geo)
    a = commune_geo.to_crs(crs)
    b = gpd.GeoSeries(gpd.points_from_xy(sites[:, 0], sites[:, 1]), crs=4326).to_crs(crs)
    tree = cKDTree(np.column_stack([a.x.to_numpy(), a.y.to_numpy()]))
    hits = tree.query_ball_point(np.column_stack([b.x.to_numpy(), b.y.to_numpy()]), r=radius_km * 1000.0)
    rows = np.repeat(np.arange(len(sites)), [len(h) for h in hits])
    cols = np.fromiter((i for h in hits for i in h), dtype=np.int64, count=len(rows))
    return sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(sites), len(communes)))


def _greedy_cover(reach: sparse.csr_array, weight: np.ndarray, k: int, fixed: list[int] | None = None) -> list[int]:
    """The `fixed` sites, then K times the site covering the most still-uncovered risk (ties: the first)."""
    uncovered = weight.astype(float).copy()
    chosen: list[int] = list(fixed or [])
    for j in chosen:
        uncovered[reach[[j], :].indices] = 0.0
    for _ in range(k):
        gain = reach @ uncovered
        if chosen:
            gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        uncovered[reach[[j], :].indices] = 0.0
    return chosen


def cover_weights(communes: pd.DataFrame, objective: str) -> np.ndarray:
    """Risk per commune that coverage counts: the allocation's objectives, or recorded cases."""
    if objective != "recorded_cases":
        if objective not in OBJECTIVES:
            raise AllocationError("allocate.bad_objective", value=objective, choices=", ".join(COVER_OBJECTIVES))
        return risk_weights(communes, objective)
    _require(communes, ("commune_id", "recorded_cases"))
    weight = _numeric(communes, "recorded_cases")
    negative = weight < 0
    if negative.any():
        raise AllocationError("allocate.negative_risk", ids=_id_list(communes["commune_id"][negative]))
    return weight


def cover(communes: pd.DataFrame, sites: pd.DataFrame, k: int, radius_km: float, *,
          objective: str = "expected_cases", fixed: Collection[int] = (),
          time_limit: float | None = None) -> Coverage:
    """Choose `k` new bases among `sites` so the most risk lies within `radius_km` of one (exact, via
    milp), with the sites at positions `fixed` (existing posts) kept open beside them.

    `communes`: commune_id, score, population (score × population objective),
    recorded_cases (the recorded-cases objective), lon, lat (a representative point, see `commune_points`). `sites`: name,
    lon, lat, optional kind (see `patrol_sites`). Model: x_j = 1 if base j is
    chosen, y_i = 1 if commune i is covered; maximise Σ risk_i y_i subject to
    y_i ≤ Σ_{j within R of i} x_j, Σ x_j = k + |fixed| and x_j = 1 for the fixed
    sites. Distances are straight-line, not road.
    """
    _require(communes, ("commune_id", "lon", "lat"))
    if sites is None or len(sites) == 0:
        raise AllocationError("allocate.no_sites")
    _require_sites(sites)
    if communes is None or len(communes) == 0:
        raise AllocationError("allocate.no_candidates")
    k = _check_count(k, "allocate.bad_k", 1)
    fixed_at = sorted({int(j) for j in fixed})
    if any(j < 0 or j >= len(sites) for j in fixed_at):
        raise AllocationError("allocate.unknown_fixed_sites", count=len(fixed_at), sites=len(sites))
    if k + len(fixed_at) > len(sites):
        if fixed_at:
            raise AllocationError("allocate.k_too_large_fixed", k=k, free=len(sites) - len(fixed_at),
                                  fixed=len(fixed_at))
        raise AllocationError("allocate.k_too_large", k=k, sites=len(sites))
    radius_km = _check_number(radius_km, "allocate.bad_radius")
    if radius_km <= 0:
        raise AllocationError("allocate.bad_radius", value=radius_km)
    weight = cover_weights(communes, objective)
    ids = communes["commune_id"].astype(str).to_numpy()
    site_xy = _coordinates(sites, "allocate.bad_site_coordinates", "name")
    commune_xy = _coordinates(communes, "allocate.bad_commune_coordinates", "commune_id")
    reach = _reach(site_xy, commune_xy, radius_km)  # (sites, communes)
    m, n = reach.shape

    started = time.perf_counter()
    # Variables: x (m sites, binary) then y (n communes, continuous in [0, 1]: at an
    # optimum it is 1 exactly when a chosen site reaches the commune and its risk > 0).
    c = np.concatenate([np.zeros(m), -weight])
    link = sparse.hstack([-reach.T, sparse.eye_array(n)], format="csr")  # y_i − Σ x_j ≤ 0
    count = sparse.csr_array(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
    options: dict = {"mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    lower = np.zeros(m + n)
    lower[fixed_at] = 1.0
    res = milp(c, integrality=np.concatenate([np.ones(m), np.zeros(n)]), bounds=Bounds(lower, 1),
               constraints=[LinearConstraint(link, -np.inf, 0),
                            LinearConstraint(count, k + len(fixed_at), k + len(fixed_at))], options=options)
    solve_seconds = time.perf_counter() - started
    status = _MILP_STATUS.get(res.status, "error")
    if res.x is None:
        raise AllocationError("allocate.solver_failed", status=res.message)
    chosen = [int(j) for j in np.flatnonzero(np.round(res.x[:m]) > 0)]

    started = time.perf_counter()
    greedy = _greedy_cover(reach, weight, k, fixed_at)
    greedy_seconds = time.perf_counter() - started

    kinds = sites["kind"].astype(str).to_numpy() if "kind" in sites.columns else np.full(m, "point")
    names = sites["name"].astype(str).to_numpy()

    def summary(picked: list[int]) -> tuple[tuple[Site, ...], tuple[str, ...], float]:
        mask = np.asarray(reach[picked, :].sum(axis=0) > 0).ravel() if picked else np.zeros(n, dtype=bool)
        bases = tuple(Site(names[j], float(site_xy[j, 0]), float(site_xy[j, 1]), kinds[j]) for j in picked)
        return bases, tuple(sorted(ids[mask])), float(weight[mask].sum())

    total = float(weight.sum())
    bases, covered, value = summary(chosen)
    g_bases, g_covered, g_value = summary(greedy)
    return Coverage(
        bases=bases, covered=covered, covered_risk=value, total_risk=total,
        covered_share=value / total if total > 0 else None, greedy_bases=g_bases, greedy_covered=g_covered,
        greedy_covered_risk=g_value, greedy_share=g_value / total if total > 0 else None, gap=value - g_value,
        status=status, solve_seconds=solve_seconds, greedy_seconds=greedy_seconds, k=k, radius_km=radius_km,
        objective_kind=objective, fixed=summary(fixed_at)[0],
    )
