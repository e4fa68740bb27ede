"""Time of the risk model's feature table, backtest and scoring at province and national scale.

Synthetic communes from bench.synthetic with generated indicators (2016–2025),
a border line along the west edge, four gates and Poisson cases with signal,
built in memory as a Dataset. Prints one row per scale and model; never
asserts on time. The backtest includes the shuffled-label refits (10 per fold);
scoring includes the cluster-bootstrap refits for the rank intervals.
"""
from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from bench.synthetic import synthetic_communes, synthetic_panel
from risk.analysis.features import feature_table
from risk.contracts.dataset import Dataset
from risk.analysis.model import ModelConfig, backtest, score

SCALES = (130, 3321)
YEARS = list(range(2016, 2026))
N_BOOTSTRAP = 100


def synthetic_dataset(n: int, seed: int = 0) -> Dataset:
    """A Dataset in memory: n synthetic communes, indicators, border, gates and cases with signal."""
    rng = np.random.default_rng(seed)
    communes = synthetic_communes(n, seed)[["commune_id", "name", "former_district", "geometry"]]
    minx, miny, maxx, maxy = communes.total_bounds
    points = communes.representative_point()
    west = 1 - (points.x.to_numpy() - minx) / (maxx - minx)  # 1 at the border (west edge), 0 at the east
    border = gpd.GeoDataFrame(geometry=[shapely.LineString([(minx, miny), (minx, maxy)])], crs=4326)
    gate_lat = np.linspace(miny, maxy, 6)[1:-1]
    gates = gpd.GeoDataFrame({"name": [f"Gate {i}" for i in range(4)], "kind": "", "lon": minx, "lat": gate_lat},
                             geometry=shapely.points(np.full(4, minx), gate_lat), crs=4326)
    indicators, cases = synthetic_panel(communes["commune_id"], west, rng, YEARS)
    return Dataset(Path(f"synthetic-{n}"), communes, indicators, cases, border, gates, {"generated": True})


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def main() -> None:
    print(f"{'communes':>8} {'rows':>6} {'cases':>6} {'model':>8} | {'features s':>10} {'backtest s':>10} "
          f"{'score s':>8} | {'AUC':>5} {'last yr':>7} {'poverty':>7} {'shuffled':>8}")
    for n in SCALES:
        ds = synthetic_dataset(n)
        table, t_features = _timed(lambda: feature_table(ds))
        for kind in ("logistic", "gbm"):
            config = ModelConfig(kind=kind, n_bootstrap=N_BOOTSTRAP)
            result, t_backtest = _timed(lambda: backtest(ds, config))
            _, t_score = _timed(lambda: score(ds, YEARS[-1], config))
            m = result.mean
            print(f"{n:>8} {len(table):>6} {len(ds.cases):>6} {kind:>8} | {t_features:>10.2f} {t_backtest:>10.2f} "
                  f"{t_score:>8.2f} | {m['model']['auc']:>5.3f} {m['last_year']['auc']:>7.3f} "
                  f"{m['poverty']['auc']:>7.3f} {result.shuffled_auc:>8.3f}", flush=True)
    print(f"(score: fit on all labelled history plus {N_BOOTSTRAP} cluster-bootstrap refits for rank intervals; "
          "backtest: 8 folds, each with 10 shuffled-label refits)")


if __name__ == "__main__":
    main()
