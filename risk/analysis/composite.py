"""Composite risk index: the transparent stand-in for the model where there are no case labels.

Each indicator is min-max normalised within one year across communes to [0, 1],
1 = most risk (indicators where higher means less risk, such as mobile coverage,
are flipped), then combined with weights the planner can edit. The index is
reported on a 0..100 scale (100 = the riskiest commune on every indicator), and
`weight_sensitivity` shows how much the ranking depends on those weights, so a
list is not read as more certain than its weights are.

Indicators without a risk direction (population, extra columns) stay out unless
the caller gives them one: a number whose meaning for risk is unknown must not
silently move a commune up the list. Likewise a planner can drop an indicator
(for example ethnic-minority share) with a zero weight or a `None` direction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from risk.analysis.drivers import TOP, Driver, top_drivers
from risk.i18n import LocalisedError
from risk.contracts.indicators import indicator_for

__all__ = [
    "CONSTANT_VALUE", "GEOMETRIC_FLOOR", "INDEX_SCALE", "METHODS", "METHOD_KEYS", "RESULT_COLUMNS",
    "CompositeConfig", "CompositeError", "Sensitivity", "composite_index", "constant_indicators",
    "default_config", "index_drivers", "normalise", "resolve_directions", "weight_sensitivity",
]

INDEX_SCALE = 100.0
"""The index runs 0..100: easier to read and to quote than 0..1."""

GEOMETRIC_FLOOR = 0.01
"""Normalised values are raised to this before a geometric mean, so that the commune
with the lowest value of one indicator (normalised to exactly 0) is not given an
index of 0 whatever its other indicators say. The geometric index therefore never
goes below GEOMETRIC_FLOOR * INDEX_SCALE (= 1)."""

CONSTANT_VALUE = 0.5
"""Normalised value of an indicator that is the same in every commune: it tells
communes apart by nothing, so it sits in the middle rather than at 0 or 1."""

METHODS: tuple[str, ...] = ("arithmetic", "geometric")
# Catalogue keys of the methods (risk/i18n), owned here so no caller builds a key from a method.
METHOD_KEYS = {"arithmetic": "composite.method.arithmetic", "geometric": "composite.method.geometric"}
RESULT_COLUMNS: tuple[str, ...] = ("commune_id", "index", "rank", "n_indicators")
_ID_COLUMNS = ("commune_id", "year")
_TIE_DECIMALS = 9  # indexes equal to 9 decimals share a rank (floating-point noise is not an order)


class CompositeError(LocalisedError, ValueError):
    """A composite-index request that cannot be computed, with a message in each language."""


def _listing(items: Iterable[object]) -> str:
    """Items joined for a message ("a, b, c"), or a dash when there are none."""
    text = ", ".join(str(item) for item in items)
    return text or "—"


def _number(value: float) -> str:
    """A weight or change as a user typed it (2, not 2.0)."""
    return f"{value:g}"


# --- configuration --------------------------------------------------------------------------------


def _check_weights(weights: Mapping[str, object]) -> dict[str, float]:
    """Weights as floats; non-numbers, infinities, negatives and all-zero are errors."""
    checked: dict[str, float] = {}
    for key, raw in weights.items():
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise CompositeError("composite.weight_not_number", indicator=key, weight=raw) from None
        if not math.isfinite(value):
            raise CompositeError("composite.weight_not_number", indicator=key, weight=raw)
        if value < 0:
            raise CompositeError("composite.negative_weight", indicator=key, weight=_number(value))
        checked[str(key)] = value
    if checked and not any(checked.values()):
        raise CompositeError("composite.all_weights_zero")
    return checked


def _check_directions(directions: Mapping[str, object]) -> dict[str, bool | None]:
    """Direction overrides as True / False / None; anything else is an error (a typo must not flip an indicator)."""
    checked: dict[str, bool | None] = {}
    for key, value in directions.items():
        if value is not None and not isinstance(value, (bool, np.bool_)):
            raise CompositeError("composite.direction_invalid", indicator=key, value=value)
        checked[str(key)] = None if value is None else bool(value)
    return checked


@dataclass(frozen=True)
class CompositeConfig:
    """How the index is built; validated on construction, so a bad weight fails where it is typed.

    weights: indicator key -> weight >= 0 (any scale; they are renormalised to sum 1).
        Empty (the default) means equal weights over every indicator of the data
        that has a risk direction. Weight 0 leaves an indicator out.
    method: "arithmetic" (weighted mean: a high value offsets a low one) or
        "geometric" (weighted geometric mean: a low value is penalised; values are
        floored at GEOMETRIC_FLOOR so one zero does not wipe out the rest).
    directions: overrides of the registry's `higher_is_riskier` per key: True
        (higher = more risk), False (higher = less risk, flipped) or None (no
        direction, so left out). Keys absent from the data are ignored.
    """

    weights: Mapping[str, float] = field(default_factory=dict)
    method: str = "arithmetic"
    directions: Mapping[str, bool | None] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", _check_weights(self.weights))
        if self.method not in METHODS:
            raise CompositeError("composite.unknown_method", method=self.method, allowed=_listing(METHODS))
        if self.directions is not None:
            object.__setattr__(self, "directions", _check_directions(self.directions))

    def __hash__(self) -> int:  # usable as a cache key despite holding dicts
        directions = None if self.directions is None else tuple(sorted(self.directions.items()))
        return hash((tuple(sorted(self.weights.items())), self.method, directions))


def resolve_directions(keys: Iterable[str], overrides: Mapping[str, bool | None] | None = None) -> dict[str, bool | None]:
    """Risk direction of each key: the caller's override, else the registry's (None for extras)."""
    overrides = overrides or {}
    return {key: overrides[key] if key in overrides else indicator_for(key).higher_is_riskier for key in keys}


def default_config(keys: Iterable[str], directions: Mapping[str, bool | None] | None = None,
                   method: str = "arithmetic") -> CompositeConfig:
    """Equal weights (1 each, easy to edit) over the keys that have a risk direction.

    Raises CompositeError("composite.no_directed_indicators") when none has one.
    """
    keys = list(keys)
    resolved = resolve_directions(keys, directions)
    weights = {key: 1.0 for key in keys if resolved[key] is not None}
    if not weights:
        raise CompositeError("composite.no_directed_indicators", available=_listing(keys))
    return CompositeConfig(weights=weights, method=method, directions=directions)


# --- normalisation ---------------------------------------------------------------------------------


def _finite(values: pd.Series) -> pd.Series:
    """Numbers as float with infinities treated as missing."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


def constant_indicators(table: pd.DataFrame, keys: Iterable[str]) -> list[str]:
    """Keys whose known values are all equal (so they are normalised to CONSTANT_VALUE)."""
    constant = []
    for key in keys:
        values = _finite(table[key]).dropna()
        if len(values) and values.min() == values.max():
            constant.append(key)
    return constant


def normalise(table: pd.DataFrame, keys: Sequence[str], directions: Mapping[str, bool | None]) -> pd.DataFrame:
    """Min-max normalised indicators in [0, 1], 1 = most risk, on `table`'s index.

    Normalisation is across the rows given (pass one year). Indicators where higher
    means less risk (direction False) are flipped. A constant indicator becomes
    CONSTANT_VALUE everywhere (`constant_indicators` lists them). Missing values stay missing. A key without a direction
    raises CompositeError("composite.no_direction").
    """
    columns: dict[str, pd.Series] = {}
    for key in keys:
        direction = directions.get(key)
        if direction is None:
            raise CompositeError("composite.no_direction", indicator=key)
        values = _finite(table[key])
        low, high = values.min(), values.max()
        if pd.isna(low):
            scaled = values  # nothing known: stays missing
        elif high == low:
            scaled = values.where(values.isna(), CONSTANT_VALUE)
        else:
            scaled = ((values - low) / (high - low)).clip(0.0, 1.0)
            if not direction:
                scaled = 1.0 - scaled
        columns[key] = scaled
    return pd.DataFrame(columns, index=table.index, columns=list(keys), dtype="float64")


# --- the index --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """One year's normalised matrix and weights, computed once and reused by the sensitivity runs."""

    commune_ids: np.ndarray
    keys: list[str]
    normalised: pd.DataFrame
    weights: np.ndarray  # positive, in `keys` order, not renormalised
    method: str
    constant: tuple[str, ...]  # indicators constant across the year's communes


def _indicator_columns(indicators: pd.DataFrame) -> list[str]:
    return [c for c in indicators.columns if c not in _ID_COLUMNS]


def _chosen_weights(columns: list[str], config: CompositeConfig) -> tuple[dict[str, float], dict[str, bool | None]]:
    """Positive weights of the indicators used (in data column order) and their directions."""
    directions = resolve_directions(columns, config.directions)
    if config.weights:
        unknown = [key for key in config.weights if key not in columns]
        if unknown:
            raise CompositeError("composite.unknown_indicator", indicators=_listing(unknown), available=_listing(columns))
        weights = {key: config.weights[key] for key in columns if config.weights.get(key, 0.0) > 0}
        for key in weights:
            if directions[key] is None:
                raise CompositeError("composite.no_direction", indicator=key)
    else:
        weights = {key: 1.0 for key in columns if directions[key] is not None}
        if not weights:
            raise CompositeError("composite.no_directed_indicators", available=_listing(columns))
    for key in weights:
        if key in RESULT_COLUMNS:
            raise CompositeError("composite.reserved_name", indicator=key, reserved=_listing(RESULT_COLUMNS))
    return weights, directions


def _prepare(indicators: pd.DataFrame, year: int, config: CompositeConfig) -> _Prepared:
    """Validate the request and normalise the chosen year once."""
    years = pd.to_numeric(indicators["year"], errors="coerce")
    rows = indicators.loc[years == year]
    if rows.empty:
        available = sorted(int(y) for y in years.dropna().unique())
        raise CompositeError("composite.year_missing", year=year, available=_listing(available))
    weights, directions = _chosen_weights(_indicator_columns(indicators), config)
    keys = list(weights)
    rows = rows.reset_index(drop=True)
    return _Prepared(
        commune_ids=rows["commune_id"].astype(str).to_numpy(),
        keys=keys,
        normalised=normalise(rows, keys, directions),
        weights=np.array([weights[k] for k in keys], dtype="float64"),
        method=config.method,
        constant=tuple(constant_indicators(rows, keys)),
    )


def _aggregate(normalised: np.ndarray, weights: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Index (0..INDEX_SCALE) per row over its available indicators, weights renormalised per row;
    and the number of indicators used. A row with none gets NaN."""
    available = ~np.isnan(normalised)
    row_weights = np.where(available, weights, 0.0)
    total = row_weights.sum(axis=1)
    values = np.where(available, normalised, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "geometric":
            mean = np.exp((np.log(np.maximum(values, GEOMETRIC_FLOOR)) * row_weights).sum(axis=1) / total)
        else:
            mean = (values * row_weights).sum(axis=1) / total
    index = np.where(total > 0, mean * INDEX_SCALE, np.nan)
    return index, available.sum(axis=1)


def _ranks(index: np.ndarray) -> pd.Series:
    """1 = highest index; equal indexes share the best rank; no index, no rank."""
    ranked = pd.Series(index).round(_TIE_DECIMALS).rank(ascending=False, method="min")
    return ranked.astype("Int64")


def _order(index: np.ndarray, commune_ids: np.ndarray) -> np.ndarray:
    """Row positions from highest index to lowest, ties by commune id, missing last (a deterministic list)."""
    key = np.where(np.isnan(index), np.inf, -np.round(index, _TIE_DECIMALS))
    return np.lexsort((commune_ids, key))


@dataclass(frozen=True)
class CompositeResult:
    """The composite index for one year: `table` (see composite_index), the indicators that
    were constant, the renormalised weights, the aggregation method and the year."""

    table: pd.DataFrame
    constant: tuple[str, ...]
    weights: Mapping[str, float]
    method: str
    year: int


def composite_index(indicators: pd.DataFrame, year: int, config: CompositeConfig | None = None) -> CompositeResult:
    """The composite index of every commune with a row in `year`, riskiest first.

    Columns: `commune_id`; `index` (0..100, 100 = most risk; NaN when the commune has
    none of the indicators); `rank` (Int64, 1 = highest index, ties share a rank,
    missing when there is no index); `n_indicators` (how many indicators the index
    was computed over); then one column per indicator used with its normalised value
    (0..1, 1 = most risk). Normalisation is within `year` across communes.
    `config` defaults to equal weights over the indicators with a risk direction.
    """
    config = config or CompositeConfig()
    prepared = _prepare(indicators, year, config)
    index, used = _aggregate(prepared.normalised.to_numpy(), prepared.weights, prepared.method)
    result = pd.DataFrame({
        "commune_id": prepared.commune_ids,
        "index": index,
        "rank": _ranks(index),
        "n_indicators": used.astype("int64"),
    })
    result = pd.concat([result, prepared.normalised], axis=1)
    result = result.iloc[_order(index, prepared.commune_ids)].reset_index(drop=True)
    weights = dict(zip(prepared.keys, (prepared.weights / prepared.weights.sum()).tolist()))
    return CompositeResult(result, prepared.constant, weights, prepared.method, int(year))


def index_drivers(result: CompositeResult, top: int = TOP) -> list[tuple[Driver, ...]]:
    """Per row of `result.table`, the indicators that move its index furthest from the average commune's.

    A contribution is the indicator's weight times how far the commune's normalised value lies
    from that year's mean: in index points for the arithmetic mean, in log-index for the geometric
    one (where the index is a product). Positive raises the index. A missing value moves nothing.
    """
    keys = list(result.weights)
    values = result.table[keys].to_numpy(dtype=float)
    if result.method == "geometric":
        values = np.log(np.maximum(values, GEOMETRIC_FLOOR))
    weights = np.array([result.weights[k] for k in keys], dtype=float)
    scale = 1.0 if result.method == "geometric" else INDEX_SCALE
    known = ~np.isnan(values)
    mean = np.where(known, values, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
    contrib = np.where(known, values - mean, 0.0) * weights * scale
    return top_drivers(contrib, keys, top)


# --- sensitivity to the weights ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    """How the ranking moves when each weight changes by ±change, one at a time.

    per_commune: `commune_id`, `rank` (base), `min_rank`, `max_rank` (over the base
        and every perturbation, so the interval always holds the base rank),
        `rank_spread` (max - min); ordered by base rank.
    per_perturbation: `indicator`, `change` (+0.2 / -0.2), `weight` (that indicator's
        share of the total after the change), `spearman` (rank correlation with the
        base index), `n_moved` (communes whose rank moved by more than `moved_by`
        places), and `top{k}_overlap` for each k in `tops` (communes in both the base
        and the perturbed top k).
    """

    per_commune: pd.DataFrame
    per_perturbation: pd.DataFrame


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN when either side is constant."""
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    da, db = ra - ra.mean(), rb - rb.mean()
    denominator = math.sqrt(float((da * da).sum() * (db * db).sum()))
    return float((da * db).sum() / denominator) if denominator > 0 else float("nan")


def weight_sensitivity(indicators: pd.DataFrame, year: int, config: CompositeConfig | None = None,
                       change: float = 0.20, *, moved_by: int = 5, tops: Sequence[int] = (10, 20)) -> Sensitivity:
    """Ranks under each weight raised and lowered by `change` (others unchanged, then renormalised).

    The normalised matrix is computed once; each perturbation only re-aggregates it.
    Communes without an index are left out of the correlation and the overlaps.
    """
    if not (isinstance(change, (int, float)) and 0 < change < 1):
        raise CompositeError("composite.invalid_change", change=change)
    config = config or CompositeConfig()
    prepared = _prepare(indicators, year, config)
    matrix = prepared.normalised.to_numpy()
    ids = prepared.commune_ids
    base_index, _ = _aggregate(matrix, prepared.weights, prepared.method)
    base_rank = _ranks(base_index)
    known = ~np.isnan(base_index)
    base_order = _order(base_index, ids)

    def top(order: np.ndarray, k: int) -> set[str]:
        return set(ids[[i for i in order if known[i]][:k]])

    rows = []
    rank_columns = [base_rank]
    for position, key in enumerate(prepared.keys):
        for sign in (1, -1):
            weights = prepared.weights.copy()
            weights[position] *= 1 + sign * change
            index, _ = _aggregate(matrix, weights, prepared.method)
            rank = _ranks(index)
            rank_columns.append(rank)
            order = _order(index, ids)
            moved = (rank - base_rank).abs() > moved_by
            row = {
                "indicator": key,
                "change": sign * change,
                "weight": float(weights[position] / weights.sum()),
                "spearman": _spearman(base_index[known], index[known]),
                "n_moved": int(moved.fillna(False).sum()),
            }
            for k in tops:
                row[f"top{k}_overlap"] = len(top(base_order, k) & top(order, k))
            rows.append(row)
    ranks = pd.concat(rank_columns, axis=1)
    per_commune = pd.DataFrame({
        "commune_id": ids,
        "rank": base_rank,
        "min_rank": ranks.min(axis=1).astype("Int64"),
        "max_rank": ranks.max(axis=1).astype("Int64"),
    })
    per_commune["rank_spread"] = (per_commune["max_rank"] - per_commune["min_rank"]).astype("Int64")
    per_commune = per_commune.iloc[base_order].reset_index(drop=True)
    columns = ["indicator", "change", "weight", "spearman", "n_moved", *(f"top{k}_overlap" for k in tops)]
    return Sensitivity(per_commune=per_commune, per_perturbation=pd.DataFrame(rows, columns=columns))
