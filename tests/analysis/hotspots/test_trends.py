"""The space-time cube and Emerging Hot Spot Analysis on it: bins, expected counts, Gi* against esda and
the definition, every trend category on planted data, and the gate (too few cases, too few slices)."""
from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import box

from risk.analysis.geography import contiguity_weights
from risk.analysis.hotspots import (
    GATED, SLICES, TRENDS, SpaceTimeCube, TrendResult, emerging_hotspots, mann_kendall, min_trend_slices,
    space_time_cube,
)
from risk.analysis.hotspots.trends import _adjacency, space_time_gi

N = 10  # grid side: 100 square communes, row by row from the south-west; ids 0000...
CENTRE = 44  # row 4, column 4


def grid(n: int = N) -> gpd.GeoDataFrame:
    cells = [box(104 + i * 0.1, 19 + j * 0.1, 104 + (i + 1) * 0.1, 19 + (j + 1) * 0.1)
             for j in range(n) for i in range(n)]
    return gpd.GeoDataFrame({"commune_id": [f"{k:04d}" for k in range(len(cells))]}, geometry=cells,
                            crs="EPSG:4326")


def block(rows: range, cols: range, n: int = N) -> list[int]:
    return [r * n + c for r in rows for c in cols]


@pytest.fixture(scope="module")
def weights():
    return contiguity_weights(grid())


def cube_of(observed: np.ndarray, ids, labels=None, expected: np.ndarray | None = None) -> SpaceTimeCube:
    """A quarterly cube from counts; without `expected`, the equal-weight rule of space_time_cube."""
    observed = np.asarray(observed, dtype="int64")
    t = observed.shape[1]
    labels = labels or tuple(f"{2015 + s // 4}-Q{s % 4 + 1}" for s in range(t))
    known = expected is not None
    if expected is None:
        expected = np.full(observed.shape, observed.sum() / observed.size)
    return SpaceTimeCube(tuple(ids), "quarter", tuple(labels), observed, np.asarray(expected, float), known)


def cases_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["commune_id", "date", "form"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["victims"] = 1
    return frame


# --- the cube ------------------------------------------------------------------------------------------


def test_slice_labels_for_year_quarter_and_month():
    empty = cases_frame([])
    assert SLICES == ("year", "quarter", "month")
    assert space_time_cube(empty, ["a"], 2020, 2021, "year").labels == ("2020", "2021")
    assert space_time_cube(empty, ["a"], 2020, 2021, "quarter").labels == (
        "2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4", "2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4")
    months = space_time_cube(empty, ["a"], 2020, 2021, "month").labels
    assert len(months) == 24 and months[:3] == ("2020-01", "2020-02", "2020-03") and months[-1] == "2021-12"
    with pytest.raises(ValueError):
        space_time_cube(empty, ["a"], 2020, 2021, "week")


CASES = [
    ("A", "2021-01-15", "forced_labour"),
    ("A", "2021-03-31", "forced_labour"),
    ("B", "2021-04-01", "forced_labour"),
    ("C", "2022-12-31", "forced_labour"),
    ("B", "2021-07-07", "forced_marriage"),
    ("A", "2020-12-31", "forced_labour"),  # before the period
    ("B", "2023-01-01", "forced_labour"),  # after it
    (None, "2021-05-05", "forced_labour"),  # no commune
    ("A", None, "forced_labour"),  # no date
    ("Z", "2021-06-01", "forced_labour"),  # not one of the cube's communes
]


def test_cases_land_in_their_bin_and_the_rest_is_left_out():
    cases = cases_frame(CASES)
    q = space_time_cube(cases, ["A", "B", "C"], 2021, 2022, "quarter")
    assert q.observed.dtype.kind == "i" and q.observed.shape == (3, 8)
    lab = {label: k for k, label in enumerate(q.labels)}
    assert q.observed[0, lab["2021-Q1"]] == 2 and q.observed[1, lab["2021-Q2"]] == 1
    assert q.observed[1, lab["2021-Q3"]] == 1 and q.observed[2, lab["2022-Q4"]] == 1
    assert q.observed.sum() == 5

    m = space_time_cube(cases, ["A", "B", "C"], 2021, 2022, "month", form="forced_labour")
    lab = {label: k for k, label in enumerate(m.labels)}
    assert m.observed[0, lab["2021-01"]] == 1 and m.observed[0, lab["2021-03"]] == 1
    assert m.observed[1, lab["2021-04"]] == 1 and m.observed[2, lab["2022-12"]] == 1
    assert m.observed.sum() == 4  # the forced marriage is another form

    y = space_time_cube(cases, ["C", "B", "A"], 2021, 2022, "year")  # rows follow `ids`
    assert y.observed.tolist() == [[0, 1], [2, 0], [2, 0]]


def test_expected_sums_to_observed_and_follows_population():
    cases = cases_frame(CASES)
    population = pd.DataFrame({2021: [100.0, 300.0, 600.0], 2022: [100.0, 100.0, 800.0]},
                              index=pd.Index(["A", "B", "C"], name="commune_id"))
    q = space_time_cube(cases, ["A", "B", "C"], 2021, 2022, "quarter", population=population)
    assert q.population_known
    assert q.expected.sum() == pytest.approx(q.observed.sum())
    # population-time: 2021 → 100, 300, 600 × 1/4 per quarter; 2022 → 100, 100, 800 × 1/4; total 2000
    total = 5
    assert q.expected[1, 0] == pytest.approx(total * 75 / 2000)
    assert q.expected[1, 4] == pytest.approx(total * 25 / 2000)
    assert q.expected[2, 7] == pytest.approx(total * 200 / 2000)
    assert np.allclose(q.excess, q.observed - q.expected)
    m = space_time_cube(cases, ["A", "B", "C"], 2021, 2022, "month", population=population)
    assert m.expected[0, 0] == pytest.approx(total * (100 / 12) / 2000)
    assert m.expected.sum() == pytest.approx(5)


def test_without_population_every_commune_weighs_the_same():
    cases = cases_frame(CASES)
    none = space_time_cube(cases, ["A", "B", "C"], 2021, 2022, "quarter")
    assert not none.population_known
    assert np.allclose(none.expected, 5 / 24)
    gap = pd.DataFrame({2021: [100.0, np.nan, 600.0], 2022: [100.0, 100.0, 800.0]}, index=["A", "B", "C"])
    partial = space_time_cube(cases, ["A", "B", "C"], 2021, 2022, "quarter", population=gap)
    assert not partial.population_known and np.allclose(partial.expected, 5 / 24)
    nothing = space_time_cube(cases_frame([]), ["A", "B"], 2021, 2021, "year")
    assert nothing.observed.sum() == 0 and nothing.expected.sum() == 0


# --- Gi* in the cube ---------------------------------------------------------------------------------


def test_single_slice_gi_equals_esda_analytical_z(weights):
    """T = 1, time_window = 0: Getis-Ord Gi* itself. Σx = 0 by construction (Σ expected = Σ observed) and
    esda divides by Σy, so esda gets x + 50: Gi* z does not change when a constant is added (the sum in
    the neighbourhood and W·x̄ both grow by W·c)."""
    rng = np.random.default_rng(7)
    ids = list(weights.ids)
    counts = rng.poisson(3, (N * N, 1))
    counts[block(range(6, 9), range(1, 4)), 0] += 6
    population = pd.DataFrame({2021: rng.uniform(500, 5000, N * N)}, index=ids)
    cases = cases_frame([(ids[i], "2021-06-01", "other") for i in range(N * N) for _ in range(counts[i, 0])])
    cube = space_time_cube(cases, ids, 2021, 2021, "year", population=population)
    assert cube.population_known and (cube.observed == counts).all()
    x = cube.observed[:, 0] - cube.expected[:, 0]
    assert abs(x.sum()) < 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(x + 50.0, weights.graph, transform="B", star=True, permutations=0).Zs
    result = emerging_hotspots(cube, weights, time_window=0)
    got = result.per_slice["gi_z"].to_numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(result.per_slice["p_value"], 2 * stats.norm.sf(np.abs(ref)), rtol=1e-9)
    assert (got > 1.96).sum() > 0  # the planted block is there to be found


@pytest.mark.parametrize("time_window", [0, 1, 2])
def test_space_time_gi_equals_the_definition_bin_by_bin(weights, time_window):
    rng = np.random.default_rng(time_window)
    t = 6
    x = rng.normal(size=(N * N, t))
    adjacency = _adjacency(weights, list(weights.ids))
    got = space_time_gi(x, adjacency, time_window)
    neighbours = [set(adjacency[i].indices) | {i} for i in range(N * N)]
    bins = x.size
    mean, sd = x.mean(), x.std()
    for i in (0, 9, CENTRE, 55, 99):
        for s in range(t):
            cells = [(j, u) for j in neighbours[i] for u in range(max(0, s - time_window), s + 1)]
            w = len(cells)
            local = sum(x[j, u] for j, u in cells)
            z = (local - mean * w) / (sd * np.sqrt((bins * w - w * w) / (bins - 1)))
            assert got[i, s] == pytest.approx(z, rel=1e-10)


def test_a_commune_missing_from_the_weights_is_an_error(weights):
    ids = [*weights.ids[:-1], "9999"]
    with pytest.raises(ValueError, match="not in the weights"):
        emerging_hotspots(cube_of(np.ones((N * N, 6)), ids), weights)


# --- every category ------------------------------------------------------------------------------------


HOT_BLOCK = block(range(3, 6), range(3, 6))
COLD_BLOCK = block(range(2, 7), range(2, 7))
H, _ = 60, None
T = 10  # ten quarters: "90 %" is 9 of 10, so historical patterns exist
BASE = np.array([20 + 5 * ((k * 7) % 3) for k in range(N * N)])  # 20, 25 or 30 cases per quarter
# Hot: a 3×3 block at level H (None: the background) over 20–30; cold: a 5×5 block of few cases.
# With time_window = 1 a planted slice also lifts the next one, hence 8 planted slices for historical.
TREND_FIXTURES = {
    "new_hot": ("hot", [_] * 9 + [H]),
    "consecutive_hot": ("hot", [_] * 7 + [H] * 3),
    "intensifying_hot": ("hot", [40 + 8 * k for k in range(T)]),
    "persistent_hot": ("hot", [H] * T),
    "diminishing_hot": ("hot", [112 - 8 * k for k in range(T)]),
    "sporadic_hot": ("hot", [_, H, _, _, H, _, _, _, _, H]),
    "oscillating_hot": ("hot", [0, 0, _, _, _, _, _, _, _, H]),
    "historical_hot": ("hot", [H] * 8 + [_] * 2),
    "new_cold": ("cold", [_] * 9 + [0]),
    "consecutive_cold": ("cold", [_] * 7 + [0] * 3),
    "intensifying_cold": ("cold", [12 - k for k in range(T)]),
    "persistent_cold": ("cold", [0] * T),
    "diminishing_cold": ("cold", [k for k in range(T)]),
    "sporadic_cold": ("cold", [_, 0, _, _, 0, _, _, _, _, 0]),
    "oscillating_cold": ("cold", [80, 80, _, _, _, _, _, _, _, 0]),
    "historical_cold": ("cold", [0] * 8 + [_] * 2),
    "no_pattern": ("hot", [_] * T),
}


# (hot slices, cold slices) of the centre commune in each fixture.
SLICE_COUNTS = {
    "new_hot": (1, 0), "consecutive_hot": (3, 0), "intensifying_hot": (9, 0), "persistent_hot": (10, 0),
    "diminishing_hot": (10, 0), "sporadic_hot": (5, 0), "oscillating_hot": (1, 3), "historical_hot": (9, 0),
    "new_cold": (0, 1), "consecutive_cold": (0, 3), "intensifying_cold": (0, 10), "persistent_cold": (0, 10),
    "diminishing_cold": (0, 10), "sporadic_cold": (0, 5), "oscillating_cold": (3, 1), "historical_cold": (1, 9),
    "no_pattern": (0, 0),
}


def planted(side: str, levels: list) -> np.ndarray:
    observed = np.repeat(BASE[:, None], len(levels), axis=1)
    cells = HOT_BLOCK if side == "hot" else COLD_BLOCK
    for s, level in enumerate(levels):
        if level is not None:
            observed[cells, s] = level
    return observed


def test_every_trend_category_has_a_fixture():
    assert set(TREND_FIXTURES) == set(TRENDS)
    assert not set(GATED) & set(TRENDS)


@pytest.mark.parametrize("expected", list(TREND_FIXTURES))
def test_fixture_produces_its_category(weights, expected):
    ids = list(weights.ids)
    result = emerging_hotspots(cube_of(planted(*TREND_FIXTURES[expected]), ids), weights)
    assert isinstance(result, TrendResult)
    row = result.table.set_index("commune_id").loc[ids[CENTRE]]
    assert row["trend"] == expected, row.to_dict()
    assert (row["slices_hot"], row["slices_cold"]) == SLICE_COUNTS[expected]
    assert ids[CENTRE] in result.communes(expected)
    assert result.table.iloc[0]["trend"] == "no_pattern"  # the south-west corner, away from the block
    assert row["expected_per_slice"] >= 5  # the gate lets it through
    assert result.min_slices == 5 and result.time_window == 1 and len(result.labels) == T
    assert len(result.per_slice) == T * N * N and list(result.per_slice["slice"].unique()) == list(result.labels)
    counts = result.counts()
    assert sum(counts.values()) == N * N
    assert all(counts[c] == len(result.communes(c)) for c in (*TRENDS, *GATED))


def test_slices_hot_and_the_trend_of_an_intensifying_hot_spot(weights):
    ids = list(weights.ids)
    result = emerging_hotspots(cube_of(planted(*TREND_FIXTURES["intensifying_hot"]), ids), weights)
    row = result.table.iloc[CENTRE]
    assert row["slices_hot"] >= 9 and row["slices_cold"] == 0
    assert row["mk_s"] > 0 and row["mk_p"] < 0.05 and row["trend_direction"] == "increasing"
    centre = result.per_slice[result.per_slice["commune_id"] == ids[CENTRE]]
    assert centre["class"].iloc[-1] == "hot_99" and centre["observed"].tolist() == [40 + 8 * k for k in range(T)]
    assert result.communes("no_pattern")[0] == ids[0]  # the south-west corner, far from the block


# --- the gate --------------------------------------------------------------------------------------------


def test_mann_kendall_minimum_length_is_computed_and_is_five_at_005():
    assert min_trend_slices(0.05) == 5
    assert min_trend_slices(0.01) == 6
    assert mann_kendall(range(5)).p_value < 0.05 <= mann_kendall(range(4)).p_value
    assert mann_kendall(range(6)).p_value < 0.01 <= mann_kendall(range(5)).p_value


def rare_and_common_cases(ids: list[str], seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Columns 0–4: 100 people, about 0.1 case a quarter; columns 5–9: 10,000 people, about 10."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, cid in enumerate(ids):
        mean = 10.0 if k % N >= 5 else 0.1
        for quarter in range(8):
            date = f"{2021 + quarter // 4}-{3 * (quarter % 4) + 2:02d}-15"
            rows += [(cid, date, "forced_labour")] * int(rng.poisson(mean))
    pop = np.where(np.arange(len(ids)) % N >= 5, 10_000.0, 100.0)
    population = pd.DataFrame({2021: pop, 2022: pop}, index=pd.Index(ids, name="commune_id"))
    return cases_frame(rows), population


def test_rare_counts_give_too_few_cases_and_their_list(weights):
    ids = list(weights.ids)
    cases, population = rare_and_common_cases(ids)
    cube = space_time_cube(cases, ids, 2021, 2022, "quarter", population=population)
    assert cube.population_known and cube.t == 8
    result = emerging_hotspots(cube, weights)
    # Columns 0–3 see only small communes (≈ 9 × 0.1 × 1.9 expected per slice); column 4 touches column 5.
    rare = tuple(ids[k] for k in range(N * N) if k % N <= 3)
    assert result.communes("too_few_cases") == rare
    assert result.counts()["too_few_cases"] == 40
    table = result.table.set_index("commune_id")
    assert (table.loc[list(rare), "expected_per_slice"] < 5).all()
    assert (table.loc[list(rare), "trend_direction"] == "none").all()
    assert table.loc[ids[4], "expected_per_slice"] > 5 and table.loc[ids[4], "trend"] not in GATED
    assert not set(table.loc[[i for i in ids if i not in rare], "trend"]) & set(GATED)
    assert result.communes("too_few_slices") == ()
    assert emerging_hotspots(cube, weights, min_expected=0).communes("too_few_cases") == ()


def test_four_slices_are_too_few_for_any_trend(weights):
    ids = list(weights.ids)
    result = emerging_hotspots(cube_of(planted("hot", [H] * 4), ids), weights)
    assert result.min_slices == 5
    assert set(result.table["trend"]) == {"too_few_slices"}
    assert result.communes("too_few_slices") == tuple(ids)
    assert (result.table.loc[CENTRE, "slices_hot"]) == 4  # Gi* per slice is still there
    five = emerging_hotspots(cube_of(planted("hot", [H] * 5), ids), weights)
    assert five.table.loc[CENTRE, "trend"] == "persistent_hot"
    assert emerging_hotspots(cube_of(planted("hot", [H] * 5), ids), weights,
                             trend_alpha=0.01).table.loc[CENTRE, "trend"] == "too_few_slices"
    with pytest.raises(ValueError):
        result.communes("hot")
