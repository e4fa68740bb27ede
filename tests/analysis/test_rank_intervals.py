"""Predictive rank intervals (risk/analysis/rank_intervals.py): the extra-variance estimate and the
simulated rankings."""
from __future__ import annotations

import numpy as np
import pytest

from risk.analysis.rank_intervals import expected_counts, extra_variance, predictive_ranks


def test_extra_variance_is_about_zero_for_poisson_counts_and_recovers_a_gamma_frailty() -> None:
    rng = np.random.default_rng(0)
    mu = rng.uniform(0.2, 3.0, 200_000)
    assert extra_variance(rng.poisson(mu), mu) == pytest.approx(0.0, abs=0.01)
    frailty = rng.gamma(1 / 0.4, 0.4, mu.size)  # mean 1, variance 0.4
    assert extra_variance(rng.poisson(mu * frailty), mu) == pytest.approx(0.4, abs=0.03)
    assert extra_variance(np.zeros(3), np.zeros(3)) == 0.0


def test_expected_counts_invert_the_chance_of_at_least_one_case() -> None:
    p = np.array([0.0, 0.5, 0.9])
    assert np.allclose(1 - np.exp(-expected_counts(p)), p)


def test_without_extra_variance_the_rankings_are_the_refits() -> None:
    probs = np.array([[0.3, 0.2, 0.1], [0.1, 0.2, 0.3]])
    ranks = predictive_ranks(probs, 0.0, np.zeros(3), np.zeros(3), seed=0)
    assert ranks.tolist() == [[1, 2, 3], [3, 2, 1]]


def test_a_commune_with_more_cases_than_expected_ranks_higher_in_the_draws() -> None:
    probs = np.full((40, 2), 0.3)  # the model cannot tell the two communes apart
    ranks = predictive_ranks(probs, 0.5, observed_total=np.array([6.0, 0.0]), expected_total=np.array([2.0, 2.0]),
                             seed=1)
    assert ranks.shape == (200, 2)
    assert (ranks[:, 0] == 1).mean() > 0.8
    spread = predictive_ranks(probs, 0.5, np.array([2.0, 2.0]), np.array([2.0, 2.0]), seed=1)
    assert 0.3 < (spread[:, 0] == 1).mean() < 0.7  # same history: either may be first
