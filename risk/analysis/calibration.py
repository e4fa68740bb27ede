"""Is a score of 30 right three times in ten? Reliability, and a yearly recalibration step the backtest judges.

Why. The score is a probability, and the allocation turns it into expected cases
(-ln(1 - p)), so its level matters, not only its order. An audit found the demo
under-predicting in every test year and a held-out province over-predicting at
the top by up to 0.08. A probability whose level drifts from year to year must
say how far it drifted in the backtest, and a correction must be shown to help
before it is used.

How. The recalibration is Platt scaling fitted out of time:
logit(p') = a + b·logit(p), with (a, b) fitted by weighted logistic regression
on earlier years' out-of-time predictions (each target year predicted by a
model trained only on the years before it). Nothing of the year being scored
is used, so it can run inside every backtest fold and when scoring. The slope
b corrects a model that is over- or under-confident at the top; the intercept
a corrects the level. A slope that is not positive would reverse the ranking:
no correction is fitted then.

What was measured before choosing the default (`python -m bench.calibration`,
the committed demo seed and seeds 1-10, where the generator's true risk is
known): recalibrated probabilities were further from the true risk than the
plain ones on 9 of 11 provinces (median squared gap 0.0106 against 0.0082),
their yearly level further off on 9 of 11 (0.029 against 0.022), and the Brier
score higher on 9 of 11. An intercept shift fitted on the latest year alone and
a linear year effect did no better at earlier stops. The year-to-year swing of
the province-wide rate is not predictable from earlier years. So the step is
off by default; every backtest measures it on the dataset at hand, and the
card says whether it helps there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.analysis.margins import Interval

__all__ = ["CalibrationCheck", "FoldCalibration", "Recalibration", "calibration_check", "fit_recalibration",
           "fold_calibration", "reliability_table"]

_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Recalibration:
    """logit(p') = intercept + slope·logit(p), fitted on `rows` out-of-time predictions of `years`."""

    intercept: float
    slope: float
    rows: int
    years: tuple[int, ...]

    def apply(self, prob: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.intercept + self.slope * _logit(prob))))


def fit_recalibration(prob: np.ndarray, target: np.ndarray, weight: np.ndarray,
                      years: np.ndarray) -> Recalibration | None:
    """Platt scaling on out-of-time predictions; None without both classes or when the fitted slope
    is not positive (it would reverse the ranking)."""
    from sklearn.linear_model import LogisticRegression  # here: importing this module must not load sklearn

    y = np.asarray(target, dtype=int)
    if len(y) == 0 or len(np.unique(y)) < 2:
        return None
    fit = LogisticRegression(C=1e6, max_iter=1000)  # essentially unpenalised: two parameters, many rows
    fit.fit(_logit(prob).reshape(-1, 1), y, sample_weight=np.asarray(weight, dtype=float))
    slope = float(fit.coef_[0, 0])
    if not slope > 0:
        return None
    return Recalibration(float(fit.intercept_[0]), slope, int(len(y)),
                         tuple(sorted(int(v) for v in np.unique(years))))


@dataclass(frozen=True)
class FoldCalibration:
    """One test year: the weighted mean probability with and without recalibration, and the observed share."""

    test_year: int
    predicted: float
    recalibrated: float
    observed: float


@dataclass(frozen=True)
class CalibrationCheck:
    """What the backtest says about the probabilities' level and about recalibrating them.

    `in_use`: whether the model's probabilities are recalibrated (ModelConfig.recalibrate);
    `brier_change`: recalibrated minus plain Brier with its 90 % interval over resampled communes
    (`no_gain`: share of resamples where recalibration does not lower it); `error` and
    `error_recalibrated`: mean absolute gap between mean predicted and observed share over the
    test years (calibration-in-the-large)."""

    in_use: bool
    folds: tuple[FoldCalibration, ...]
    brier_change: Interval
    error: float
    error_recalibrated: float

    @property
    def verdict(self) -> str:
        """'helps' when the Brier interval lies below zero, 'hurts' above, else 'unclear'."""
        change = self.brier_change
        if change.upper is not None and change.upper < 0:
            return "helps"
        if change.lower is not None and change.lower > 0:
            return "hurts"
        return "unclear"

    @property
    def gap_range(self) -> tuple[float, float]:
        """The smallest and largest (predicted − observed) over the test years, without recalibration."""
        gaps = [f.predicted - f.observed for f in self.folds]
        return min(gaps), max(gaps)

    def to_dict(self) -> dict:
        return {"in_use": self.in_use, "verdict": self.verdict, "brier_change": self.brier_change.to_dict(),
                "error": self.error, "error_recalibrated": self.error_recalibrated,
                "folds": [{"test_year": f.test_year, "predicted": f.predicted, "recalibrated": f.recalibrated,
                           "observed": f.observed} for f in self.folds]}


def calibration_check(predictions: pd.DataFrame, in_use: bool, draws: int, seed: int) -> CalibrationCheck:
    """The check from backtest test rows holding `prob_plain` and `prob_recalibrated` (and rank_model)."""
    from risk.analysis.margins import bootstrap_margins

    rows = predictions.assign(rank_plain=predictions["rank_model"], rank_recalibrated=predictions["rank_model"])
    margins = bootstrap_margins(rows, ("recalibrated", "plain"), draws, seed)
    folds = fold_calibration(rows, "prob_plain", "prob_recalibrated")
    error = float(np.mean([abs(f.predicted - f.observed) for f in folds]))
    error_recalibrated = float(np.mean([abs(f.recalibrated - f.observed) for f in folds]))
    return CalibrationCheck(bool(in_use), folds, margins.margins["plain"]["brier"], error, error_recalibrated)


def fold_calibration(predictions: pd.DataFrame, plain: str, recalibrated: str) -> tuple[FoldCalibration, ...]:
    """Mean predicted (both ways) against observed, weighted, per test year."""
    out = []
    for year, fold in predictions.groupby("test_year", sort=True):
        w = fold["weight"].to_numpy(dtype=float)
        mean = lambda column: float(np.average(fold[column].to_numpy(dtype=float), weights=w))  # noqa: E731
        out.append(FoldCalibration(int(year), mean(plain), mean(recalibrated), mean("target")))
    return tuple(out)


def reliability_table(predictions: pd.DataFrame, column: str = "prob_model", n_bins: int = 10) -> pd.DataFrame:
    """Predicted against observed over every backtest test row, in bins of equal size by `column`.

    Columns: bin (1 = lowest predictions), n, predicted (mean probability), observed (share of
    rows with a case next year), both weighted."""
    prob = predictions[column].to_numpy(dtype=float)
    order = np.argsort(prob, kind="mergesort")
    bins = np.empty(len(predictions), dtype=int)
    bins[order] = np.minimum(np.arange(len(predictions)) * n_bins // max(len(predictions), 1), n_bins - 1) + 1
    weight = predictions["weight"].to_numpy(dtype=float)
    frame = pd.DataFrame({"bin": bins, "w": weight, "p": prob * weight,
                          "y": predictions["target"].to_numpy(dtype=float) * weight})
    grouped = frame.groupby("bin")
    out = pd.DataFrame({"n": grouped.size(), "predicted": grouped["p"].sum() / grouped["w"].sum(),
                        "observed": grouped["y"].sum() / grouped["w"].sum()})
    return out.reset_index()
