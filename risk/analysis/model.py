"""Risk model: scikit-learn pipelines, a rolling temporal backtest, scores with
predictive rank intervals, per-commune explanations and model-card tables.

The unit is a commune-year (risk.analysis.features): features at year t, target "at
least one recorded case at t+1". The model is judged only by a rolling-origin
backtest (never a random split) against the two rankings people use today:
last year's cases and poverty alone. Everything here is a pure function of a
Dataset and a ModelConfig, deterministic for a seed.

Awkward data is a `ModelError` (a code and parameters rendered by risk.i18n in
Vietnamese or English), never a traceback. Softer problems (a constant
indicator dropped, a test year without cases) become `Note`s on the result.

scikit-learn is imported by the functions that fit, not with this module: it takes seconds
on a loaded machine, and the configuration, labels and result types here are read by pages
and links that fit nothing.
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from risk.analysis.drivers import Driver, top_drivers
from risk.analysis.calibration import CalibrationCheck, Recalibration, calibration_check, fit_recalibration, \
    reliability_table
from risk.analysis.features import CASE_FEATURES, EFFORT_FEATURES, ModelError, at_reference_effort, feature_keys, feature_table
from risk.analysis.margins import DRAWS as MARGIN_DRAWS, MarginTable, bootstrap_margins
from risk.analysis.rank_intervals import expected_counts, extra_variance, predictive_ranks
from risk.analysis.progress import Progress, Report, silent
from risk.analysis.ranking_metrics import METRICS, Metrics, rank_by as _rank, ranking_metrics as _metrics
from risk.i18n import DEFAULT_LANGUAGE, Message
from risk.contracts.dataset import Dataset

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = [
    "BacktestResult", "Comparison", "Driver", "Fold", "ImportanceResult", "KINDS", "METHODS", "METHOD_KEYS",
    "METHOD_LONG_KEYS", "METRICS", "METRIC_KEYS", "METRIC_LONG_KEYS", "MODEL_KIND_KEYS", "MODEL_KIND_LONG_KEYS",
    "ModelConfig", "ModelError", "Note", "ScoreResult",
    "backtest", "calibration_table", "capture_curve", "compare_without", "importance", "score",
]

KINDS: tuple[str, ...] = ("logistic", "gbm")
METHODS: tuple[str, ...] = ("model", "last_year", "poverty", "composite", "poisson")
# Catalogue keys of the codes above (risk/i18n), owned here so no caller builds a key from a code.
MODEL_KIND_KEYS = {"logistic": "model.kind.logistic", "gbm": "model.kind.gbm"}
METHOD_KEYS = {"model": "model.method.model", "last_year": "model.method.last_year", "poverty": "model.method.poverty",
               "composite": "model.method.composite", "poisson": "model.method.poisson"}
METRIC_KEYS = {"auc": "model.metric.auc", "brier": "model.metric.brier", "capture_10": "model.metric.capture_10",
               "capture_20": "model.metric.capture_20", "pai_10": "model.metric.pai_10", "pei_10": "model.metric.pei_10"}
# The Model page's longer labels for the same codes.
MODEL_KIND_LONG_KEYS = {"logistic": "mp.kind.logistic", "gbm": "mp.kind.gbm"}
METHOD_LONG_KEYS = {"model": "mp.method.model", "last_year": "mp.method.last_year", "poverty": "mp.method.poverty",
                    "composite": "mp.method.composite", "poisson": "mp.method.poisson"}
METRIC_LONG_KEYS = {"auc": "mp.metric.auc", "brier": "mp.metric.brier", "capture_10": "mp.metric.capture_10",
                    "capture_20": "mp.metric.capture_20", "pai_10": "mp.metric.pai_10", "pei_10": "mp.metric.pei_10"}
assert set(MODEL_KIND_KEYS) == set(MODEL_KIND_LONG_KEYS) == set(KINDS)
assert set(METHOD_KEYS) == set(METHOD_LONG_KEYS) == set(METHODS)
assert set(METRIC_KEYS) == set(METRIC_LONG_KEYS) == set(METRICS)
# Skewed counts enter the logistic model as log(1 + x): a commune with 6 cases
# is not six times as telling as one with 1, and population acts multiplicatively.
LOG_FEATURES: frozenset[str] = frozenset({"population", "cases_t", "cases_t1", "neighbour_cases_t", *EFFORT_FEATURES})
# Never a commune's driver: effort explains where cases were recorded, and is the same for every
# commune when scoring (risk.analysis.features.at_reference_effort).
NOT_DRIVERS: frozenset[str] = frozenset(EFFORT_FEATURES)
# L2 strength for ~100-3,000 communes x a few years and ~10-15 features: strong
# enough that a one-year first fold does not overfit, weak enough not to flatten
# the ranking. Chosen a priori, not tuned on the demo.
LOGISTIC_C = 0.3
N_SHUFFLES = 10  # label permutations per fold for the shuffled-label control
INTERVAL = 0.90  # bootstrap rank interval
POVERTY = "poverty_rate"


@dataclass(frozen=True)
class ModelConfig:
    """What to fit. `drop_features` leaves features out (e.g. ethnic_minority_share);
    `patrol_weight` is how much a patrol-detected case counts (risk.analysis.features);
    `margin_draws` is how many commune resamples give the backtest's intervals (margins.py)."""

    kind: str = "logistic"
    drop_features: tuple[str, ...] = ()
    patrol_weight: float = 1.0
    n_bootstrap: int = 100
    seed: int = 0
    margin_draws: int = MARGIN_DRAWS
    # Rank intervals include the risk no feature carries (rank_intervals.py); False: refits only,
    # the narrower intervals of version one, kept to measure against (bench/rank_coverage.py).
    rank_noise: bool = True
    composite: object = None  # the CompositeConfig the backtest's composite row uses; None: equal weights
    # Platt-scale the probabilities on earlier years' out-of-time predictions (calibration.py); off by
    # default because the demo seeds' backtests did not support it; every backtest measures it anyway.
    recalibrate: bool = False

    def to_dict(self) -> dict:
        out = asdict(self)
        out["drop_features"] = list(self.drop_features)
        out["composite"] = None if self.composite is None else {
            "weights": dict(self.composite.weights), "method": self.composite.method}
        return out


Note = Message  # something the user should know about a result: one message model (risk.i18n)


@dataclass(frozen=True)
class ScoreResult:
    """Risk scores for one feature year.

    `table`: commune_id, name, score, rank, rank_low, rank_high, and the drivers
    columns `drivers` and `drivers_without_cases` (each cell a tuple of Driver).
    `features`: what the model was fitted on; `notes`: what the user should know;
    `extra_variance`: φ, the spread of true risk around the model the rank intervals include
    (risk/analysis/rank_intervals.py), None when no intervals were computed.
    """

    year: int
    table: pd.DataFrame
    features: tuple[str, ...]
    notes: tuple[Note, ...]
    extra_variance: float | None = None


@dataclass(frozen=True)
class ImportanceResult:
    """What the fitted model leans on: `table` has feature, importance, importance_sd."""

    table: pd.DataFrame
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Comparison:
    """The model with and without one feature: backtest mean AUC of each, the change
    (without − with), and how many of the top `top_n` communes of `year`'s score both keep."""

    feature: str
    year: int
    auc_with: float | None
    auc_without: float | None
    auc_change: float | None
    top_n: int
    top_overlap: int

    @property
    def top_overlap_share(self) -> float:
        return self.top_overlap / self.top_n if self.top_n else math.nan

    def to_dict(self) -> dict:
        return {**asdict(self), "top_overlap_share": self.top_overlap_share}


def _years_text(years: list[int]) -> str:
    """Years as short runs: [2017, 2018, 2019, 2022] -> "2017–2019, 2022"."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


class _Notes:
    """Ordered, de-duplicated notes; a feature dropped in several folds is one note listing the years."""

    def __init__(self) -> None:
        self._notes: list[Note] = []
        self._years: dict[tuple[str, str], list[int]] = {}

    def add(self, code: str, **params: object) -> None:
        note = Note(code, params)
        if note not in self._notes:
            self._notes.append(note)

    def add_dropped(self, code: str, feature: str, year: int) -> None:
        key = (code, feature)
        if key not in self._years:
            self._years[key] = []
            self._notes.append(Note(code, {"feature": feature, "years": ""}))
        self._years[key].append(int(year))

    @property
    def items(self) -> list[Note]:
        out = []
        for note in self._notes:
            key = (note.code, note.params.get("feature"))
            if key in self._years:
                note = Note(note.code, {"feature": key[1], "years": _years_text(self._years[key])})
            out.append(note)
        return out


@dataclass(frozen=True)
class Fold:
    """One backtest fold: trained on target years < test_year, tested on test_year."""

    train_years: tuple[int, ...]
    test_year: int
    n: int
    n_positive: int
    metrics: dict[str, Metrics]  # method -> metric -> value (None when undefined)

    def to_dict(self) -> dict:
        return {"train_years": list(self.train_years), "test_year": self.test_year, "n": self.n,
                "n_positive": self.n_positive, **{m: dict(self.metrics[m]) for m in METHODS}}


@dataclass(frozen=True)
class BacktestResult:
    """Rolling-origin backtest of the model and both baselines.

    `predictions` holds every test row (commune_id, year, test_year, target,
    weight, cases_next, prob_<method>, rank_<method>) for the model card.
    """

    config: ModelConfig
    features: tuple[str, ...]
    folds: tuple[Fold, ...]
    mean: dict[str, Metrics]
    shuffled_auc: float | None
    notes: tuple[Note, ...]
    predictions: pd.DataFrame = field(repr=False, compare=False)
    margins: MarginTable | None = field(default=None, compare=False)  # bootstrap intervals (margins.py)
    calibration: CalibrationCheck | None = field(default=None, compare=False)  # level and recalibration

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        """JSON-ready: mean, shuffled_auc, folds, config, features, notes (messages in `lang`)."""
        return {
            "mean": {m: dict(self.mean[m]) for m in METHODS},
            "intervals": self.margins.to_dict() if self.margins is not None else None,
            "calibration": self.calibration.to_dict() if self.calibration is not None else None,
            "shuffled_auc": self.shuffled_auc,
            "folds": [f.to_dict() for f in self.folds],
            "config": self.config.to_dict(),
            "features": list(self.features),
            "notes": [n.to_dict(lang) for n in self.notes],
        }


def _single_threaded(fn):
    """Run with BLAS and OpenMP limited to one thread.

    The models here are small (hundreds to tens of thousands of rows): thread
    start-up costs more than it saves, and on a busy 2-core server OpenMP
    threads in gradient boosting made fits 10-30x slower (measured). Only
    speed is affected, so a concurrent caller restoring the limits is harmless.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)
    return wrapper


# --- preparation ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    table: pd.DataFrame
    candidates: tuple[str, ...]
    indicators: pd.DataFrame | None = None  # for the composite index row of the backtest


def _check_config(config: ModelConfig) -> None:
    if config.kind not in KINDS:
        raise ModelError("model.bad_kind", value=config.kind, allowed=", ".join(KINDS))
    if not (isinstance(config.n_bootstrap, numbers.Integral) and config.n_bootstrap >= 0):
        raise ModelError("model.bad_bootstrap", value=config.n_bootstrap)


def _prepare(ds: Dataset, config: ModelConfig, table: pd.DataFrame | None = None) -> _Prepared:
    """Feature table and candidate features, or a ModelError for data no model can learn from.

    `table` is `feature_table(ds, config.patrol_weight)` when the caller already has it: it does
    not depend on the year or the model, so the dashboard builds it once per dataset."""
    _check_config(config)
    available = feature_keys(ds)
    for name in config.drop_features:
        if name not in available:
            raise ModelError("model.unknown_feature", feature=name, available=", ".join(available))
    if table is None:
        table = feature_table(ds, config.patrol_weight)
    if not len(ds.cases):
        raise ModelError("model.no_cases")
    labelled = table[table["target"].notna()]
    if not len(labelled):
        raise ModelError("model.single_year", year=ds.years[0])
    if labelled["target"].nunique() < 2:
        key = "model.one_class_positive" if labelled["target"].iloc[0] == 1 else "model.one_class_negative"
        raise ModelError(key)
    candidates = tuple(f for f in available if f not in config.drop_features)
    if not candidates:
        raise ModelError("model.no_features")
    return _Prepared(table, candidates, ds.indicators)


def _usable(train: pd.DataFrame, candidates: tuple[str, ...], notes: _Notes, year: int) -> list[str]:
    """Candidates that carry information in the training rows for `year`; the others are noted, not fatal."""
    kept = []
    for name in candidates:
        values = train[name]
        if values.isna().all():
            notes.add_dropped("model.note.dropped_missing", name, year)
        elif values.nunique(dropna=True) < 2:
            notes.add_dropped("model.note.dropped_constant", name, year)
        else:
            kept.append(name)
    if not kept:
        raise ModelError("model.no_features")
    return kept


def _has_both_classes(rows: pd.DataFrame) -> bool:
    y = rows["target"]
    return bool(len(rows)) and y.nunique() == 2


# --- pipelines ------------------------------------------------------------------------


def _log1p_columns(X: np.ndarray, columns: tuple[int, ...] = ()) -> np.ndarray:
    """log(1 + x) on the count-like columns (NaN stays NaN for the imputer)."""
    X = np.array(X, dtype=float, copy=True)
    for j in columns:
        X[:, j] = np.log1p(np.clip(X[:, j], 0, None))
    return X


def _pipeline(kind: str, features: list[str], seed: int) -> Pipeline:
    """A fresh, unfitted pipeline for the chosen kind."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if kind == "gbm":
        # Small and regularised: a few hundred positives at province scale.
        return Pipeline([("fit", HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=100, max_depth=3, max_leaf_nodes=6, min_samples_leaf=30,
            l2_regularization=1.0, early_stopping=False, random_state=seed))])
    logs = tuple(j for j, name in enumerate(features) if name in LOG_FEATURES)
    return Pipeline([
        ("log", FunctionTransformer(_log1p_columns, kw_args={"columns": logs})),
        ("impute", SimpleImputer(strategy="median", add_indicator=False, keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("fit", LogisticRegression(C=LOGISTIC_C, class_weight=None, max_iter=5000)),
    ])


POISSON_ALPHA = 0.01  # light L2 on standardised features, chosen a priori as LOGISTIC_C


def _fit_poisson(rows: pd.DataFrame, features: list[str]) -> Pipeline:
    """An expected-count model: next year's case count, Poisson, on the logistic model's features
    and transforms (the honest second model the backtest holds the default against)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import PoissonRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    logs = tuple(j for j, name in enumerate(features) if name in LOG_FEATURES)
    pipe = Pipeline([
        ("log", FunctionTransformer(_log1p_columns, kw_args={"columns": logs})),
        ("impute", SimpleImputer(strategy="median", add_indicator=False, keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("fit", PoissonRegressor(alpha=POISSON_ALPHA, max_iter=1000)),
    ])
    return pipe.fit(rows[features].to_numpy(dtype=float), rows["cases_next"].to_numpy(dtype=float),
                    fit__sample_weight=rows["weight"].to_numpy(dtype=float))


def _composite_scores(indicators: pd.DataFrame | None, years: list[int],
                      config=None) -> dict[int, pd.Series] | None:
    """The composite index (at `config`, default equal weights) of every commune in each year; None
    when the indicators give no index (no indicator with a risk direction)."""
    from risk.analysis.composite import CompositeError, composite_index

    if indicators is None:
        return None
    out = {}
    try:
        for year in years:
            table = composite_index(indicators, int(year), config).table
            out[int(year)] = table.assign(commune_id=table["commune_id"].astype(str)).set_index("commune_id")["index"]
    except CompositeError:
        return None
    return out


def _composite_of(rows: pd.DataFrame, scores: dict[int, pd.Series]) -> np.ndarray:
    """Each row's composite index in its feature year (the lowest possible where it has none)."""
    values = np.full(len(rows), -1.0)
    for year, index in scores.items():
        at = (rows["year"] == year).to_numpy()
        if at.any():
            values[at] = index.reindex(rows.loc[at, "commune_id"].astype(str)).fillna(-1.0).to_numpy()
    return values


def _fit(kind: str, rows: pd.DataFrame, features: list[str], seed: int,
         y: np.ndarray | None = None, w: np.ndarray | None = None) -> Pipeline:
    pipe = _pipeline(kind, features, seed)
    X = rows[features].to_numpy(dtype=float)
    y = rows["target"].to_numpy(dtype=int) if y is None else y
    w = rows["weight"].to_numpy(dtype=float) if w is None else w
    if np.all(w == 1.0):  # unweighted fits are the same model, and far faster for gradient boosting
        return pipe.fit(X, y)
    return pipe.fit(X, y, fit__sample_weight=w)


def _predict(pipe: Pipeline, rows: pd.DataFrame, features: list[str]) -> np.ndarray:
    return pipe.predict_proba(rows[features].to_numpy(dtype=float))[:, 1]


# --- rankings and metrics -------------------------------------------------------------


def _calibrate(train: pd.DataFrame, x_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """Baseline score -> probability by a one-variable logistic fit on the training rows.

    Used for the baselines' Brier only (their ranking is the score itself). A
    constant training score gets the training rate.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    y = train["target"].to_numpy(dtype=int)
    w = train["weight"].to_numpy(dtype=float)
    if np.nanstd(x_train) == 0:
        return np.full(len(x_test), float(np.average(y, weights=w)))
    model = Pipeline([("scale", StandardScaler()), ("fit", LogisticRegression(C=1e4, max_iter=1000))])
    model.fit(x_train.reshape(-1, 1), y, fit__sample_weight=w)
    return model.predict_proba(x_test.reshape(-1, 1))[:, 1]


def _poverty(rows: pd.DataFrame, fill: float) -> np.ndarray:
    return rows[POVERTY].fillna(fill).to_numpy(dtype=float)


def _baselines(train: pd.DataFrame, test: pd.DataFrame, has_poverty: bool) -> dict[str, tuple]:
    """(probability, ranks) of last year's cases and of poverty rank alone.

    last_year ranks by cases at t, then cases at t-1, then poverty (all
    descending, then commune_id); poverty ranks by poverty_rate (missing values
    take the training median). Their Brier uses `_calibrate` on log(1 + cases_t)
    and on poverty_rate respectively.
    """
    fill = float(train[POVERTY].median()) if has_poverty and train[POVERTY].notna().any() else 0.0
    pov_test = _poverty(test, fill) if has_poverty else np.zeros(len(test))
    last_keys = [test["cases_t"].to_numpy(float), test["cases_t1"].fillna(0).to_numpy(float), pov_test]
    last_prob = _calibrate(train, np.log1p(train["cases_t"].to_numpy(float)), np.log1p(test["cases_t"].to_numpy(float)))
    out = {"last_year": (last_prob, _rank(test, last_keys)), "poverty": (None, None)}
    if has_poverty:
        out["poverty"] = (_calibrate(train, _poverty(train, fill), pov_test), _rank(test, [pov_test]))
    return out


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


# --- backtest ---------------------------------------------------------------------------


def _recalibration(earlier: pd.DataFrame | None, column: str) -> Recalibration | None:
    """Platt scaling fitted on earlier folds' out-of-time predictions (calibration.py), None without them."""
    if earlier is None or not len(earlier):
        return None
    return fit_recalibration(earlier[column].to_numpy(), earlier["target"].to_numpy(), earlier["weight"].to_numpy(),
                             earlier["test_year"].to_numpy())


def _out_of_time(prep: _Prepared, config: ModelConfig, year: int) -> pd.DataFrame | None:
    """Out-of-time predictions for every labelled target year after the first, up to `year`: each predicted
    by a model trained only on the years before it, scored at reference effort (as the backtest does)."""
    labelled = prep.table[prep.table["target"].notna()]
    years = sorted(int(y) for y in labelled["target_year"].unique() if y <= year)
    parts = []
    for test_year in years[1:]:
        train = labelled[labelled["target_year"] < test_year]
        if not _has_both_classes(train):
            continue
        features = _usable(train, prep.candidates, _Notes(), test_year)
        test = at_reference_effort(labelled[labelled["target_year"] == test_year])
        parts.append(pd.DataFrame({"test_year": test_year, "target": test["target"].to_numpy(),
                                   "weight": test["weight"].to_numpy(),
                                   "prob": _predict(_fit(config.kind, train, features, config.seed), test, features)}))
    return pd.concat(parts, ignore_index=True) if parts else None


def _backtest(prep: _Prepared, config: ModelConfig, shuffles: int = N_SHUFFLES,
              report: Report = silent) -> BacktestResult:
    notes = _Notes()
    table = prep.table
    labelled = table[table["target"].notna()]
    has_poverty = POVERTY in table.columns and table[POVERTY].notna().any()
    if not has_poverty:
        notes.add("model.note.no_poverty")
    folds: list[Fold] = []
    predictions: list[pd.DataFrame] = []
    shuffled: list[float] = []
    target_years = sorted(int(y) for y in labelled["target_year"].unique())
    composite = _composite_scores(prep.indicators, sorted(int(y) for y in labelled["year"].unique()),
                                  config.composite)
    if composite is None:
        notes.add("model.note.no_composite")
    for step, test_year in enumerate(target_years[1:]):
        report(Progress("backtest_folds", step, len(target_years) - 1))
        train = labelled[labelled["target_year"] < test_year]
        # Judged as the page scores: at the province's mean patrol effort, not the effort that came.
        test = at_reference_effort(labelled[labelled["target_year"] == test_year])
        if not _has_both_classes(train):
            notes.add("model.note.fold_skipped", year=test_year)
            continue
        features = _usable(train, prep.candidates, notes, test_year)
        pipe = _fit(config.kind, train, features, config.seed)
        plain = _predict(pipe, test, features)
        recal = _recalibration(pd.concat(predictions) if predictions else None, "prob_plain")
        recalibrated = plain if recal is None else recal.apply(plain)
        prob = recalibrated if config.recalibrate else plain
        base = _baselines(train, test, has_poverty)
        ranks = {"model": _rank(test, [prob]), "last_year": base["last_year"][1], "poverty": base["poverty"][1]}
        probs = {"model": prob, "last_year": base["last_year"][0], "poverty": base["poverty"][0]}
        expected = _fit_poisson(train, features).predict(test[features].to_numpy(dtype=float))
        ranks["poisson"], probs["poisson"] = _rank(test, [expected]), 1.0 - np.exp(-expected)
        ranks["composite"] = probs["composite"] = None
        if composite is not None:
            c_train, c_test = _composite_of(train, composite), _composite_of(test, composite)
            ranks["composite"], probs["composite"] = _rank(test, [c_test]), _calibrate(train, c_train, c_test)
        metrics = {m: _metrics(test, probs[m], ranks[m]) for m in METHODS}
        n_positive = int(test["target"].sum())
        if n_positive == 0:
            notes.add("model.note.no_positive_year", year=test_year)
        if metrics["model"]["auc"] is not None:
            y_train, w_train = train["target"].to_numpy(int), train["weight"].to_numpy(float)
            for k in range(shuffles):
                perm = np.random.default_rng([config.seed, test_year, k]).permutation(len(train))
                control = _fit(config.kind, train, features, config.seed, y_train[perm], w_train[perm])
                c_prob = _predict(control, test, features)
                from sklearn.metrics import roc_auc_score

                shuffled.append(float(roc_auc_score(test["target"].to_numpy(int), c_prob,
                                                    sample_weight=test["weight"].to_numpy(float))))
        train_years = tuple(sorted(int(y) for y in train["target_year"].unique()))
        folds.append(Fold(train_years, test_year, len(test), n_positive, metrics))
        frame = test[["commune_id", "year", "target_year", "target", "weight", "cases_next"]].rename(
            columns={"target_year": "test_year"})
        for m in METHODS:
            frame[f"prob_{m}"] = probs[m] if probs[m] is not None else np.nan
            frame[f"rank_{m}"] = ranks[m] if ranks[m] is not None else np.nan
        frame["prob_plain"], frame["prob_recalibrated"] = plain, recalibrated
        predictions.append(frame.reset_index(drop=True))
    if not folds:
        raise ModelError("model.no_folds", years=len(target_years))
    mean = {m: {k: _mean([f.metrics[m][k] for f in folds]) for k in METRICS} for m in METHODS}
    all_features = _usable(labelled, prep.candidates, _Notes(), target_years[-1] + 1)
    rows = pd.concat(predictions, ignore_index=True)
    report(Progress("backtest_margins", len(target_years) - 1, len(target_years) - 1))
    margins = bootstrap_margins(rows, METHODS, config.margin_draws, config.seed) if config.margin_draws > 0 else None
    check = calibration_check(rows, config.recalibrate, config.margin_draws, config.seed)
    return BacktestResult(config, tuple(all_features), tuple(folds), mean, _mean(shuffled), tuple(notes.items),
                          rows, margins, check)


@_single_threaded
def backtest(ds: Dataset, config: ModelConfig = ModelConfig(), table: pd.DataFrame | None = None,
             report: Report = silent) -> BacktestResult:
    """Rolling-origin backtest: for each target year T after the first, train on
    rows whose target year is before T (so nothing from T leaks into training)
    and test on rows whose target year is T.

    Per fold and on average (over folds; AUC means skip folds where it is None):
    ROC AUC, Brier, capture at the top 10 % and 20 % of communes (share of next
    year's case counts), PAI at 10 % (capture ÷ the share of communes taken,
    round(10 % × n) of n). The same for the baselines `last_year` and `poverty`,
    and the mean AUC of refits on permuted training labels (`shuffled_auc`,
    N_SHUFFLES per fold, near 0.5 when nothing leaks). The baselines rank by
    their score; their probabilities (for Brier only) come from a one-variable
    logistic calibration fitted on the fold's training rows. A test year with
    no positive commune has AUC and capture None, with a note; means skip None.
    Raises ModelError when no fold can be formed. `report` hears each fold ("backtest_folds").
    """
    return _backtest(_prepare(ds, config, table), config, report=report)


# --- scoring -----------------------------------------------------------------------------


def _training_rows(prep: _Prepared, ds: Dataset, year: int) -> pd.DataFrame:
    """All labelled history available when scoring `year`: rows whose target year ≤ year."""
    if year not in ds.years:
        raise ModelError("model.year_not_in_data", year=year, first=ds.years[0], last=ds.years[-1])
    table = prep.table
    train = table[table["target"].notna() & (table["target_year"] <= year)]
    if not _has_both_classes(train):
        raise ModelError("model.no_history", year=year)
    return train


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _contributions(pipe: Pipeline, kind: str, train: pd.DataFrame, rows: pd.DataFrame,
                   features: list[str]) -> np.ndarray:
    """(rows, features) signed contributions to the log-odds.

    logistic: coefficient × standardised value (after log and imputation), i.e.
    the shift from the average commune. gbm: log-odds minus the log-odds with
    that feature set to its training median (one feature at a time, so the
    contributions need not add up).
    """
    X = rows[features].to_numpy(dtype=float)
    if kind == "logistic":
        Z = pipe[:-1].transform(X)
        return Z * pipe[-1].coef_[0]
    base = _logit(pipe.predict_proba(X)[:, 1])
    medians = train[features].median().to_numpy(dtype=float)
    out = np.zeros_like(X)
    for j in range(len(features)):
        X_j = X.copy()
        X_j[:, j] = medians[j]
        out[:, j] = base - _logit(pipe.predict_proba(X_j)[:, 1])
    return out


def _bootstrap_probs(config: ModelConfig, train: pd.DataFrame, rows: pd.DataFrame,
                     features: list[str], report: Report = silent) -> np.ndarray:
    """(n_bootstrap, rows) probabilities from refits on communes resampled with replacement.

    Whole communes are resampled (cluster bootstrap) because a commune's years
    are not independent. A resample with one class only is redrawn.
    """
    groups = [idx for _, idx in sorted(train.groupby("commune_id").indices.items())]
    n_groups = len(groups)
    probs, attempt = [], 0
    report(Progress("rank_intervals", 0, config.n_bootstrap))
    while len(probs) < config.n_bootstrap and attempt < 5 * config.n_bootstrap + 10:
        rng = np.random.default_rng([config.seed, 7919, attempt])
        attempt += 1
        pick = np.concatenate([groups[g] for g in rng.integers(0, n_groups, n_groups)])
        sample = train.iloc[pick]
        if not _has_both_classes(sample):
            continue
        probs.append(_predict(_fit(config.kind, sample, features, config.seed), rows, features))
        report(Progress("rank_intervals", len(probs), config.n_bootstrap))
    return np.array(probs).reshape(len(probs), len(rows))


def _rank_intervals(config: ModelConfig, pipe: Pipeline, train: pd.DataFrame, rows: pd.DataFrame,
                    features: list[str], rank: np.ndarray,
                    report: Report = silent) -> tuple[np.ndarray, np.ndarray, float]:
    """90 % rank intervals from refits and the risk no feature carries (risk/analysis/rank_intervals.py),
    widened to contain `rank`, and the estimated extra variance φ."""
    fitted = expected_counts(_predict(pipe, train, features))
    phi = extra_variance(train["cases_next"].to_numpy(dtype=float), fitted) if config.rank_noise else 0.0
    totals = train.assign(expected=fitted).groupby("commune_id")[["cases_next", "expected"]].sum()
    totals = totals.reindex(rows["commune_id"]).fillna(0.0)
    boot = _bootstrap_probs(config, train, rows, features, report)
    if not len(boot):
        return rank.copy(), rank.copy(), phi
    ranks = predictive_ranks(boot, phi, totals["cases_next"].to_numpy(), totals["expected"].to_numpy(), config.seed)
    tail = (1 - INTERVAL) / 2
    low = np.minimum(rank, np.floor(np.quantile(ranks, tail, axis=0, method="lower"))).astype(int)
    high = np.maximum(rank, np.ceil(np.quantile(ranks, 1 - tail, axis=0, method="higher"))).astype(int)
    return low, high, phi


def _score(prep: _Prepared, ds: Dataset, year: int, config: ModelConfig,
           notes: _Notes, intervals: bool = True, report: Report = silent) -> ScoreResult:
    train = _training_rows(prep, ds, year)
    features = _usable(train, prep.candidates, notes, year)
    pipe = _fit(config.kind, train, features, config.seed)
    rows = at_reference_effort(prep.table[prep.table["year"] == year].reset_index(drop=True))
    prob = _predict(pipe, rows, features)
    if config.recalibrate:
        recal = _recalibration(_out_of_time(prep, config, year), "prob")
        if recal is None:
            notes.add("model.note.not_recalibrated")
        else:
            prob = recal.apply(prob)  # order unchanged: the slope is positive
    rank = _rank(rows, [prob])
    low, high, phi = rank.copy(), rank.copy(), None
    if intervals and config.n_bootstrap > 0:
        low, high, phi = _rank_intervals(config, pipe, train, rows, features, rank, report)
    contrib = _contributions(pipe, config.kind, train, rows, features)
    out = pd.DataFrame({
        "commune_id": rows["commune_id"].to_numpy(), "name": rows["name"].to_numpy(), "score": prob,
        "rank": rank, "rank_low": low, "rank_high": high, "drivers": top_drivers(contrib, features, leave_out=NOT_DRIVERS),
        # Chosen among indicator and distance features only: what roles that may not see case
        # rows are shown (the choice itself must not depend on case counts).
        "drivers_without_cases": top_drivers(contrib, features, leave_out=CASE_FEATURES | NOT_DRIVERS),
    })
    out = out.sort_values("rank", kind="mergesort").reset_index(drop=True)
    return ScoreResult(int(year), out, tuple(features), tuple(notes.items), phi)


@_single_threaded
def score(ds: Dataset, year: int, config: ModelConfig = ModelConfig(),
          table: pd.DataFrame | None = None, report: Report = silent) -> ScoreResult:
    """Risk scores for feature year `year`, fitted on all labelled history (rows whose target year ≤ year).

    Columns: commune_id, name, score (probability of at least one recorded case
    in year + 1), rank (1 = highest risk, ties by commune_id), rank_low and
    rank_high (90 % interval of the rank over `config.n_bootstrap` cluster-
    bootstrap refits, each with draws of the risk no feature carries:
    risk/analysis/rank_intervals.py; widened to contain `rank`), drivers (the top 3 Drivers
    by absolute contribution to the log-odds). Sorted by rank. `report` hears each refit
    (Progress step "rank_intervals"), so a page can say how far the intervals are.
    """
    notes = _Notes()
    return _score(_prepare(ds, config, table), ds, int(year), config, notes, report=report)


# --- model card ------------------------------------------------------------------------------


def calibration_table(result: BacktestResult, n_bins: int = 10, column: str = "prob_model") -> pd.DataFrame:
    """Predicted against observed over every backtest test row (calibration.reliability_table): the
    model's probabilities as used, or `prob_plain` / `prob_recalibrated`."""
    return reliability_table(result.predictions, column, n_bins)


def capture_curve(result: BacktestResult, steps: int = 100) -> pd.DataFrame:
    """Share of next-year cases captured against share of communes targeted, pooled over folds.

    Columns: share_communes (0 to 1 in `steps` steps), model, last_year,
    poverty (NaN when the dataset has no poverty_rate). At each share s every
    fold takes its top round(s × n) communes; captured cases are summed over
    folds and divided by all test-year cases.
    """
    shares = np.linspace(0, 1, steps + 1)
    out = {"share_communes": shares}
    pred = result.predictions
    total = float(pred["cases_next"].sum())
    for method in METHODS:
        captured = np.zeros(len(shares))
        if pred[f"rank_{method}"].isna().any() or total <= 0:
            out[method] = np.full(len(shares), np.nan)
            continue
        for _, fold in pred.groupby("test_year"):
            ranks = fold[f"rank_{method}"].to_numpy()
            cases = fold["cases_next"].to_numpy(dtype=float)
            by_rank = np.concatenate([[0.0], np.cumsum(cases[np.argsort(ranks, kind="mergesort")])])
            captured += by_rank[np.round(shares * len(fold)).astype(int)]
        out[method] = captured / total
    return pd.DataFrame(out)


@_single_threaded
def importance(ds: Dataset, config: ModelConfig = ModelConfig(),
               table: pd.DataFrame | None = None) -> ImportanceResult:
    """What the model fitted on all labelled history leans on. Columns: feature, importance, importance_sd.

    logistic: the coefficient on the standardised feature (signed; log-odds per
    standard deviation; sd 0). gbm: permutation importance (mean drop in ROC AUC
    over 5 shuffles of the feature, on the training rows: what the model uses,
    not what generalises). Sorted by absolute importance.
    """
    prep = _prepare(ds, config, table)
    notes = _Notes()
    train = prep.table[prep.table["target"].notna()]
    features = _usable(train, prep.candidates, notes, int(train["target_year"].max()))
    pipe = _fit(config.kind, train, features, config.seed)
    if config.kind == "logistic":
        values, spread = pipe[-1].coef_[0], np.zeros(len(features))
    else:
        from sklearn.inspection import permutation_importance

        perm = permutation_importance(pipe, train[features].to_numpy(dtype=float), train["target"].to_numpy(int),
                                      scoring="roc_auc", n_repeats=5, random_state=config.seed,
                                      sample_weight=train["weight"].to_numpy(float))
        values, spread = perm.importances_mean, perm.importances_std
    out = pd.DataFrame({"feature": features, "importance": values.astype(float), "importance_sd": spread})
    out = out.iloc[np.argsort(-np.abs(out["importance"].to_numpy()), kind="mergesort")].reset_index(drop=True)
    return ImportanceResult(out, tuple(notes.items))


@_single_threaded
def compare_without(ds: Dataset, feature: str = "ethnic_minority_share",
                    config: ModelConfig = ModelConfig(), top_n: int = 20,
                    table: pd.DataFrame | None = None) -> Comparison:
    """The model with and without one feature, on the latest year (see Comparison)."""
    if feature not in feature_keys(ds):
        raise ModelError("model.unknown_feature", feature=feature, available=", ".join(feature_keys(ds)))
    kept = tuple(f for f in config.drop_features if f != feature)
    with_cfg = ModelConfig(config.kind, kept, config.patrol_weight, config.n_bootstrap, config.seed)
    without_cfg = ModelConfig(config.kind, (*kept, feature), config.patrol_weight, config.n_bootstrap, config.seed)
    if table is None:
        table = feature_table(ds, config.patrol_weight)  # one table serves both: dropping is per model
    prep_with, prep_without = _prepare(ds, with_cfg, table), _prepare(ds, without_cfg, table)
    auc_with = _backtest(prep_with, with_cfg, shuffles=0).mean["model"]["auc"]
    auc_without = _backtest(prep_without, without_cfg, shuffles=0).mean["model"]["auc"]
    year = ds.years[-1]
    top_with = _score(prep_with, ds, year, with_cfg, _Notes(), intervals=False).table
    top_without = _score(prep_without, ds, year, without_cfg, _Notes(), intervals=False).table
    n = min(top_n, len(top_with))
    overlap = len(set(top_with["commune_id"].head(n)) & set(top_without["commune_id"].head(n)))
    change = None if auc_with is None or auc_without is None else auc_without - auc_with
    return Comparison(feature, int(year), auc_with, auc_without, change, n, overlap)
