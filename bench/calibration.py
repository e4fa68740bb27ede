"""Does the yearly recalibration step bring the probabilities nearer the truth? Demo provinces where the
true risk is known.

For each seed the backtest runs once (risk.analysis.model.backtest); its test rows carry the plain and
the recalibrated probability of every commune-year (risk/analysis/calibration.py). Each is compared
with the outcome (Brier score, calibration-in-the-large per test year) and with the generator's own
probability of at least one case (bench/rank_coverage.true_risk), which no outcome noise blurs: the
mean squared gap to the true risk, and the mean absolute gap of the yearly means. Prints; never
asserts (tests/analysis/test_calibration.py holds the behaviour).

    python -m bench.calibration [--seeds 1 2 3 ...]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.rank_coverage import true_risk
from risk.analysis.model import ModelConfig, backtest
from risk.demo import build as demo_build
from risk.ingest.folder import load_dataset

CONFIG = ModelConfig(n_bootstrap=0, margin_draws=200)


def measure(seed: int) -> dict:
    """One demo seed: Brier, yearly level gap and gap to the true risk, plain and recalibrated."""
    with tempfile.TemporaryDirectory() as tmp:
        demo_build.build_demo(Path(tmp), seed)
        result = backtest(load_dataset(Path(tmp)), CONFIG)
    rows = result.predictions.copy()
    rows["truth"] = np.nan
    for year, at in rows.groupby("year").groups.items():
        truth = true_risk(seed, int(year))
        rows.loc[at, "truth"] = truth.reindex(rows.loc[at, "commune_id"].astype(str)).to_numpy()
    out = {"seed": seed, "verdict": result.calibration.verdict,
           "brier_change": result.calibration.brier_change.estimate,
           "brier_change_low": result.calibration.brier_change.lower,
           "brier_change_high": result.calibration.brier_change.upper}
    for kind in ("plain", "recalibrated"):
        p = rows[f"prob_{kind}"]
        out[f"brier_{kind}"] = float(np.average((p - rows["target"]) ** 2, weights=rows["weight"]))
        out[f"truth_mse_{kind}"] = float(np.mean((p - rows["truth"]) ** 2))
        yearly = rows.groupby("test_year").apply(lambda f, c=f"prob_{kind}": f[c].mean() - f["truth"].mean(),
                                                 include_groups=False)
        out[f"level_gap_{kind}"] = float(yearly.abs().mean())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[demo_build.DEFAULT_SEED, 1, 2, 3, 4, 5])
    args = parser.parse_args(argv if argv is not None else [])
    started = time.perf_counter()
    table = pd.DataFrame([measure(seed) for seed in args.seeds])
    pd.set_option("display.width", 200)
    print("Per seed (plain = the model's own probability; recalibrated = Platt on earlier years' out-of-time "
          "predictions):")
    print(table.round(4).to_string(index=False))
    print()
    for column in ("brier", "truth_mse", "level_gap"):
        plain, recal = table[f"{column}_plain"], table[f"{column}_recalibrated"]
        print(f"{column:10s} median plain {plain.median():.4f}  recalibrated {recal.median():.4f}  "
              f"recalibration better on {int((recal < plain).sum())} of {len(table)} seeds")
    print(f"verdicts: {table['verdict'].value_counts().to_dict()}")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
