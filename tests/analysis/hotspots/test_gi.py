"""Getis-Ord Gi* (the descriptive layer) and its FDR classes."""
from __future__ import annotations

import warnings

import esda
import numpy as np
import pytest
from scipy import stats
from shapely.geometry import box

from risk.analysis.geography import contiguity_weights
from risk.analysis.hotspots.gi import GI_CLASSES as CLASSES, classify_gi, gi_star, permutation_p_values
from tests.analysis.hotspots.grids import N, block, grid


@pytest.fixture(scope="module")
def weights():
    return contiguity_weights(grid())




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


def test_no_cut_off_is_invented_when_no_p_value_passes():
    """esda.fdr returns alpha/n when nothing passes; a page would show that as a real cut-off."""
    from risk.analysis.hotspots.gi import benjamini_hochberg_cutoff

    p = np.array([0.2, 0.5, 0.9])
    assert np.isnan(benjamini_hochberg_cutoff(p, 0.05))
    assert esda.fdr(p, 0.05) == pytest.approx(0.05 / 3)  # what esda would have said
    classes, cutoffs = classify_gi(np.array([1.0, 2.0, -1.0]), p)
    assert all(np.isnan(v) for v in cutoffs.values())
    assert set(classes) == {"not_significant"}
