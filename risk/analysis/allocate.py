"""Budgeted programme allocation, solved exactly as an integer program (patrol coverage, the
other integer program a commander brings, is in risk/analysis/coverage.py and shares the helpers here).

Two questions a planner and a commander bring:

- Programme allocation: with a budget, which communes get a prevention
  programme so that the most risk is addressed (expected cases reached, by
  default; or risk score × population, or the score alone)? Today officials take the ranking from the top
  until the money runs out; that greedy answer is computed alongside, and so
  is the best simple rule, risk addressed per unit of cost, which is nearly
  optimal: the exact answer's gain over *it* is the honest gain (the gain over
  the ranking is mostly the ranking ignoring cost and population).
- Patrol coverage (maximal covering location problem): where to put K patrol
  bases, among commune centres, border gates or uploaded points, so that the
  most risk lies within R km of a base. Distances are straight lines measured
  in metres in the UTM zone of the data (`metric_crs`), not road distances:
  in mountainous communes the road distance can be several times longer.

Both are solved with `scipy.optimize.milp` (HiGHS) with a zero relative MIP
gap, so "optimal" means proven optimal, not "within 0.01 %". Functions take
plain DataFrames and return frozen dataclasses; nothing here reads files or
knows about pages. Rules that cannot all hold (a must-include list over
budget, a per-district minimum the budget or the candidates cannot meet) are
diagnosed before solving and raised as `AllocationError` with a message in
Vietnamese and English.
"""
from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field
from typing import Collection, Iterable, Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from risk.analysis.objectives import OBJECTIVES
from risk.i18n import LocalisedError

__all__ = ["OBJECTIVES", "Allocation", "AllocationError", "allocate", "risk_weights"]

Objective = Literal["expected_cases", "score_x_population", "score"]
# Budget slack for floating-point sums (a set costing exactly the budget must fit).
_REL_TOL = 1e-9
_MILP_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "error"}


class AllocationError(LocalisedError):
    """Inputs or rules the allocation cannot work with; the message comes from risk.i18n."""



# --- shared helpers -------------------------------------------------------------------


def _fits(cost: float, budget: float) -> bool:
    """Whether `cost` is within `budget`, with slack for floating-point sums."""
    return cost <= budget + _REL_TOL * max(1.0, abs(budget))


def _id_list(ids: Iterable[object]) -> str:
    """A short, stable list of ids for a message (at most 10, then an ellipsis)."""
    ids = sorted(str(i) for i in ids)
    return ", ".join(ids[:10]) + (", …" if len(ids) > 10 else "")


def _require(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AllocationError("allocate.missing_columns", columns=", ".join(missing))


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats; non-numeric or missing values are an error naming the communes."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise AllocationError("allocate.bad_values", column=column, ids=_id_list(frame["commune_id"][bad]))
    return values


def risk_weights(frame: pd.DataFrame, objective: str) -> np.ndarray:
    """Risk addressed per commune: expected cases, score × population, or the score alone.

    Expected cases, the unit a planner budgets in: the model's score is p = P(≥ 1 recorded case
    next year), so under its Poisson reading the expected count is −ln(1 − p). It needs a
    probability (0 ≤ p < 1); a composite index is not one. Score × population counts a commune's
    size twice (the probability already grows with population) and is kept as a labelled option.
    A negative score or population is an error: the objective would then reward leaving a commune
    out, which no rule intends.
    """
    if objective not in OBJECTIVES:
        raise AllocationError("allocate.bad_objective", value=objective, choices=", ".join(OBJECTIVES))
    columns = ["commune_id", "score"] + (["population"] if objective == "score_x_population" else [])
    _require(frame, columns)
    weight = _numeric(frame, "score")
    if objective == "expected_cases":
        not_probability = (weight < 0) | (weight >= 1)
        if not_probability.any():
            raise AllocationError("allocate.not_probability", ids=_id_list(frame["commune_id"][not_probability]))
        return -np.log1p(-weight)
    if objective == "score_x_population":
        weight = weight * _numeric(frame, "population")
    negative = weight < 0
    if negative.any():
        raise AllocationError("allocate.negative_risk", ids=_id_list(frame["commune_id"][negative]))
    return weight


# --- programme allocation -------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """The exact allocation, the greedy one officials would make, the best simple rule (risk per
    unit of cost, `ratio_*`), and the differences.

    `chosen` and `greedy_chosen` are commune ids sorted by score (highest
    first, ties by id); `counts` gives the number of programmes per chosen
    commune (all 1 unless `max_per_commune` > 1). `gap` = objective −
    greedy_objective; `gap_share` is that as a share of the greedy objective
    (None when the greedy objective is 0). `greedy_meets_rules` is False when
    the greedy pass could not meet `min_per_district` within the budget.
    """

    chosen: tuple[str, ...]
    cost: float
    objective: float
    greedy_chosen: tuple[str, ...]
    greedy_cost: float
    greedy_objective: float
    gap: float
    gap_share: float | None
    status: str
    solve_seconds: float
    greedy_seconds: float
    budget: float
    objective_kind: str
    counts: dict[str, int] = field(default_factory=dict)
    greedy_counts: dict[str, int] = field(default_factory=dict)
    greedy_meets_rules: bool = True
    greedy_broken_districts: tuple[str, ...] = ()  # districts whose minimum the ranking rule missed
    # The best simple rule: risk addressed per unit of cost, highest first (`_value_per_cost_order`).
    ratio_chosen: tuple[str, ...] = ()
    ratio_cost: float = 0.0
    ratio_objective: float = 0.0
    ratio_gap: float = 0.0
    ratio_gap_share: float | None = None
    ratio_broken_districts: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Plain JSON-ready values (the CLI prints this)."""
        return {
            "chosen": list(self.chosen), "cost": self.cost, "objective": self.objective,
            "greedy_chosen": list(self.greedy_chosen), "greedy_cost": self.greedy_cost,
            "greedy_objective": self.greedy_objective, "gap": self.gap, "gap_share": self.gap_share,
            "status": self.status, "solve_seconds": self.solve_seconds, "greedy_seconds": self.greedy_seconds,
            "budget": self.budget, "objective_kind": self.objective_kind, "counts": dict(self.counts),
            "greedy_counts": dict(self.greedy_counts), "greedy_meets_rules": self.greedy_meets_rules,
            "greedy_broken_districts": list(self.greedy_broken_districts),
            "ratio_chosen": list(self.ratio_chosen), "ratio_cost": self.ratio_cost,
            "ratio_objective": self.ratio_objective, "ratio_gap": self.ratio_gap,
            "ratio_gap_share": self.ratio_gap_share, "ratio_broken_districts": list(self.ratio_broken_districts),
        }


@dataclass(frozen=True)
class _Problem:
    """Validated allocation inputs, in score order (highest first, ties by id)."""

    ids: np.ndarray
    score: np.ndarray
    weight: np.ndarray
    cost: np.ndarray
    district: np.ndarray  # "" where a commune has no former district
    upper: int
    include: np.ndarray  # bool masks
    exclude: np.ndarray
    min_per_district: int
    budget: float


def _check_number(value: object, code: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)) \
            or float(value) < minimum:
        raise AllocationError(code, value=value)
    return float(value)


def _check_count(value: object, code: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise AllocationError(code, value=value)
    return int(value)


def _prepare(candidates: pd.DataFrame, budget: float, cost: float | str, objective: str, min_per_district: int,
             must_include: Collection[str], must_exclude: Collection[str], max_per_commune: int) -> _Problem:
    """Validate every input and rule; infeasible combinations are explained here, before solving."""
    budget = _check_number(budget, "allocate.bad_budget")
    min_per_district = _check_count(min_per_district, "allocate.bad_min_per_district", 0)
    upper = _check_count(max_per_commune, "allocate.bad_max_per_commune", 1)
    if candidates is None or len(candidates) == 0:
        raise AllocationError("allocate.no_candidates")
    weight = risk_weights(candidates, objective)
    ids = candidates["commune_id"].astype(str).to_numpy()
    duplicated = pd.Series(ids).duplicated(keep=False).to_numpy()
    if duplicated.any():
        raise AllocationError("allocate.duplicate_ids", ids=_id_list(set(ids[duplicated])))
    if isinstance(cost, str):
        if cost not in candidates.columns:
            raise AllocationError("allocate.missing_cost_column", column=cost)
        costs = _numeric(candidates, cost)
        negative = costs < 0
        if negative.any():
            raise AllocationError("allocate.negative_cost", ids=_id_list(ids[negative]))
    else:
        costs = np.full(len(ids), _check_number(cost, "allocate.bad_flat_cost"))
    if "former_district" in candidates.columns:
        district = candidates["former_district"].map(lambda v: "" if pd.isna(v) else str(v).strip()).to_numpy()
    elif min_per_district > 0:
        raise AllocationError("allocate.missing_columns", columns="former_district")
    else:
        district = np.full(len(ids), "")
    include_set, exclude_set = {str(i) for i in must_include}, {str(i) for i in must_exclude}
    unknown = (include_set | exclude_set) - set(ids)
    if unknown:
        raise AllocationError("allocate.unknown_ids", ids=_id_list(unknown))
    both = include_set & exclude_set
    if both:
        raise AllocationError("allocate.include_and_exclude", ids=_id_list(both))
    score = _numeric(candidates, "score")
    order = np.lexsort((ids, -score))  # score desc, ties by id
    ids, score, weight, costs, district = ids[order], score[order], weight[order], costs[order], district[order]
    include = np.isin(ids, list(include_set))
    exclude = np.isin(ids, list(exclude_set))
    need = float(costs[include].sum())
    if not _fits(need, budget):
        raise AllocationError("allocate.include_over_budget", cost=_money(need), budget=_money(budget))
    if min_per_district > 0:
        for name in sorted(set(district) - {""}):
            in_d = district == name
            available = int((in_d & ~exclude).sum()) * upper
            if available < min_per_district:
                raise AllocationError("allocate.district_too_small", district=name, n=min_per_district,
                                      available=available)
            # The cheapest way to meet the minimum: included communes first, then the cheapest others.
            have = int(include[in_d].sum())
            extra_slots = np.concatenate([np.repeat(costs[in_d & include], upper - 1),
                                          np.repeat(costs[in_d & ~include & ~exclude], upper)])
            need += float(np.sort(extra_slots)[:max(0, min_per_district - have)].sum())
        if not _fits(need, budget):
            raise AllocationError("allocate.district_over_budget", n=min_per_district, cost=_money(need),
                                  budget=_money(budget))
    return _Problem(ids, score, weight, costs, district, upper, include, exclude, min_per_district, budget)


def _money(value: float) -> str:
    """A cost for a message: no decimals when whole, thousands separated by spaces."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return text.replace(",", " ")


def _solve_allocation(p: _Problem, time_limit: float | None) -> tuple[np.ndarray, str]:
    """Programme counts per commune from the integer program, and the solver status."""
    n = len(p.ids)
    lower = p.include.astype(float)
    upper = np.where(p.exclude, 0.0, float(p.upper))
    rows = [LinearConstraint(p.cost[None, :], -np.inf, p.budget + _REL_TOL * max(1.0, p.budget))]
    if p.min_per_district > 0:
        names = sorted(set(p.district) - {""})
        if names:
            index = {name: k for k, name in enumerate(names)}
            member = [i for i in range(n) if p.district[i] in index]
            matrix = sparse.csr_array((np.ones(len(member)), ([index[p.district[i]] for i in member], member)),
                                      shape=(len(names), n))
            rows.append(LinearConstraint(matrix, p.min_per_district, np.inf))
    # No presolve: HiGHS's presolve grows about with the square of the communes on this one-row
    # knapsack (17 of 18 s at 10,600 communes, 1.7 of 1.8 s at 3,321), while branch and bound alone
    # proves the same optimum in under 1.2 s (same objective on flat, column and district-minimum
    # costs, and on budgets of 5 % and 30 % of the total; issue 17, bench/allocate.py).
    options: dict = {"mip_rel_gap": 0.0, "presolve": False}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(-p.weight, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=rows, options=options)
    status = _MILP_STATUS.get(res.status, "error")
    if res.x is None:
        if status == "infeasible":
            raise AllocationError("allocate.infeasible")
        raise AllocationError("allocate.solver_failed", status=res.message)
    return np.round(res.x).astype(int), status


def _greedy_allocation(p: _Problem, order: np.ndarray | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """A simple rule: down a list (`order`, default the ranking), taking what fits, skipping what does not.

    Must-include communes are taken first and must-exclude ones skipped. With
    `min_per_district`, each district's communes are taken first, in the list's
    order, until its minimum is met, then the list continues. Returns the counts
    and the districts whose minimum the budget ran out before (empty when every
    rule holds).
    """
    order = np.arange(len(p.ids)) if order is None else order
    counts = np.where(p.include, 1, 0)
    spent = float(p.cost[counts > 0].sum())

    def take(i: int) -> bool:
        nonlocal spent
        if p.exclude[i] or counts[i] >= p.upper or not _fits(spent + p.cost[i], p.budget):
            return False
        counts[i] += 1
        spent += float(p.cost[i])
        return True

    broken: list[str] = []
    if p.min_per_district > 0:
        for name in sorted(set(p.district) - {""}):
            members = order[p.district[order] == name]
            for _ in range(p.upper):
                for i in members:
                    if counts[members].sum() >= p.min_per_district:
                        break
                    take(i)
            if counts[members].sum() < p.min_per_district:
                broken.append(name)
    for _ in range(p.upper):  # a second programme only after every commune above had its first
        for i in order:
            take(i)
    return counts, tuple(broken)


def _value_per_cost_order(p: _Problem) -> np.ndarray:
    """The best simple rule for a budget: risk addressed per unit of cost, highest first (a free
    commune first of all), ties in ranking order. Within 0.02 % of the integer program in the
    audit's 447 random instances, so the exact answer's gain over it is the honest gain."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p.cost > 0, p.weight / np.where(p.cost > 0, p.cost, 1.0), np.inf)
    return np.lexsort((np.arange(len(p.ids)), -ratio))


def allocate(candidates: pd.DataFrame, budget: float, *, cost: float | str = "cost",
             objective: Objective = "expected_cases", min_per_district: int = 0,
             must_include: Collection[str] = (), must_exclude: Collection[str] = (),
             max_per_commune: int = 1, time_limit: float | None = None) -> Allocation:
    """Choose communes for prevention programmes within `budget`, exactly, and the greedy answer beside it.

    `candidates`: one row per commune with commune_id, score, population (for
    the score × population objective), former_district (for the per-district
    rule) and, when `cost` names a column, that column; a number as `cost` is a
    flat cost per programme. Rules: at most `max_per_commune` programmes per
    commune (1: the 0/1 model), at least `min_per_district` per former district
    (communes without one are in no district), `must_include` and
    `must_exclude` commune ids. Raises AllocationError for bad inputs and for
    rules that cannot all hold, before any solving.
    """
    p = _prepare(candidates, budget, cost, objective, min_per_district, must_include, must_exclude,
                 max_per_commune)
    started = time.perf_counter()
    counts, status = _solve_allocation(p, time_limit)
    solve_seconds = time.perf_counter() - started
    started = time.perf_counter()
    greedy, broken = _greedy_allocation(p)
    greedy_seconds = time.perf_counter() - started
    ratio, ratio_broken = _greedy_allocation(p, _value_per_cost_order(p))
    value, greedy_value, ratio_value = float(p.weight @ counts), float(p.weight @ greedy), float(p.weight @ ratio)
    gap = value - greedy_value
    ratio_gap = value - ratio_value
    return Allocation(
        chosen=tuple(p.ids[counts > 0]), cost=float(p.cost @ counts), objective=value,
        greedy_chosen=tuple(p.ids[greedy > 0]), greedy_cost=float(p.cost @ greedy), greedy_objective=greedy_value,
        gap=gap, gap_share=gap / greedy_value if greedy_value > 0 else None, status=status,
        solve_seconds=solve_seconds, greedy_seconds=greedy_seconds, budget=p.budget, objective_kind=objective,
        counts={str(i): int(c) for i, c in zip(p.ids, counts) if c > 0},
        greedy_counts={str(i): int(c) for i, c in zip(p.ids, greedy) if c > 0},
        greedy_meets_rules=not broken, greedy_broken_districts=broken,
        ratio_chosen=tuple(p.ids[ratio > 0]), ratio_cost=float(p.cost @ ratio), ratio_objective=ratio_value,
        ratio_gap=ratio_gap, ratio_gap_share=ratio_gap / ratio_value if ratio_value > 0 else None,
        ratio_broken_districts=ratio_broken,
    )
