"""The analyses the pages show, keyed on the dataset identity (DatasetKey) and the settings.

Scores, the backtest, hotspots and distances come through ui/results.py: from memory, from the
result store (kept on disk per dataset content, so a restart loses nothing), or computed in the
background while the page says how far it is. The cheaper ones (importance, the composite index,
the leakage check) are cached in memory here.

The model settings chosen on the Model page are kept in session state as a ModelConfig
(`model_settings`), so the risk map scores with the same model the card shows. The feature table is
built once per dataset and patrol weight (risk.views.analyses.Analyses.features).
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from risk.analysis.features import ModelError
from risk.analysis.model import BacktestResult, Comparison, ModelConfig, compare_without, importance
from risk.views.analyses import Run
from ui import state
from ui.results import analyses_of, kept, kept_table, result, result_table
from ui import session as slots

ETHNIC = "ethnic_minority_share"


def model_config(n_bootstrap: int = 100) -> ModelConfig:
    """The session's model settings (the defaults until the Model page sets them)."""
    return replace(slots.MODEL_SETTINGS.get(ModelConfig()), n_bootstrap=n_bootstrap)


def set_model_config(kind: str, drop_ethnic: bool, patrol_weight: float, recalibrate: bool = False) -> ModelConfig:
    """Keep the Model page's choices for every page of this session."""
    config = ModelConfig(kind=kind, drop_features=(ETHNIC,) if drop_ethnic else (), patrol_weight=float(patrol_weight),
                         recalibrate=bool(recalibrate))
    slots.MODEL_SETTINGS.set(config)
    return config


# --- what the pages call -----------------------------------------------------------------------------


def _features(key: state.DatasetKey, patrol_weight: float) -> pd.DataFrame:
    return analyses_of(key).features(patrol_weight)


@st.cache_data(show_spinner=False, max_entries=8)
def _importance(key: state.DatasetKey, config: ModelConfig) -> pd.DataFrame:
    return importance(state.load_by_key(key), config, _features(key, config.patrol_weight)).table


@st.cache_data(show_spinner=False, max_entries=8)
def _compare(key: state.DatasetKey, config: ModelConfig) -> Comparison:
    return compare_without(state.load_by_key(key), ETHNIC, config, table=_features(key, config.patrol_weight))


@st.cache_data(show_spinner=False, max_entries=8)
def _time_travel(key: state.DatasetKey, config: ModelConfig):
    from risk.analysis.leakage import time_travel

    try:
        return time_travel(state.load_by_key(key), config, table=_features(key, config.patrol_weight))
    except ModelError:
        return None


def time_travel_check(config: ModelConfig):
    """The leakage test on the open dataset (risk.analysis.leakage.TimeTravel), None when it cannot run."""
    return _time_travel(state.dataset_key(), config)


def backtest_result(config: ModelConfig) -> BacktestResult:
    """The backtest, its composite row at the weights last set on the risk map or priorities page."""
    weights = slots.COMPOSITE_SETTINGS.get()
    equal = weights is None or (weights.method == "arithmetic" and len(set(weights.weights.values())) <= 1)
    return result(Run("backtest", (replace(config, composite=None if equal else weights),)))


def scores(year: int, config: ModelConfig) -> pd.DataFrame:
    """The model's scores for `year` (risk.analysis.model.ScoreResult.table); raises ModelError."""
    return result_table(Run("score", (int(year), config)))


def colouring_scores(year: int, config: ModelConfig) -> pd.DataFrame:
    """Scores to colour a map with, when no rank interval is shown: the run with intervals if it is
    kept (every year's is a default analysis), else the run without the bootstrap refits. The refits
    change only rank_low and rank_high, so score, rank and drivers are the same fit's. At 10,600
    communes computing the run without refits took 2-80 s of a year change (issue 17)."""
    table = kept_table(Run("score", (int(year), config)))
    return table if table is not None else result_table(Run("score", (int(year), replace(config, n_bootstrap=0))))


def feature_importance(config: ModelConfig) -> pd.DataFrame:
    return _importance(state.dataset_key(), config)


def with_and_without_ethnic_share(config: ModelConfig) -> Comparison:
    return _compare(state.dataset_key(), config)


@st.cache_data(show_spinner=False, max_entries=8)
def _curve(key: state.DatasetKey, config: ModelConfig) -> pd.DataFrame:
    from risk.analysis.model import capture_curve

    return capture_curve(kept(key, Run("backtest", (config,))))


def capture_curve_table(result: BacktestResult) -> pd.DataFrame:
    return _curve(state.dataset_key(), result.config)


@st.cache_data(show_spinner=False, max_entries=16)
def _composite(key: state.DatasetKey, year: int, config):
    from risk.analysis.composite import composite_index

    return composite_index(state.load_by_key(key).indicators, year, config)


@st.cache_data(show_spinner=False, max_entries=16)
def _composite_sensitivity(key: state.DatasetKey, year: int, config):
    from risk.analysis.composite import weight_sensitivity

    return weight_sensitivity(state.load_by_key(key).indicators, year, config)


def composite(year: int, config):
    """The CompositeResult of `year` under `config` (risk.analysis.composite)."""
    return _composite(state.dataset_key(), int(year), config)


def composite_ranking(year: int, config) -> pd.DataFrame:
    """The composite index of `year` as a priority ranking with each commune's reasons
    (risk.views.priorities.composite_ranking), made once per dataset, year and weights: the reasons
    took 0.09 s of every Priorities rerun at 10,600 communes. A shallow copy of the shared table."""
    return _composite_ranking(state.dataset_key(), int(year), config).copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=16)
def _composite_ranking(key: state.DatasetKey, year: int, config) -> pd.DataFrame:
    from risk.views.priorities import composite_ranking

    return composite_ranking(_composite(key, year, config))


def composite_sensitivity(year: int, config):
    return _composite_sensitivity(state.dataset_key(), int(year), config)


def hotspot_classes(year_from: int, year_to: int, lang: str) -> pd.Series | None:
    """Cluster class per commune over the period, as the priority list shows it (None when it cannot
    run): the Hotspots page's default run, shared with that page when it shows the same period."""
    from risk.analysis.hotspots import HotspotError, HotspotOptions
    from risk.views.priorities import hotspot_class_column

    try:
        return hotspot_class_column(hotspots(HotspotOptions(int(year_from), int(year_to)), lang, "priorities"))
    except HotspotError:
        return None


def distances() -> pd.DataFrame:
    """dist_border_km and dist_gate_km per commune (NaN without a border or gates)."""
    return result(Run("distances"))


def hotspots(options, lang: str, kind: str = "hotspots"):
    """The hotspot analysis for `options` on the open dataset, kept or run in the background while a
    progress bar is drawn in `lang` (ui/jobs.py); raises HotspotError. `kind` names the page asking
    (ui.jobs.run)."""
    return result(Run("hotspots", (options,)), kind, lang)


@st.cache_data(show_spinner=False, max_entries=4)
def _default_band(key: state.DatasetKey) -> float:
    from risk.analysis.geography import default_band_km

    return default_band_km(state.load_by_key(key).boundaries)


def default_band_km() -> float:
    """The distance band that gives every commune a neighbour, for the distance-band weights."""
    return _default_band(state.dataset_key())


@st.cache_data(show_spinner=False, max_entries=8)
def _version_comparison(location: str, checksums: tuple, v1: int, v2: int, lang: str):
    from risk.store import open_store
    from risk.views.versions import compare_versions

    return compare_versions(open_store(location), v1, v2, lang)


def version_comparison(store, v1: int, v2: int, lang: str):
    """Values that differ and the largest ranking changes between two stored versions (cached: a
    version's content never changes, and its checksum is part of the key)."""
    versions = store.versions().set_index("id")
    checksums = tuple(str(versions.loc[v, "checksum"]) if "checksum" in versions.columns else "" for v in (v1, v2))
    return _version_comparison(store.location, checksums, int(v1), int(v2), lang)
