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

import warnings
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy import stats

from risk.analysis.cases import case_matrix
from risk.i18n import LocalisedError
from risk.ingest.folder import FORMS
from risk.analysis.geography import SpatialWeights, contiguity_weights, distance_band_weights

__all__ = [
    "CLASS_COLOURS", "CLASSES", "CONFIDENCE_LEVELS", "DEFAULT_PERMUTATIONS", "DEFAULT_SEED", "HotspotError",
    "HotspotOptions", "HotspotResult", "MEASURES", "MIN_TREND_YEARS", "MannKendall", "TRENDS", "WEIGHTS",
    "case_matrix", "classify_gi", "emerging_categories", "emerging_category", "emerging_hotspots", "gi_star",
    "hot_commune_table", "hotspot_analysis", "mann_kendall", "mann_kendall_rows", "permutation_p_values",
    "population_matrix",
]

DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 20250701
MIN_TREND_YEARS = 3
PERSISTENT_SHARE = 0.9  # "90 percent of the time-step intervals"
MEASURES = ("count", "rate")
WEIGHTS = ("contiguity", "distance")
RATE_PER = 10_000
# (label, alpha): Gi_Bin confidence levels, weakest first so stronger levels overwrite.
CONFIDENCE_LEVELS: tuple[tuple[str, float], ...] = (("90", 0.10), ("95", 0.05), ("99", 0.01))
CLASSES: tuple[str, ...] = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
# Hot red to cold blue, as ArcGIS draws Gi_Bin; light grey for not significant.
CLASS_COLOURS: dict[str, str] = {
    "hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7", "not_significant": "#eeeeee",
    "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac",
}
PATTERNS: tuple[str, ...] = (
    "new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating", "historical",
)
TRENDS: tuple[str, ...] = (
    *(f"{p}_hot" for p in PATTERNS), *(f"{p}_cold" for p in PATTERNS), "no_pattern",
)
NOT_SIGNIFICANT = "not_significant"
NO_PATTERN = "no_pattern"


class HotspotError(LocalisedError):
    """Options or data the analysis cannot work with; the message comes from risk.i18n."""



# --- Gi* and its classes ---------------------------------------------------------------


def _graph_and_ids(weights: SpatialWeights | Graph) -> tuple[Graph, list[str]]:
    if isinstance(weights, SpatialWeights):
        return weights.graph, list(weights.ids)
    return weights, [str(i) for i in weights.unique_ids]


def classify_gi(
    gi_z: Sequence[float], p_value: Sequence[float], fdr: bool = True,
) -> tuple[np.ndarray, dict[str, float]]:
    """Gi_Bin classes and the p cut-off used at each confidence level (see the module docstring)."""
    z = np.asarray(gi_z, dtype=float)
    p = np.asarray(p_value, dtype=float)
    classes = np.full(len(z), NOT_SIGNIFICANT, dtype=object)
    tested = np.isfinite(z) & np.isfinite(p)
    cutoffs: dict[str, float] = {}
    for label, alpha in CONFIDENCE_LEVELS:
        if not tested.any():
            cutoffs[label] = float("nan")
            continue
        cut = float(esda.fdr(p[tested], alpha)) if fdr else alpha
        cutoffs[label] = cut
        passed = tested & (p < cut)
        classes[passed & (z > 0)] = f"hot_{label}"
        classes[passed & (z < 0)] = f"cold_{label}"
    return classes, cutoffs


def gi_star(
    values: Sequence[float], weights: SpatialWeights | Graph, permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED, fdr: bool = True,
) -> pd.DataFrame:
    """Getis-Ord Gi* per commune: commune_id, gi, gi_z, p_value (two-sided), class.

    `values` are aligned with the weights' ids. Columns and thresholds: module docstring.
    """
    graph, ids = _graph_and_ids(weights)
    y = np.asarray(values, dtype=float)
    if len(y) != len(ids):
        raise ValueError(f"{len(y)} values for {len(ids)} communes")
    if not np.isfinite(y).all():
        raise ValueError("Gi* needs a finite value for every commune")
    n = len(y)
    gi = np.full(n, np.nan)
    z = np.full(n, np.nan)
    p = np.full(n, np.nan)
    if n >= 3 and np.ptp(y) > 0:
        with warnings.catch_warnings():
            # esda warns that its default alternative will change; we fold p_sim ourselves.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            lg = esda.G_Local(y, graph, transform="B", star=True, permutations=int(permutations),
                              seed=int(seed), n_jobs=1, keep_simulations=bool(permutations))
        gi = np.asarray(lg.Gs, dtype=float)
        z = np.asarray(lg.Zs, dtype=float)
        if permutations:
            p = permutation_p_values(gi, lg.rGs)
        else:
            p = 2.0 * stats.norm.sf(np.abs(z))
        alone = _isolated(graph, ids)
        z[alone] = np.nan
        p[alone] = np.nan
    classes, _ = classify_gi(z, p, fdr)
    return pd.DataFrame({"commune_id": ids, "gi": gi, "gi_z": z, "p_value": p, "class": classes})


def permutation_p_values(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Two-sided pseudo p-values: 2 × the smaller tail, each tail counting ties, capped at 1.

    p = min(1, 2 × min(#(sim ≥ obs) + 1, #(sim ≤ obs) + 1) / (P + 1)). esda's
    own `p_sim` counts ties only in the upper tail, so a commune whose
    neighbourhood is all zeros (G = 0, as low as it can be) gets the smallest
    possible p and shows as a 99 % cold spot even when most random
    neighbourhoods are all zeros too; counting ties in both tails avoids that.
    Without ties the result is exactly 2 × esda's `p_sim`.
    """
    obs = np.asarray(observed, dtype=float)[:, None]
    sims = np.asarray(simulated, dtype=float)
    tol = 1e-9 * np.maximum(np.abs(obs), 1e-12)  # the same sum added in another order
    upper = (sims >= obs - tol).sum(axis=1)
    lower = (sims <= obs + tol).sum(axis=1)
    return np.minimum(1.0, 2.0 * (np.minimum(upper, lower) + 1.0) / (sims.shape[1] + 1.0))


def _isolated(graph: Graph, ids: list[str]) -> np.ndarray:
    """Communes with no neighbour but themselves: Gi* would only restate their own value."""
    adj = graph.adjacency
    linked = adj[(adj > 0).to_numpy()].reset_index()
    linked = linked[linked["focal"] != linked["neighbor"]]
    has = set(linked["focal"].astype(str))
    return np.array([i not in has for i in ids], dtype=bool)


# --- Mann-Kendall and Emerging Hot Spot categories ------------------------------------------


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall trend test of one series (module docstring for the formulae)."""

    n: int
    s: int
    var_s: float
    z: float
    p_value: float
    tau: float

    def direction(self, alpha: float = 0.05) -> str:
        """'increasing', 'decreasing' or 'none' at significance `alpha`."""
        if self.p_value < alpha and self.s > 0:
            return "increasing"
        if self.p_value < alpha and self.s < 0:
            return "decreasing"
        return "none"


def mann_kendall_rows(series: np.ndarray) -> dict[str, np.ndarray]:
    """Mann-Kendall test of every row of a (communes × years) array at once.

    Returns arrays n, s, var_s, z, p_value, tau (see `mann_kendall`). NaN
    cells are skipped; values equal to 10 decimals are ties. Vectorised
    because a national run has 10,600 rows (a Python loop took ~5 s).
    """
    x = np.round(np.atleast_2d(np.asarray(series, dtype=float)), 10)
    valid = np.isfinite(x)
    n = valid.sum(axis=1)
    diff = x[:, None, :] - x[:, :, None]  # [r, i, j] = x[r, j] - x[r, i]
    both = valid[:, :, None] & valid[:, None, :]
    upper = np.triu(np.ones((x.shape[1], x.shape[1]), dtype=bool), k=1)
    s = np.where(both & upper, np.sign(np.nan_to_num(diff)), 0.0).sum(axis=(1, 2))
    # Ties: sum over tie groups of t(t-1)(2t+5) = 2·Σc² + 3·Σc − 5·n, where c is, for each
    # value, how many values equal it (itself included).
    c = (both & (diff == 0)).sum(axis=2).astype(float)
    ties = 2 * (c ** 2).sum(axis=1) + 3 * c.sum(axis=1) - 5 * n
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    ok = (n >= 3) & (var_s > 0)
    root = np.sqrt(np.where(ok, var_s, 1.0))
    z = np.where(s > 0, (s - 1) / root, np.where(s < 0, (s + 1) / root, 0.0))
    z = np.where(ok, z, 0.0)
    p = np.where(ok, 2.0 * stats.norm.sf(np.abs(z)), 1.0)
    pairs = n * (n - 1) / 2
    tau = np.where(ok, s / np.where(pairs > 0, pairs, 1), 0.0)
    s = np.where(n >= 3, s, 0.0)
    return {"n": n.astype(int), "s": s.astype(int), "var_s": np.where(n >= 3, var_s, 0.0), "z": z, "p_value": p,
            "tau": tau}


def mann_kendall(series: Iterable[float]) -> MannKendall:
    """Mann-Kendall test: S, Var(S) with ties, continuity-corrected z, two-sided p, Kendall's tau-a."""
    row = mann_kendall_rows(np.asarray(list(series), dtype=float)[None, :])
    return MannKendall(int(row["n"][0]), int(row["s"][0]), float(row["var_s"][0]), float(row["z"][0]),
                       float(row["p_value"][0]), float(row["tau"][0]))


def emerging_categories(
    hot: np.ndarray, cold: np.ndarray, mk_s: np.ndarray, mk_p: np.ndarray, trend_alpha: float = 0.05,
    share: float = PERSISTENT_SHARE,
) -> np.ndarray:
    """ArcGIS Emerging Hot Spot category of every row of (communes × years) flags (module docstring)."""
    hot = np.atleast_2d(np.asarray(hot, dtype=bool))
    cold = np.atleast_2d(np.asarray(cold, dtype=bool))
    m, n = hot.shape
    out = np.full(m, NO_PATTERN, dtype=object)
    if n == 0:
        return out
    mk_s, mk_p = np.asarray(mk_s, dtype=float), np.asarray(mk_p, dtype=float)
    rising = (mk_p < trend_alpha) & (mk_s > 0)
    falling = (mk_p < trend_alpha) & (mk_s < 0)
    enough = share * n - 1e-9
    decided = np.zeros(m, dtype=bool)

    def assign(mask: np.ndarray, label: str) -> None:
        chosen = mask & ~decided
        out[chosen] = label
        decided[chosen] = True

    sides = (("hot", hot, cold, rising, falling), ("cold", cold, hot, falling, rising))
    for side, mine, _other, stronger, weaker in sides:  # 1. at least 90 % of the years, final year included
        most = (mine.sum(axis=1) >= enough) & mine[:, -1]
        assign(most & stronger, f"intensifying_{side}")
        assign(most & weaker, f"diminishing_{side}")
        assign(most, f"persistent_{side}")
    for side, mine, _other, _s, _w in sides:  # 2. at least 90 %, but not the final year
        assign((mine.sum(axis=1) >= enough) & ~mine[:, -1], f"historical_{side}")
    for side, mine, other, _s, _w in sides:  # 3.-6. the final year
        last, count, before = mine[:, -1], mine.sum(axis=1), other.any(axis=1)
        run = np.cumprod(mine[:, ::-1], axis=1).sum(axis=1)  # the final run of consecutive years
        assign(last & (count == 1) & ~before, f"new_{side}")
        assign(last & before, f"oscillating_{side}")
        assign(last & (run >= 2) & (run == count), f"consecutive_{side}")
        assign(last, f"sporadic_{side}")
    return out


def emerging_category(
    hot: Sequence[bool], cold: Sequence[bool], trend: MannKendall, trend_alpha: float = 0.05,
    share: float = PERSISTENT_SHARE,
) -> str:
    """ArcGIS Emerging Hot Spot category of one commune's yearly series (module docstring)."""
    return str(emerging_categories(np.asarray(hot, dtype=bool)[None, :], np.asarray(cold, dtype=bool)[None, :],
                                   np.array([trend.s]), np.array([trend.p_value]), trend_alpha, share)[0])


def emerging_hotspots(
    values: pd.DataFrame, weights: SpatialWeights | Graph, permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED, fdr: bool = True, trend_alpha: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Yearly Gi* and the Emerging Hot Spot category of each commune.

    `values`: one row per commune (index = the weights' ids, same order), one
    column per year, in time order. Returns (summary, yearly): summary has
    commune_id, trend, mk_s, mk_tau, mk_z, mk_p, trend_direction, years_hot,
    years_cold; yearly (long) has commune_id, year, value, gi_z, p_value, class.
    """
    _, ids = _graph_and_ids(weights)
    frame = values.reindex(ids)
    years = list(frame.columns)
    yearly = []
    for k, year in enumerate(years):
        res = gi_star(frame[year].to_numpy(dtype=float), weights, permutations, seed + k, fdr)
        yearly.append(res.assign(year=year, value=frame[year].to_numpy(dtype=float)))
    long = pd.concat(yearly, ignore_index=True) if yearly else pd.DataFrame(
        columns=["commune_id", "gi", "gi_z", "p_value", "class", "year", "value"])
    z = np.column_stack([r["gi_z"].to_numpy() for r in yearly]) if yearly else np.empty((len(ids), 0))
    cls = np.column_stack([r["class"].to_numpy() for r in yearly]) if yearly else np.empty((len(ids), 0), dtype=object)
    hot = np.char.startswith(cls.astype(str), "hot_")
    cold = np.char.startswith(cls.astype(str), "cold_")
    mk = mann_kendall_rows(z)
    if len(years) >= MIN_TREND_YEARS:
        trend = emerging_categories(hot, cold, mk["s"], mk["p_value"], trend_alpha)
    else:
        trend = np.full(len(ids), NO_PATTERN, dtype=object)
    direction = np.where((mk["p_value"] < trend_alpha) & (mk["s"] > 0), "increasing",
                         np.where((mk["p_value"] < trend_alpha) & (mk["s"] < 0), "decreasing", "none"))
    rows = {"commune_id": ids, "trend": trend, "mk_s": mk["s"], "mk_tau": mk["tau"], "mk_z": mk["z"],
            "mk_p": mk["p_value"], "trend_direction": direction, "years_hot": hot.sum(axis=1).astype(int),
            "years_cold": cold.sum(axis=1).astype(int)}
    summary = pd.DataFrame(rows, columns=["commune_id", "trend", "mk_s", "mk_tau", "mk_z", "mk_p",
                                          "trend_direction", "years_hot", "years_cold"])
    return summary, long[["commune_id", "year", "value", "gi_z", "p_value", "class"]]


# --- from a dataset to values per commune and year ------------------------------------------------


def population_matrix(indicators: pd.DataFrame, commune_ids: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """Population per commune and year; a missing year takes the commune's latest earlier year
    with data, else its earliest later one (never an invented interpolation)."""
    ids = [str(c) for c in commune_ids]
    if "population" not in indicators.columns:
        return pd.DataFrame(np.nan, index=pd.Index(ids, name="commune_id"), columns=list(years))
    pop = indicators[["commune_id", "year", "population"]].copy()
    pop["commune_id"] = pop["commune_id"].astype(str)
    pop = pop[pd.to_numeric(pop["population"], errors="coerce") > 0]
    wide = pop.pivot_table(index="commune_id", columns="year", values="population", aggfunc="mean")
    all_years = sorted(set(wide.columns) | set(years))
    wide = wide.reindex(index=ids, columns=all_years).astype(float)
    wide = wide.T.ffill().bfill().T if len(all_years) else wide
    out = wide.reindex(columns=list(years))
    out.index.name = "commune_id"
    return out


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
    trends, yearly = emerging_hotspots(yearly_values.loc[kept], weights, options.permutations, options.seed,
                                       options.fdr, options.trend_alpha)
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
