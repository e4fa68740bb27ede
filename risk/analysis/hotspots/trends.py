"""Space-time trends of recorded cases: Emerging Hot Spot Analysis on a space-time cube.

Why not Gi* per year. Cases are rare: a few per 10,000 people per year, so a
commune's yearly count is mostly 0, 1 or 2. The former method ran Gi* on each
year's raw values with spatial neighbours only and tested the trend of five
yearly z-scores. Mann-Kendall on five values reaches p < 0.05 only when all
five rise strictly (p = 0.027; with four values the smallest p is 0.089), which
noisy, tied yearly counts almost never do, and its permutation p-values had a
floor of 2/(P+1) that the false discovery rate cannot pass at thousands of
communes. So: finer slices (quarters or months, `cube.space_time_cube`), the
excess over what population explains, neighbourhoods that pool counts over
neighbours and the previous slices, an analytical z with no floor, and a gate
that gives a trend only where one can exist.

Value per bin (commune i, slice t): the excess x[i, t] = O[i, t] − E[i, t],
observed minus expected under one constant rate (`cube.py`), so population is
accounted for.

Gi* in the cube (as ArcGIS Emerging Hot Spot Analysis). The space-time
neighbourhood N(i, t) holds the bins (j, s) where j is i or a neighbour of i
(binary weights, risk/analysis/geography.py) and t − k ≤ s ≤ t for the slices
that exist (k = `time_window`). With n communes and T slices, N = n·T bins,
x̄ = Σx / N and S = √(Σx² / N − x̄²) over all bins of the cube, and
W = |N(i, t)| = (neighbours of i + 1) × (min(t, k) + 1) (binary weights, so
Σw² = Σw = W):

    Gi*[i, t] = (Σ_{N(i, t)} x − x̄·W) / (S · √((N·W − W²) / (N − 1)))

That is Getis-Ord's Gi* (esda.G_Local with `star=True`, transform "B", when
k = 0 and T = 1). p is the two-sided normal p, 2·(1 − Φ(|z|)): analytical, no
permutations, no seed, no floor. A commune with no neighbour (only with
`islands="keep"`) or a cube where every x is equal has no test (NaN,
`not_significant`). Sums use scipy.sparse, so a national cube (10,600 communes
× 60 months) takes seconds.

Classes per slice: `gi.classify_gi` (Benjamini-Hochberg at 90, 95 and 99 %
over the communes of that slice). A slice is hot (cold) for a commune when its
class is hot_* (cold_*), i.e. at 90 % or more.

Trend: the Mann-Kendall test (`mann_kendall`: S statistic, variance with the
correction for ties, continuity-corrected normal z, two-sided p; NaN values
skipped; fewer than 3 values give no trend) on the commune's series of Gi*
z-scores, significant when p < `trend_alpha` (default 0.05).

The gate: trends only where they can exist.

- `too_few_slices`: Mann-Kendall cannot reach p < `trend_alpha` on fewer than
  `min_trend_slices(trend_alpha)` values, whatever they are: the best case, a
  strictly monotone series without ties, has S = T(T − 1)/2, Var(S) =
  T(T − 1)(2T + 5)/18 and z = (S − 1)/√Var(S). That minimum is 5 at 0.05 and
  6 at 0.01. A shorter cube gives every commune this label.
- `too_few_cases`: `expected_per_slice`, the mean over slices of the expected
  count in the commune's space-time neighbourhood, is below `min_expected`
  (default 5). There the normal z of a Poisson count is unreliable and a few
  cases make or break a hot slice, so no pattern is claimed.

Gated communes keep their Gi* per slice and their Mann-Kendall statistics, but
their trend is the gate's label (GATED) and `trend_direction` is "none".

Categories (ArcGIS Pro, Space Time Pattern Mining, "How Emerging Hot Spot
Analysis works": new, consecutive, intensifying, persistent, diminishing,
sporadic, oscillating and historical hot and cold spots). With n slices, h hot
slices and c cold slices, checked in this order (hot shown; cold is the mirror
image, with "increasing" meaning z-scores falling further below 0):

1. h ≥ 90 % of n and the final slice hot: `intensifying_hot` if the trend
   rises significantly, `diminishing_hot` if it falls significantly, else
   `persistent_hot`.
2. h ≥ 90 % of n and the final slice not hot: `historical_hot`.
3. final slice hot, and hot in no other slice and never cold: `new_hot`.
4. final slice hot and cold in some earlier slice: `oscillating_hot`.
5. final slice hot, the final run of consecutive hot slices is at least 2
   long and there is no hot slice before it: `consecutive_hot`.
6. final slice hot otherwise (earlier hot slices, an interruption, never
   cold): `sporadic_hot`.
7. none of these: `no_pattern`.

"At least 90 %" is h ≥ 0.9 × n, so with fewer than 10 slices it means every
slice, and historical patterns need at least 10 slices.

`yearly_emerging_hotspots` is the former yearly method, kept for
analysis.py until it moves to the cube (MIN_TREND_YEARS belongs to it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np
import pandas as pd

from risk.analysis.geography import SpatialWeights
from risk.analysis.hotspots.cube import SpaceTimeCube
from risk.analysis.hotspots.gi import DEFAULT_SEED, _graph_and_ids, classify_gi, gi_star
from risk.analysis.hotspots.vocabulary import GATED, NO_PATTERN, PATTERNS, TOO_FEW_CASES, TOO_FEW_SLICES, TRENDS

if TYPE_CHECKING:  # libpysal and scipy load when trends are computed, not to read a kept result
    from libpysal.graph import Graph
    from scipy import sparse

MIN_TREND_YEARS = 3
PERSISTENT_SHARE = 0.9  # "90 percent of the time-step intervals"
DEFAULT_MIN_EXPECTED = 5.0
TABLE_COLUMNS: tuple[str, ...] = (
    "commune_id", "trend", "mk_s", "mk_tau", "mk_z", "mk_p", "trend_direction", "slices_hot", "slices_cold",
    "expected_per_slice",
)
PER_SLICE_COLUMNS: tuple[str, ...] = ("commune_id", "slice", "observed", "expected", "gi_z", "p_value", "class")


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
    from scipy import stats
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


def min_trend_slices(alpha: float = 0.05) -> int:
    """The fewest values at which Mann-Kendall can give p < `alpha` at all (module docstring)."""
    from scipy import stats
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    n = 3  # mann_kendall_rows gives no trend below 3 values
    while True:
        s = n * (n - 1) / 2
        z = (s - 1) / np.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
        if 2.0 * stats.norm.sf(z) < alpha:
            return n
        n += 1


@dataclass(frozen=True, eq=False)
class TrendResult:
    """Emerging Hot Spot Analysis of one cube (module docstring).

    `table`: one row per commune in cube order (TABLE_COLUMNS). `per_slice`:
    long, slice by slice in time order then communes in cube order
    (PER_SLICE_COLUMNS; `slice` is the label, `expected` the bin's own).
    `min_slices`: `min_trend_slices(trend_alpha)`.
    """

    table: pd.DataFrame
    per_slice: pd.DataFrame
    slice: str
    labels: tuple[str, ...]
    time_window: int
    min_expected: float
    min_slices: int
    trend_alpha: float = 0.05

    def communes(self, category: str) -> tuple[str, ...]:
        """The communes whose trend is `category` (one of TRENDS or GATED), in cube order."""
        if category not in TRENDS and category not in GATED:
            raise ValueError(f"unknown trend category {category!r}")
        return tuple(self.table.loc[self.table["trend"] == category, "commune_id"])

    def counts(self) -> dict[str, int]:
        """Communes per category (TRENDS then GATED), each equal to len(communes(category))."""
        found = self.table["trend"].value_counts()
        return {c: int(found.get(c, 0)) for c in (*TRENDS, *GATED)}


def emerging_hotspots(
    cube: SpaceTimeCube, weights: SpatialWeights | Graph, time_window: int = 1, trend_alpha: float = 0.05,
    min_expected: float = DEFAULT_MIN_EXPECTED,
) -> TrendResult:
    """Gi* per bin of the cube, hot and cold slices, Mann-Kendall, the category and the gate (module docstring)."""
    from scipy import stats
    if int(time_window) != time_window or time_window < 0:
        raise ValueError(f"time_window must be a whole number of slices ≥ 0, not {time_window}")
    if not min_expected >= 0:
        raise ValueError(f"min_expected must be ≥ 0, not {min_expected}")
    k = int(time_window)
    min_slices = min_trend_slices(trend_alpha)
    ids = list(cube.ids)
    n, t = cube.n, cube.t
    adjacency = _adjacency(weights, ids)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    observed = np.asarray(cube.observed)
    expected = np.asarray(cube.expected, dtype=float)
    z = space_time_gi(cube.excess, adjacency, k)
    z[degree == 0, :] = np.nan  # only its own value: nothing to compare with
    p = 2.0 * stats.norm.sf(np.abs(z))

    classes = np.full((n, t), "not_significant", dtype=object)
    for s in range(t):
        classes[:, s], _ = classify_gi(z[:, s], p[:, s])
    text = classes.astype(str)
    hot, cold = np.char.startswith(text, "hot_"), np.char.startswith(text, "cold_")

    mk = _mann_kendall_chunks(z)
    if t < min_slices:
        trend = np.full(n, TOO_FEW_SLICES, dtype=object)
    else:
        trend = emerging_categories(hot, cold, mk["s"], mk["p_value"], trend_alpha)
    per_slice_expected = _window_sum(adjacency @ expected + expected, k).mean(axis=1) if t else np.zeros(n)
    trend[(per_slice_expected < min_expected) & (trend != TOO_FEW_SLICES)] = TOO_FEW_CASES
    gated = np.isin(trend, GATED)
    significant = (mk["p_value"] < trend_alpha) & ~gated
    direction = np.where(significant & (mk["s"] > 0), "increasing",
                         np.where(significant & (mk["s"] < 0), "decreasing", "none"))
    table = pd.DataFrame({
        "commune_id": ids, "trend": trend, "mk_s": mk["s"], "mk_tau": mk["tau"], "mk_z": mk["z"],
        "mk_p": mk["p_value"], "trend_direction": direction, "slices_hot": hot.sum(axis=1).astype(int),
        "slices_cold": cold.sum(axis=1).astype(int), "expected_per_slice": per_slice_expected,
    }, columns=list(TABLE_COLUMNS))
    per_slice = pd.DataFrame({
        "commune_id": np.tile(np.asarray(ids, dtype=object), t),
        "slice": np.repeat(np.asarray(cube.labels, dtype=object), n),
        "observed": observed.T.ravel().astype("int64"), "expected": expected.T.ravel(),
        "gi_z": z.T.ravel(), "p_value": p.T.ravel(), "class": classes.T.ravel(),
    }, columns=list(PER_SLICE_COLUMNS))
    return TrendResult(table, per_slice, cube.slice, tuple(cube.labels), k, float(min_expected), min_slices,
                       float(trend_alpha))


def space_time_gi(x: np.ndarray, adjacency: sparse.spmatrix, time_window: int) -> np.ndarray:
    """Gi* z of every bin of an n × T array against all bins (module docstring's formula).

    `adjacency`: n × n binary, no self-links (the commune itself is added
    here). NaN where the test is undefined (every x equal, or a neighbourhood
    holding every bin).
    """
    x = np.asarray(x, dtype=float)
    n, t = x.shape
    out = np.full((n, t), np.nan)
    bins = n * t
    if bins < 2:
        return out
    mean = x.mean()
    sd = np.sqrt(max((x ** 2).mean() - mean ** 2, 0.0))
    if not sd > 1e-12 * max(1.0, np.abs(x).max()):
        return out
    local = _window_sum(adjacency @ x + x, time_window)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    card = (degree + 1.0)[:, None] * (np.minimum(np.arange(t), time_window) + 1.0)[None, :]
    spread = (bins * card - card ** 2) / (bins - 1)
    ok = spread > 0
    out[ok] = (local[ok] - mean * card[ok]) / (sd * np.sqrt(spread[ok]))
    return out


def _window_sum(a: np.ndarray, time_window: int) -> np.ndarray:
    """Sum of slices t − time_window … t (those that exist), in the same order for every t."""
    a = np.asarray(a, dtype=float)
    out = a.copy()
    for lag in range(1, min(int(time_window), a.shape[1] - 1) + 1):
        out[:, lag:] += a[:, :-lag]
    return out


def _adjacency(weights: SpatialWeights | Graph, ids: Sequence[str]) -> sparse.csr_matrix:
    """Binary neighbours (no self-links) among `ids`, rows and columns in that order."""
    from scipy import sparse
    graph, known = _graph_and_ids(weights)
    missing = sorted(set(ids) - set(known))
    if missing:
        raise ValueError(f"{len(missing)} communes of the cube are not in the weights, e.g. {missing[:3]}")
    links = graph.adjacency.reset_index()
    links.columns = ["focal", "neighbor", "weight"]
    links = links[(links["weight"] > 0) & (links["focal"].astype(str) != links["neighbor"].astype(str))]
    index = pd.Index(list(ids))
    i = index.get_indexer(links["focal"].astype(str))
    j = index.get_indexer(links["neighbor"].astype(str))
    keep = (i >= 0) & (j >= 0)
    m = sparse.csr_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=(len(ids), len(ids)))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def _mann_kendall_chunks(z: np.ndarray, cells: int = 4_000_000) -> dict[str, np.ndarray]:
    """`mann_kendall_rows` in blocks of rows, so a national cube needs no gigabytes of pairs."""
    n, t = z.shape
    if n == 0:
        return {key: np.zeros(0) for key in ("n", "s", "var_s", "z", "p_value", "tau")}
    step = max(1, cells // max(1, t * t))
    parts = [mann_kendall_rows(z[r:r + step]) for r in range(0, n, step)]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def yearly_emerging_hotspots(
    values: pd.DataFrame, weights: SpatialWeights | Graph, permutations: int = 0,
    seed: int = DEFAULT_SEED, fdr: bool = True, trend_alpha: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The former method, kept until analysis.py moves to `emerging_hotspots`: Gi* per year on raw values.

    Spatial neighbours only, no time lag, permutation p; at rare counts it
    cannot give a significant trend (module docstring), so new code should
    use `emerging_hotspots` on a `SpaceTimeCube`.

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
