"""Empirical-Bayes relative risk: the Poisson-gamma posterior, shrinkage, and the flat case."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from risk.analysis.hotspots.smoothing import exceedance_band, smooth_relative_risk


def test_posterior_is_the_gamma_of_the_moment_prior():
    rng = np.random.default_rng(0)
    e = rng.uniform(1, 30, 200)
    y = rng.poisson(e * rng.gamma(2.0, 0.5, 200))
    res = smooth_relative_risk(y, e)
    m = y.sum() / e.sum()
    s2 = (e * (y / e - m) ** 2).sum() / e.sum()
    v = s2 - m / e.mean()
    a, b = m * m / v, m / v
    assert res.prior_mean == pytest.approx(m)
    assert res.prior_variance == pytest.approx(v)
    assert res.relative_risk == pytest.approx((a + y) / (b + e))
    assert res.exceedance == pytest.approx(stats.gamma.sf(1.5, a + y, scale=1 / (b + e)))
    assert np.all(res.lower <= res.relative_risk) and np.all(res.relative_risk <= res.upper)


def test_a_small_commune_with_a_few_cases_is_shrunk_and_a_large_one_is_not():
    rng = np.random.default_rng(1)
    e = np.concatenate([rng.uniform(5, 20, 100), [0.2, 40.0]])
    y = np.concatenate([rng.poisson(e[:100] * rng.gamma(4.0, 0.25, 100)), [2, 120]])  # raw ratios 10 and 3
    res = smooth_relative_risk(y, e)
    assert res.relative_risk[-2] < 3.0  # 2 cases where 0.2 were expected: mostly chance
    assert res.relative_risk[-1] > 2.5  # 120 where 40 were expected: real
    assert res.exceedance[-1] > 0.95 > res.exceedance[-2]


def test_no_variation_beyond_chance_means_no_commune_above_the_threshold():
    e = np.full(100, 10.0)
    y = np.full(100, 10)  # less variation than Poisson: v < 0
    res = smooth_relative_risk(y, e)
    assert res.no_extra_variation
    assert np.allclose(res.relative_risk, 1.0)
    assert np.all(res.exceedance == 0.0)


def test_communes_without_expected_cases_get_no_estimate():
    res = smooth_relative_risk(np.array([1, 3, 0, 5]), np.array([2.0, 0.0, 1.0, 3.0]))
    assert np.isnan(res.relative_risk[1]) and np.isnan(res.exceedance[1])
    assert exceedance_band(float("nan")) == "unlikely"
    assert [exceedance_band(p) for p in (0.99, 0.9, 0.6, 0.1)] == ["very_likely", "likely", "possible", "unlikely"]
