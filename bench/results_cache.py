"""Kept analyses (risk/store/results.py): `python -m risk export --format xlsx` run twice on the same data,
at the demo's 130 communes and at 3,321 generated communes.

The first run computes what every run computed before results were kept (the naive way: scores with
100 bootstrap refits, the 999-replicate hotspot scan, distances) and keeps it; the second reads it.
Each run is a fresh process, as an official's terminal is, with its own empty result directory and
store in a temporary folder (nothing touches var/). Also printed: the same analyses computed in
process against read back by a new Analyses, which is what a restarted server pays for the
Priorities page's analyses. Prints figures; never asserts.

`python -m bench.results_cache [--scales 130,3321]`
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT

SCALES = (130, 3321)


def _dataset(n: int):
    """The demo at 130 communes; generated communes with indicators, border, gates and cases otherwise."""
    if n == 130:
        from risk.ingest.folder import load_dataset

        return load_dataset(DEFAULT_DATA_DIR)
    from bench.model import synthetic_dataset

    return synthetic_dataset(n)


def _export(store: Path, results: Path, year: int, out: Path) -> float:
    env = {**os.environ, "RISK_STORE": str(store), "RISK_RESULTS_DIR": str(results)}
    command = [sys.executable, "-m", "risk", "export", "--store", str(store), "--year", str(year),
               "--format", "xlsx", "--out", str(out), "--user", "bench", "--json"]
    start = time.perf_counter()
    run = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    return seconds


def _in_process(ds, results: Path, year: int) -> tuple[float, float]:
    """Seconds to compute the priority list's analyses, and to read them back in a new Analyses."""
    from risk.analysis.hotspots import HotspotOptions
    from risk.analysis.model import ModelConfig
    from risk.store.results import ResultStore
    from risk.views.analyses import Analyses

    def priority_analyses(an: Analyses) -> None:
        an.score(year, ModelConfig())
        an.hotspots(HotspotOptions(year - 2, year))
        an.distances()

    timings = []
    for _ in range(2):
        start = time.perf_counter()
        priority_analyses(Analyses(ds, ResultStore(results)))
        timings.append(time.perf_counter() - start)
    return timings[0], timings[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(str(n) for n in SCALES))
    args = parser.parse_args(argv if argv is not None else [])
    from risk.store.versions import Store

    print(f"{'communes':>8} | {'export xlsx, 1st run s':>22} {'2nd run s':>9} {'speed-up':>8} | "
          f"{'in process: compute s':>21} {'read back s':>11}")
    for n in (int(x) for x in args.scales.split(",")):
        ds = _dataset(n)
        year = int(ds.years[-1])
        with tempfile.TemporaryDirectory(prefix="bench-results-") as tmp:
            folder = Path(tmp)
            store = Store(folder / "store.gpkg")
            store.add_version(ds, label=f"bench {n}", user="bench")
            first = _export(store.path, folder / "results", year, folder / "first.xlsx")
            second = _export(store.path, folder / "results", year, folder / "second.xlsx")
            compute, read = _in_process(store.load(), folder / "in-process", year)
        print(f"{n:>8} | {first:>22.1f} {second:>9.1f} {first / second:>7.1f}x | {compute:>21.2f} {read:>11.3f}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
