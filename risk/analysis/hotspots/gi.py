"""Getis-Ord Gi*, kept as a descriptive layer: analytical z and p (no permutation floor, no seed).

Gi* (esda.G_Local, `star=True`, binary weights from risk/analysis/geography.py)
compares the sum of values in a commune's neighbourhood with the province's
mean. On raw counts it ignores population, and its conditional permutation
test holds the commune's own value fixed, so it tests only the neighbours; the
permutation p also has a floor of 2/(P+1) that Benjamini-Hochberg cannot pass
at thousands of communes. Measured in bench/hotspot_power.py, it found no
planted cluster. So detection is the scan (scan.py) on expected counts; Gi* is
shown as "descriptive" with esda's analytical z (ArcGIS's GiZScore) and its
exact two-sided normal p. `permutations > 0` remains for the benchmark's naive
way only.

Classes (Gi_Bin): Benjamini-Hochberg at alpha 0.10, 0.05 and 0.01 over the
communes tested, the strongest level passed, with the sign of z. `classify_gi`
also returns the cut-offs, NaN where no commune reaches a level (esda.fdr
would silently return alpha/n there).
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from risk.analysis.geography import SpatialWeights
from risk.analysis.hotspots.vocabulary import GI_CLASSES, NOT_SIGNIFICANT

if TYPE_CHECKING:  # esda, libpysal and scipy.stats load when a Gi* is computed, not to read a kept result
    from libpysal.graph import Graph

CONFIDENCE_LEVELS: tuple[tuple[str, float], ...] = (("90", 0.10), ("95", 0.05), ("99", 0.01))
DEFAULT_SEED = 20250701

def _graph_and_ids(weights: SpatialWeights | Graph) -> tuple[Graph, list[str]]:
    if isinstance(weights, SpatialWeights):
        return weights.graph, list(weights.ids)
    return weights, [str(i) for i in weights.unique_ids]


def benjamini_hochberg_cutoff(p_values: np.ndarray, alpha: float) -> float:
    """The largest k·alpha/n with p(k) < k·alpha/n; NaN when no p-value passes (esda.fdr then
    returns alpha/n, a cut-off nobody reached, which a page would show as if it were one)."""
    p = np.sort(np.asarray(p_values, dtype=float))
    n = len(p)
    if n == 0:
        return float("nan")
    steps = alpha * np.arange(1, n + 1) / n
    passed = np.flatnonzero(p < steps)
    return float(steps[passed[-1]]) if len(passed) else float("nan")


def classify_gi(
    gi_z: Sequence[float], p_value: Sequence[float], fdr: bool = True,
) -> tuple[np.ndarray, dict[str, float]]:
    """Gi_Bin classes and the p cut-off used at each confidence level (see the module docstring)."""
    z = np.asarray(gi_z, dtype=float)
    p = np.asarray(p_value, dtype=float)
    classes = np.full(len(z), NOT_SIGNIFICANT, dtype=object)
    tested = np.isfinite(z) & np.isfinite(p)
    cutoffs: dict[str, float] = {}
    for label, alpha in CONFIDENCE_LEVELS:
        if not tested.any():
            cutoffs[label] = float("nan")
            continue
        cut = benjamini_hochberg_cutoff(p[tested], alpha) if fdr else alpha
        cutoffs[label] = cut
        passed = tested & (p < cut)
        classes[passed & (z > 0)] = f"hot_{label}"
        classes[passed & (z < 0)] = f"cold_{label}"
    return classes, cutoffs


def gi_star(
    values: Sequence[float], weights: SpatialWeights | Graph, permutations: int = 0,
    seed: int = DEFAULT_SEED, fdr: bool = True,
) -> pd.DataFrame:
    """Getis-Ord Gi* per commune: commune_id, gi, gi_z, p_value (two-sided), class.

    `values` are aligned with the weights' ids. Columns and thresholds: module docstring.
    """
    import esda
    from scipy import stats
    graph, ids = _graph_and_ids(weights)
    y = np.asarray(values, dtype=float)
    if len(y) != len(ids):
        raise ValueError(f"{len(y)} values for {len(ids)} communes")
    if not np.isfinite(y).all():
        raise ValueError("Gi* needs a finite value for every commune")
    n = len(y)
    gi = np.full(n, np.nan)
    z = np.full(n, np.nan)
    p = np.full(n, np.nan)
    if n >= 3 and np.ptp(y) > 0:
        with warnings.catch_warnings():
            # esda warns that its default alternative will change; we fold p_sim ourselves.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            lg = esda.G_Local(y, graph, transform="B", star=True, permutations=int(permutations),
                              seed=int(seed), n_jobs=1, keep_simulations=bool(permutations))
        gi = np.asarray(lg.Gs, dtype=float)
        z = np.asarray(lg.Zs, dtype=float)
        if permutations:
            p = permutation_p_values(gi, lg.rGs)
        else:
            p = 2.0 * stats.norm.sf(np.abs(z))
        alone = _isolated(graph, ids)
        z[alone] = np.nan
        p[alone] = np.nan
    classes, _ = classify_gi(z, p, fdr)
    return pd.DataFrame({"commune_id": ids, "gi": gi, "gi_z": z, "p_value": p, "class": classes})


def permutation_p_values(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Two-sided pseudo p-values: 2 × the smaller tail, each tail counting ties, capped at 1.

    p = min(1, 2 × min(#(sim ≥ obs) + 1, #(sim ≤ obs) + 1) / (P + 1)). esda's
    own `p_sim` counts ties only in the upper tail, so a commune whose
    neighbourhood is all zeros (G = 0, as low as it can be) gets the smallest
    possible p and shows as a 99 % cold spot even when most random
    neighbourhoods are all zeros too; counting ties in both tails avoids that.
    Without ties the result is exactly 2 × esda's `p_sim`.
    """
    obs = np.asarray(observed, dtype=float)[:, None]
    sims = np.asarray(simulated, dtype=float)
    tol = 1e-9 * np.maximum(np.abs(obs), 1e-12)  # the same sum added in another order
    upper = (sims >= obs - tol).sum(axis=1)
    lower = (sims <= obs + tol).sum(axis=1)
    return np.minimum(1.0, 2.0 * (np.minimum(upper, lower) + 1.0) / (sims.shape[1] + 1.0))


def _isolated(graph: Graph, ids: list[str]) -> np.ndarray:
    """Communes with no neighbour but themselves: Gi* would only restate their own value."""
    adj = graph.adjacency
    linked = adj[(adj > 0).to_numpy()].reset_index()
    linked = linked[linked["focal"] != linked["neighbor"]]
    has = set(linked["focal"].astype(str))
    return np.array([i not in has for i in ids], dtype=bool)
