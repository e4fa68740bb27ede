"""The ranking metrics: AUC and Brier equal sklearn's, PEI is capture over the best possible."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from risk.analysis.ranking_metrics import metrics_of, rank_by, weighted_auc


@pytest.mark.parametrize("seed", range(5))
def test_weighted_auc_and_brier_equal_sklearns_with_ties_and_weights(seed):
    rng = np.random.default_rng(seed)
    n = 200
    y = rng.integers(0, 2, n)
    score = rng.integers(0, 12, n).astype(float)  # many ties
    w = rng.uniform(0.2, 2.0, n)
    prob = rng.uniform(0, 1, n)
    assert weighted_auc(y, score, w) == pytest.approx(roc_auc_score(y, score, sample_weight=w), abs=1e-12)
    ranks = np.argsort(np.argsort(-prob)) + 1
    got = metrics_of(y, w, rng.poisson(1.0, n), prob, ranks)
    assert got["brier"] == pytest.approx(brier_score_loss(y, prob, sample_weight=w), abs=1e-12)
    assert got["auc"] == pytest.approx(roc_auc_score(y, prob, sample_weight=w), abs=1e-12)


def test_weighted_auc_needs_both_classes():
    assert weighted_auc(np.ones(5, dtype=int), np.arange(5.0), np.ones(5)) is None


def test_pei_is_one_for_the_best_ranking_and_capture_over_the_best_otherwise():
    cases = np.array([9, 0, 0, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], dtype=float)
    rows = pd.DataFrame({"commune_id": [f"{i:02d}" for i in range(20)], "target": (cases > 0).astype(int),
                         "weight": 1.0, "cases_next": cases})
    best = metrics_of(rows["target"], rows["weight"], cases, None, rank_by(rows, [cases]))
    assert best["pei_10"] == pytest.approx(1.0)
    # Top 2 of 20 communes: the best takes 9 + 3 of 15 cases; this ranking takes 9 + 1.
    second_best = np.arange(20, dtype=float)
    second_best[[0, 9]] = 100.0, 99.0
    got = metrics_of(rows["target"], rows["weight"], cases, None, rank_by(rows, [second_best]))
    assert got["capture_10"] == pytest.approx(10 / 15)
    assert got["pei_10"] == pytest.approx(10 / 12)
    assert got["pai_10"] == pytest.approx((10 / 15) / 0.10)
