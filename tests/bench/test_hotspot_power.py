"""The power bench plants what it says and scores flags against it (figures are printed, never asserted)."""
import numpy as np

from bench.hotspot_power import draw_counts, flags, main, plant


def _ring(n: int) -> list[np.ndarray]:
    return [np.array([(i - 1) % n, (i + 1) % n]) for i in range(n)]


def test_planted_clusters_are_a_centre_and_its_neighbours_apart_from_each_other():
    neighbours = _ring(40)
    planted = plant(neighbours, 3, np.random.default_rng(0))
    assert planted.sum() == 9
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, planted.astype(int), 0])))[::2]
    assert list(runs) == [3, 3, 3]


def test_counts_carry_the_planted_risk():
    rng = np.random.default_rng(1)
    expected = np.full(2000, 20.0)
    planted = np.arange(2000) < 1000
    y = draw_counts(expected, planted, False, rng)
    assert abs(y[planted].mean() / y[~planted].mean() - 3.0) < 0.1
    over = draw_counts(expected, np.zeros(2000, dtype=bool), True, rng)
    assert over.var() > 3 * over.mean()  # Var = mu + phi mu^2 = 20 + 120


def test_the_naive_method_is_skipped_at_national_scale():
    n = 5001
    assert flags("naive gi_perm_fdr", np.zeros(n, int), np.ones(n), np.zeros((n, 2)), None, 0) is None


def test_quick_run_prints_every_method(capsys):
    main(["--quick", "--maps", "1"])
    out = capsys.readouterr().out
    for method in ("scan", "eb_exceedance", "gi_excess_fdr", "naive gi_perm_fdr"):
        assert sum(line.split("|")[2].strip() == method for line in out.splitlines() if line.count("|") > 5) == 2
    assert out.count("\n     130 |") == 10
    assert out.count("exact-zone bound") == 3  # one line per kind of count, and the legend
