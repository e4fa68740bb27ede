"""How a page gets an expensive analysis: from memory, from the result store, or computed in the
background while the page says how far it is; and the default analyses computed once per dataset.

Three layers. st.cache_data keeps a result in this process's memory. Under it,
risk.views.analyses.Analyses reads the result store (risk/store/results.py: kept on disk per dataset
content, so a restart of the server loses nothing, and `python -m risk export` reads what the pages
computed, and back). A result kept nowhere is computed in the worker pool (ui/jobs.py) while the
page draws its progress in words ("Computing rank intervals… 40 %"); a widget change interrupts the
wait, never the run, and the finished result is kept.

When a dataset is opened (the first visit after a start, or a version imported or activated), its
default analyses (risk.views.analyses.default_runs) are computed in the background once the page
has drawn (`start_defaults`, called by dashboard.py; RISK_PRECOMPUTE=off turns it off), so the pages
usually find them finished.

Light to import: dashboard.py imports it on every run, and the engine (scikit-learn, libpysal) is
imported only by the runs themselves.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from risk.i18n import LocalisedError
from risk.store.results import results_location
from risk.views.analyses import Analyses, Run, progress_text
from ui import jobs, state

__all__ = ["analyses_of", "background_status", "kept", "kept_table", "result", "result_table", "start_defaults",
           "warm_kept"]


def _results_dir() -> str:
    """Where results are kept (a directory, or the PostgreSQL store's URL): part of the caches' keys."""
    return results_location(state.settings())


@st.cache_resource(show_spinner=False, max_entries=4)
def _analyses(key: state.DatasetKey, results_dir: str) -> Analyses:
    """One per dataset and result directory, shared by every session and the worker pool."""
    return Analyses.for_dataset(state.load_by_key(key), state.settings())


def analyses_of(key: state.DatasetKey) -> Analyses:
    """The analyses of the dataset `key` names, kept in the configured result directory."""
    return _analyses(key, _results_dir())


@st.cache_data(show_spinner=False, max_entries=48)
def _kept(key: state.DatasetKey, results_dir: str, run: Run) -> Any:
    return _analyses(key, results_dir).run(run)


def kept(key: state.DatasetKey, run: Run) -> Any:
    """The run's result, from memory or the result store (computed here, without progress, if missing)."""
    return _kept(key, _results_dir(), run)


def result(run: Run, job_kind: str | None = None, lang: str | None = None) -> Any:
    """The run's result on the open dataset: from memory, from the result store, or computed in the
    worker pool while its progress is drawn in `lang` (default: the session's); raises what the run
    raises (ModelError, HotspotError). `job_kind` names what the run is for (ui.jobs.run: a newer run
    of the same kind by the same session supersedes it)."""
    key, results_dir = _ensure_kept(run, job_kind, lang)
    return _kept(key, results_dir, run)


def result_table(run: Run, job_kind: str | None = None, lang: str | None = None) -> pd.DataFrame:
    """`result(run).table`, read from one copy every session shares. st.cache_data unpickles a result
    on each read: the 3,321-commune scores took 0.1 s of every Priorities rerun (issue 17). The caller
    gets a shallow copy, and pandas' copy-on-write keeps any change to it from reaching the shared one."""
    key, results_dir = _ensure_kept(run, job_kind, lang)
    return _shared_table(key, results_dir, run).copy(deep=False)


def kept_table(run: Run) -> pd.DataFrame | None:
    """`result_table(run)` when the result store has the run, else None: nothing is computed."""
    key, results_dir = state.dataset_key(), _results_dir()
    if not _analyses(key, results_dir).kept(run):
        return None
    return _shared_table(key, results_dir, run).copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared_table(key: state.DatasetKey, results_dir: str, run: Run) -> pd.DataFrame:
    return _analyses(key, results_dir).run(run).table


def _ensure_kept(run: Run, job_kind: str | None, lang: str | None) -> tuple[state.DatasetKey, str]:
    """Compute the run in the worker pool, its progress drawn, unless the result store has it."""
    key, results_dir = state.dataset_key(), _results_dir()
    an = _analyses(key, results_dir)
    if not an.kept(run):
        words = lang or state.lang()
        job = jobs.run(job_kind or run.kind, (run, key, results_dir), lambda report: an.run(run, report))
        jobs.wait(job, lambda progress: progress_text(progress, words))
    return key, results_dir


def warm_kept(key: state.DatasetKey) -> None:
    """Read into memory the kept results a first visit shows (risk.views.analyses.first_visit_runs),
    as a page would: a server's start runs this after opening the dataset (ui.state.warm_up), so the
    first visit after a restart does not read and unpickle them itself. Nothing is computed."""
    from risk.views.analyses import first_visit_runs

    results_dir = _results_dir()
    an = _analyses(key, results_dir)
    for run in first_visit_runs(an.ds):
        if not an.kept(run):
            continue
        try:
            if run.kind == "score":
                _shared_table(key, results_dir, run)
            else:
                _kept(key, results_dir, run)
        except LocalisedError:  # kept as refused (too few communes...): the page says why when asked
            continue


@st.cache_resource(show_spinner=False)
def _background() -> dict:
    """The defaults run started per (dataset, result directory) in this server process."""
    return {}


def start_defaults() -> None:
    """Compute the open dataset's default analyses in the background, once per dataset in this process.
    Off with RISK_PRECOMPUTE=off."""
    if not state.settings().precompute:
        return
    key, results_dir = state.dataset_key(), _results_dir()
    started = _background()
    job = started.get((key, results_dir))
    if job is not None and not job.cancelled:  # running or finished; a cancelled one (another dataset was
        return  # opened meanwhile) goes on where it stopped: what it finished is kept
    an = _analyses(key, results_dir)
    started[(key, results_dir)] = jobs.run_in_background("defaults", ("defaults", key, results_dir),
                                                         an.compute_defaults)


def background_status(lang: str) -> str | None:
    """'Preparing this dataset's analyses in the background: 3 of 10 ready', while that runs."""
    key, results_dir = state.dataset_key(), _results_dir()
    job = _background().get((key, results_dir))
    if job is None or job.done or job.cancelled:
        return None
    return progress_text(_analyses(key, results_dir).status(), lang)
