"""One hotspot run over a period: what the page, `python -m risk hotspots` and the priority list share.

Steps, each owned by its module:
1. counts per commune and year, population and expected counts (inputs.py);
2. clusters: the spatial scan of observed against expected (scan.py) — the
   map's classes, `cluster_99`, `cluster_95` or `not_in_cluster`;
3. per commune: the empirical-Bayes relative risk and P(RR > 1.5) (smoothing.py);
4. Gi* of the excess (observed − expected), analytical z and exact p,
   labelled descriptive (gi.py);
5. space-time trends by year, quarter or month, shown only where they can
   exist (cube.py, trends.py).

The defaults live in `HotspotOptions`; the page and the CLI build it with
the same defaults, so they draw the same map. Nothing here depends on a
role: the views decide what each role is shown (risk/access/privacy.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from risk.analysis.cases import case_matrix
from risk.analysis.geography import SpatialWeights, contiguity_weights, distance_band_weights, metric_crs
from risk.analysis.hotspots.cube import space_time_cube
from risk.analysis.hotspots.gi import gi_star
from risk.analysis.hotspots.inputs import expected_counts, population_matrix
from risk.analysis.hotspots.scan import ScanOptions, ScanResult, scan_clusters
from risk.analysis.hotspots.smoothing import DEFAULT_THRESHOLD, SmoothedRisk, exceedance_band, smooth_relative_risk
from risk.analysis.hotspots.trends import TrendResult, emerging_hotspots, min_trend_slices
from risk.analysis.hotspots.vocabulary import (
    CLASS_COLOURS, CLASSES, DEFAULT_REPLICATES, DEFAULT_SEED, NOT_IN_CLUSTER, SLICES, WEIGHTS,
)
from risk.analysis.progress import Progress, Report, silent
from risk.i18n import LocalisedError
from risk.ingest.folder import FORMS

__all__ = [
    "CLASS_COLOURS", "CLASSES", "DEFAULT_REPLICATES", "DEFAULT_SEED", "HotspotError", "HotspotOptions",
    "HotspotResult", "SLICES", "WEIGHTS", "build_weights", "case_matrix", "class_rank", "hot_commune_table",
    "hotspot_analysis",
]


class HotspotError(LocalisedError):
    """Options or data the analysis cannot work with; the message comes from risk.i18n."""


@dataclass(frozen=True)
class HotspotOptions:
    """What to analyse and how; every default is the product's default (module docstring)."""

    year_from: int
    year_to: int
    form: str | None = None
    weights: str = "contiguity"
    band_km: float | None = None
    replicates: int = DEFAULT_REPLICATES
    seed: int = DEFAULT_SEED
    slice: str | None = None  # None: `time_step`, the coarsest step that can show a trend
    trend_alpha: float = 0.05
    min_expected: float = 5.0
    time_window: int = 1
    threshold: float = DEFAULT_THRESHOLD

    @property
    def years(self) -> list[int]:
        return list(range(int(self.year_from), int(self.year_to) + 1))

    @property
    def time_step(self) -> str:
        """The slice asked for, else years when there are enough of them for Mann-Kendall to reach
        `trend_alpha`, else quarters: the coarsest step expects the most cases per step."""
        if self.slice is not None:
            return self.slice
        return "year" if len(self.years) >= min_trend_slices(self.trend_alpha) else "quarter"


@dataclass(frozen=True)
class HotspotResult:
    """The analysis of one period.

    `table`: one row per commune in boundaries order: commune_id, analysed,
    observed, expected, ratio (observed / expected), smoothed_rr, rr_lower,
    rr_upper, exceedance (P(RR > threshold)), band, cluster (1-based number of
    its significant cluster, 0 when none), level ('99', '95' or ''), class,
    gi_z, gi_p, gi_class (descriptive), trend, mk_tau, mk_p, trend_direction,
    slices_hot, slices_cold, expected_per_slice.
    """

    options: HotspotOptions
    table: pd.DataFrame
    scan: ScanResult
    smoothing: SmoothedRisk
    trends: TrendResult
    population_known: bool
    weights_kind: str
    band_km: float | None
    islands: tuple[str, ...]
    islands_linked: bool
    excluded: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ids(self) -> list[str]:
        return self.table["commune_id"].astype(str).tolist()

    def cluster_members(self) -> list[tuple[str, ...]]:
        """Commune ids of each significant cluster, strongest first (nearest the centre first)."""
        kept = self.table.loc[self.table["analysed"], "commune_id"].astype(str).to_numpy()
        return [tuple(kept[list(c.members)]) for c in self.scan.significant]

    def records(self) -> list[dict]:
        """The CLI/JSON contract per commune (NaN as None)."""
        cols = ["commune_id", "class", "cluster", "observed", "expected", "smoothed_rr", "exceedance", "band",
                "gi_z", "gi_p", "trend"]
        out = []
        for row in self.table[cols].to_dict("records"):
            out.append({k: (None if isinstance(v, float) and not np.isfinite(v)
                            else round(v, 6) if isinstance(v, float) else v) for k, v in row.items()})
        return out


def _check(options: HotspotOptions, boundaries: gpd.GeoDataFrame) -> None:
    if int(options.year_from) > int(options.year_to):
        raise HotspotError("hotspots.bad_period", year_from=options.year_from, year_to=options.year_to)
    if options.form and options.form not in FORMS:
        raise HotspotError("hotspots.unknown_form", value=options.form, allowed=", ".join(FORMS))
    if options.weights not in WEIGHTS:
        raise HotspotError("hotspots.unknown_weights", value=options.weights, allowed=", ".join(WEIGHTS))
    if options.slice is not None and options.slice not in SLICES:
        raise HotspotError("hotspots.unknown_slice", value=options.slice, allowed=", ".join(SLICES))
    if options.band_km is not None and not (float(options.band_km) > 0):
        raise HotspotError("hotspots.bad_band", value=options.band_km)
    if int(options.replicates) < 0:
        raise HotspotError("hotspots.bad_replicates", value=options.replicates)
    if len(boundaries) < 3:
        raise HotspotError("hotspots.too_few_communes", count=len(boundaries))


def build_weights(boundaries: gpd.GeoDataFrame, options: HotspotOptions) -> SpatialWeights:
    """The weights the options ask for, islands linked to their nearest commune."""
    if options.weights == "distance":
        return distance_band_weights(boundaries, options.band_km)
    return contiguity_weights(boundaries)


def _centroids(boundaries: gpd.GeoDataFrame) -> np.ndarray:
    cent = boundaries.to_crs(metric_crs(boundaries)).geometry.centroid
    return np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])


def hotspot_analysis(
    boundaries: gpd.GeoDataFrame, cases: pd.DataFrame, indicators: pd.DataFrame | None, options: HotspotOptions,
    report: Report = silent,
) -> HotspotResult:
    """Clusters, smoothed risk, descriptive Gi* and trends over the period (module docstring);
    `report` hears how far it is (the scan's null maps are most of the time)."""
    _check(options, boundaries)
    ids = boundaries["commune_id"].astype(str).tolist()
    years = options.years
    counts = case_matrix(cases, ids, years, options.form)
    pop = population_matrix(indicators if indicators is not None else pd.DataFrame(), ids, years)
    population_known = bool(pop.notna().all(axis=1).any())
    usable = pop.notna().all(axis=1).to_numpy() if population_known else np.ones(len(ids), dtype=bool)
    if usable.sum() < 3:
        raise HotspotError("hotspots.too_few_communes", count=int(usable.sum()))
    kept = [cid for cid, ok in zip(ids, usable) if ok]
    kept_bounds = boundaries[usable]
    observed = counts.loc[kept].sum(axis=1).to_numpy(dtype=np.int64)
    expected = expected_counts(observed, pop.loc[kept] if population_known else None)

    scan = scan_clusters(observed, expected, _centroids(kept_bounds),
                         ScanOptions(replicates=int(options.replicates), seed=int(options.seed)), report)
    report(Progress("finishing", 0, 1))
    smooth = smooth_relative_risk(observed, expected, options.threshold)
    weights = build_weights(kept_bounds, options)
    gi = gi_star((observed - expected).astype(float), weights, permutations=0)
    cube = space_time_cube(cases, kept, options.year_from, options.year_to, options.time_step,
                           pop.loc[kept] if population_known else None, options.form)
    trends = emerging_hotspots(cube, weights, options.time_window, options.trend_alpha, options.min_expected)

    level = scan.levels(len(kept))
    part = pd.DataFrame({
        "commune_id": kept, "observed": observed, "expected": expected,
        "ratio": np.divide(observed, expected, out=np.full(len(kept), np.nan), where=expected > 0),
        "smoothed_rr": smooth.relative_risk, "rr_lower": smooth.lower, "rr_upper": smooth.upper,
        "exceedance": smooth.exceedance, "band": [exceedance_band(p) for p in smooth.exceedance],
        "cluster": scan.cluster_of(len(kept)), "level": level,
        "class": np.where(level == "", NOT_IN_CLUSTER, np.char.add("cluster_", level.astype(str))),
        "gi_z": gi["gi_z"].to_numpy(), "gi_p": gi["p_value"].to_numpy(), "gi_class": gi["class"].to_numpy(),
    })
    trend_cols = ["commune_id", "trend", "mk_tau", "mk_p", "trend_direction", "slices_hot", "slices_cold",
                  "expected_per_slice"]
    part = part.merge(trends.table[trend_cols], on="commune_id", how="left")
    table = pd.DataFrame({"commune_id": ids, "analysed": usable}).merge(part, on="commune_id", how="left")
    table["class"] = table["class"].fillna("not_analysed")
    table["band"] = table["band"].fillna("unlikely")
    table["level"] = table["level"].fillna("")
    table["trend"] = table["trend"].fillna("too_few_cases")
    table["trend_direction"] = table["trend_direction"].fillna("none")
    table["gi_class"] = table["gi_class"].fillna("not_significant")
    for col in ("cluster", "slices_hot", "slices_cold"):
        table[col] = table[col].fillna(0).astype(int)
    report(Progress("finishing", 1, 1))
    return HotspotResult(
        options, table, scan, smooth, trends, population_known, weights.kind, weights.band_km, weights.islands,
        weights.islands_linked, tuple(cid for cid, ok in zip(ids, usable) if not ok),
    )


def class_rank(cls: str) -> int:
    """Sort key: cluster_99 first."""
    return CLASSES.index(cls) if cls in CLASSES else len(CLASSES)


def hot_commune_table(
    result: HotspotResult, names: pd.DataFrame, distances: pd.DataFrame, shown_counts: pd.DataFrame,
    communes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Communes in significant clusters, strongest cluster first and nearest its centre first: id, name, former district,
    cluster, class, observed, expected, smoothed RR with its interval, exceedance, trend, counts
    per year (as the role may see them), distances to the border and the nearest gate.

    `names`: commune_id, name[, former_district]; `distances`: from
    geography.commune_distances_km; `shown_counts`: from privacy.commune_case_counts
    (text cells). `communes` limits the rows (e.g. a border belt).
    """
    table = result.table[result.table["cluster"] > 0]
    if communes is not None:
        table = table[table["commune_id"].isin(set(map(str, communes)))]
    # Within a cluster, nearest its centre first: an order by counts would rank hidden counts.
    position = {cid: k for members in result.cluster_members() for k, cid in enumerate(members)}
    table = table.assign(_pos=table["commune_id"].map(position)).sort_values(["cluster", "_pos"], kind="stable")
    meta = names.assign(commune_id=names["commune_id"].astype(str))
    keep = [c for c in ("commune_id", "name", "former_district") if c in meta.columns]
    stats_cols = ["cluster", "class", "observed", "expected", "smoothed_rr", "rr_lower", "rr_upper", "exceedance",
                  "band", "trend"]
    out = table[["commune_id", *stats_cols]].merge(meta[keep], on="commune_id", how="left")
    out = out.merge(shown_counts, on="commune_id", how="left")
    out = out.merge(distances, on="commune_id", how="left")
    year_cols = [c for c in shown_counts.columns if c != "commune_id"]
    order = [*keep, *stats_cols, *year_cols, "dist_border_km", "dist_gate_km"]
    return out[order].reset_index(drop=True)
