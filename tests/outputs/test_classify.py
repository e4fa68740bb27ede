"""Class breaks: quantiles and equal intervals are computed without mapclassify (whose import costs a
restarted server's first map 0.5 s), so they must be the breaks mapclassify gives, to the last bit."""
from __future__ import annotations

import warnings

import mapclassify
import numpy as np
import pytest

from risk.outputs.classify import _equal_interval_bins, _quantile_bins, classify


def _samples():
    rng = np.random.default_rng(17)
    yield np.arange(1000, dtype=float)
    yield np.array([0.0, 0.0, 0.0, 1.0, 5.0, 5.0, 9.5])  # ties, few values
    yield np.array([2.0, 1.0, 3.0, 7.0])  # fewer values than some k
    for n in (5, 11, 130, 3321, 10600):
        yield rng.normal(40, 15, n)
        yield rng.exponential(3.0, n).round(1)  # skewed, many ties (like case rates)
        yield rng.integers(0, 4, n).astype(float)  # a few distinct values
        yield rng.random(n) * 1e-6  # tiny range


@pytest.mark.parametrize("k", [3, 4, 5, 6, 7])
def test_quantile_and_equal_interval_breaks_are_mapclassifys(k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # mapclassify: "not enough unique values"
        for values in _samples():
            assert np.array_equal(_quantile_bins(values, k), mapclassify.Quantiles(values, k=k).bins)
            assert np.array_equal(_equal_interval_bins(values, k), mapclassify.EqualInterval(values, k=k).bins)


def test_a_classification_counts_every_value_once():
    values = np.r_[np.random.default_rng(3).normal(size=200), [np.nan] * 5]
    for scheme in ("quantiles", "equal_interval", "natural_breaks"):
        c = classify(values, scheme, 5)
        assert sum(c.counts) == 200 and (c.classes == -1).sum() == 5
        assert c.upper_bounds[-1] == np.nanmax(values)
