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
of a Poisson-gamma (negative-binomial) model, Var(y) = mu + phi·mu², is
estimated by the method of moments, phi = max(0, Σ[(y−mu)² − y] / Σ mu²), and
each of the `replicates` null maps draws a gamma relative risk per commune
(mean 1, variance phi) and Poisson counts from it; phi = 0 gives plain
Poisson maps with the observed total (multinomial, as SaTScan). A zone needs at least
`min_cases` (3) cases, as the small-cell rule: fewer would point at a family,
not a place. The strongest non-overlapping zones, up to 5 % of the expected
cases, are left out of the dispersion estimate: a cluster's own excess is
what is tested, not background variation (with it, two strong clusters on a
144-commune grid raised phi until neither was significant). Each null map
repeats the estimate on its own counts, so the null carries the estimate's
own error (a parametric bootstrap of the whole procedure).

Statistic under overdispersion. When phi > 0 the Poisson ratio is the wrong
yardstick: it grows with a commune's expected count, so on a null map the most
extreme zone is a single large commune whose own risk happens to be high, and
real clusters of small communes lose to it (at 3,321 communes and phi = 0.3,
recall fell to 0.03; bench/hotspot_power.py). Each zone is then scored by the
negative-binomial score statistic for a raised risk inside it, with phi known:
z = Σ w_i (y_i − mu_i) / sqrt(Σ w_i mu_i), w_i = 1 / (1 + phi·mu_i) (the score
and information of log RR at 0 under Var = mu + phi·mu²; Tango & Takahashi's
negative-binomial scan uses the same variance). It is a sum over the zone, so
a cumulative sum gives every zone at once, and the null maps are scored the
same way. With phi = 0 the Poisson ratio is kept, as SaTScan. A cluster's
p-value is (1 + #null maps whose largest ratio ≥ its ratio) / (R + 1), the same
null for secondary clusters (conservative for them, as in SaTScan).

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
from scipy.spatial import cKDTree

__all__ = [
    "DEFAULT_REPLICATES", "DEFAULT_SEED", "LEVELS", "Cluster", "ScanOptions", "ScanResult", "estimate_dispersion",
    "scan_clusters",
]

DEFAULT_REPLICATES = 999
DEFAULT_SEED = 20250701
# (label, alpha), strongest first.
LEVELS: tuple[tuple[str, float], ...] = (("99", 0.01), ("95", 0.05))
REPORT_ALPHA = 0.05
DISPERSION_TRIM = 0.05  # share of expected cases left out of the dispersion estimate, strongest zones first
TRIM_CANDIDATES = 400  # zones considered for it, strongest first


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
    statistic: float  # the Poisson log-likelihood ratio, or the NB score z (ScanResult.statistic_kind)
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
    statistic_kind: str = "poisson_llr"  # or "nb_score" when the counts are overdispersed

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


def estimate_dispersion(observed: np.ndarray, expected: np.ndarray) -> float:
    """Method-of-moments phi of Var(y) = mu + phi·mu², clipped at 0 (module docstring)."""
    y = np.asarray(observed, dtype=float)
    mu = np.asarray(expected, dtype=float)
    denom = float((mu ** 2).sum())
    if denom <= 0:
        return 0.0
    return max(0.0, float((((y - mu) ** 2) - y).sum()) / denom)


def _zones(coords: np.ndarray, expected: np.ndarray, options: ScanOptions) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour indices (n × K, nearest first, the commune itself first) and which prefixes are allowed."""
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


def _score(cum_wy: np.ndarray, cum_wmu: np.ndarray) -> np.ndarray:
    """Negative-binomial score z of every zone, Σw(y−mu)/sqrt(Σw·mu) with w = 1/(1+phi·mu); 0 without excess."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (cum_wy - cum_wmu) / np.sqrt(cum_wmu)
    return np.where((cum_wy > cum_wmu) & (cum_wmu > 0), z, 0.0)


def _statistic(y: np.ndarray, share: np.ndarray, idx: np.ndarray, allowed: np.ndarray, cum_share: np.ndarray,
               options: ScanOptions, kind: str) -> tuple[np.ndarray, float, np.ndarray]:
    """Every zone's statistic for counts y, the dispersion it used, and the Poisson ratio it started
    from: the whole procedure, so the null maps repeat the dispersion estimate too (module docstring)."""
    total = float(y.sum())
    cum_obs = np.cumsum(y[idx], axis=1)
    small = ~allowed | (cum_obs < options.min_cases)
    stat = _llr(cum_obs.astype(float), cum_share, total)
    stat[small] = 0.0
    if kind == "poisson_llr" or total <= 0:
        return stat, 0.0, stat
    mu = share * total
    dispersion = estimate_dispersion(*_outside_strongest_zones(y, mu, share, stat, idx))
    weight = 1.0 / (1.0 + dispersion * mu)
    score = _score(np.cumsum((y * weight)[idx], axis=1), np.cumsum((mu * weight)[idx], axis=1))
    score[small] = 0.0
    return score, dispersion, stat


def _outside_strongest_zones(y: np.ndarray, mu: np.ndarray, share: np.ndarray, stat: np.ndarray,
                             idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts and expectations outside the strongest non-overlapping zones, up to DISPERSION_TRIM of the
    expected cases: clusters' own excess is what is tested, not background variation."""
    outside = np.ones(len(y), dtype=bool)
    removed = 0.0
    for centre, length in _pick(stat, idx, np.nextafter(0.0, 1.0), TRIM_CANDIDATES):
        if removed >= DISPERSION_TRIM:
            break
        members = idx[centre, :length]
        outside[members] = False
        removed += float(share[members].sum())
    return y[outside], mu[outside]


def _null_maxima(share: np.ndarray, idx: np.ndarray, allowed: np.ndarray, cum_share: np.ndarray, total: int,
                 options: ScanOptions, dispersion: float, kind: str) -> np.ndarray:
    rng = np.random.default_rng(options.seed)
    out = np.empty(options.replicates)
    for r in range(options.replicates):
        if dispersion > 0:
            rr = rng.gamma(1.0 / dispersion, dispersion, size=len(share))
            y = rng.poisson(share * total * rr)
        else:
            y = rng.multinomial(total, share)
        out[r] = _statistic(y, share, idx, allowed, cum_share, options, kind)[0].max() if y.sum() > 0 else 0.0
    return out


def _pick(llr: np.ndarray, idx: np.ndarray, floor: float, top: int | None = None) -> list[tuple[int, int]]:
    """Zones (centre, length) by falling statistic, none sharing a commune with one kept before;
    only the `top` strongest zones are looked at when given (the dispersion trim, on every null map)."""
    n = idx.shape[0]
    if top is not None and top < llr.size:
        strongest = np.argpartition(-llr.ravel(), top - 1)[:top]
        flat = strongest[llr.ravel()[strongest] >= floor]
    else:
        flat = np.flatnonzero(llr.ravel() >= floor)
    if len(flat) == 0:
        flat = np.array([int(np.argmax(llr))]) if llr.max() > 0 else np.array([], dtype=int)
    order = flat[np.argsort(-llr.ravel()[flat], kind="stable")]
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
) -> ScanResult:
    """The scan of `observed` against `expected` (same order as `coords`, metres); module docstring."""
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
    score, dispersion, llr = _statistic(y, share, idx, allowed, cum_share, options,
                                        "nb_score" if options.overdispersion else "poisson_llr")
    kind = "nb_score" if dispersion > 0 else "poisson_llr"
    stat = score if kind == "nb_score" else llr
    maxima = (_null_maxima(share, idx, allowed, cum_share, total, options, dispersion, kind)
              if replicates > 0 else np.empty(0))
    critical = {label: float(np.quantile(maxima, 1 - alpha)) for label, alpha in LEVELS} if replicates else {}
    # The best any data with this total could do: every case in one zone, where it counts most.
    if total < options.min_cases:
        best_possible = 0.0
    elif kind == "poisson_llr":
        smallest = float(np.where(allowed, cum_share, np.inf).min())
        best_possible = float(_llr(np.array([float(total)]), np.array([smallest]), float(total))[0])
    else:  # an upper bound: all cases weighted by the zone's largest weight
        weight = 1.0 / (1.0 + dispersion * share * total)
        bound = _score(total * np.maximum.accumulate(weight[idx], axis=1),
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
