"""Rank intervals from a predictive simulation: refit uncertainty and the risk no feature carries.

Refits on resampled communes (the cluster bootstrap in risk/analysis/model.py) show only how much the
fitted model could move. They miss how far a commune's true risk lies from any fitted model: on
generated provinces where the truth is known, those intervals held the true rank for about 0.78 of
communes, not 0.90 (bench/rank_coverage.py).

The simulation adds that part. A commune's expected count is the model's μ = −ln(1 − p) times a
gamma factor ε with mean 1 and variance φ (the negative-binomial frailty). φ is estimated from how
much the training counts scatter around μ beyond Poisson noise (method of moments: E[(y − μ)² − y]
= φ μ²). Each commune's factor is drawn from its posterior given its own training counts,
Gamma(1/φ + Σy, 1/φ + Σμ), so a commune that has had more cases than predicted year after year
stays higher. Every draw ranks all communes; the interval is the 5th to 95th percentile of a
commune's rank over refits × draws. With φ = 0 (counts no more scattered than Poisson) the
intervals are the refits' alone.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DRAWS_PER_REFIT", "expected_counts", "extra_variance", "predictive_ranks"]

DRAWS_PER_REFIT = 5  # frailty draws per refit: 100 refits give 500 rankings


def expected_counts(prob: np.ndarray) -> np.ndarray:
    """Expected counts from P(≥ 1 case), assuming Poisson counts: μ = −ln(1 − p)."""
    return -np.log1p(-np.clip(np.asarray(prob, dtype=float), 0.0, 1.0 - 1e-9))


def extra_variance(observed: np.ndarray, expected: np.ndarray, weight: np.ndarray | None = None) -> float:
    """φ, the variance of the multiplicative factor beyond Poisson noise (0 when the counts scatter
    no more than Poisson), by the method of moments over commune-years."""
    y, mu = np.asarray(observed, dtype=float), np.asarray(expected, dtype=float)
    w = np.ones_like(y) if weight is None else np.asarray(weight, dtype=float)
    denominator = float((w * mu ** 2).sum())
    if denominator <= 0:
        return 0.0
    return max(0.0, float((w * ((y - mu) ** 2 - y)).sum()) / denominator)


def predictive_ranks(probs: np.ndarray, phi: float, observed_total: np.ndarray, expected_total: np.ndarray,
                     seed: int, draws_per_refit: int = DRAWS_PER_REFIT) -> np.ndarray:
    """(refits × draws, communes) ranks (1 = highest risk) of simulated true risks.

    `probs` are the refits' probabilities (refits, communes); `observed_total` and `expected_total`
    each commune's training counts and the fitted model's expected counts summed over its years."""
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2 or not probs.size:
        return np.empty((0, probs.shape[-1] if probs.ndim else 0), dtype=int)
    mu = expected_counts(probs)
    if phi <= 0:
        risks = [probs]
    else:
        rng = np.random.default_rng([seed, 104729])
        shape = 1.0 / phi + np.asarray(observed_total, dtype=float)
        rate = 1.0 / phi + np.asarray(expected_total, dtype=float)
        risks = [1.0 - np.exp(-mu * rng.gamma(shape, 1.0 / rate, size=mu.shape)) for _ in range(draws_per_refit)]
    stacked = np.concatenate(risks)
    return (-stacked).argsort(axis=1, kind="stable").argsort(axis=1, kind="stable") + 1
