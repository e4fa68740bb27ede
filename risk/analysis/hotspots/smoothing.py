"""Each commune's relative risk, smoothed so a small commune's few cases do not read as a hotspot.

Why. A commune of 800 people with 2 cases has a raw rate ten times the
province's, and one with 0 cases has none; both mostly show chance. The
Poisson-gamma empirical-Bayes model (Clayton & Kaldor 1987; moments as in
Marshall 1991, "Mapping disease and mortality rates using empirical Bayes
estimators", Appl. Stat. 40:283-294) pulls each commune's ratio of observed
to expected towards the province's, the more so the fewer cases it expects.

Model. y_i ~ Poisson(e_i · RR_i) with RR_i ~ Gamma(shape a, rate b), mean
m = Σy/Σe (1 when expected counts are scaled to the total). Moments over
communes: s² = Σ e_i (y_i/e_i − m)² / Σ e_i and v = s² − m/ē (ē the mean
expected count). The posterior of RR_i is Gamma(a + y_i, b + e_i), so its
mean, a 90 % credible interval, and the exceedance probability
P(RR_i > threshold) are exact. esda.smoothing.Empirical_Bayes is not used: it
lets v go negative (then its rates are meaningless), which happens whenever
communes vary less than Poisson chance, as on a quiet map.

When v ≤ 0 the data show no variation beyond chance: every commune's risk is
the province's, `no_extra_variation` is True, and no commune is above the
threshold (a page says so instead of drawing a confident map).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from risk.analysis.hotspots.vocabulary import EXCEEDANCE_BANDS

__all__ = ["DEFAULT_THRESHOLD", "EXCEEDANCE_BANDS", "SmoothedRisk", "exceedance_band", "smooth_relative_risk"]

DEFAULT_THRESHOLD = 1.5


@dataclass(frozen=True)
class SmoothedRisk:
    """Posterior relative risk per commune (input order) and the prior it came from."""

    relative_risk: np.ndarray
    lower: np.ndarray  # 5 % quantile
    upper: np.ndarray  # 95 % quantile
    exceedance: np.ndarray  # P(RR > threshold)
    threshold: float
    prior_mean: float
    prior_variance: float
    no_extra_variation: bool


def smooth_relative_risk(
    observed: np.ndarray, expected: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
) -> SmoothedRisk:
    """Empirical-Bayes relative risk and P(RR > threshold) (module docstring). Communes with
    expected ≤ 0 (no population) get NaN."""
    from scipy import stats
    y = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    ok = e > 0
    nan = np.full(len(y), np.nan)
    if not ok.any() or y[ok].sum() <= 0:
        zero = np.where(ok, 0.0, np.nan)
        return SmoothedRisk(np.where(ok, 1.0, np.nan), nan.copy(), nan.copy(), zero, float(threshold), 1.0, 0.0,
                            True)
    m = float(y[ok].sum() / e[ok].sum())
    smr = y[ok] / e[ok]
    s2 = float((e[ok] * (smr - m) ** 2).sum() / e[ok].sum())
    v = s2 - m / float(e[ok].mean())
    flat = not v > 0
    rr = np.full(len(y), np.nan)
    lower, upper, exceed = nan.copy(), nan.copy(), nan.copy()
    if flat:
        rr[ok] = m
        lower[ok] = upper[ok] = m
        exceed[ok] = float(m > threshold)
        return SmoothedRisk(rr, lower, upper, exceed, float(threshold), m, 0.0, True)
    a, b = m * m / v, m / v
    shape, rate = a + y[ok], b + e[ok]
    rr[ok] = shape / rate
    lower[ok] = stats.gamma.ppf(0.05, shape, scale=1.0 / rate)
    upper[ok] = stats.gamma.ppf(0.95, shape, scale=1.0 / rate)
    exceed[ok] = stats.gamma.sf(float(threshold), shape, scale=1.0 / rate)
    return SmoothedRisk(rr, lower, upper, exceed, float(threshold), m, float(v), False)


def exceedance_band(probability: float) -> str:
    """The band name of one exceedance probability ('unlikely' for NaN)."""
    if not np.isfinite(probability):
        return "unlikely"
    for name, bound in EXCEEDANCE_BANDS:
        if probability >= bound:
            return name
    return "unlikely"
