"""Time of the hotspot analysis at three scales, step by step, against the naive way in the same run.

Steps: Queen contiguity weights (ours: an STR-tree `intersects` query; naive:
libpysal's vertex-matching Graph.build_contiguity), distance-band weights,
Gi* with 999 permutations and FDR classes (ours: esda's conditional
randomisation; naive: a pure-numpy loop over communes drawing each commune's
random neighbourhoods), and the space-time trends (7 yearly Gi* runs and a
Mann-Kendall test per commune). The naive Gi* is timed on a sample of
communes and scaled up where a full run would take minutes ("est.").
No numba: esda runs its pure-Python/numpy path. Prints figures; never asserts.
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from bench.synthetic import synthetic_communes
from risk.analysis.hotspots import gi_star, yearly_emerging_hotspots
from risk.analysis.geography import contiguity_weights, distance_band_weights

SCALES = (130, 3321, 10600)
PERMUTATIONS = 999
YEARS = 7
NAIVE_SAMPLE = 150  # communes timed for the naive Gi* above 1,000 communes


def naive_gi_star_p(values: np.ndarray, neighbours: list[np.ndarray], permutations: int, seed: int,
                    units: np.ndarray) -> np.ndarray:
    """Pure-numpy conditional permutation Gi* p-values for `units`: for each commune, draw
    `permutations` random neighbourhoods of its size from the other communes."""
    rng = np.random.default_rng(seed)
    n = len(values)
    total = values.sum()
    p = np.empty(len(units))
    for out, i in enumerate(units):
        nb = neighbours[i]
        k = len(nb)
        observed = (values[i] + values[nb].sum()) / total
        others = np.delete(values, i)
        draws = rng.random((permutations, n - 1)).argpartition(k, axis=1)[:, :k]
        simulated = (values[i] + others[draws].sum(axis=1)) / total
        upper = (simulated >= observed).sum()
        lower = (simulated <= observed).sum()
        p[out] = min(1.0, 2 * (min(upper, lower) + 1) / (permutations + 1))
    return p


def _time(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    from libpysal.graph import Graph

    print(f"Gi* with {PERMUTATIONS} permutations, FDR classes; trends over {YEARS} years; seconds.")
    head = (f"{'communes':>8} | {'queen naive':>11} {'queen ours':>10} | {'band':>6} | "
            f"{'Gi* naive':>12} {'Gi* ours':>8} | {'trends':>7} | {'speed-up Gi*':>12} {'speed-up queen':>14}")
    print(head)
    for n in SCALES:
        gdf = synthetic_communes(n)
        rng = np.random.default_rng(n)
        counts = rng.poisson(0.4, (len(gdf), YEARS)).astype(float)
        period = counts.sum(axis=1)

        naive_graph, t_queen_naive = _time(Graph.build_contiguity, gdf.set_index("commune_id").geometry, rook=False)
        weights, t_queen = _time(contiguity_weights, gdf)
        _, t_band = _time(distance_band_weights, gdf)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, t_gi = _time(gi_star, period, weights, PERMUTATIONS, 1)
        csr = weights.graph.sparse.tocsr()
        csr.eliminate_zeros()
        neighbours = [csr.indices[csr.indptr[i]:csr.indptr[i + 1]] for i in range(n)]
        sample = np.arange(n) if n <= 1000 else np.linspace(0, n - 1, NAIVE_SAMPLE).astype(int)
        _, t_sample = _time(naive_gi_star_p, period, neighbours, PERMUTATIONS, 1, sample)
        t_naive = t_sample * n / len(sample)
        naive_label = f"{t_naive:>8.1f}{' est' if len(sample) < n else '    '}"

        wide = pd.DataFrame(counts, index=list(weights.ids), columns=range(2019, 2019 + YEARS))
        _, t_trends = _time(yearly_emerging_hotspots, wide, weights, PERMUTATIONS, 1)
        print(f"{n:>8} | {t_queen_naive:>11.2f} {t_queen:>10.2f} | {t_band:>6.2f} | {naive_label:>12} {t_gi:>8.2f} | "
              f"{t_trends:>7.2f} | {t_naive / t_gi:>11.0f}x {t_queen_naive / t_queen:>13.1f}x", flush=True)
        del naive_graph
    print("band = distance-band weights at the default band; trends = yearly Gi* (999 permutations each) "
          "+ Mann-Kendall + categories. The page caches each result per dataset and options.")


if __name__ == "__main__":
    main()
