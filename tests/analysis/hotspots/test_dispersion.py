"""The dispersion estimate: right on clean maps, hardly moved by clusters, and its error measured."""
from __future__ import annotations

import numpy as np
import pytest

from risk.analysis.hotspots.dispersion import estimate_dispersion, estimate_ratios, lower_tail_share


def overdispersed(mu: np.ndarray, phi: float, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(mu * rng.gamma(1 / phi, phi, mu.size)) if phi else rng.poisson(mu)


@pytest.mark.parametrize("phi", [0.0, 0.3, 1.0])
def test_dispersion_is_recovered_on_maps_without_clusters(phi):
    rng = np.random.default_rng(7)
    mu = rng.lognormal(np.log(8), 0.8, 20_000)
    assert estimate_dispersion(overdispersed(mu, phi, rng), mu) == pytest.approx(phi, rel=0.1, abs=0.02)


def test_clusters_hardly_move_it_where_the_method_of_moments_doubles():
    rng = np.random.default_rng(8)
    mu = rng.lognormal(np.log(8), 0.8, 5_000)
    y = overdispersed(mu, 0.3, rng)
    hot = rng.random(mu.size) < 0.05
    y[hot] = rng.poisson(3 * mu[hot] * rng.gamma(1 / 0.3, 0.3, hot.sum()))
    moments = (((y - mu) ** 2 - y).sum()) / (mu ** 2).sum()
    robust = estimate_dispersion(y, mu)
    assert moments > 0.45
    assert robust == pytest.approx(0.3, abs=0.06)


def test_the_lower_tail_share_is_a_quarter_at_the_true_dispersion_and_falls_as_phi_grows():
    rng = np.random.default_rng(9)
    mu = rng.lognormal(np.log(5), 1.0, 20_000)
    y = overdispersed(mu, 0.5, rng)
    assert lower_tail_share(y, mu, 0.5) == pytest.approx(0.25, abs=0.01)
    shares = [lower_tail_share(y, mu, phi) for phi in (0.0, 0.25, 0.5, 1.0, 2.0)]
    assert shares == sorted(shares, reverse=True)


def test_no_counts_or_poisson_counts_give_zero_and_the_ratios_are_bounded():
    assert estimate_dispersion(np.zeros(50), np.full(50, 0.2)) == 0.0
    assert estimate_dispersion(np.array([3]), np.array([2.0])) == 0.0
    rng = np.random.default_rng(10)
    mu = rng.lognormal(np.log(8), 0.8, 130)
    ratios = estimate_ratios(mu, 0.3, 40, seed=1)
    assert ratios.shape == (40,) and ratios.min() >= 0.25 and ratios.max() <= 4.0
    assert 0.7 < np.median(ratios) < 1.3 and ratios.std() > 0.1  # a real spread at 130 communes
    assert np.array_equal(ratios, estimate_ratios(mu, 0.3, 40, seed=1))
    assert estimate_ratios(mu, 0.0, 40, seed=1).tolist() == [1.0]
