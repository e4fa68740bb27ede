"""Bootstrap intervals for the backtest: the point is the backtest's own mean, a margin over an
identical ranking is exactly zero, a clearly better ranking is clear of zero, and fewer communes
give wider intervals."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk.analysis.margins import bootstrap_margins
from risk.analysis.ranking_metrics import METRICS, rank_by, ranking_metrics


def predictions(n: int, years: int = 3, seed: int = 0) -> pd.DataFrame:
    """Test rows of `years` folds: 'model' ranks by true risk plus noise, 'copy' is the model's twin,
    'noise' ranks at random."""
    rng = np.random.default_rng(seed)
    risk = rng.gamma(0.5, 1.0, n)
    frames = []
    for year in range(2021, 2021 + years):
        cases = rng.poisson(risk)
        rows = pd.DataFrame({"commune_id": [f"{i:04d}" for i in range(n)], "test_year": year,
                             "target": (cases > 0).astype(int), "weight": 1.0, "cases_next": cases})
        model = risk + rng.normal(0, 0.1, n)
        noise = rng.uniform(0, 1, n)
        for name, score in (("model", model), ("copy", model), ("noise", noise)):
            rows[f"prob_{name}"] = 1 / (1 + np.exp(-score))
            rows[f"rank_{name}"] = rank_by(rows, [score])
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def test_the_point_estimate_is_the_mean_over_folds_of_the_backtest_metrics():
    pred = predictions(150)
    table = bootstrap_margins(pred, ("model", "noise"), draws=20)
    for method in ("model", "noise"):
        folds = [ranking_metrics(f, f[f"prob_{method}"].to_numpy(), f[f"rank_{method}"].to_numpy())
                 for _, f in pred.groupby("test_year")]
        for k in METRICS:
            assert table.metrics[method][k].estimate == pytest.approx(np.mean([f[k] for f in folds]))


def test_a_margin_over_an_identical_ranking_is_exactly_zero_and_never_a_gain():
    table = bootstrap_margins(predictions(150), ("model", "copy"), draws=50)
    for k in METRICS:
        margin = table.margins["copy"][k]
        assert margin.estimate == 0 and margin.lower == 0 and margin.upper == 0 and margin.no_gain == 1.0


def test_a_clearly_better_ranking_is_clear_of_zero_and_its_interval_holds_the_estimate():
    table = bootstrap_margins(predictions(300), ("model", "noise"), draws=100)
    for k in ("auc", "capture_10", "capture_20", "pei_10"):
        margin = table.margins["noise"][k]
        assert margin.lower > 0 and margin.no_gain == 0.0, k
        interval = table.metrics["model"][k]
        assert interval.lower <= interval.estimate + 0.05 and interval.estimate - 0.05 <= interval.upper, k
    assert table.margins["noise"]["brier"].upper < 0  # lower Brier is better


def test_fewer_communes_give_wider_intervals_and_a_seed_repeats_them():
    wide = bootstrap_margins(predictions(60, seed=1), ("model", "noise"), draws=100).margins["noise"]["auc"]
    narrow = bootstrap_margins(predictions(600, seed=1), ("model", "noise"), draws=100).margins["noise"]["auc"]
    assert (wide.upper - wide.lower) > 1.5 * (narrow.upper - narrow.lower)
    again = bootstrap_margins(predictions(60, seed=1), ("model", "noise"), draws=100).margins["noise"]["auc"]
    assert again == wide
