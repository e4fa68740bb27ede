"""Programme allocation and patrol coverage: the integer programs against exhaustive search,
against the greedy ranking on the demo data, error messages, and the CLI."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from risk.analysis.allocate import AllocationError, allocate
from risk.analysis.coverage import commune_points, cover, patrol_sites
from risk.analysis.geography import metric_crs

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
SEEDS = range(6)


# --- fixtures and exhaustive search -------------------------------------------------


def _candidates(seed: int, n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "commune_id": [f"c{i:02d}" for i in range(n)],
        "score": rng.uniform(0.01, 1.0, n),
        "population": rng.integers(500, 30_000, n),
        "cost": rng.uniform(1.0, 10.0, n).round(2),
        "former_district": rng.choice(["A", "B", "C"], n),
    })


def _brute(frame: pd.DataFrame, budget: float, cost, objective: str, min_per_district: int = 0,
           include=(), exclude=(), upper: int = 1) -> float | None:
    """The best objective over every assignment of 0..upper programmes per commune (None: none feasible)."""
    n = len(frame)
    counts = np.array(list(itertools.product(range(upper + 1), repeat=n)), dtype=float)  # (sets, n)
    costs = frame[cost].to_numpy(float) if isinstance(cost, str) else np.full(n, float(cost))
    score = frame["score"].to_numpy(float)
    if objective == "expected_cases":
        weight = -np.log(1.0 - score)
    else:
        weight = score * (frame["population"].to_numpy(float) if objective == "score_x_population" else 1.0)
    ids = frame["commune_id"].to_numpy()
    ok = counts @ costs <= budget + 1e-9 * max(1.0, budget)
    ok &= (counts[:, np.isin(ids, list(include))] >= 1).all(axis=1)
    ok &= (counts[:, np.isin(ids, list(exclude))] == 0).all(axis=1)
    if min_per_district:
        for name in frame["former_district"].unique():
            ok &= counts[:, (frame["former_district"] == name).to_numpy()].sum(axis=1) >= min_per_district
    return float((counts[ok] @ weight).max()) if ok.any() else None


def _check_feasible(result, frame: pd.DataFrame, budget: float, cost, min_per_district: int, include, exclude,
                    upper: int) -> None:
    """The returned allocation obeys every rule, and its figures add up."""
    by_id = frame.set_index("commune_id")
    costs = by_id[cost] if isinstance(cost, str) else pd.Series(float(cost), index=by_id.index)
    counts = pd.Series(result.counts, dtype=float).reindex(by_id.index, fill_value=0)
    assert set(result.chosen) == set(result.counts)
    assert all(1 <= c <= upper for c in result.counts.values())
    assert float(costs @ counts) == pytest.approx(result.cost)
    assert result.cost <= budget + 1e-9 * max(1.0, budget)
    assert set(include) <= set(result.chosen) and not set(exclude) & set(result.chosen)
    if min_per_district:
        per_district = counts.groupby(by_id["former_district"]).sum()
        assert (per_district >= min_per_district).all()
    scores = by_id.loc[list(result.chosen), "score"].to_numpy()
    assert (np.diff(scores) <= 0).all(), "chosen must be sorted by score, highest first"
    # Greedy honours the budget and the include/exclude lists, and never beats the exact answer.
    assert result.greedy_cost <= budget + 1e-9 * max(1.0, budget)
    assert set(include) <= set(result.greedy_chosen) and not set(exclude) & set(result.greedy_chosen)
    if result.greedy_meets_rules:
        assert result.objective >= result.greedy_objective - 1e-9 * max(1.0, result.objective)
    assert result.gap == pytest.approx(result.objective - result.greedy_objective)


RULES = {
    "flat_cost": dict(cost=2.5),
    "per_commune_cost": dict(),
    "min_per_district_1": dict(min_per_district=1),
    "min_per_district_2": dict(min_per_district=2),
    "must_include": dict(include=("c03", "c07")),
    "must_exclude": dict(exclude=("c00", "c01", "c05")),
    "include_exclude_district": dict(include=("c02",), exclude=("c04",), min_per_district=1),
}


@pytest.mark.parametrize("objective", ["expected_cases", "score_x_population", "score"])
@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("seed", SEEDS)
def test_allocation_equals_exhaustive_search(seed: int, rule: str, objective: str) -> None:
    frame = _candidates(seed)
    options = RULES[rule]
    cost = options.get("cost", "cost")
    costs = frame[cost] if isinstance(cost, str) else pd.Series(cost, index=frame.index)
    budget = float(costs.sum()) * np.random.default_rng(100 + seed).uniform(0.15, 0.6)
    mpd, include, exclude = options.get("min_per_district", 0), options.get("include", ()), options.get("exclude", ())
    best = _brute(frame, budget, cost, objective, mpd, include, exclude)
    try:
        result = allocate(frame, budget, cost=cost, objective=objective, min_per_district=mpd,
                          must_include=include, must_exclude=exclude)
    except AllocationError as err:
        assert best is None, f"solver said infeasible ({err.code}) but a feasible set exists"
        return
    assert best is not None
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, rel=1e-9)
    _check_feasible(result, frame, budget, cost, mpd, include, exclude, 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_infeasibility_is_diagnosed_exactly(seed: int) -> None:
    """Across tight budgets, AllocationError is raised exactly when no set satisfies the rules."""
    frame = _candidates(seed, n=10)
    for budget in (0.0, 5.0, 12.0, 20.0, 30.0):
        best = _brute(frame, budget, "cost", "score", 2, ("c01",), ("c09",))
        try:
            result = allocate(frame, budget, objective="score", min_per_district=2, must_include={"c01"},
                              must_exclude={"c09"})
        except AllocationError:
            assert best is None
        else:
            assert best is not None and result.objective == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_several_programmes_per_commune_equals_exhaustive_search(seed: int) -> None:
    frame = _candidates(seed, n=7)
    budget = float(frame["cost"].sum()) * 0.8
    for mpd in (0, 2):
        best = _brute(frame, budget, "cost", "score_x_population", mpd, ("c01",), ("c02",), upper=2)
        result = allocate(frame, budget, objective="score_x_population", min_per_district=mpd,
                          must_include=["c01"], must_exclude=["c02"], max_per_commune=2)
        assert result.objective == pytest.approx(best, rel=1e-9)
        _check_feasible(result, frame, budget, "cost", mpd, ("c01",), ("c02",), 2)


def test_expected_cases_are_read_from_the_probability_and_need_one() -> None:
    from risk.analysis.allocate import risk_weights

    frame = pd.DataFrame({"commune_id": ["a", "b", "c"], "score": [0.0, 0.5, 0.9], "population": [1, 2, 3]})
    assert risk_weights(frame, "expected_cases") == pytest.approx([0.0, np.log(2), np.log(10)])
    index = frame.assign(score=[10.0, 55.0, 0.5])  # a composite index (0-100) is not a probability
    with pytest.raises(AllocationError) as err:
        allocate(index, 10.0, cost=1.0, objective="expected_cases")
    assert err.value.code == "allocate.not_probability" and "a" in err.value.message("en")


def test_greedy_takes_the_ranking_and_skips_what_does_not_fit() -> None:
    frame = pd.DataFrame({"commune_id": ["a", "b", "c", "d"], "score": [0.9, 0.8, 0.7, 0.1],
                          "cost": [6.0, 5.0, 5.0, 1.0]})
    result = allocate(frame, 10.0, objective="score")
    assert result.greedy_chosen == ("a", "d")  # b and c do not fit after a; d does
    assert result.chosen == ("b", "c")
    assert result.greedy_objective == pytest.approx(1.0) and result.objective == pytest.approx(1.5)
    assert result.objective > result.greedy_objective
    assert result.gap_share == pytest.approx(result.gap / result.greedy_objective)


def test_zero_budget_and_zero_greedy() -> None:
    frame = _candidates(1, n=5)
    result = allocate(frame, 0.0)
    assert result.chosen == () and result.objective == 0 and result.gap_share is None


# --- coverage --------------------------------------------------------------------


def _coverage_fixture(seed: int, n_communes: int = 15, n_sites: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    communes = pd.DataFrame({
        "commune_id": [f"c{i:02d}" for i in range(n_communes)],
        "score": rng.uniform(0.0, 1.0, n_communes), "population": rng.integers(500, 30_000, n_communes),
        "lon": rng.uniform(104.0, 105.0, n_communes), "lat": rng.uniform(18.5, 19.5, n_communes),
    })
    sites = pd.DataFrame({"name": [f"s{j}" for j in range(n_sites)], "lon": rng.uniform(104.0, 105.0, n_sites),
                          "lat": rng.uniform(18.5, 19.5, n_sites)})
    return communes, sites


def _distances_km(communes: pd.DataFrame, sites: pd.DataFrame) -> np.ndarray:
    """Dense straight-line distances (sites × communes), independent of the module's KD-tree."""
    a = gpd.GeoSeries(gpd.points_from_xy(communes["lon"], communes["lat"]), crs=4326)
    crs = metric_crs(a)
    a = a.to_crs(crs)
    b = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326).to_crs(crs)
    return np.hypot(b.x.to_numpy()[:, None] - a.x.to_numpy()[None, :],
                    b.y.to_numpy()[:, None] - a.y.to_numpy()[None, :]) / 1000


@pytest.mark.parametrize("objective", ["score_x_population", "score"])
@pytest.mark.parametrize("seed", SEEDS)
def test_coverage_equals_exhaustive_search(seed: int, objective: str) -> None:
    communes, sites = _coverage_fixture(seed)
    weight = communes["score"].to_numpy() * (communes["population"].to_numpy() if objective != "score" else 1)
    for k, radius in ((1, 30.0), (2, 25.0), (3, 20.0), (4, 15.0)):
        reach = _distances_km(communes, sites) <= radius
        best = max(float(weight[reach[list(combo)].any(axis=0)].sum())
                   for combo in itertools.combinations(range(len(sites)), k))
        result = cover(communes, sites, k, radius, objective=objective)
        assert result.status == "optimal"
        assert len(result.bases) == k
        assert result.covered_risk == pytest.approx(best, rel=1e-9)
        picked = [int(s.name[1:]) for s in result.bases]
        assert set(result.covered) == set(communes["commune_id"][reach[picked].any(axis=0)])
        assert result.greedy_covered_risk <= result.covered_risk + 1e-9 * max(1.0, best)
        assert result.covered_share == pytest.approx(result.covered_risk / weight.sum())


# --- demo data ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    from risk.cli.main import allocation_candidates
    from risk.ingest.folder import load_dataset
    from risk.analysis.model import ModelConfig

    ds = load_dataset(DEMO)
    frame = allocation_candidates(ds, 2025, ModelConfig(n_bootstrap=0))
    frame["unit_cost"] = 50 + frame["population"] / 1000  # a cost that grows with the people reached
    return ds, frame


def test_demo_milp_never_worse_than_greedy(demo) -> None:
    _, frame = demo
    assert len(frame) == 130 and frame["population"].notna().all() and frame["former_district"].notna().all()
    strictly_better = 0
    for objective in ("score_x_population", "score"):
        for cost, budgets in ((1.0, (1, 5, 10, 20, 40)), ("unit_cost", (200.0, 500.0, 1000.0, 2500.0))):
            for budget in budgets:
                result = allocate(frame, budget, cost=cost, objective=objective)
                assert result.status == "optimal"
                assert result.objective >= result.greedy_objective - 1e-9 * result.objective
                strictly_better += result.objective > result.greedy_objective * (1 + 1e-9)
        result = allocate(frame, 40.0, cost=1.0, objective=objective, min_per_district=1)
        assert result.greedy_meets_rules and result.objective >= result.greedy_objective - 1e-9 * result.objective
    # With a flat cost and the score alone, greedy is optimal by construction; with population or
    # unequal costs the exact answer is strictly better on the demo data.
    assert strictly_better > 0
    flat = allocate(frame, 10, cost=1.0, objective="score")
    assert flat.objective == pytest.approx(flat.greedy_objective)


def test_the_best_simple_rule_is_never_above_the_exact_answer_and_close_to_it(demo) -> None:
    _, frame = demo
    gaps = []
    for cost, budgets in ((100.0, (500.0, 1000.0, 3000.0)), ("unit_cost", (200.0, 500.0, 1000.0, 2500.0))):
        for budget in budgets:
            result = allocate(frame, budget, cost=cost)
            assert result.ratio_objective <= result.objective * (1 + 1e-9)
            assert result.ratio_cost <= budget * (1 + 1e-9)
            gaps.append(result.ratio_gap_share)
            if cost == 100.0 and budget % 100 == 0:  # equal costs: taking by weight is exact
                assert result.ratio_gap == pytest.approx(0.0, abs=1e-9 * result.objective)
    # Against the ranking the exact answer gains tens of percent; against the fair rule, little.
    assert max(gaps) < 0.05


def test_a_simple_rule_that_breaks_a_district_minimum_is_named() -> None:
    from risk.views.priorities import AllocationRun, AllocationSettings, allocation_notes

    frame = pd.DataFrame({"commune_id": ["a_big", "a_small", "b_one"], "score": [0.9, 0.05, 0.5],
                          "population": [1000, 1000, 1000], "cost": [90.0, 10.0, 10.0],
                          "former_district": ["A", "A", "B"]})
    result = allocate(frame, 95.0, objective="score_x_population", min_per_district=1)
    assert set(result.chosen) == {"a_small", "b_one"}  # the only plan meeting both minima
    assert result.greedy_broken_districts == ("B",) and not result.greedy_meets_rules
    assert result.ratio_broken_districts == ("B",)
    settings = AllocationSettings(95.0, "cost", "score_x_population", 1)
    for lang in ("vi", "en"):
        notes = allocation_notes(AllocationRun(result, settings), lang)
        assert len(notes) == 2 and all("B" in note for note in notes)


@pytest.mark.parametrize("seed", range(3))
def test_coverage_with_existing_posts_equals_exhaustive_search(seed: int) -> None:
    communes, sites = _coverage_fixture(seed)
    weight = -np.log1p(-communes["score"].to_numpy())
    fixed = [0, 3]
    for k, radius in ((1, 25.0), (2, 20.0)):
        reach = _distances_km(communes, sites) <= radius
        others = [j for j in range(len(sites)) if j not in fixed]
        best = max(float(weight[reach[fixed + list(combo)].any(axis=0)].sum())
                   for combo in itertools.combinations(others, k))
        result = cover(communes, sites, k, radius, fixed=fixed)
        assert result.covered_risk == pytest.approx(best, rel=1e-9)
        assert len(result.bases) == k + 2 and len(result.fixed) == 2
        names = [b.name for b in result.bases]
        assert all(sites["name"].iloc[j] in names for j in fixed)
        assert all(sites["name"].iloc[j] in [b.name for b in result.greedy_bases] for j in fixed)
    with pytest.raises(AllocationError) as err:
        cover(communes, sites, 1, 10.0, fixed=[len(sites)])
    assert err.value.code == "allocate.unknown_fixed_sites"


def test_demo_coverage_from_communes_and_gates(demo) -> None:
    ds, frame = demo
    points = commune_points(ds.boundaries)
    communes = frame.merge(points[["commune_id", "lon", "lat"]], on="commune_id")
    uploaded = pd.DataFrame({"name": ["Đồn A"], "lon": [104.5], "lat": [19.2]})
    sites = patrol_sites(ds.boundaries, ds.gates, uploaded)
    assert len(sites) == 130 + len(ds.gates) + 1 and set(sites["kind"]) == {"commune", "gate", "point"}
    result = cover(communes, sites, 3, 20.0)
    assert result.status == "optimal" and len(result.bases) == 3
    assert result.covered_risk >= result.greedy_covered_risk - 1e-9 * result.covered_risk
    assert 0 < result.covered_share <= 1
    assert json.dumps(result.to_dict(), ensure_ascii=False)


# --- errors ------------------------------------------------------------------------


def _error(call) -> AllocationError:
    with pytest.raises(AllocationError) as info:
        call()
    return info.value


ERRORS = {
    "allocate.include_over_budget": lambda f: allocate(f, 3.0, must_include={"c00", "c01", "c02"}),
    "allocate.district_too_small": lambda f: allocate(f, 1000.0, min_per_district=6),
    "allocate.district_over_budget": lambda f: allocate(f, 2.0, min_per_district=1),
    "allocate.bad_budget": lambda f: allocate(f, -1.0),
    "allocate.negative_cost": lambda f: allocate(f.assign(cost=-f["cost"]), 10.0),
    "allocate.bad_flat_cost": lambda f: allocate(f, 10.0, cost=-2.0),
    "allocate.missing_cost_column": lambda f: allocate(f, 10.0, cost="programme_cost"),
    "allocate.no_candidates": lambda f: allocate(f.iloc[:0], 10.0),
    "allocate.unknown_ids": lambda f: allocate(f, 10.0, must_include={"zz"}),
    "allocate.include_and_exclude": lambda f: allocate(f, 10.0, must_include={"c01"}, must_exclude={"c01"}),
    "allocate.bad_values": lambda f: allocate(f.assign(population=np.nan), 10.0, objective="score_x_population"),
    "allocate.not_probability": lambda f: allocate(f.assign(score=f["score"] * 100), 10.0),
    "allocate.bad_objective": lambda f: allocate(f, 10.0, objective="votes"),
    "allocate.bad_k": lambda f: cover(*_coverage_fixture(0), 0, 10.0),
    "allocate.k_too_large": lambda f: cover(*_coverage_fixture(0, n_sites=3), 4, 10.0),
    "allocate.k_too_large_fixed": lambda f: cover(*_coverage_fixture(0, n_sites=3), 2, 10.0, fixed=[0, 1]),
    "allocate.bad_radius": lambda f: cover(*_coverage_fixture(0), 2, -5.0),
    "allocate.no_sites": lambda f: cover(_coverage_fixture(0)[0], _coverage_fixture(0)[1].iloc[:0], 1, 10.0),
}


@pytest.mark.parametrize("code", list(ERRORS))
def test_errors_have_messages_in_both_languages(code: str) -> None:
    err = _error(lambda: ERRORS[code](_candidates(0, n=12)))
    assert err.code == code
    vi, en = err.message("vi"), err.message("en")
    assert vi and en and vi != en
    for text in (vi, en):
        assert "{" not in text and "}" not in text, text


# --- command line ------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "risk", "allocate", "--data", str(DEMO), "--year", "2025", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_allocate_json() -> None:
    done = _run("--budget", "12", "--min-per-district", "0", "--include", "16681", "--exclude", "16819", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"chosen", "cost", "objective", "greedy_objective", "greedy_chosen", "gap"} <= set(doc)
    assert len(doc["chosen"]) == 12 and doc["cost"] == 12
    assert "16681" in doc["chosen"] and "16819" not in doc["chosen"]
    assert doc["objective"] >= doc["greedy_objective"]


def test_cli_allocate_errors_in_language_without_traceback(capsys) -> None:
    """In-process (the subprocess path is covered above): message in --lang on stderr, exit code 2."""
    from risk.cli.main import main

    base = ["allocate", "--data", str(DEMO), "--year", "2025"]
    for lang, word in (("en", "budget"), ("vi", "ngân sách")):
        assert main([*base, "--budget", "5", "--min-per-district", "1", "--lang", lang, "--json"]) == 2
        out = capsys.readouterr()
        assert word in out.err and "{" not in out.err and out.out == ""
    assert main([*base, "--budget", "5", "--cost-column", "programme_cost", "--lang", "en"]) == 2
    assert "programme_cost" in capsys.readouterr().err
    assert main([*base, "--budget", "-5", "--lang", "en"]) == 2
    assert "budget" in capsys.readouterr().err


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_coverage_of_recorded_cases_equals_exhaustive_search(seed: int) -> None:
    communes, sites = _coverage_fixture(seed)
    communes["recorded_cases"] = np.random.default_rng([seed, 5]).poisson(1.0, len(communes)).astype(float)
    weight = communes["recorded_cases"].to_numpy()
    reach = _distances_km(communes, sites) <= 20.0
    best = max(float(weight[reach[list(combo)].any(axis=0)].sum())
               for combo in itertools.combinations(range(len(sites)), 2))
    result = cover(communes, sites, 2, 20.0, objective="recorded_cases")
    assert result.objective_kind == "recorded_cases"
    assert result.covered_risk == pytest.approx(best, rel=1e-9)


def test_coverage_of_recorded_cases_needs_the_counts_and_refuses_negative_ones() -> None:
    communes, sites = _coverage_fixture(0)
    with pytest.raises(AllocationError) as missing:
        cover(communes, sites, 1, 20.0, objective="recorded_cases")
    assert "recorded_cases" in missing.value.message("en")
    communes["recorded_cases"] = -1.0
    with pytest.raises(AllocationError) as negative:
        cover(communes, sites, 1, 20.0, objective="recorded_cases")
    assert negative.value.code == "allocate.negative_risk"
    with pytest.raises(AllocationError) as unknown:
        cover(communes, sites, 1, 20.0, objective="victims")
    assert "recorded_cases" in unknown.value.message("en")
