"""Hotspots engine: Gi* with FDR against planted clusters, random data and esda itself;
Mann-Kendall; every Emerging Hot Spot category; weights; privacy of counts; CSV export; CLI."""
from __future__ import annotations

import csv
import io
import json
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import LineString, Point, box

from risk.outputs.export import safe_cell, to_csv_bytes
from risk.analysis.hotspots import (
    CLASSES, TRENDS, HotspotError, HotspotOptions, MannKendall, classify_gi, emerging_category, yearly_emerging_hotspots,
    gi_star, hot_commune_table, hotspot_analysis, mann_kendall, permutation_p_values,
)
from risk.access.privacy import Role, commune_case_counts, visible_case_points
from risk.access.settings import DEFAULT_DATA_DIR
from risk.analysis.geography import (
    commune_distances_km, contiguity_weights, default_band_km, distance_band_weights, metric_crs,
)

N = 10  # grid side: 100 communes of 0.1° (about 10.5 km) near Nghệ An


def grid(n: int = N, extra: list | None = None) -> gpd.GeoDataFrame:
    """n×n square communes, row by row from the south-west; ids 0000..."""
    cells = [box(104 + i * 0.1, 19 + j * 0.1, 104 + (i + 1) * 0.1, 19 + (j + 1) * 0.1)
             for j in range(n) for i in range(n)]
    cells += extra or []
    return gpd.GeoDataFrame({"commune_id": [f"{k:04d}" for k in range(len(cells))],
                             "name": [f"Xã {k}" for k in range(len(cells))]}, geometry=cells, crs="EPSG:4326")


def block(rows: range, cols: range, n: int = N) -> list[int]:
    return [r * n + c for r in rows for c in cols]


@pytest.fixture(scope="module")
def weights():
    return contiguity_weights(grid())


# --- Gi* and FDR ---------------------------------------------------------------------------------------


def test_planted_cluster_of_high_counts_is_hot_at_95_after_fdr(weights):
    rng = np.random.default_rng(1)
    counts = rng.poisson(1, N * N).astype(float)
    cluster = block(range(3, 6), range(3, 6))
    counts[cluster] = rng.poisson(8, len(cluster))
    res = gi_star(counts, weights, permutations=999, seed=1)
    centre = cluster[4]
    assert res.loc[centre, "class"] in ("hot_95", "hot_99")
    hot = res.loc[cluster, "class"].str.startswith("hot_")
    assert hot.sum() >= 7, res.loc[cluster]
    outside = res.drop(index=[i for i in range(N * N) if i in cluster or _touches(i, cluster)])
    assert not outside["class"].str.startswith("hot_").any(), "a hot spot far from the planted cluster"


def _touches(i: int, cluster: list[int]) -> bool:
    r, c = divmod(i, N)
    return any(abs(r - cr) <= 1 and abs(c - cc) <= 1 for cr, cc in (divmod(k, N) for k in cluster))


@pytest.mark.parametrize("kind", ["counts", "continuous"])
def test_random_values_give_no_more_false_hot_spots_than_expected(weights, kind):
    """Under spatial randomness a unit is 'hot at 90 %' with probability ≤ 0.05 (one tail of a two-sided 0.10).

    20 seeds × 100 communes; neighbouring Gi* values are correlated, so the
    slack is 4 binomial standard deviations. FDR must do at least as well.
    """
    seeds = range(20)
    found = {True: {"90": 0, "95": 0}, False: {"90": 0, "95": 0}}
    for seed in seeds:
        rng = np.random.default_rng(1000 + seed)
        values = rng.poisson(2, N * N).astype(float) if kind == "counts" else rng.gamma(2.0, 1.0, N * N)
        for fdr in (True, False):
            classes = gi_star(values, weights, permutations=999, seed=seed, fdr=fdr)["class"]
            found[fdr]["90"] += int(classes.str.startswith("hot_").sum())
            found[fdr]["95"] += int(classes.isin(["hot_95", "hot_99"]).sum())
    tests = len(seeds) * N * N
    for level, share in (("90", 0.05), ("95", 0.025)):
        bound = tests * share + 4 * np.sqrt(tests * share * (1 - share))
        assert found[False][level] <= bound, (level, found)
        assert found[True][level] <= found[False][level]
        assert found[True][level] <= bound
    assert found[True]["90"] <= 0.01 * tests, "FDR should leave almost no false hot spot on random data"


def test_results_equal_esda_for_the_same_permutation_seed(weights):
    values = np.random.default_rng(7).gamma(2.0, 1.5, N * N)  # continuous: no ties
    ours = gi_star(values, weights, permutations=999, seed=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(values, weights.graph, transform="B", star=True, permutations=999, seed=42, n_jobs=1)
    np.testing.assert_allclose(ours["gi"], ref.Gs)
    np.testing.assert_allclose(ours["gi_z"], ref.Zs)
    np.testing.assert_allclose(ours["p_value"], np.minimum(1, 2 * ref.p_sim))
    # and the classes are esda.fdr applied level by level
    p = ours["p_value"].to_numpy()
    expected = np.full(len(p), "not_significant", dtype=object)
    for label, alpha in (("90", 0.10), ("95", 0.05), ("99", 0.01)):
        cut = esda.fdr(p, alpha)
        expected[(p < cut) & (ref.Zs > 0)] = f"hot_{label}"
        expected[(p < cut) & (ref.Zs < 0)] = f"cold_{label}"
    assert ours["class"].tolist() == expected.tolist()
    # same seed, same answer; another seed, other p-values
    assert gi_star(values, weights, permutations=999, seed=42)["p_value"].equals(ours["p_value"])
    assert not gi_star(values, weights, permutations=999, seed=43)["p_value"].equals(ours["p_value"])


def test_an_all_zero_neighbourhood_is_not_a_cold_spot_when_zeros_are_common(weights):
    """esda's one-sided p_sim counts ties in one tail only and would call it p = 0.001."""
    values = np.zeros(N * N)
    values[np.random.default_rng(3).choice(N * N, 12, replace=False)] = 1.0
    res = gi_star(values, weights, permutations=999, seed=1)
    assert not res["class"].str.startswith("cold_").any()
    zero_hood = [i for i in range(N * N) if values[i] == 0 and not _touches(i, list(np.flatnonzero(values)))]
    assert zero_hood and (res.loc[zero_hood, "p_value"] > 0.1).all()


def test_permutation_p_values_count_ties_in_both_tails():
    sims = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0]])
    p = permutation_p_values(np.array([0.0, 3.0, 1.5]), sims)
    # obs 0: 4 sims ≥ it, 3 sims ≤ it → 2 × (3 + 1) / 5, capped at 1 (esda's p_sim would say 1/5)
    assert p.tolist() == pytest.approx([1.0, 2 * 2 / 5, 1.0])  # the last: 2 × 3 / 5, capped


def test_fdr_is_applied_per_confidence_level_and_classes_nest():
    z = np.array([3.0, 3.0, 2.5, 2.0, -3.0, 1.0, 0.5, -0.5])
    p = np.array([0.0001, 0.004, 0.02, 0.06, 0.0002, 0.3, 0.6, 0.9])
    classes, cutoffs = classify_gi(z, p)
    assert cutoffs == {"90": esda.fdr(p, 0.10), "95": esda.fdr(p, 0.05), "99": esda.fdr(p, 0.01)}
    assert cutoffs["99"] <= cutoffs["95"] <= cutoffs["90"]
    # n = 8. 99 %: k·0.01/8 → cut-off 0.0025 (k = 2); 95 %: 0.025 (k = 4); 90 %: 0.0625 (k = 5)
    assert cutoffs["99"] == pytest.approx(0.0025) and cutoffs["95"] == pytest.approx(0.025)
    assert cutoffs["90"] == pytest.approx(0.0625)
    assert classes.tolist() == ["hot_99", "hot_95", "hot_95", "hot_90", "cold_99", "not_significant",
                                "not_significant", "not_significant"]
    raw, raw_cut = classify_gi(z, p, fdr=False)
    assert raw_cut == {"90": 0.10, "95": 0.05, "99": 0.01}
    assert raw.tolist()[:5] == ["hot_99", "hot_99", "hot_95", "hot_90", "cold_99"]
    assert set(classes) <= set(CLASSES)


def test_constant_values_and_isolated_communes_have_no_test():
    g = grid(3, extra=[box(106, 21, 106.1, 21.1)])
    w = contiguity_weights(g, islands="keep")
    assert w.islands == ("0009",)
    same = gi_star(np.ones(10), w)
    assert same["gi_z"].isna().all() and (same["class"] == "not_significant").all()
    values = np.arange(10, dtype=float)
    values[9] = 100
    res = gi_star(values, w)
    assert np.isnan(res.loc[9, "gi_z"]) and res.loc[9, "class"] == "not_significant"


def test_analytical_p_values_when_permutations_are_zero(weights):
    values = np.random.default_rng(2).gamma(2.0, 1.0, N * N)
    res = gi_star(values, weights, permutations=0)
    np.testing.assert_allclose(res["p_value"], 2 * stats.norm.sf(np.abs(res["gi_z"])))


# --- Mann-Kendall ------------------------------------------------------------------------------------


def test_mann_kendall_matches_the_textbook_formulae():
    mk = mann_kendall([1, 2, 3, 4, 5])
    assert (mk.n, mk.s) == (5, 10)
    assert mk.var_s == pytest.approx(5 * 4 * 15 / 18)
    assert mk.z == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18))
    assert mk.p_value == pytest.approx(2 * stats.norm.sf(mk.z))
    assert mk.tau == 1.0 and mk.direction() == "increasing"
    down = mann_kendall([5, 4, 3, 2, 1, 0])
    assert down.s == -15 and down.direction() == "decreasing"


def test_mann_kendall_ties_missing_values_and_short_series():
    mk = mann_kendall([1, 1, 2, 2, 3, np.nan])
    assert mk.n == 5 and mk.s == 8
    assert mk.var_s == pytest.approx((5 * 4 * 15 - 2 * (2 * 1 * 9)) / 18)
    assert mann_kendall([1, 2]).p_value == 1.0
    assert mann_kendall([3, 3, 3, 3]).p_value == 1.0
    rng = np.random.default_rng(0)
    for _ in range(5):  # no ties: S agrees with Kendall's tau against time
        x = rng.normal(size=9)
        assert mann_kendall(x).tau == pytest.approx(stats.kendalltau(np.arange(9), x).statistic)


def _mk_reference(x: list[float]) -> tuple[int, float, float]:
    """S, Var(S) and p by the definitions, with plain loops."""
    x = [v for v in x if np.isfinite(v)]
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n))
    groups = pd.Series(x).value_counts()
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in groups)) / 18
    z = (s - np.sign(s)) / np.sqrt(var) if s else 0.0
    return int(s), var, 2 * stats.norm.sf(abs(z))


def test_vectorised_mann_kendall_equals_the_definition_row_by_row():
    from risk.analysis.hotspots import mann_kendall_rows

    rng = np.random.default_rng(11)
    rows = rng.integers(0, 4, size=(200, 8)).astype(float)  # many ties
    rows[rng.random(rows.shape) < 0.1] = np.nan
    got = mann_kendall_rows(rows)
    for k, row in enumerate(rows):
        if np.isfinite(row).sum() < 3:
            continue
        s, var, p = _mk_reference(list(row))
        assert got["s"][k] == s and got["var_s"][k] == pytest.approx(var)
        if var > 0:
            assert got["p_value"][k] == pytest.approx(p)


# --- Emerging Hot Spot categories ------------------------------------------------------------------


def _yearly(levels: list[float | None], cells: list[int], base: np.ndarray, ids: list[str]) -> pd.DataFrame:
    columns = {}
    for k, level in enumerate(levels):
        values = base.copy()
        if level is not None:
            values[cells] = level
        columns[2010 + k] = values
    return pd.DataFrame(columns, index=ids)


HOT_BLOCK = block(range(3, 6), range(3, 6))
COLD_BLOCK = block(range(2, 7), range(2, 7))
H, _ = 10.0, None
# Ten years each. Hot cases: a 3×3 block at level H over a 1–3 background;
# cold cases: a 5×5 block of zeros (or low values) over a 4–6 background.
TREND_FIXTURES = {
    "new_hot": ("hot", [_] * 9 + [H]),
    "consecutive_hot": ("hot", [_] * 7 + [H] * 3),
    "intensifying_hot": ("hot", [6.0 + 2 * k for k in range(10)]),
    "persistent_hot": ("hot", [H] * 10),
    "diminishing_hot": ("hot", [24.0 - 2 * k for k in range(10)]),
    "sporadic_hot": ("hot", [_, H, _, _, H, _, _, _, _, H]),
    "oscillating_hot": ("hot", [0.0, 0.0, _, _, _, _, _, _, _, H]),
    "historical_hot": ("hot", [H] * 9 + [_]),
    "new_cold": ("cold", [_] * 9 + [0.0]),
    "consecutive_cold": ("cold", [_] * 7 + [0.0] * 3),
    "intensifying_cold": ("cold", [3.0 - 0.3 * k for k in range(10)]),
    "persistent_cold": ("cold", [0.0] * 10),
    "diminishing_cold": ("cold", [0.3 * k for k in range(10)]),
    "sporadic_cold": ("cold", [_, 0.0, _, _, 0.0, _, _, _, _, 0.0]),
    "oscillating_cold": ("cold", [12.0, 12.0, _, _, _, _, _, _, _, 0.0]),
    "historical_cold": ("cold", [0.0] * 9 + [_]),
    "no_pattern": ("hot", [_] * 10),
}


def test_every_trend_category_has_a_fixture():
    assert set(TREND_FIXTURES) == set(TRENDS)


@pytest.mark.parametrize("expected", list(TREND_FIXTURES))
def test_trend_fixture_produces_its_category(weights, expected):
    side, levels = TREND_FIXTURES[expected]
    ids = list(weights.ids)
    if side == "hot":
        base, cells, centre = np.array([1 + (k * 7) % 3 for k in range(N * N)], float), HOT_BLOCK, 44
    else:
        base, cells, centre = np.array([4 + (k * 7) % 3 for k in range(N * N)], float), COLD_BLOCK, 44
    summary, yearly = yearly_emerging_hotspots(_yearly(levels, cells, base, ids), weights, permutations=999, seed=5)
    row = summary.set_index("commune_id").loc[ids[centre]]
    assert row["trend"] == expected, row.to_dict()
    assert len(yearly) == 10 * N * N and set(yearly["year"]) == set(range(2010, 2020))


def _mk(s: int, p: float) -> MannKendall:
    return MannKendall(10, s, 100.0, float(np.sign(s)), p, s / 45)


@pytest.mark.parametrize("hot,cold,trend,expected", [
    ("0000000001", "0000000000", _mk(5, 0.3), "new_hot"),
    ("0000000111", "0000000000", _mk(20, 0.01), "consecutive_hot"),  # a trend does not make it intensifying
    ("1111111111", "0000000000", _mk(30, 0.001), "intensifying_hot"),
    ("1111111111", "0000000000", _mk(-30, 0.001), "diminishing_hot"),
    ("1111111111", "0000000000", _mk(30, 0.2), "persistent_hot"),
    ("0111111111", "0000000000", _mk(0, 1.0), "persistent_hot"),  # 9 of 10 is "at least 90 %"
    ("1111111110", "0000000000", _mk(0, 1.0), "historical_hot"),
    ("1111111110", "0000000001", _mk(0, 1.0), "historical_hot"),  # the 90 % patterns are checked first
    ("1001000001", "0000000000", _mk(0, 1.0), "sporadic_hot"),
    ("1000000011", "0000000000", _mk(0, 1.0), "sporadic_hot"),  # an earlier hot year breaks "consecutive"
    ("0000000001", "1000000000", _mk(0, 1.0), "oscillating_hot"),  # cold history beats "new"
    ("0000000011", "0100000000", _mk(0, 1.0), "oscillating_hot"),
    ("0000000000", "0000000001", _mk(-5, 0.3), "new_cold"),
    ("0000000000", "1111111111", _mk(-30, 0.001), "intensifying_cold"),
    ("0000000000", "1111111111", _mk(30, 0.001), "diminishing_cold"),
    ("1000000000", "0000000000", _mk(0, 1.0), "no_pattern"),  # hot once, long ago
    ("000", "000", _mk(0, 1.0), "no_pattern"),
])
def test_category_rules_and_their_order(hot, cold, trend, expected):
    flags = [c == "1" for c in hot], [c == "1" for c in cold]
    assert emerging_category(*flags, trend) == expected


def test_fewer_than_ten_years_need_every_year_for_the_90_percent_patterns():
    assert emerging_category([True] * 6 + [False], [False] * 7, _mk(0, 1.0)) == "no_pattern"
    assert emerging_category([True] * 7, [False] * 7, _mk(0, 1.0)) == "persistent_hot"
    assert emerging_category([False] + [True] * 6, [False] * 7, _mk(0, 1.0)) == "consecutive_hot"


# --- whole analysis on a dataset-like input -------------------------------------------------------------


def _cases(g: gpd.GeoDataFrame, counts: dict[tuple[int, int], int], form: str = "forced_marriage") -> pd.DataFrame:
    rows = []
    for (cell, year), n in counts.items():
        c = g.geometry.iloc[cell].centroid
        for k in range(n):
            rows.append({"case_id": f"C{cell}-{year}-{k}", "date": pd.Timestamp(year, 6, 1), "lon": c.x, "lat": c.y,
                         "commune_id": g["commune_id"].iloc[cell], "form": form, "victims": 1})
    return pd.DataFrame(rows)


def test_analysis_finds_the_planted_cluster_with_counts_and_rates():
    g = grid()
    rng = np.random.default_rng(4)
    counts = {(cell, year): int(rng.poisson(0.3)) for cell in range(N * N) for year in (2021, 2022, 2023)}
    for cell in HOT_BLOCK:
        for year in (2021, 2022, 2023):
            counts[(cell, year)] = 4
    cases = pd.concat([_cases(g, counts), _cases(g, {(0, 2022): 3}, form="forced_labour")], ignore_index=True)
    indicators = pd.DataFrame([{"commune_id": cid, "year": y, "population": 10_000.0}
                               for cid in g["commune_id"] for y in (2021, 2022, 2023)])
    indicators.loc[indicators["commune_id"] == "0099", "population"] = np.nan  # no population at all
    for measure in ("count", "rate"):
        opts = HotspotOptions(2021, 2023, measure=measure, form="forced_marriage", permutations=999)
        result = hotspot_analysis(g, cases, indicators, opts)
        table = result.table.set_index("commune_id")
        assert table.loc["0044", "class"] in ("hot_95", "hot_99")
        assert list(result.table.columns[:7]) == ["commune_id", "analysed", "value", "gi_z", "p_value", "class",
                                                  "trend"]
        assert set(result.table["trend"]) <= set(TRENDS)
        if measure == "rate":
            assert result.excluded == ("0099",) and not table.loc["0099", "analysed"]
            assert table.loc["0044", "value"] == pytest.approx(12 / 30_000 * 10_000)
        else:
            assert table.loc["0044", "value"] == 12
    records = result.records()
    assert len(records) == N * N and set(records[0]) == {"commune_id", "gi_z", "p_value", "class", "trend"}


def test_population_gaps_take_the_latest_earlier_year_else_the_earliest_later():
    from risk.analysis.hotspots import population_matrix

    ind = pd.DataFrame({"commune_id": ["A", "A", "B", "C"], "year": [2020, 2023, 2022, 2020],
                        "population": [1000.0, 1300.0, 500.0, 0.0]})
    pop = population_matrix(ind, ["A", "B", "C"], [2021, 2022, 2023, 2024])
    assert pop.loc["A"].tolist() == [1000.0, 1000.0, 1300.0, 1300.0]
    assert pop.loc["B"].tolist() == [500.0] * 4
    assert pop.loc["C"].isna().all()  # zero is no population figure


def test_analysis_rejects_bad_options_with_translated_messages():
    g = grid(3)
    empty = pd.DataFrame(columns=["case_id", "date", "lon", "lat", "commune_id", "form", "victims"])
    empty["date"] = pd.to_datetime(empty["date"])
    bad = [
        (HotspotOptions(2023, 2021), "hotspots.bad_period"),
        (HotspotOptions(2021, 2023, measure="density"), "hotspots.unknown_measure"),
        (HotspotOptions(2021, 2023, form="smuggling"), "hotspots.unknown_form"),
        (HotspotOptions(2021, 2023, weights="knn"), "hotspots.unknown_weights"),
        (HotspotOptions(2021, 2023, weights="distance", band_km=-1), "hotspots.bad_band"),
        (HotspotOptions(2021, 2023, measure="rate"), "hotspots.no_population"),
    ]
    for options, code in bad:
        with pytest.raises(HotspotError) as err:
            hotspot_analysis(g, empty, pd.DataFrame({"commune_id": [], "year": []}), options)
        assert err.value.code == code
        assert err.value.message("vi") and err.value.message("en") != err.value.message("vi")
    result = hotspot_analysis(g, empty, None, HotspotOptions(2021, 2023))  # no cases at all: nothing significant
    assert (result.table["class"] == "not_significant").all() and (result.table["trend"] == "no_pattern").all()


def test_hot_commune_table_is_strongest_first_and_limited_to_the_belt():
    g = grid()
    counts = {(cell, 2022): 5 for cell in HOT_BLOCK}
    counts[(0, 2022)] = 1
    cases = _cases(g, counts)
    result = hotspot_analysis(g, cases, None, HotspotOptions(2021, 2023, permutations=999))
    border = gpd.GeoDataFrame(geometry=[LineString([(104, 19), (104, 20)])], crs="EPSG:4326")  # the west edge
    gates = gpd.GeoDataFrame({"name": ["G"]}, geometry=[Point(104.0, 19.45)], crs="EPSG:4326")
    dist = commune_distances_km(g, border, gates)
    shown = commune_case_counts(cases, list(g["commune_id"]), [2021, 2022, 2023], Role.PLANNER)
    table = hot_commune_table(result, g[["commune_id", "name"]], dist, shown)
    assert not table.empty and table["class"].str.startswith("hot_").all()
    ranks = table["class"].map(CLASSES.index)
    assert ranks.is_monotonic_increasing
    assert list(table.columns) == ["commune_id", "name", "class", "trend", 2021, 2022, 2023, "total",
                                   "dist_border_km", "dist_gate_km", "gi_z", "p_value"]
    near = dist.loc[dist["dist_border_km"] <= 20, "commune_id"]
    belt = hot_commune_table(result, g[["commune_id", "name"]], dist, shown, communes=near)
    assert set(belt["commune_id"]) <= set(near) and len(belt) < len(table)


# --- spatial weights and distances -------------------------------------------------------------------


def test_queen_contiguity_on_a_grid_and_islands_linked_to_the_nearest():
    g = grid(4, extra=[box(104.45, 19.0, 104.55, 19.1)])  # 0.05° east of the grid: an island
    w = contiguity_weights(g)
    counts = w.neighbour_counts()
    assert counts["0000"] == 3 and counts["0001"] == 5 and counts["0005"] == 8
    assert w.islands == ("0016",) and w.islands_linked
    assert counts["0016"] == 1 and counts["0003"] == 4  # the island and its nearest commune, both ways
    kept = contiguity_weights(g, islands="keep")
    assert kept.neighbour_counts()["0016"] == 0 and not kept.islands_linked
    assert list(w.graph.unique_ids) == list(g["commune_id"])
    assert metric_crs(g) == "EPSG:32648"


def test_contiguity_matches_libpysal_queen_on_a_clean_coverage():
    from libpysal.graph import Graph

    g = grid(6)
    ours = contiguity_weights(g).graph.adjacency
    ref = Graph.build_contiguity(g.set_index("commune_id").geometry, rook=False).adjacency
    assert set(ours[ours > 0].index) == set(ref[ref > 0].index)


def test_distance_band_is_measured_in_kilometres():
    g = grid(4)
    side_km = 0.1 * 111.32 * np.cos(np.radians(19.2))  # a cell's width at this latitude, about 10.5 km
    rook = distance_band_weights(g, band_km=side_km * 1.1).neighbour_counts()
    assert rook["0000"] == 2 and rook["0005"] == 4
    queen = distance_band_weights(g, band_km=side_km * 1.5).neighbour_counts()
    assert queen["0000"] == 3 and queen["0005"] == 8
    band = default_band_km(g)
    assert side_km < band < side_km * 1.1
    assert distance_band_weights(g).islands == ()
    few = distance_band_weights(g, band_km=1.0)
    assert len(few.islands) == 16 and (few.neighbour_counts() >= 1).all()


def test_distances_are_from_the_nearest_point_of_the_commune():
    g = grid(3)
    border = gpd.GeoDataFrame(geometry=[LineString([(104, 19), (104, 19.3)])], crs="EPSG:4326")
    gates = gpd.GeoDataFrame({"name": ["G"]}, geometry=[Point(104.0, 19.05)], crs="EPSG:4326")
    dist = commune_distances_km(g, border, gates).set_index("commune_id")
    assert dist.loc["0000", "dist_border_km"] == pytest.approx(0, abs=1e-6)
    assert dist.loc["0001", "dist_border_km"] == pytest.approx(10.5, abs=0.3)
    assert dist.loc["0000", "dist_gate_km"] == pytest.approx(0, abs=1e-3)
    none = commune_distances_km(g, None, None)
    assert none["dist_border_km"].isna().all() and none["dist_gate_km"].isna().all()


# --- privacy of counts and points --------------------------------------------------------------------


def test_commune_counts_are_suppressed_for_planners_and_totals_do_not_reveal_them():
    cases = pd.DataFrame({"commune_id": ["A", "A", "A", "A", "B", None],
                          "date": pd.to_datetime(["2021-01-01", "2022-01-01", "2022-02-01", "2022-03-01",
                                                  "2022-01-01", "2022-01-01"]),
                          "form": ["other"] * 6})
    planner = commune_case_counts(cases, ["A", "B", "C"], [2021, 2022], Role.PLANNER).set_index("commune_id")
    assert planner.loc["A"].tolist() == ["<3", "3", "≥4"]
    assert planner.loc["B"].tolist() == ["0", "<3", "≥1"]
    assert planner.loc["C"].tolist() == ["0", "0", "0"]
    commander = commune_case_counts(cases, ["A", "B"], [2021, 2022], Role.COMMANDER).set_index("commune_id")
    assert commander.loc["A"].tolist() == ["1", "3", "4"]
    assert commune_case_counts(cases, ["A"], [2022], Role.ADMIN, form="forced_labour")["total"].tolist() == ["0"]


def test_case_points_only_for_commander_and_admin():
    cases = pd.DataFrame({"case_id": ["1", "2"], "date": pd.to_datetime(["2021-01-01"] * 2), "lon": [104.1, None],
                          "lat": [19.1, None], "commune_id": ["A", "A"], "form": ["other"] * 2, "victims": [1, 1]})
    assert len(visible_case_points(cases, Role.COMMANDER)) == 1
    for role in (Role.PLANNER, Role.OFFICIAL):
        with pytest.raises(PermissionError):
            visible_case_points(cases, role)


# --- CSV export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_formula_cells_are_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_plain_cells_and_numbers_are_left_alone():
    assert safe_cell("Xã Mường Típ") == "Xã Mường Típ"
    assert safe_cell(-1.5) == -1.5 and safe_cell(None) is None and safe_cell("a=b") == "a=b"


def test_csv_has_a_bom_and_round_trips_with_neutralised_cells():
    frame = pd.DataFrame({"=name": ["=cmd|' /C calc'!A0", "Xã Nậm Cắn", "-", "@x"], "z": [-1.25, 2.0, 0.0, 1.0],
                          "cases": ["<3", "≥4", "0", "12"]})
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["'=name", "z", "cases"]
    assert rows[1][0] == "'=cmd|' /C calc'!A0" and rows[2][0] == "Xã Nậm Cắn"
    assert rows[3][0] == "'-" and rows[4][0] == "'@x"
    assert rows[1][1] == "-1.25" and rows[1][2] == "<3"


# --- command line ---------------------------------------------------------------------------------------


def test_cli_hotspots_json(capsys):
    from risk.cli.main import main

    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2019", "--to", "2025", "--json",
                 "--permutations", "999"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 130
    assert all(set(r) == {"commune_id", "gi_z", "p_value", "class", "trend"} for r in rows)
    assert {r["class"] for r in rows} <= set(CLASSES) and {r["trend"] for r in rows} <= set(TRENDS)


def test_cli_hotspots_distance_band_form_and_errors(capsys):
    from risk.cli.main import main

    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2023", "--to", "2025", "--weights",
                 "distance", "--band-km", "25", "--form", "forced_marriage", "--json"])
    assert code == 0
    assert len(json.loads(capsys.readouterr().out)) == 130
    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2025", "--to", "2019", "--lang", "en"])
    assert code == 2
    assert "period is invalid" in capsys.readouterr().err
    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2019", "--to", "2025", "--lang", "en"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Commune code" in out and "Not significant" in out and len(out.splitlines()) == 131
