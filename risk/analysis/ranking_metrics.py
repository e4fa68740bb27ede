"""How well a ranking of communes finds next year's cases: the one definition the backtest, its
bootstrap intervals (margins.py) and the model card share.

AUC of the ranking, Brier of the probability, capture at the top 10 % and 20 % of
communes (share of next year's cases), PAI (capture ÷ share of communes taken)
and PEI (capture ÷ the best capture any ranking could reach with as many
communes: Chainey's predictive efficiency index, so 1 is perfect whatever the
spread of cases).

AUC and Brier are written out in numpy rather than taken from sklearn.metrics:
the bootstrap (margins.py) computes them some 3,000 times a backtest, where
sklearn's input validation took 10 s on the demo; tests/analysis/
test_ranking_metrics.py holds them equal to roc_auc_score and brier_score_loss.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
__all__ = ["HIGHER_IS_BETTER", "METRICS", "Metrics", "capture", "metrics_of", "rank_by", "ranking_metrics",
           "weighted_auc"]

METRICS: tuple[str, ...] = ("auc", "brier", "capture_10", "capture_20", "pai_10", "pei_10")
HIGHER_IS_BETTER: dict[str, bool] = {m: m != "brier" for m in METRICS}

Metrics = dict[str, float | None]


def rank_by(rows: pd.DataFrame, keys: list[np.ndarray]) -> np.ndarray:
    """Rank (1 = first) by the keys, each descending, then commune_id ascending: ties never random."""
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    frame["id"] = rows["commune_id"].to_numpy()
    order = frame.sort_values([*frame.columns[:-1], "id"], ascending=[False] * len(keys) + [True],
                              kind="mergesort", na_position="last").index.to_numpy()
    ranks = np.empty(len(frame), dtype=int)
    ranks[order] = np.arange(1, len(frame) + 1)
    return ranks


def capture(ranks: np.ndarray, cases: np.ndarray, share: float) -> tuple[float | None, float]:
    """Share of the cases in the top `share` of communes, and the share of communes actually taken."""
    n = len(ranks)
    top = max(1, int(round(share * n)))
    total = float(cases.sum())
    if total <= 0:
        return None, top / n
    return float(cases[ranks <= top].sum()) / total, top / n


def weighted_auc(target: np.ndarray, score: np.ndarray, weight: np.ndarray) -> float | None:
    """ROC AUC with sample weights, ties counted half (as sklearn's roc_auc_score); None without
    both classes."""
    order = np.argsort(score, kind="mergesort")
    s, y, w = score[order], target[order], weight[order]
    _, start = np.unique(s, return_index=True)
    pos = np.add.reduceat(np.where(y == 1, w, 0.0), start)
    neg = np.add.reduceat(np.where(y == 1, 0.0, w), start)
    if pos.sum() <= 0 or neg.sum() <= 0:
        return None
    below = np.cumsum(neg) - neg
    return float((pos * (below + 0.5 * neg)).sum() / (pos.sum() * neg.sum()))


def metrics_of(target: np.ndarray, weight: np.ndarray, cases: np.ndarray, prob: np.ndarray | None,
               ranks: np.ndarray | None) -> Metrics:
    """Every metric of one ranking on one test year, from arrays (module docstring).

    AUC is None when the test year has no positive (or no negative) row; capture,
    PAI and PEI are None when it has no case. AUC and Brier use the sample weights.
    """
    if ranks is None:
        return {m: None for m in METRICS}
    y = np.asarray(target, dtype=int)
    w = np.asarray(weight, dtype=float)
    cases = np.asarray(cases, dtype=float)
    auc = weighted_auc(y, -np.asarray(ranks, dtype=float), w) if len(np.unique(y)) == 2 else None
    brier = float(np.average((np.asarray(prob, dtype=float) - y) ** 2, weights=w)) if prob is not None else None
    c10, s10 = capture(ranks, cases, 0.10)
    c20, _ = capture(ranks, cases, 0.20)
    top = max(1, int(round(0.10 * len(cases))))
    best10 = float(np.sort(cases)[::-1][:top].sum()) / float(cases.sum()) if cases.sum() > 0 else None
    return {"auc": auc, "brier": brier, "capture_10": c10, "capture_20": c20,
            "pai_10": None if c10 is None else c10 / s10,
            "pei_10": None if c10 is None or not best10 else c10 / best10}


def ranking_metrics(rows: pd.DataFrame, prob: np.ndarray | None, ranks: np.ndarray | None) -> Metrics:
    """`metrics_of` for test rows with columns target, weight and cases_next."""
    return metrics_of(rows["target"].to_numpy(), rows["weight"].to_numpy(), rows["cases_next"].to_numpy(), prob, ranks)
