"""Hotspots of recorded cases: Getis-Ord Gi* with FDR, and space-time trends.

Method, thresholds and every choice a reader of the map needs to trust it:

Values. Per commune: the number of recorded cases (`measure="count"`) or the
rate per 10,000 inhabitants (`measure="rate"`: cases / population-years ×
10,000, i.e. the average yearly rate) over the years `year_from..year_to`,
optionally of one `form` only. Cases without a commune are left out. For
rates, a commune-year without population takes the commune's latest earlier
year with one (else its earliest later year); a commune with no population at
all is left out of the analysis (its row says `analysed=False`, class
`not_significant`).

Statistic. Getis-Ord Gi* (esda.G_Local, `star=True`, binary weights from
risk/analysis/geography.py, so the commune itself counts in its own
neighbourhood). `gi_z` is esda's analytical z-score (what ArcGIS calls
GiZScore). `p_value` comes from esda's conditional permutation with a fixed
seed (`permutations`, default 999; `seed`, default DEFAULT_SEED), two-sided:
`p = min(1, 2 × min(#(sim ≥ G) + 1, #(sim ≤ G) + 1) / (P + 1))`. Without ties
this is exactly 2 × esda's one-sided `p_sim`; with ties (many communes with 0
cases) esda's `p_sim` puts an all-zero neighbourhood at the smallest p, a false
cold spot, so ties are counted in both tails (`permutation_p_values`).
Two-sided matches the confidence levels of ArcGIS's Gi_Bin (90 % ↔ |z| ≥
1.645). With P
permutations the smallest p-value is 2 / (P + 1): 0.002 at 999, 0.0002 at 9,999.
A commune with no neighbour (only possible with `islands="keep"`) or a year in
which every commune has the same value has no test: `gi_z` and `p_value` NaN,
class `not_significant`. `permutations=0` uses the normal approximation of z.

Classes (Gi_Bin). The Benjamini-Hochberg false discovery rate is applied
separately at each confidence level, over all communes tested in that run:
for alpha = 0.10, 0.05 and 0.01, the cut-off is `esda.fdr(p_values, alpha)`
(the largest k·alpha/n with p(k) < k·alpha/n, or alpha/n when there is none)
and a commune passes the level when `p_value < cut-off`. Its class is the
strongest level it passes (`hot_99` > `hot_95` > `hot_90`), with the sign of
`gi_z` (hot when > 0, cold when < 0); otherwise `not_significant`. The cut-offs
shrink with alpha, so a commune passing 99 % passes 95 % and 90 % too. With
`fdr=False` the cut-offs are alpha itself. Note the floor: under FDR at 99 %,
at least n × (2 / (P + 1)) / 0.01 communes must reach the smallest p-value, so
a province of 130 communes needs 9,999 permutations to show 99 % classes
(the page uses 9,999; the CLI takes --permutations).

Space-time trends (ArcGIS Emerging Hot Spot Analysis). Gi* is run for each
year of the period on that year's values (spatial neighbours only, no time
lag; seed = `seed` + year index), classed with FDR as above. A year is a
significant hot (cold) year when its class is hot (cold) at 90 % or more. The
"intensity of clustering" trend is the Mann-Kendall test on the yearly Gi*
z-scores (`mann_kendall`: S statistic, variance with the correction for ties,
continuity-corrected normal z, two-sided p; years with no test are skipped;
fewer than 3 values give no trend); it is significant when p < `trend_alpha`
(default 0.05). With n years, h hot years and c cold years, categories follow
the published ArcGIS definitions, checked in this order (hot shown; cold is
the mirror image, with "increasing" meaning z-scores falling further below 0):

1. h ≥ 90 % of n and the final year hot: `intensifying_hot` if the trend rises
   significantly, `diminishing_hot` if it falls significantly, else
   `persistent_hot`.
2. h ≥ 90 % of n and the final year not hot: `historical_hot`.
3. final year hot, and hot in no other year and never cold: `new_hot`.
4. final year hot and cold in some earlier year: `oscillating_hot`.
5. final year hot, the final run of consecutive hot years is at least 2 long
   and there is no hot year before it: `consecutive_hot`.
6. final year hot otherwise (earlier hot years, an interruption, never cold):
   `sporadic_hot`.
7. none of these: `no_pattern`.

"At least 90 %" is h ≥ 0.9 × n, so with fewer than 10 years it means every
year, and historical patterns need at least 10 years. Trends need at least
MIN_TREND_YEARS (3) years; shorter periods get `no_pattern`.
"""
from __future__ import annotations

__all__ = [
    "CLASS_COLOURS", "CLASSES", "CONFIDENCE_LEVELS", "DEFAULT_PERMUTATIONS", "DEFAULT_SEED", "HotspotError",
    "HotspotOptions", "HotspotResult", "MEASURES", "WEIGHTS", "build_weights", "case_matrix", "class_rank",
    "hot_commune_table", "hotspot_analysis",
]


import warnings
from dataclasses import dataclass, field
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from risk.analysis.cases import case_matrix
from risk.analysis.geography import SpatialWeights, contiguity_weights, distance_band_weights
from risk.analysis.hotspots.gi import CONFIDENCE_LEVELS, DEFAULT_SEED, NOT_SIGNIFICANT, classify_gi, gi_star
from risk.analysis.hotspots.inputs import population_matrix
from risk.analysis.hotspots.trends import MIN_TREND_YEARS, NO_PATTERN, TRENDS, yearly_emerging_hotspots
from risk.i18n import LocalisedError
from risk.ingest.folder import FORMS

DEFAULT_PERMUTATIONS = 999
MEASURES = ("count", "rate")
WEIGHTS = ("contiguity", "distance")
RATE_PER = 10_000
CLASSES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
# Hot red to cold blue, as ArcGIS draws Gi_Bin; light grey for not significant.
CLASS_COLOURS: dict[str, str] = {
    "hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7", "not_significant": "#eeeeee",
    "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac",
}

class HotspotError(LocalisedError):
    """Options or data the analysis cannot work with; the message comes from risk.i18n."""



# --- the whole analysis -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotspotOptions:
    """What to analyse and how (module docstring for the meaning of each)."""

    year_from: int
    year_to: int
    measure: str = "count"
    form: str | None = None
    weights: str = "contiguity"
    band_km: float | None = None
    permutations: int = DEFAULT_PERMUTATIONS
    seed: int = DEFAULT_SEED
    fdr: bool = True
    trend_alpha: float = 0.05

    @property
    def years(self) -> list[int]:
        return list(range(int(self.year_from), int(self.year_to) + 1))


@dataclass(frozen=True)
class HotspotResult:
    """The analysis of one period, ready for the page, the CLI and exports.

    `table`: one row per commune in boundaries order: commune_id, analysed,
    value (the measure over the period), gi_z, p_value, class, trend, mk_tau,
    mk_z, mk_p, trend_direction, years_hot, years_cold. `yearly`: long table of
    the yearly Gi* (commune_id, year, value, gi_z, p_value, class).
    """

    options: HotspotOptions
    table: pd.DataFrame
    yearly: pd.DataFrame
    cutoffs: dict[str, float]
    weights_kind: str
    band_km: float | None
    islands: tuple[str, ...]
    islands_linked: bool
    excluded: tuple[str, ...] = field(default_factory=tuple)

    def records(self) -> list[dict]:
        """The CLI/JSON contract: commune_id, gi_z, p_value, class, trend (NaN as None)."""
        cols = ["commune_id", "gi_z", "p_value", "class", "trend"]
        out = []
        for row in self.table[cols].itertuples(index=False):
            out.append({
                "commune_id": row[0],
                "gi_z": None if pd.isna(row[1]) else round(float(row[1]), 6),
                "p_value": None if pd.isna(row[2]) else round(float(row[2]), 6),
                "class": row[3], "trend": row[4],
            })
        return out


def _check(options: HotspotOptions, boundaries: gpd.GeoDataFrame) -> None:
    if int(options.year_from) > int(options.year_to):
        raise HotspotError("hotspots.bad_period", year_from=options.year_from, year_to=options.year_to)
    if options.measure not in MEASURES:
        raise HotspotError("hotspots.unknown_measure", value=options.measure, allowed=", ".join(MEASURES))
    if options.form and options.form not in FORMS:
        raise HotspotError("hotspots.unknown_form", value=options.form, allowed=", ".join(FORMS))
    if options.weights not in WEIGHTS:
        raise HotspotError("hotspots.unknown_weights", value=options.weights, allowed=", ".join(WEIGHTS))
    if options.band_km is not None and not (float(options.band_km) > 0):
        raise HotspotError("hotspots.bad_band", value=options.band_km)
    if int(options.permutations) < 0:
        raise HotspotError("hotspots.bad_permutations", value=options.permutations)
    if len(boundaries) < 3:
        raise HotspotError("hotspots.too_few_communes", count=len(boundaries))


def build_weights(boundaries: gpd.GeoDataFrame, options: HotspotOptions) -> SpatialWeights:
    """The weights the options ask for, islands linked to their nearest commune."""
    if options.weights == "distance":
        return distance_band_weights(boundaries, options.band_km)
    return contiguity_weights(boundaries)


def hotspot_analysis(
    boundaries: gpd.GeoDataFrame, cases: pd.DataFrame, indicators: pd.DataFrame | None, options: HotspotOptions,
) -> HotspotResult:
    """Gi* over the period with FDR classes, and the space-time trend of each commune."""
    _check(options, boundaries)
    ids = boundaries["commune_id"].astype(str).tolist()
    years = options.years
    counts = case_matrix(cases, ids, years, options.form).astype(float)
    if options.measure == "rate":
        pop = population_matrix(indicators if indicators is not None else pd.DataFrame(), ids, years)
        usable = pop.notna().all(axis=1).to_numpy()
        if not usable.any():
            raise HotspotError("hotspots.no_population")
        yearly_values = counts / pop * RATE_PER
        period = counts.sum(axis=1) / pop.sum(axis=1) * RATE_PER
    else:
        usable = np.ones(len(ids), dtype=bool)
        yearly_values = counts
        period = counts.sum(axis=1)
    if usable.sum() < 3:
        raise HotspotError("hotspots.too_few_communes", count=int(usable.sum()))
    kept = [cid for cid, ok in zip(ids, usable) if ok]
    weights = build_weights(boundaries[usable], options)
    gi = gi_star(period.loc[kept].to_numpy(dtype=float), weights, options.permutations, options.seed, options.fdr)
    _, cutoffs = classify_gi(gi["gi_z"], gi["p_value"], options.fdr)
    trends, yearly = yearly_emerging_hotspots(yearly_values.loc[kept], weights, options.permutations,
                                              options.seed, options.fdr, options.trend_alpha)
    table = pd.DataFrame({"commune_id": ids, "analysed": usable, "value": period.to_numpy(dtype=float)})
    table = table.merge(gi.drop(columns=["gi"]), on="commune_id", how="left")
    table = table.merge(trends, on="commune_id", how="left")
    table["class"] = table["class"].fillna(NOT_SIGNIFICANT)
    table["trend"] = table["trend"].fillna(NO_PATTERN)
    table["trend_direction"] = table["trend_direction"].fillna("none")
    for col in ("years_hot", "years_cold", "mk_s"):
        table[col] = table[col].fillna(0).astype(int)
    columns = ["commune_id", "analysed", "value", "gi_z", "p_value", "class", "trend", "mk_tau", "mk_z", "mk_p",
               "trend_direction", "years_hot", "years_cold"]
    return HotspotResult(
        options, table[columns], yearly, cutoffs, weights.kind, weights.band_km, weights.islands,
        weights.islands_linked, tuple(cid for cid, ok in zip(ids, usable) if not ok),
    )


def class_rank(cls: str) -> int:
    """Sort key: hot_99 first, cold_99 last."""
    return CLASSES.index(cls) if cls in CLASSES else len(CLASSES)


def hot_commune_table(
    result: HotspotResult, names: pd.DataFrame, distances: pd.DataFrame, shown_counts: pd.DataFrame,
    communes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Hot communes, strongest first: id, name, former district, class, trend, counts per year
    (as the role may see them), total, distances to the border and the nearest gate, Gi* z and p.

    `names`: commune_id, name[, former_district]; `distances`: from
    geography.commune_distances_km; `shown_counts`: from
    privacy.commune_case_counts (text cells). `communes` limits the rows (e.g. a
    border belt).
    """
    table = result.table[result.table["class"].str.startswith("hot_")]
    if communes is not None:
        table = table[table["commune_id"].isin(set(map(str, communes)))]
    table = table.assign(_rank=table["class"].map(class_rank)).sort_values(["_rank", "gi_z"], ascending=[True, False])
    meta = names.assign(commune_id=names["commune_id"].astype(str))
    keep = [c for c in ("commune_id", "name", "former_district") if c in meta.columns]
    out = table[["commune_id", "class", "trend", "gi_z", "p_value"]].merge(meta[keep], on="commune_id", how="left")
    out = out.merge(shown_counts, on="commune_id", how="left")
    out = out.merge(distances, on="commune_id", how="left")
    year_cols = [c for c in shown_counts.columns if c != "commune_id"]
    order = [*keep, "class", "trend", *year_cols, "dist_border_km", "dist_gate_km", "gi_z", "p_value"]
    return out[order].reset_index(drop=True)
