"""Does patrol effort data correct the patrol feedback loop? A simulation where the true risk is known.

On the demo's communes and indicators, each commune has a true rate of cases per year (from poverty,
out-migration and a hidden part no indicator carries). Half of a commune's cases are found by
reports whatever patrols do; the other half are found by patrols, in proportion to the patrol
effort there. Patrols go where last year's cases were recorded (a commune's effort is
1 + FOLLOW × last year's count, scaled to the year's budget), so recorded cases follow patrols and
patrols follow recorded cases. FOLLOW 1 is a mild loop, 3 a strong one.

For each simulated province the model scores the last year three ways and is judged against the
true rate of the next year (Spearman correlation, and the share of true expected cases in the top
10 % of communes):
- weight 1: every case counts, no effort data (the default without a `patrols` part);
- weight 0: patrol-detected cases dropped (the old "feedback guard", now a sensitivity check);
- effort: every case counts, and the `patrols` part is given (the model learns effort, and scores
  at even effort: risk.analysis.features).
Prints; never asserts (tests/bench/test_patrol_effort.py holds the claim).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from risk.analysis.model import ModelConfig, score
from risk.contracts.dataset import Dataset
from risk.demo.build import build_demo
from risk.ingest.folder import load_dataset

CASES_PER_YEAR = 40.0  # about the demo's recorded count
REPORTED_SHARE = 0.5  # of a commune's cases at even effort, found whatever patrols do
FOLLOW = 1.0  # each case recorded last year adds this much of a commune's base patrol effort
DAYS_PER_YEAR = 2000.0
HIDDEN_SD = 0.8  # the part of log risk no indicator carries: larger than the indicators' part
METHODS = ("weight_1", "weight_0", "effort")


@dataclass(frozen=True)
class Simulated:
    """A province where patrols follow recorded cases, with the truth the model should recover."""

    with_effort: Dataset
    without_effort: Dataset
    true_rate: pd.Series  # expected cases per commune in the year after the last, at even effort


def _z(values: np.ndarray) -> np.ndarray:
    values = np.nan_to_num(values.astype(float), nan=np.nanmean(values))
    return (values - values.mean()) / (values.std() or 1.0)


def simulate(base: Dataset, seed: int, follow: float = FOLLOW) -> Simulated:
    """One province on `base`'s communes and indicators; its own cases and patrol effort."""
    rng = np.random.default_rng([seed, 4099])
    years = base.years
    ids = base.boundaries["commune_id"].astype(str).to_numpy()
    n = len(ids)
    wide = {c: base.indicators.pivot(index="commune_id", columns="year", values=c).reindex(ids)
            for c in ("poverty_rate", "outmigration_rate")}
    hidden = rng.normal(0.0, HIDDEN_SD, n)
    log_rate = np.column_stack([
        0.4 * _z(wide["poverty_rate"][y].to_numpy()) + 0.3 * _z(wide["outmigration_rate"][y].to_numpy()) + hidden
        for y in years])
    log_rate = np.column_stack([log_rate, log_rate[:, -1]])  # the year after the last: same indicators
    rate = np.exp(log_rate)
    rate *= CASES_PER_YEAR / rate.sum(axis=0, keepdims=True)
    cases, patrols = [], []
    last = rng.poisson(rate[:, 0])  # a burn-in year before the first
    for t, year in enumerate(years):
        spread = 1.0 + follow * last
        effort = DAYS_PER_YEAR * spread / spread.sum()
        relative = effort / effort.mean()
        reported = rng.poisson(rate[:, t] * REPORTED_SHARE)
        found = rng.poisson(rate[:, t] * (1 - REPORTED_SHARE) * relative)
        for i in range(n):
            for k, how in ((reported[i], "victim_or_family_report"), (found[i], "patrol")):
                for _ in range(int(k)):
                    cases.append((ids[i], year, how))
        patrols.append(pd.DataFrame({"commune_id": ids, "year": year, "effort": effort, "unit": "days"}))
        last = reported + found
    frame = pd.DataFrame(cases, columns=["commune_id", "year", "detected_by"])
    day = rng.integers(0, 365, len(frame))
    table = pd.DataFrame({
        "case_id": [f"S-{k:05d}" for k in range(len(frame))],
        "date": pd.to_datetime(frame["year"].astype(str) + "-01-01") + pd.to_timedelta(day, unit="D"),
        "lon": np.nan, "lat": np.nan, "commune_id": frame["commune_id"], "form": "other",
        "victims": 1, "destination": "", "detected_by": frame["detected_by"],
    })
    without = replace(base, cases=table, patrols=None)
    effort = pd.concat(patrols, ignore_index=True)
    return Simulated(replace(without, patrols=effort), without, pd.Series(rate[:, -1], index=ids))


def recovery(sim: Simulated, config: ModelConfig = ModelConfig(n_bootstrap=0)) -> dict[str, tuple[float, float]]:
    """Per method: (Spearman with the true rate, share of true expected cases in the top 10 %)."""
    year = sim.with_effort.years[-1]
    runs = {"weight_1": (sim.without_effort, config), "weight_0": (sim.without_effort, replace(config, patrol_weight=0.0)),
            "effort": (sim.with_effort, config)}
    out = {}
    for method, (ds, cfg) in runs.items():
        table = score(ds, year, cfg).table
        truth = sim.true_rate.reindex(table["commune_id"].astype(str)).to_numpy()
        top = table["rank"].to_numpy() <= round(0.1 * len(table))
        out[method] = (float(spearmanr(table["score"], truth).statistic), float(truth[top].sum() / truth.sum()))
    return out


def demo_base(seed: int = 7) -> Dataset:
    """The demo's communes and indicators (its cases are replaced by each simulation)."""
    with tempfile.TemporaryDirectory() as tmp:
        build_demo(Path(tmp), seed)
        return load_dataset(Path(tmp))


def paired(base: Dataset, runs: int, follow: float) -> dict[str, np.ndarray]:
    """(runs, 2) figures per method on the same simulated provinces."""
    found = {m: [] for m in METHODS}
    for seed in range(runs):
        for method, figures in recovery(simulate(base, seed, follow)).items():
            found[method].append(figures)
    return {m: np.array(v) for m, v in found.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args(argv)
    base = demo_base()
    for follow in (1.0, 3.0):
        t0 = time.perf_counter()
        found = paired(base, args.runs, follow)
        print(f"\nFOLLOW {follow:g}: {args.runs} simulated provinces of {len(base.boundaries)} communes, "
              f"{time.perf_counter() - t0:.0f} s")
        print(f"{'method':<10} {'Spearman with true risk, median [5-95 %]':<42} {'capture@10 of true risk':<25}"
              "runs where Spearman beats weight 1")
        for method in METHODS:
            values = found[method]
            lo, mid, hi = np.percentile(values[:, 0], [5, 50, 95])
            wins = f"{(values[:, 0] > found['weight_1'][:, 0]).mean():.2f}" if method != "weight_1" else "-"
            print(f"{method:<10} {f'{mid:.3f} [{lo:.3f}, {hi:.3f}]':<42} {np.median(values[:, 1]):<25.3f}{wins}")


if __name__ == "__main__":
    main()
