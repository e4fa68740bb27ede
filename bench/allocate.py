"""Time of the exact allocation and coverage integer programs against the greedy way, at two scales.

Allocation: synthetic scores, populations, per-commune costs and former
districts; the budget buys about a fifth of the communes; with and without a
minimum of one programme per former district. Coverage: commune centres of a
synthetic coverage (bench.synthetic) as both the communes and the candidate
bases, K bases within R km. For each: the MILP (HiGHS, zero MIP gap) solve
time, the greedy time, and the objective gap. Prints figures; never asserts.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from bench.synthetic import synthetic_communes
from risk.analysis.allocate import allocate
from risk.analysis.coverage import commune_points, cover

SCALES = (130, 3321)
COVER_TIME_LIMIT = 120.0  # seconds; a run that hits it prints status "time_limit"


def _candidates(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "commune_id": [f"{i:05d}" for i in range(n)],
        "score": rng.beta(1.5, 6.0, n),
        "population": rng.lognormal(9.3, 0.6, n).round(),
        "cost": rng.uniform(80.0, 400.0, n).round(),
        "former_district": [f"Huyện {i // 10}" for i in range(n)],
    })


def _line(label: str, solve: float, greedy: float, value: float, greedy_value: float, status: str) -> None:
    gap = value - greedy_value
    share = gap / greedy_value if greedy_value else float("nan")
    print(f"{label:<44} milp {solve * 1000:9.1f} ms  greedy {greedy * 1000:7.2f} ms  "
          f"gap {gap:12.1f} ({100 * share:5.2f} %)  {status}", flush=True)


def main() -> None:
    for n in SCALES:
        frame = _candidates(n)
        budget = float(frame["cost"].sum()) / 5
        for rule, mpd in (("budget only", 0), ("≥ 1 per former district", 1)):
            result = allocate(frame, budget, min_per_district=mpd)
            _line(f"allocate n={n:>5} {rule}", result.solve_seconds, result.greedy_seconds, result.objective,
                  result.greedy_objective, result.status)
        result = allocate(frame, budget, objective="score")
        _line(f"allocate n={n:>5} score only", result.solve_seconds, result.greedy_seconds, result.objective,
              result.greedy_objective, result.status)

    for n, k, radius in ((130, 5, 15.0), (3321, 20, 15.0)):
        started = time.perf_counter()
        points = commune_points(synthetic_communes(n))
        build = time.perf_counter() - started
        frame = _candidates(len(points)).assign(lon=points["lon"].to_numpy(), lat=points["lat"].to_numpy())
        sites = points.rename(columns={"commune_id": "site"})[["name", "lon", "lat"]]
        result = cover(frame, sites, k, radius, time_limit=COVER_TIME_LIMIT)
        _line(f"cover n={n:>5} K={k} R={radius:g} km (geometry {build:.1f} s)", result.solve_seconds,
              result.greedy_seconds, result.covered_risk, result.greedy_covered_risk, result.status)
        print(f"{'':<44} covered share milp {result.covered_share:.3f}  greedy {result.greedy_share:.3f}")


if __name__ == "__main__":
    main()
