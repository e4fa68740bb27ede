"""The spatial scan: it finds planted clusters, stays quiet on null maps (Poisson and
overdispersed), and says when no cluster could be significant."""
from __future__ import annotations

import numpy as np
import pytest

from risk.analysis.hotspots.dispersion import estimate_dispersion
from risk.analysis.hotspots.scan import ScanOptions, scan_clusters, zone_statistic

SIDE = 12  # a 12 × 12 grid of communes, 10 km apart


def grid_coords(side: int = SIDE) -> np.ndarray:
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    return np.column_stack([ii.ravel(), jj.ravel()]).astype(float) * 10_000.0


def block(rows: range, cols: range, side: int = SIDE) -> np.ndarray:
    return np.array([r * side + c for r in rows for c in cols])


def population(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.clip(np.exp(rng.normal(np.log(8000), 0.8, n)), 500, 100_000)


def expected_from(pop: np.ndarray, rate: float = 2e-4, years: int = 5) -> np.ndarray:
    return pop * rate * years


def flagged(result, n: int) -> np.ndarray:
    return result.levels(n) != ""


def test_a_planted_cluster_is_found_at_small_n_and_little_else_is_flagged():
    coords = grid_coords()
    n = len(coords)
    planted = np.zeros(n, dtype=bool)
    planted[block(range(3, 6), range(3, 6))] = True  # 9 communes at relative risk 3
    recall, false = [], []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        base = expected_from(population(rng, n))
        y = rng.poisson(base * np.where(planted, 3.0, 1.0))
        res = scan_clusters(y, base, coords, ScanOptions(seed=seed, replicates=199))
        f = flagged(res, n)
        recall.append((f & planted).sum() / planted.sum())
        false.append((f & ~planted).sum())
    assert np.mean(recall) >= 0.5
    assert np.mean(false) <= 3  # the circle can take in a neighbour or two; not far-away communes


@pytest.mark.parametrize("dispersion", [0.0, 0.5])
def test_null_maps_flag_almost_nothing_poisson_and_overdispersed(dispersion):
    coords = grid_coords()
    n = len(coords)
    flags = 0
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        base = expected_from(population(rng, n))
        rr = rng.gamma(1 / dispersion, dispersion, n) if dispersion else np.ones(n)
        y = rng.poisson(base * rr)
        flags += flagged(scan_clusters(y, base, coords, ScanOptions(seed=seed, replicates=199)), n).sum()
    assert flags / (12 * n) <= (0.005 if dispersion == 0 else 0.01)


def test_overdispersion_would_give_false_clusters_under_a_poisson_null():
    """Why the null is drawn at the estimated dispersion: with a Poisson null the same
    overdispersed maps are full of clusters."""
    coords = grid_coords()
    n = len(coords)
    poisson, fitted = 0, 0
    for seed in range(6):
        rng = np.random.default_rng(200 + seed)
        base = expected_from(population(rng, n))
        y = rng.poisson(base * rng.gamma(2.0, 0.5, n))  # phi = 0.5
        poisson += flagged(scan_clusters(y, base, coords, ScanOptions(seed=seed, replicates=199,
                                                                       overdispersion=False)), n).sum()
        fitted += flagged(scan_clusters(y, base, coords, ScanOptions(seed=seed, replicates=199)), n).sum()
    assert poisson >= 5 * max(fitted, 1)


def test_overdispersed_null_p_values_are_not_too_small_at_small_n():
    """The dispersion estimate's own error goes into the null: at 130-odd communes a map whose phi
    is underestimated would otherwise get p at the floor with no cluster (measured: 5 of 100 maps)."""
    coords = grid_coords()
    n = len(coords)
    p = []
    for seed in range(30):
        rng = np.random.default_rng(500 + seed)
        base = expected_from(population(rng, n))
        y = rng.poisson(base * rng.gamma(1 / 0.3, 0.3, n))
        res = scan_clusters(y, base, coords, ScanOptions(seed=seed, replicates=99))
        p.append(res.clusters[0].p_value if res.clusters else 1.0)
    p = np.array(p)
    assert (p <= 0.02).sum() <= 1
    assert (p <= 0.05).mean() <= 0.15
    assert np.median(p) >= 0.3


def test_the_floor_guard_when_too_few_replicates_can_reach_95_percent():
    coords = grid_coords()
    n = len(coords)
    y = np.zeros(n, dtype=int)
    y[block(range(3, 6), range(3, 6))] = 30
    base = np.full(n, y.sum() / n)
    for replicates in (0, 9, 18):
        res = scan_clusters(y, base, coords, ScanOptions(replicates=replicates))
        assert res.reason == "floor"
        assert res.significant == ()
    assert scan_clusters(y, base, coords, ScanOptions(replicates=19)).reason is None


def test_too_few_cases_and_no_cases_are_said_not_silently_mapped():
    coords = grid_coords()
    n = len(coords)
    base = np.full(n, 1.0)
    y = np.zeros(n, dtype=int)
    assert scan_clusters(y, base, coords).reason == "no_cases"
    y[5] = 2  # two cases on 144 communes: nothing could ever be significant
    res = scan_clusters(y, base, coords, ScanOptions(replicates=199))
    assert res.reason == "too_few_cases"
    assert res.significant == ()
    assert res.best_possible_statistic <= res.critical_statistic["95"]


def test_the_likelihood_ratio_and_p_value_follow_kulldorff():
    coords = grid_coords()
    n = len(coords)
    rng = np.random.default_rng(3)
    base = np.full(n, 2.0)
    y = rng.poisson(base)
    y[block(range(0, 2), range(0, 2))] += 12
    res = scan_clusters(y, base, coords, ScanOptions(replicates=99, seed=1))
    best = res.clusters[0]
    total = y.sum()
    c = y[list(best.members)].sum()
    mu = base[list(best.members)].sum() * total / base.sum()
    llr = c * np.log(c / mu) + (total - c) * np.log((total - c) / (total - mu))
    assert best.observed == c
    assert best.expected == pytest.approx(mu)
    assert best.statistic == pytest.approx(llr)
    assert best.level in ("95", "99")
    assert best.p_value * 100 == pytest.approx(round(best.p_value * 100))  # (1 + k) / (R + 1)


def test_secondary_clusters_share_no_commune_and_the_result_is_repeatable():
    coords = grid_coords()
    n = len(coords)
    rng = np.random.default_rng(11)
    base = expected_from(population(rng, n))
    risk = np.ones(n)
    risk[block(range(1, 3), range(1, 3))] = 5.0
    risk[block(range(8, 10), range(8, 10))] = 5.0
    y = rng.poisson(base * risk)
    res = scan_clusters(y, base, coords, ScanOptions(seed=5, replicates=199))
    members = [set(c.members) for c in res.significant]
    assert len(members) >= 2
    assert all(a.isdisjoint(b) for i, a in enumerate(members) for b in members[i + 1:])
    again = scan_clusters(y, base, coords, ScanOptions(seed=5, replicates=199))
    assert [c.members for c in again.significant] == [c.members for c in res.significant]
    other_seed = scan_clusters(y, base, coords, ScanOptions(seed=6, replicates=199))
    assert [c.members for c in other_seed.significant] == [c.members for c in res.significant]


def test_under_overdispersion_zones_are_scored_by_the_negative_binomial_quasi_ratio():
    coords = grid_coords()
    n = len(coords)
    rng = np.random.default_rng(31)
    base = expected_from(population(rng, n))
    y = rng.poisson(base * rng.gamma(1 / 0.3, 0.3, n))
    y[block(range(2, 5), range(2, 5))] += rng.poisson(2 * base[block(range(2, 5), range(2, 5))])
    res = scan_clusters(y, base, coords, ScanOptions(replicates=99, seed=2))
    assert res.statistic_kind == "nb_quasi_llr" and res.dispersion > 0
    best = res.clusters[0]
    members = list(best.members)
    mu = base / base.sum() * y.sum()
    w = 1 / (1 + res.dispersion * mu)
    a, b = (w[members] * y[members]).sum(), (w[members] * mu[members]).sum()
    assert best.statistic == pytest.approx(a * np.log(a / b) - (a - b))
    poisson = scan_clusters(rng.poisson(base), base, coords, ScanOptions(replicates=99, seed=2, overdispersion=False))
    assert poisson.statistic_kind == "poisson_llr" and poisson.dispersion == 0


def test_zone_statistic_is_what_the_scan_gives_that_zone():
    coords = grid_coords()
    n = len(coords)
    rng = np.random.default_rng(8)
    base = expected_from(population(rng, n))
    y = rng.poisson(base * np.where(np.isin(np.arange(n), block(range(2, 5), range(2, 5))), 3.0, 1.0))
    for overdispersion in (False, True):
        y_map = y if not overdispersion else y + rng.poisson(base * rng.gamma(1 / 0.3, 0.3, n))
        res = scan_clusters(y_map, base, coords, ScanOptions(replicates=49, seed=1, overdispersion=overdispersion))
        best = res.clusters[0]
        assert zone_statistic(y_map, base, np.array(best.members), res.dispersion) == pytest.approx(best.statistic)
        mask = np.zeros(n, dtype=bool)
        mask[list(best.members)] = True
        assert zone_statistic(y_map, base, mask, res.dispersion) == pytest.approx(best.statistic)
    assert zone_statistic(np.ones(n, int), np.ones(n), np.arange(5), 0.0) == 0.0  # no excess, no statistic


def test_a_cluster_of_small_communes_is_not_outranked_by_one_large_commune_under_overdispersion():
    """The Poisson ratio grows with a commune's expected count, so one large commune whose own risk
    is high (as overdispersion makes some) outranked every real cluster; the score does not."""
    coords = grid_coords()
    n = len(coords)
    found = 0
    for seed in range(8):
        rng = np.random.default_rng(300 + seed)
        base = expected_from(population(rng, n))
        base[block(range(7, 10), range(7, 10))] = 6.0  # nine small communes, RR 3
        base[5] = 80.0  # one large commune at RR 1.8: plausible under phi = 0.3
        risk = rng.gamma(1 / 0.3, 0.3, n)
        risk[block(range(7, 10), range(7, 10))] = 3.0
        risk[5] = 1.8
        y = rng.poisson(base * risk)
        res = scan_clusters(y, base, coords, ScanOptions(replicates=199, seed=seed))
        planted = set(block(range(7, 10), range(7, 10)).tolist())
        found += any(len(planted & set(c.members)) >= 5 for c in res.significant)
    assert found >= 6


def test_the_scan_reports_its_progress_and_stops_when_told():
    from risk.analysis.progress import Cancelled

    rng = np.random.default_rng(5)
    coords = grid_coords()
    e = expected_from(population(rng, len(coords)))
    y = rng.poisson(e * rng.gamma(1 / 0.3, 0.3, len(e)))
    heard = []
    options = ScanOptions(replicates=99, seed=3)
    quiet = scan_clusters(y, e, coords, options)
    told = scan_clusters(y, e, coords, options, heard.append)
    assert told == quiet  # being told changes nothing
    steps = [p.step for p in heard]
    assert steps[0] == "dispersion" and "null_maps" in steps
    nulls = [p for p in heard if p.step == "null_maps" and p.scan == 1]
    assert [p.done for p in nulls] == sorted(p.done for p in nulls) and nulls[-1].total == 99
    assert all(0.0 <= p.fraction <= 1.0 for p in heard)

    def stop_at_first_null_map(progress):
        if progress.step == "null_maps":
            raise Cancelled()

    with pytest.raises(Cancelled):
        scan_clusters(y, e, coords, options, stop_at_first_null_map)
