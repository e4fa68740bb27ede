"""Clusters of recorded cases beyond what population explains: a Kulldorff-type spatial scan.

Why this method. Cases are rare (a few per 10,000 people a year) and
population varies a hundredfold between communes. A per-commune test at
thousands of communes needs p-values below alpha/n, which permutation tests
cannot produce (their floor is 1/(P+1)), and Gi* on counts ignores population.
The scan tests *zones* instead: its Monte-Carlo p-value is for the most
unusual zone on the whole map, so its floor 1/(R+1) applies once per cluster
and does not depend on the number of communes (Kulldorff 1997, "A spatial
scan statistic", Comm. Stat. Theory Methods 26:1481-1496; the method of
SaTScan). No maintained Python package does an areal scan with a Poisson or
negative-binomial null (pysal has none; pyscan-stats is for points and gives
no p-values; SaTScan, R's scanstatistics and smerc are not Python), so it is
written here in numpy.

Zones. Circles: for each commune, the commune and its nearest neighbours by
centroid distance, growing one commune at a time, up to `max_members`
communes and `max_share` of the province's expected cases (SaTScan bounds
zones by population share the same way).

Statistic. Expected counts `expected` (from population, inputs.py) are scaled
to the observed total C. For a zone with c observed and mu expected, the
Poisson log-likelihood ratio is c·ln(c/mu) + (C−c)·ln((C−c)/(C−mu)) when
c > mu (only excesses: the product looks for where cases gather, not where
they are missing), else 0. The most likely cluster is the zone with the
largest ratio; secondary clusters are the next zones that share no commune
with a cluster already kept (SaTScan's "no geographical overlap").

Null. Registers are overdispersed: counts vary between communes more than
Poisson allows even without a cluster, and a Poisson null then finds false
clusters everywhere (bench/hotspot_power.py measures it). The dispersion phi
of a Poisson-gamma (negative-binomial) model, Var(y) = mu + phi·mu², is read
off the lower tail of the counts (dispersion.py), which clusters do not reach,
and each of the `replicates` null maps draws a gamma relative risk per commune
(mean 1, variance phi) and Poisson counts from it; phi = 0 gives plain Poisson
maps with the observed total (multinomial, as SaTScan). The estimate's own
error is carried into the null: the maps are drawn at phi ÷ k for the ratios k
of estimate to truth measured on DISPERSION_DRAWS maps (dispersion.py); without
it, at 130 communes, 5 % of maps with no cluster had p = 0.005 at 199 replicates.
The expectation is scaled to a total that holds the clusters' own excess, so
the scan runs again with phi re-estimated outside the clusters it found, until
they stop changing (at most DISPERSION_PASSES scans). A zone needs at least
`min_cases` (3) cases, as the small-cell rule: fewer would point at a family,
not a place.

Statistic under overdispersion. When phi > 0 the Poisson ratio is the wrong
yardstick: it grows with a commune's expected count, so on a null map the most
extreme zone is a single large commune whose own risk happens to be high, and
real clusters of small communes lose to it (at 3,321 communes and phi = 0.3,
recall was 0.03; bench/hotspot_power.py). Each zone is then scored by the
negative-binomial quasi-likelihood ratio for a raised risk inside it, with the
weights w_i = 1 / (1 + phi·mu_i) of the negative-binomial score at no excess:
with a = Σ w_i y_i and b = Σ w_i mu_i over the zone, a·ln(a/b) − (a − b) when
a > b, else 0 (the quasi-likelihood of a common relative risk with fixed
weights; for a zone of small communes it is the Poisson ratio). A sum over the
zone, so a cumulative sum gives every zone at once. The score z = (a − b)/√b,
tried first, has a tail that small zones dominate (a commune with 3 cases where
0.1 were expected scores 9) and reached recall 0.2. With phi = 0 the Poisson
ratio is kept, as SaTScan. A cluster's p-value is (1 + #null maps whose
largest ratio ≥ its ratio) / (R + 1), the same null for secondary clusters
(conservative for them, as in SaTScan).

Levels. A cluster is reported at 99 % when p ≤ 0.01 and at 95 % when p ≤ 0.05.
The seed fixes the null maps; only clusters near a cut-off can change class
with another seed (bench/hotspot_power.py measures how often).

Never silent. `reachability` says when no cluster could reach 95 % whatever
the data: no cases, too few replicates for the floor 1/(R+1), or so few cases
that even all of them in the one most favourable zone would not beat the
null's 95th percentile.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from risk.analysis.hotspots.dispersion import MAX_DISPERSION, estimate_dispersion, estimate_ratios
from risk.analysis.progress import Progress, Report, silent
from risk.analysis.hotspots.vocabulary import DEFAULT_REPLICATES, DEFAULT_SEED

__all__ = [
    "DEFAULT_REPLICATES", "DEFAULT_SEED", "LEVELS", "Cluster", "ScanOptions", "ScanResult", "scan_clusters",
    "zone_statistic",
]

# (label, alpha), strongest first.
LEVELS: tuple[tuple[str, float], ...] = (("99", 0.01), ("95", 0.05))
REPORT_ALPHA = 0.05
DISPERSION_PASSES = 3  # scans at most, each with the dispersion re-estimated outside the clusters found
DISPERSION_DRAWS = 49  # maps drawn to measure the dispersion estimate's own error


@dataclass(frozen=True)
class ScanOptions:
    """How zones are built and the null drawn (module docstring)."""

    max_members: int = 30
    max_share: float = 0.10
    replicates: int = DEFAULT_REPLICATES
    seed: int = DEFAULT_SEED
    overdispersion: bool = True
    min_cases: int = 3  # as the small-cell rule: fewer cases would point at a family, not a place


@dataclass(frozen=True)
class Cluster:
    """One zone kept as a cluster: its communes (indices into the input order), nearest the centre first."""

    members: tuple[int, ...]
    observed: int
    expected: float
    statistic: float  # the Poisson or negative-binomial quasi log-likelihood ratio (ScanResult.statistic_kind)
    p_value: float

    @property
    def relative_risk(self) -> float:
        """Observed over expected inside the zone (expected already scaled to the observed total)."""
        return self.observed / self.expected if self.expected > 0 else float("inf")

    @property
    def level(self) -> str | None:
        """'99' or '95' when the cluster passes that level, else None."""
        for label, alpha in LEVELS:
            if self.p_value <= alpha:
                return label
        return None


@dataclass(frozen=True)
class ScanResult:
    """Every non-overlapping cluster with its p-value, strongest first, and what the null looked like.

    `clusters` holds the significant clusters (p ≤ 0.05) and, first, the most likely
    cluster even when it is not significant, so a page can say what the strongest
    grouping was and why it is not flagged. `reason` is None when 95 % was
    reachable, else why not ("no_cases", "floor", "too_few_cases").
    """

    clusters: tuple[Cluster, ...]
    total_observed: int
    replicates: int
    seed: int
    dispersion: float
    critical_statistic: dict[str, float]
    best_possible_statistic: float
    n_zones: int
    reason: str | None
    statistic_kind: str = "poisson_llr"  # or "nb_quasi_llr" when the counts are overdispersed

    @property
    def significant(self) -> tuple[Cluster, ...]:
        return tuple(c for c in self.clusters if c.level is not None)

    def levels(self, n: int) -> np.ndarray:
        """Per commune (input order): '99', '95' or '' from the cluster it belongs to."""
        out = np.full(n, "", dtype=object)
        for cluster in self.significant:
            out[list(cluster.members)] = cluster.level
        return out

    def cluster_of(self, n: int) -> np.ndarray:
        """Per commune: the 1-based number of its significant cluster, 0 when none."""
        out = np.zeros(n, dtype=int)
        for k, cluster in enumerate(self.significant, start=1):
            out[list(cluster.members)] = k
        return out


def _zones(coords: np.ndarray, expected: np.ndarray, options: ScanOptions) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour indices (n × K, nearest first, the commune itself first) and which prefixes are allowed."""
    from scipy.spatial import cKDTree
    n = len(coords)
    k = int(min(max(1, options.max_members), n))
    _, idx = cKDTree(coords).query(coords, k=k)
    idx = np.asarray(idx, dtype=np.int64).reshape(n, k)
    share = np.cumsum(expected[idx], axis=1) / max(float(expected.sum()), 1e-300)
    allowed = share <= options.max_share + 1e-12
    allowed[:, 0] = True  # a single commune is always a zone
    return idx, allowed


def _llr(cum_obs: np.ndarray, cum_exp: np.ndarray, total: float) -> np.ndarray:
    """Poisson log-likelihood ratio of every zone; 0 where the zone holds no excess."""
    c = cum_obs
    mu = cum_exp * total
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.where(c > 0, c * np.log(np.where(c > 0, c, 1.0) / np.where(mu > 0, mu, 1.0)), 0.0)
        rest_c = total - c
        rest_mu = total - mu
        outside = np.where(rest_c > 0, rest_c * np.log(np.where(rest_c > 0, rest_c, 1.0)
                                                        / np.where(rest_mu > 0, rest_mu, 1.0)), 0.0)
    return np.where(c > mu, inside + outside, 0.0)


def _quasi_ratio(cum_wy: np.ndarray, cum_wmu: np.ndarray) -> np.ndarray:
    """Negative-binomial quasi-likelihood ratio of every zone, a·ln(a/b) − (a − b) with a = Σw·y and
    b = Σw·mu, w = 1/(1+phi·mu); 0 without excess (module docstring)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = cum_wy * np.log(np.where(cum_wy > 0, cum_wy, 1.0) / np.where(cum_wmu > 0, cum_wmu, 1.0))
    return np.where((cum_wy > cum_wmu) & (cum_wmu > 0), ratio - (cum_wy - cum_wmu), 0.0)


def _statistic(y: np.ndarray, share: np.ndarray, idx: np.ndarray, allowed: np.ndarray, cum_share: np.ndarray,
               options: ScanOptions, kind: str, dispersion: float) -> np.ndarray:
    """Every zone's statistic for counts y: the Poisson ratio, or the quasi ratio at `dispersion`."""
    total = float(y.sum())
    cum_obs = np.cumsum(y[idx], axis=1)
    small = ~allowed | (cum_obs < options.min_cases)
    if kind == "poisson_llr" or total <= 0:
        stat = _llr(cum_obs.astype(float), cum_share, total)
        stat[small] = 0.0
        return stat
    mu = share * total
    weight = 1.0 / (1.0 + dispersion * mu)
    stat = _quasi_ratio(np.cumsum((y * weight)[idx], axis=1), np.cumsum((mu * weight)[idx], axis=1))
    stat[small] = 0.0
    return stat


def zone_statistic(observed: np.ndarray, expected: np.ndarray, members: np.ndarray, dispersion: float) -> float:
    """The statistic the scan gives one zone (`members`: indices or a mask), at `dispersion` (0: the
    Poisson ratio). For benchmarks that ask whether a known zone could pass the scan's cut-off."""
    y = np.asarray(observed, dtype=float)
    share = np.asarray(expected, dtype=float) / float(np.sum(expected))
    total = float(y.sum())
    inside = np.zeros(len(y), dtype=bool)
    inside[members] = True
    if dispersion <= 0:
        return float(_llr(np.array([y[inside].sum()]), np.array([share[inside].sum()]), total)[0])
    weight = 1.0 / (1.0 + dispersion * share * total)
    return float(_quasi_ratio(np.array([(y * weight)[inside].sum()]),
                              np.array([(share * total * weight)[inside].sum()]))[0])


def _outside(y: np.ndarray, share: np.ndarray, excluded: np.ndarray) -> float:
    """The dispersion of the communes outside the clusters found so far, their expectation scaled
    to their own total: a cluster's excess is what is tested, not background variation."""
    keep = ~excluded
    if keep.sum() < 2 or y[keep].sum() <= 0:
        return estimate_dispersion(y, share * y.sum())
    return estimate_dispersion(y[keep], share[keep] / share[keep].sum() * y[keep].sum())


def _null_maxima(share: np.ndarray, idx: np.ndarray, allowed: np.ndarray, cum_share: np.ndarray, total: int,
                 options: ScanOptions, dispersion: float, kind: str, drawn_at: np.ndarray,
                 report: Report = silent, scan: int = 1) -> np.ndarray:
    """The largest zone statistic on each null map. Maps are drawn at the plausible dispersions
    `drawn_at` in turn and scored with the same weights as the data (at `dispersion`)."""
    rng = np.random.default_rng(options.seed)
    out = np.empty(options.replicates)
    step = max(1, options.replicates // 100)
    for r in range(options.replicates):
        if r % step == 0:
            report(Progress("null_maps", r, options.replicates, scan))
        phi = float(drawn_at[r % len(drawn_at)])
        if phi > 0:
            y = rng.poisson(share * total * rng.gamma(1.0 / phi, phi, size=len(share)))
        else:
            y = rng.multinomial(total, share)
        out[r] = _statistic(y, share, idx, allowed, cum_share, options, kind, dispersion).max() if y.sum() > 0 else 0.0
    return out


def _pick(stat: np.ndarray, idx: np.ndarray, floor: float) -> list[tuple[int, int]]:
    """Zones (centre, length) by falling statistic, none sharing a commune with one kept before."""
    n = idx.shape[0]
    flat = np.flatnonzero(stat.ravel() >= floor)
    if len(flat) == 0:
        flat = np.array([int(np.argmax(stat))]) if stat.max() > 0 else np.array([], dtype=int)
    order = flat[np.argsort(-stat.ravel()[flat], kind="stable")]
    used = np.zeros(n, dtype=bool)
    kept: list[tuple[int, int]] = []
    for pos in order:
        centre, last = divmod(int(pos), idx.shape[1])
        members = idx[centre, : last + 1]
        if used[members].any():
            continue
        used[members] = True
        kept.append((centre, last + 1))
    return kept


def scan_clusters(
    observed: np.ndarray, expected: np.ndarray, coords: np.ndarray, options: ScanOptions = ScanOptions(),
    report: Report = silent,
) -> ScanResult:
    """The scan of `observed` against `expected` (same order as `coords`, metres); module docstring.
    `report` hears how far the null maps are (risk/analysis/progress.py)."""
    y = np.asarray(observed, dtype=np.int64)
    e = np.asarray(expected, dtype=float)
    if len(y) != len(e) or len(y) != len(coords):
        raise ValueError("observed, expected and coords must have one entry per commune")
    total = int(y.sum())
    n = len(y)
    if total <= 0 or e.sum() <= 0 or n == 0:
        return ScanResult((), total, int(options.replicates), int(options.seed), 0.0, {}, 0.0, 0, "no_cases")
    share = e / e.sum()
    idx, allowed = _zones(np.asarray(coords, dtype=float), e, options)
    cum_share = np.cumsum(share[idx], axis=1)
    cum_obs = np.cumsum(y[idx], axis=1)
    replicates = int(options.replicates)
    excluded = np.zeros(n, dtype=bool)
    ratios: np.ndarray | None = None
    for scan in range(1, DISPERSION_PASSES + 1):
        dispersion = _outside(y, share, excluded) if options.overdispersion else 0.0
        stat_kind = "nb_quasi_llr" if dispersion > 0 else "poisson_llr"
        stat = _statistic(y, share, idx, allowed, cum_share, options, stat_kind, dispersion)
        if ratios is None and dispersion > 0:  # measured once, at the first estimate
            ratios = estimate_ratios(share * total, dispersion, DISPERSION_DRAWS, options.seed,
                                     lambda b: report(Progress("dispersion", b, DISPERSION_DRAWS)))
        drawn_at = np.minimum(dispersion / ratios, MAX_DISPERSION) if dispersion > 0 else np.zeros(1)
        maxima = (_null_maxima(share, idx, allowed, cum_share, total, options, dispersion, stat_kind, drawn_at,
                               report, scan)
                  if replicates > 0 else np.empty(0))
        critical = {label: float(np.quantile(maxima, 1 - alpha)) for label, alpha in LEVELS} if replicates else {}
        found = np.zeros(n, dtype=bool)
        if stat_kind != "poisson_llr" and critical and stat.max() >= critical["95"]:
            for centre, length in _pick(stat, idx, critical["95"]):
                found[idx[centre, :length]] = True
        if not found.any() or (found == excluded).all():
            break
        excluded = found
    kind = stat_kind
    # The best any data with this total could do: every case in one zone, where it counts most.
    if total < options.min_cases:
        best_possible = 0.0
    elif kind == "poisson_llr":
        smallest = float(np.where(allowed, cum_share, np.inf).min())
        best_possible = float(_llr(np.array([float(total)]), np.array([smallest]), float(total))[0])
    else:  # an upper bound: all cases weighted by the zone's largest weight
        weight = 1.0 / (1.0 + dispersion * share * total)
        bound = _quasi_ratio(total * np.maximum.accumulate(weight[idx], axis=1),
                             np.cumsum((share * total * weight)[idx], axis=1))
        best_possible = float(np.where(allowed, bound, 0.0).max())
    reason = None
    if replicates == 0 or 1.0 / (replicates + 1) > REPORT_ALPHA:
        reason = "floor"
    elif best_possible <= critical["95"]:
        reason = "too_few_cases"
    clusters: list[Cluster] = []
    if stat.max() > 0:
        floor = critical.get("95", np.inf)
        for centre, length in _pick(stat, idx, floor):
            members = idx[centre, :length]
            ratio = float(stat[centre, length - 1])
            p = float((1 + (maxima >= ratio - 1e-9).sum()) / (replicates + 1)) if replicates else 1.0
            if clusters and p > REPORT_ALPHA:
                break
            clusters.append(Cluster(tuple(int(m) for m in members), int(cum_obs[centre, length - 1]),
                                    float(cum_share[centre, length - 1] * total), ratio, p))
    return ScanResult(tuple(clusters), total, replicates, int(options.seed), dispersion, critical, best_possible,
                      int(allowed.sum()), reason, kind)
