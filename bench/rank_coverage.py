"""How often the risk map's 90 % rank intervals hold the true rank, on demo provinces where the true
risk is known (the generator's own expected counts).

Prints the predictive intervals the pages show (risk/analysis/rank_intervals.py) next to refits only
(version one's intervals). The demo generator draws next year's count from Poisson(λ), λ = exp(b0 + η + 0.3·log(1 + cases now)),
with a hidden smooth field in η that no indicator carries. The true risk of a commune is then
P(≥ 1 case next year) = 1 − exp(−λ), and its true rank is its place by that risk. A nominal 90 %
interval should hold it for about 90 % of communes. Prints; never asserts (tests/bench holds the
coverage test).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from risk.analysis.model import ModelConfig, score
from risk.demo import build as demo_build, cases as demo_cases
from risk.demo.fields import commune_geography, field_at
from risk.demo.geometry import build_shapes, snap_gates
from risk.demo.reference import load_reference
from risk.ingest.folder import load_dataset


def true_risk(seed: int, year: int) -> pd.Series:
    """P(≥ 1 recorded case in year + 1) per commune id, as the generator drew it for `seed`."""
    ref = load_reference()
    gates = snap_gates(ref.gates, ref.border)
    shapes = build_shapes(ref, gates, demo_build._rng(seed, demo_build.STAGE_SHAPES))
    geo = commune_geography(ref, shapes, gates)
    indicators, _ = demo_build.demo_indicators.generate_indicators(
        geo, ref, demo_build._rng(seed, demo_build.STAGE_INDICATORS))
    panel = indicators.merge(geo, on="commune_id", how="left", validate="many_to_one")
    counts, process = demo_cases.simulate_counts(panel, ref, demo_build._rng(seed, demo_build.STAGE_COUNTS))
    years = list(demo_cases.YEARS)
    n = panel["commune_id"].nunique()
    eta = demo_cases._linear_part(panel).reshape(n, len(years))
    first = panel.iloc[::len(years)]
    u = field_at(process.bumps, first["x"].to_numpy(), first["y"].to_numpy())
    eta = eta + (u - u.mean())[:, None]
    t = years.index(year)
    lam = np.exp(process.intercept + eta[:, t + 1] + demo_cases.PERSISTENCE * np.log1p(counts[:, t]))
    return pd.Series(1 - np.exp(-lam), index=first["commune_id"].astype(str).to_numpy())


def coverage(seed: int, year: int, config: ModelConfig) -> tuple[float, float]:
    """Share of communes whose true rank lies in [rank_low, rank_high], and the mean interval width."""
    with tempfile.TemporaryDirectory() as tmp:
        demo_build.build_demo(Path(tmp), seed)
        table = score(load_dataset(Path(tmp)), year, config).table
    truth = true_risk(seed, year).reindex(table["commune_id"].astype(str))
    true_rank = truth.rank(ascending=False, method="first").to_numpy()
    inside = (table["rank_low"].to_numpy() <= true_rank) & (true_rank <= table["rank_high"].to_numpy())
    return float(inside.mean()), float((table["rank_high"] - table["rank_low"]).mean())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 14)))
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    found = {"predictive": [], "refits only": []}
    print("seed  predictive (refits + risk no feature carries)   refits only (version one)")
    for seed in args.seeds:
        t0 = time.perf_counter()
        (share, width), (naive, naive_width) = (coverage(seed, args.year, ModelConfig()),
                                                coverage(seed, args.year, ModelConfig(rank_noise=False)))
        found["predictive"].append(share)
        found["refits only"].append(naive)
        print(f"{seed:>4}  coverage {share:.2f}, mean width {width:5.1f} ranks        "
              f"coverage {naive:.2f}, mean width {naive_width:5.1f} ranks   ({time.perf_counter() - t0:.1f} s)",
              flush=True)
    for name, shares in found.items():
        inside = sum(0.80 <= s <= 0.95 for s in shares)
        print(f"{name}: median coverage of the nominal 90 % rank intervals {np.median(shares):.2f} "
              f"(range {min(shares):.2f}-{max(shares):.2f}); within 0.80-0.95 on {inside} of {len(shares)} provinces")


if __name__ == "__main__":
    main()
