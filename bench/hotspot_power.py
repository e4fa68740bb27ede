"""Power and false alarms of the hotspot methods, in simulation where the true clusters are known.

Why. A hotspot map sends patrols. A method that finds no real cluster, or
that flags communes on a map with none, is wrong in a way no unit test shows.
This bench plants clusters and measures, at province and national scale:

- recall: the share of planted communes a method flags;
- FDP: the share of flagged communes that were not planted (0 when none flagged);
- on maps with no cluster: flagged communes per map, and the share of maps
  with any flag at all (a commander would act on each).

Data. `synthetic_communes` Voronoi coverages; population lognormal, median
8,000, sd of log 0.8; a background rate of 2 cases per 10,000 people a year
over 5 years; planted clusters are a centre commune and its Queen neighbours
at relative risk 3 (one cluster per 130 communes, at least one). Two kinds of
map: Poisson counts, and overdispersed counts (a gamma relative risk per
commune, mean 1 and variance 0.3, or the `--phi` given), as real registers are.

Methods, each flagging communes:
- scan: the product's Kulldorff-type scan (risk/analysis/hotspots/scan.py),
  members of clusters at 95 %, 999 null maps at the estimated dispersion;
- eb_exceedance: the product's smoothed risk, P(RR > 1.5) >= 0.95;
- gi_excess_fdr: the product's descriptive Gi* on observed − expected,
  analytic z, Benjamini-Hochberg at 5 % (ArcGIS's way); hot classes only;
- naive gi_perm_fdr: version one's method, Gi* on raw counts with 999
  conditional permutations and FDR; skipped above 5,000 communes (minutes a map).

Prints figures; never asserts. `python -m bench.hotspot_power [--quick] [--scales 130,3321]`.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from bench.synthetic import synthetic_communes
from risk.analysis.geography import contiguity_weights, metric_crs
from risk.analysis.hotspots.gi import gi_star
from risk.analysis.hotspots.scan import ScanOptions, scan_clusters, zone_statistic
from risk.analysis.hotspots.smoothing import smooth_relative_risk


SCALES = (130, 3321, 10600)
RATE = 2e-4  # cases per person a year
YEARS = 5
RELATIVE_RISK = 3.0
PHI = 0.3
PERMUTATIONS = 999
NAIVE_MAX_N = 5000
METHODS = ("scan", "eb_exceedance", "gi_excess_fdr", "naive gi_perm_fdr")


def plant_zones(neighbours: list[np.ndarray], n_clusters: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The planted clusters: centres far apart, each with its Queen neighbours."""
    n = len(neighbours)
    planted = np.zeros(n, dtype=bool)
    zones = []
    for centre in rng.permutation(n):
        zone = np.append(neighbours[centre], centre)
        near = np.concatenate([neighbours[z] for z in zone])
        if planted[zone].any() or planted[near].any():
            continue
        planted[zone] = True
        zones.append(zone)
        if len(zones) == n_clusters:
            break
    return zones


def plant(neighbours: list[np.ndarray], n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask of planted communes (plant_zones)."""
    planted = np.zeros(len(neighbours), dtype=bool)
    for zone in plant_zones(neighbours, n_clusters, rng):
        planted[zone] = True
    return planted


def exact_zone_bound(result, y: np.ndarray, expected: np.ndarray, zones: list[np.ndarray]) -> float:
    """Share of planted clusters whose exact zone, were it among the scan's zones, would pass the scan's
    own 95 % cut-off on this map: what a scan that knew each planted shape would find with the same null
    (circles can still catch part of a cluster whose whole shape would not pass)."""
    cut = result.critical_statistic.get("95")
    if cut is None:
        return float("nan")
    return float(np.mean([zone_statistic(y, expected, zone, result.dispersion) >= cut for zone in zones]))


def draw_counts(expected: np.ndarray, planted: np.ndarray, overdispersed: bool | float,
                rng: np.random.Generator) -> np.ndarray:
    """Counts at relative risk 3 in the planted communes; `overdispersed` True draws a gamma relative
    risk per commune at variance PHI, a number at that variance, False or 0 plain Poisson."""
    risk = np.where(planted, RELATIVE_RISK, 1.0)
    phi = PHI if overdispersed is True else float(overdispersed)
    if phi > 0:
        risk = risk * rng.gamma(1.0 / phi, phi, len(expected))
    return rng.poisson(expected * risk)


def flags(method: str, y: np.ndarray, e: np.ndarray, coords: np.ndarray, weights, seed: int,
          scans: list | None = None) -> np.ndarray | None:
    """Boolean flags per commune, or None when the method is skipped at this scale. The scan's
    result is appended to `scans` when given."""
    n = len(y)
    if method == "scan":
        result = scan_clusters(y, e, coords, ScanOptions(replicates=PERMUTATIONS, seed=seed))
        if scans is not None:
            scans.append(result)
        return result.cluster_of(n) > 0
    if method == "eb_exceedance":
        return np.nan_to_num(smooth_relative_risk(y, e).exceedance) >= 0.95
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "gi_excess_fdr":
            table = gi_star((y - e).astype(float), weights, permutations=0)
        else:
            if n > NAIVE_MAX_N:
                return None
            table = gi_star(y.astype(float), weights, permutations=PERMUTATIONS, seed=seed)
    return table["class"].astype(str).str.startswith("hot_").to_numpy()


def run_scale(n: int, maps: int, seed: int, phis: tuple[float, ...] = (PHI,)) -> list[str]:
    gdf = synthetic_communes(n, seed=seed)
    weights = contiguity_weights(gdf)
    centroids = gdf.to_crs(metric_crs(gdf)).geometry.centroid
    coords = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
    csr = weights.graph.sparse.tocsr()
    csr.eliminate_zeros()
    neighbours = [csr.indices[csr.indptr[i]:csr.indptr[i + 1]] for i in range(len(gdf))]
    rng = np.random.default_rng(seed)
    population = np.round(rng.lognormal(np.log(8000), 0.8, len(gdf)))
    expected = population * RATE * YEARS
    n_clusters = max(1, len(gdf) // 130)
    lines = []
    for phi in (0.0, *phis):
        overdispersed = phi > 0
        stats = {m: {"recall": [], "fdp": [], "null_flags": [], "null_any": [], "seconds": []} for m in METHODS}
        found, bound = [], []  # the scan's clusters with any member flagged, and the exact-zone bound
        for k in range(maps):
            # phi 0.3 keeps the stream it always had (1), other dispersions get their own
            stream = 0 if not overdispersed else 1 if phi == PHI else int(round(phi * 1000)) + 2
            map_rng = np.random.default_rng([seed, k, stream])
            zones = plant_zones(neighbours, n_clusters, map_rng)
            planted = np.zeros(len(gdf), dtype=bool)
            planted[np.concatenate(zones)] = True
            clustered = draw_counts(expected, planted, phi, map_rng)
            null = draw_counts(expected, np.zeros(len(gdf), dtype=bool), phi, map_rng)
            for method in METHODS:
                t0 = time.perf_counter()
                scans: list = []
                hit = flags(method, clustered, expected, coords, weights, seed + k, scans)
                if hit is None:
                    continue
                if scans:
                    found.append(np.mean([hit[zone].any() for zone in zones]))
                    bound.append(exact_zone_bound(scans[0], clustered, expected, zones))
                stats[method]["seconds"].append(time.perf_counter() - t0)
                stats[method]["recall"].append(hit[planted].mean())
                stats[method]["fdp"].append((hit & ~planted).sum() / hit.sum() if hit.any() else 0.0)
                quiet = flags(method, null, expected, coords, weights, seed + k)
                stats[method]["null_flags"].append(quiet.sum())
                stats[method]["null_any"].append(quiet.any())
        kind = f"gamma phi={phi:g}" if overdispersed else "Poisson"
        for method in METHODS:
            s = stats[method]
            if not s["recall"]:
                lines.append(f"{len(gdf):>8} | {kind:>13} | {method:>17} | skipped: minutes a map at this scale")
                continue
            lines.append(
                f"{len(gdf):>8} | {kind:>13} | {method:>17} | {np.mean(s['recall']):>6.2f} "
                f"[{np.min(s['recall']):.2f}-{np.max(s['recall']):.2f}] | {np.mean(s['fdp']):>5.2f} | "
                f"{np.mean(s['null_flags']):>10.1f} | {np.mean(s['null_any']):>8.2f} | {np.mean(s['seconds']):>7.2f}")
        lines.append(f"{len(gdf):>8} | {kind:>13} | scan: planted clusters with a member flagged "
                     f"{np.mean(found):.2f}; exact-zone bound {np.mean(bound):.2f}")
        for line in lines[-len(METHODS) - 1:]:
            print(line, flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="130 communes, 2 maps: a smoke run")
    parser.add_argument("--scales", default=None, help="comma-separated commune counts")
    parser.add_argument("--maps", type=int, default=None, help="maps per scale and kind (default 40 up to 500 communes, 10 up to 5,000, then 3)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--phi", type=float, nargs="+", default=[PHI],
                        help=f"dispersions of the overdispersed maps (default {PHI}); e.g. --phi 0.1 0.3")
    args = parser.parse_args(argv if argv is not None else [])
    scales = [130] if args.quick else [int(s) for s in args.scales.split(",")] if args.scales else list(SCALES)
    print(f"Planted clusters at RR {RELATIVE_RISK:g} (a commune and its Queen neighbours), {YEARS} years at "
          f"{RATE * 1e4:g}/10,000/yr, population median 8,000; each map also drawn with no cluster.")
    print(f"{'communes':>8} | {'counts':>13} | {'method':>17} | {'recall [min-max]':>18} | {'FDP':>5} | "
          f"{'null flags':>10} | {'null any':>8} | {'s/map':>7}")
    for n in scales:
        maps = args.maps or (2 if args.quick else 40 if n <= 500 else 10 if n <= NAIVE_MAX_N else 3)
        run_scale(n, maps, args.seed, tuple(args.phi))
    print("exact-zone bound = share of planted clusters whose exact set of communes would pass the scan's 95 % "
          "cut-off on that map: what a scan that knew each planted shape would find, with the same null.")
    print("recall = planted communes flagged; FDP = flagged communes not planted; null flags / null any = "
          "communes flagged, and share of maps with any flag, when no cluster was planted; s/map = seconds "
          "for one clustered map. Expected counts are the true ones here; on a register they come from "
          "population only.")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
