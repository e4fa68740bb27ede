"""The analyses of one open dataset, computed once per dataset content and kept (risk/store/results.py).

Why. The pages and the command line ask for the same few expensive analyses: scores with rank
intervals (100 refits), the backtest, the hotspot analysis (thousands of null maps), distances.
Each is a function of the dataset's content and its settings only, so `Analyses` reads it from
the result store when it is kept there, and otherwise computes it, keeps it, and, when it is one of
the dataset's default runs and the dataset is a store version, records it in the store's
model_runs table (kind, settings, a summary of its figures).

`default_runs(ds)` names what is computed in the background when a dataset is opened (ui/analysis.py)
and what the store records: distances; scores with rank intervals for every year (the latest first);
the backtest; the hotspot analysis for the Hotspots page's default period and for the priority
list's three years, of every year (a year chosen on the Priorities page then waits for nothing: at
10,600 communes its scan took 20 s in the click); all with the settings a page starts with.

The feature table is kept in memory only (0.3 s at 3,321 communes, needed only to compute a model
run), once per patrol weight.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

import pandas as pd

from risk.analysis.progress import Progress, Report, silent
from risk.contracts.dataset import Dataset, dataset_checksum
from risk.i18n import LocalisedError, format_number, format_percent, t
from risk.store.results import ResultKey, ResultStore, canonical_settings, open_results

__all__ = ["Analyses", "KINDS", "Run", "default_hotspot_options", "default_runs", "first_visit_runs", "progress_text"]

KINDS = ("distances", "score", "backtest", "hotspots")
RECORDED = ("score", "backtest", "hotspots")  # model runs; distances are not one


@dataclass(frozen=True)
class Run:
    """One analysis: its kind and its settings, in the order the engine function takes them
    (score: year and ModelConfig; backtest: ModelConfig; hotspots: HotspotOptions; distances: none).
    Hashable, so it also names a background job."""

    kind: str
    settings: tuple = ()

    def key(self, checksum: str) -> ResultKey:
        return ResultKey.of(checksum, self.kind, *self.settings)


def default_hotspot_options(ds: Dataset):
    """The Hotspots page's first choice: every year of indicators or cases, the product's defaults."""
    from risk.analysis.hotspots import HotspotOptions

    case_years = ds.cases["date"].dropna().dt.year.astype(int).unique().tolist() if len(ds.cases) else []
    years = sorted(set(ds.years) | set(case_years))
    return HotspotOptions(int(years[0]), int(years[-1])) if years else None


def first_visit_runs(ds: Dataset) -> tuple[Run, ...]:
    """The default runs a page's first visit reads: the distances, the latest year's scores (the risk
    map's colours, the priority list), the priority list's hotspot column, and the Hotspots page's
    default period. A server's start reads the kept ones into memory (ui.results.warm_kept)."""
    from risk.analysis.hotspots import HotspotOptions
    from risk.analysis.model import ModelConfig
    from risk.views.priorities import case_years

    runs = [Run("distances")]
    years = list(ds.years)
    if len(ds.cases) and years:
        latest = int(years[-1])
        runs.append(Run("score", (latest, ModelConfig())))
        runs.append(Run("hotspots", (HotspotOptions(case_years(latest)[0], latest),)))  # the priority list's column
        page = default_hotspot_options(ds)
        if page is not None:
            runs.append(Run("hotspots", (page,)))
    return tuple(dict.fromkeys(runs))


def default_runs(ds: Dataset) -> tuple[Run, ...]:
    """What a page asks for first on this dataset, in the order the pages need it (module docstring):
    what a first visit reads, the backtest after the latest year's list, then every earlier year."""
    from risk.analysis.hotspots import HotspotOptions
    from risk.analysis.model import ModelConfig
    from risk.views.priorities import case_years

    config = ModelConfig()
    runs = list(first_visit_runs(ds))
    if len(ds.cases) and len(ds.years):  # there are cases to score
        # After the latest year's list (distances, scores, hotspot column): the Model page's backtest.
        runs.insert(3, Run("backtest", (config,)))
        # The Priorities page's year choice: each earlier year's scores and hotspot column.
        for year in reversed(list(ds.years)[:-1]):
            runs += [Run("score", (int(year), config)), Run("hotspots", (HotspotOptions(case_years(year)[0], year),))]
    return tuple(dict.fromkeys(runs))


def _summary(run: Run, value: Any) -> dict:
    """The figures a model_runs row keeps: enough to see what the run found without reading it."""
    if run.kind == "score":
        table = value.table
        width = (table["rank_high"] - table["rank_low"]).median() if len(table) else None
        return {"year": value.year, "communes": len(table), "extra_variance": value.extra_variance,
                "median_interval_width": None if width is None else float(width), "features": list(value.features)}
    if run.kind == "backtest":
        return {"folds": len(value.folds), "model": dict(value.mean["model"]), "shuffled_auc": value.shuffled_auc}
    if run.kind == "hotspots":
        classes = value.table["class"].value_counts().sort_index()
        return {"clusters": len(value.scan.significant), "classes": {str(k): int(v) for k, v in classes.items()}}
    return {}


@dataclass(frozen=True)
class Refused:
    """What is kept for a run the data cannot support (a year with no labelled history, too few
    communes): its localised error, raised again when read, so it is not computed again."""

    error: LocalisedError


class Analyses:
    """The analyses of one dataset. One per open dataset (ui/analysis.py keeps it per DatasetKey; a CLI
    command makes its own); safe to share between the threads of the job pool.

    `results` None keeps nothing (every call computes); `store` and `version` name the store version
    the dataset was read from, so default runs are recorded in its model_runs table."""

    def __init__(self, ds: Dataset, results: ResultStore | None, store=None, version: int | None = None,
                 user: str = "") -> None:
        self.ds = ds
        self.results = results
        self.store = store if version is not None else None
        self.version = version
        self.user = user
        self.computed: list[Run] = []  # what this object computed (not read back): tests and the bench read it
        self._lock = threading.Lock()
        self._features: dict[float, pd.DataFrame] = {}
        self._running: dict[Run, Progress] = {}

    @classmethod
    def for_dataset(cls, ds: Dataset, conf, user: str = "") -> "Analyses":
        """The analyses of `ds`, kept where the settings (risk.access.settings.Settings) keep results
        (risk.store.results.open_results); a dataset read from the store records its default runs in that store's model_runs."""
        from risk.store import open_store

        stored = ds.stored is not None
        store = open_store(ds.stored.location or ds.folder) if stored else None
        # A result directory with a lock file per result; on a PostgreSQL store a table of its
        # database, claimed by the server (one worker at a time, shared by every app process).
        return cls(ds, open_results(conf), store,
                   ds.stored.id if stored else None, user)

    @cached_property
    def checksum(self) -> str:
        return dataset_checksum(self.ds)

    @cached_property
    def defaults(self) -> tuple[Run, ...]:
        return default_runs(self.ds)

    # -- what pages and commands call --

    def features(self, patrol_weight: float = 1.0) -> pd.DataFrame:
        """The model's feature table (risk.analysis.features), built once per patrol weight."""
        from risk.analysis import features

        weight = float(patrol_weight)
        with self._lock:
            if weight not in self._features:
                self._features[weight] = features.feature_table(self.ds, weight)
            return self._features[weight]

    def distances(self) -> pd.DataFrame:
        """dist_border_km and dist_gate_km, indexed by commune_id."""
        return self.run(Run("distances"))

    def score(self, year: int, config, report: Report = silent):
        """risk.analysis.model.score for `year` (a ScoreResult); raises ModelError."""
        return self.run(Run("score", (int(year), config)), report)

    def backtest(self, config, report: Report = silent):
        """risk.analysis.model.backtest (a BacktestResult); raises ModelError."""
        return self.run(Run("backtest", (config,)), report)

    def hotspots(self, options, report: Report = silent):
        """risk.analysis.hotspots.hotspot_analysis for `options`; raises HotspotError."""
        return self.run(Run("hotspots", (options,)), report)

    # -- the one path every analysis takes --

    def kept(self, run: Run) -> bool:
        """The run's result is kept (reading it costs no computing)."""
        return self.results is not None and self.results.has(run.key(self.checksum))

    def run(self, run: Run, report: Report = silent) -> Any:
        """The run's result: kept, or computed now and kept. While another thread or process computes
        the same run, this one waits, reporting that run's progress (or "waiting")."""
        if self.results is None:
            return self._compute(run, report)

        def compute() -> Any:
            def tell(progress: Progress) -> None:
                self._running[run] = progress
                report(progress)
            try:
                return self._compute(run, tell)
            except LocalisedError as err:
                return Refused(err)
            finally:
                self._running.pop(run, None)

        def waiting() -> None:
            report(self._running.get(run, Progress("waiting", 0, 1)))

        value, computed = self.results.get_or_compute(run.key(self.checksum), compute, waiting)
        if computed:
            self.computed.append(run)
        if isinstance(value, Refused):
            raise value.error
        if computed:
            self._record(run, value)
        return value

    def _compute(self, run: Run, report: Report) -> Any:
        if run.kind == "distances":
            from risk.analysis.geography import commune_distances_km

            ds = self.ds
            return commune_distances_km(ds.boundaries, ds.border, ds.gates).set_index("commune_id")
        if run.kind == "score":
            from risk.analysis import model

            year, config = run.settings
            return model.score(self.ds, year, config, self.features(config.patrol_weight), report=report)
        if run.kind == "backtest":
            from risk.analysis import model

            (config,) = run.settings
            return model.backtest(self.ds, config, self.features(config.patrol_weight), report=report)
        if run.kind == "hotspots":
            from risk.analysis import hotspots

            (options,) = run.settings
            ds = self.ds
            return hotspots.hotspot_analysis(ds.boundaries, ds.cases, ds.indicators, options, report)
        raise ValueError(f"unknown analysis kind {run.kind!r}")

    def _record(self, run: Run, value: Any) -> None:
        """A default run of a store version, just computed: its row in model_runs."""
        if self.store is None or run.kind not in RECORDED or run not in self.defaults:
            return
        key = run.key(self.checksum)
        config = {"settings": canonical_settings(list(run.settings)), "checksum": key.checksum, "digest": key.digest}
        try:
            self.store.record_model_run(self.version, run.kind, config, _summary(run, value), user=self.user)
        except Exception:  # noqa: BLE001 (the result is kept; a busy or read-only store must not lose it)
            pass

    # -- the background run of the defaults --

    def missing_defaults(self) -> tuple[Run, ...]:
        return tuple(r for r in self.defaults if not self.kept(r))

    def compute_defaults(self, report: Report = silent) -> int:
        """Compute every default run not kept yet, in order; a run the data cannot support (a year with
        no labelled history, too few communes for hotspots) is skipped. Reports Progress("defaults",
        runs done, runs) between runs and passes each run's own progress on. Returns how many ran."""
        runs = self.defaults
        done = 0
        for index, run in enumerate(runs):
            report(Progress("defaults", index, len(runs)))
            if self.kept(run):
                continue
            try:
                self.run(run, report)
                done += 1
            except LocalisedError:
                continue
        report(Progress("defaults", len(runs), len(runs)))
        return done

    def status(self) -> Progress:
        """How many default runs are kept, of how many."""
        runs = self.defaults
        return Progress("defaults", sum(1 for r in runs if self.kept(r)), len(runs))


PROGRESS_KEYS = {"rank_intervals": "analysis.progress.rank_intervals",
                 "backtest_folds": "analysis.progress.backtest_folds",
                 "backtest_margins": "analysis.progress.backtest_margins",
                 "waiting": "analysis.progress.waiting",
                 "defaults": "analysis.progress.defaults"}


def progress_text(progress: Progress, lang: str) -> str:
    """What a progress bar says, in words and the language's numbers: "Computing rank intervals… 40 %"."""
    key = PROGRESS_KEYS.get(progress.step)
    if key is None:  # the hotspot analysis's own steps (and "queued")
        from risk.views.hotspots import progress_text as hotspot_text

        return hotspot_text(progress, lang)
    return t(key, lang, percent=format_percent(progress.fraction, lang, 0),
             done=format_number(progress.done, 0, lang),
             total=format_number(progress.total, 0, lang))

