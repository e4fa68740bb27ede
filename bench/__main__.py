"""Run every benchmark module in turn."""
import importlib

MODULES = ["bench.map_render", "bench.first_map", "bench.model", "bench.hotspots", "bench.hotspot_power",
           "bench.backtest_margins", "bench.rank_coverage", "bench.calibration",
           "bench.allocate", "bench.brief", "bench.cold_start", "bench.results_cache", "bench.country"]

for name in MODULES:
    print(f"\n=== {name} ===", flush=True)
    importlib.import_module(name).main()
