"""Reliability and the yearly recalibration step (risk/analysis/calibration.py), alone and inside the
backtest and the scores: fitted out of time only, order-preserving, and judged with an interval."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from risk.access.settings import DEFAULT_DATA_DIR
from risk.analysis.calibration import CalibrationCheck, FoldCalibration, fit_recalibration, reliability_table
from risk.analysis.leakage import time_travel
from risk.analysis.margins import Interval
from risk.analysis.model import ModelConfig, backtest, score
from risk.ingest.folder import load_dataset
from risk.views.model_card import calibration_lines, reliability_long

FAST = ModelConfig(n_bootstrap=0, margin_draws=50)


def _distorted(n: int, intercept: float, slope: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities p, and outcomes drawn from the true chance logit⁻¹(intercept + slope·logit p)."""
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-rng.normal(-1.2, 1.0, n)))
    true = 1 / (1 + np.exp(-(intercept + slope * np.log(p / (1 - p)))))
    return p, (rng.random(n) < true).astype(int)


def test_platt_recovers_a_known_distortion_and_helps_on_new_rows() -> None:
    p, y = _distorted(20000, 0.6, 0.7, seed=1)
    recal = fit_recalibration(p, y, np.ones(len(y)), np.full(len(y), 2023))
    assert recal is not None and recal.years == (2023,) and recal.rows == 20000
    assert recal.intercept == pytest.approx(0.6, abs=0.08) and recal.slope == pytest.approx(0.7, abs=0.05)
    p_new, y_new = _distorted(20000, 0.6, 0.7, seed=2)
    assert np.mean((recal.apply(p_new) - y_new) ** 2) < np.mean((p_new - y_new) ** 2) - 0.002


def test_recalibration_keeps_the_order_of_communes() -> None:
    p, y = _distorted(3000, -0.4, 1.6, seed=3)
    recal = fit_recalibration(p, y, np.ones(len(y)), np.zeros(len(y)))
    order = np.argsort(p, kind="mergesort")
    assert np.all(np.diff(recal.apply(p)[order]) >= 0)


def test_no_recalibration_without_both_classes_or_with_a_reversing_slope() -> None:
    p = np.linspace(0.05, 0.9, 200)
    assert fit_recalibration(p, np.zeros(200), np.ones(200), np.zeros(200)) is None
    assert fit_recalibration(p[:0], np.zeros(0), np.ones(0), np.zeros(0)) is None
    reversed_ = (p < 0.3).astype(int)  # high predictions never had a case: the fit would invert the ranking
    assert fit_recalibration(p, reversed_, np.ones(200), np.zeros(200)) is None


def test_reliability_table_bins_by_the_chosen_column() -> None:
    rows = pd.DataFrame({"prob_a": np.linspace(0, 1, 100), "prob_b": np.linspace(1, 0, 100),
                         "target": (np.arange(100) >= 50).astype(int), "weight": 1.0})
    a, b = reliability_table(rows, "prob_a"), reliability_table(rows, "prob_b")
    assert list(a["bin"]) == list(range(1, 11)) and a["n"].sum() == 100
    assert a["observed"].iloc[-1] == 1 and b["observed"].iloc[-1] == 0


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEFAULT_DATA_DIR)


@pytest.fixture(scope="module")
def demo_backtest(demo):
    return backtest(demo, FAST)


def test_backtest_recalibrates_each_fold_only_on_the_folds_before_it(demo, demo_backtest) -> None:
    rows = demo_backtest.predictions
    first = rows["test_year"].min()
    at_first = rows["test_year"] == first
    assert np.allclose(rows.loc[at_first, "prob_recalibrated"], rows.loc[at_first, "prob_plain"])
    assert not np.allclose(rows.loc[~at_first, "prob_recalibrated"], rows.loc[~at_first, "prob_plain"])
    # Off by default: the model's probabilities are the plain ones.
    assert np.array_equal(rows["prob_model"], rows["prob_plain"])
    # A fold's own outcomes never enter its recalibration: flip the last year's outcomes and the
    # recalibrated probabilities of that year stay as they were.
    last = rows["test_year"].max()
    from risk.analysis.model import _recalibration

    earlier = rows[rows["test_year"] < last]
    flipped = rows.assign(target=np.where(rows["test_year"] == last, 1 - rows["target"], rows["target"]))
    again = _recalibration(flipped[flipped["test_year"] < last], "prob_plain")
    at_last = rows["test_year"] == last
    assert np.allclose(again.apply(rows.loc[at_last, "prob_plain"].to_numpy()), rows.loc[at_last, "prob_recalibrated"])
    assert len(earlier) and _recalibration(earlier, "prob_plain") == again


def test_backtest_reports_the_level_and_the_recalibration_with_an_interval(demo_backtest) -> None:
    check = demo_backtest.calibration
    assert isinstance(check, CalibrationCheck) and not check.in_use
    assert [f.test_year for f in check.folds] == [f.test_year for f in demo_backtest.folds]
    change = check.brier_change
    assert change.lower is not None and change.lower <= change.estimate <= change.upper
    assert check.verdict in ("helps", "hurts", "unclear")
    low, high = check.gap_range
    assert low <= high and check.error >= max(abs(low), abs(high)) / len(check.folds)
    data = demo_backtest.to_dict("en")["calibration"]
    assert data["verdict"] == check.verdict and len(data["folds"]) == len(check.folds)


def test_recalibrated_backtest_uses_the_recalibrated_probabilities(demo) -> None:
    on = backtest(demo, dataclasses.replace(FAST, recalibrate=True))
    rows = on.predictions
    assert on.calibration.in_use and np.array_equal(rows["prob_model"], rows["prob_recalibrated"])
    assert [f.metrics["model"]["auc"] for f in on.folds] == pytest.approx(
        [f.metrics["model"]["auc"] for f in backtest(demo, FAST).folds])  # the order, hence AUC, is unchanged


def test_recalibrated_scores_keep_the_ranking_and_pass_the_time_travel_test(demo) -> None:
    plain = score(demo, 2024, ModelConfig(n_bootstrap=0)).table
    recal = score(demo, 2024, ModelConfig(n_bootstrap=0, recalibrate=True)).table
    assert list(plain["commune_id"]) == list(recal["commune_id"])
    assert not np.allclose(plain["score"], recal["score"])
    check = time_travel(demo, ModelConfig(n_bootstrap=0, recalibrate=True))
    assert check.identical


def _check(estimate: float, lower: float, upper: float) -> CalibrationCheck:
    folds = (FoldCalibration(2023, 0.20, 0.22, 0.25), FoldCalibration(2024, 0.30, 0.27, 0.26))
    return CalibrationCheck(False, folds, Interval(estimate, lower, upper, 0.3), 0.045, 0.02)


@pytest.mark.parametrize("interval, verdict", [((-0.002, -0.004, -0.001), "helps"), ((0.002, 0.001, 0.004), "hurts"),
                                               ((-0.001, -0.003, 0.001), "unclear")])
def test_verdict_follows_the_interval(interval, verdict) -> None:
    check = _check(*interval)
    assert check.verdict == verdict and check.gap_range == pytest.approx((-0.05, 0.04))


def test_card_lines_in_both_languages(demo_backtest) -> None:
    vi, en = calibration_lines(demo_backtest, "vi"), calibration_lines(demo_backtest, "en")
    assert len(vi) == len(en) == 3
    assert "0,0" in vi[0] and "0.0" in en[0] and "tắt" in vi[2] and "off" in en[2]
    long = reliability_long(demo_backtest, "en")
    assert set(long["series"]) == {"Model", "Model, recalibrated"} and len(long) == 20
