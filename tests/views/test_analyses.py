"""risk/views/analyses.py: each analysis computed once per dataset content and settings, read back by a
new process without computing, the default runs recorded in the store's model_runs."""
from __future__ import annotations

from tests.kept_analyses import engine_refuses

from dataclasses import replace

import pytest

import risk.analysis.features as features
import risk.analysis.geography as geography
import risk.analysis.hotspots as hotspots
import risk.analysis.model as model
from risk.access.settings import DEFAULT_DATA_DIR, load_settings
from risk.analysis.features import ModelError
from risk.analysis.model import ModelConfig
from risk.analysis.progress import Progress
from risk.ingest.folder import load_dataset
from risk.store.results import ResultStore
from risk.store.versions import Store
from risk.views.analyses import Analyses, Run, default_hotspot_options, default_runs, progress_text

QUICK = ModelConfig(n_bootstrap=5, margin_draws=0)


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEFAULT_DATA_DIR)


def _engine_refuses(monkeypatch) -> None:
    engine_refuses(monkeypatch)


def test_the_default_runs_are_what_the_pages_ask_for_first(demo) -> None:
    runs = default_runs(demo)
    years = demo.years
    assert runs[0] == Run("distances")
    assert runs[1] == Run("score", (years[-1], ModelConfig()))  # the priority list's and the panel's year
    assert {r.settings[0] for r in runs if r.kind == "score"} == set(years)
    assert Run("backtest", (ModelConfig(),)) in runs
    page = default_hotspot_options(demo)
    assert (page.year_from, page.year_to) == (years[0], years[-1])
    periods = {(r.settings[0].year_from, r.settings[0].year_to) for r in runs if r.kind == "hotspots"}
    assert periods == {(years[0], years[-1])} | {(year - 2, year) for year in years}  # the page's, each year's list's
    assert len(set(runs)) == len(runs)


def test_a_result_is_read_back_by_a_new_process_without_computing(demo, tmp_path, monkeypatch) -> None:
    first = Analyses(demo, ResultStore(tmp_path))
    year = demo.years[-1]
    scored = first.score(year, QUICK)
    distances = first.distances()
    assert first.computed == [Run("score", (year, QUICK)), Run("distances")]
    _engine_refuses(monkeypatch)
    again = Analyses(demo, ResultStore(tmp_path))  # what a restarted server or a second command builds
    assert again.score(year, QUICK).table.equals(scored.table)
    assert again.distances().equals(distances)
    assert again.computed == []


def test_other_settings_are_computed_on_demand_and_kept_too(demo, tmp_path, monkeypatch) -> None:
    an = Analyses(demo, ResultStore(tmp_path))
    year = demo.years[-1]
    an.score(year, QUICK)
    other = replace(QUICK, drop_features=("ethnic_minority_share",))
    assert not an.kept(Run("score", (year, other)))
    an.score(year, other)
    assert an.kept(Run("score", (year, other))) and len(an.computed) == 2


def test_a_year_the_data_cannot_score_is_kept_as_its_error(demo, tmp_path, monkeypatch) -> None:
    an = Analyses(demo, ResultStore(tmp_path))
    first = demo.years[0]  # no labelled history before it
    with pytest.raises(ModelError):
        an.score(first, QUICK)
    assert an.kept(Run("score", (first, QUICK)))
    _engine_refuses(monkeypatch)
    with pytest.raises(ModelError):  # the same error, read back, not computed again
        Analyses(demo, ResultStore(tmp_path)).score(first, QUICK)


def test_a_folder_dataset_and_its_store_version_share_their_results(demo, tmp_path, monkeypatch) -> None:
    store = Store(tmp_path / "store.gpkg")
    version = store.add_version(demo, label="demo", user="test")
    stored = store.load(version)
    Analyses(demo, ResultStore(tmp_path / "r")).score(demo.years[-1], QUICK)
    _engine_refuses(monkeypatch)
    assert Analyses.for_dataset(stored, replace(load_settings(), results_dir=tmp_path / "r")).checksum \
        == Analyses(demo, None).checksum
    Analyses(stored, ResultStore(tmp_path / "r")).score(demo.years[-1], QUICK)


def test_default_runs_of_a_store_version_are_recorded_in_model_runs(demo, tmp_path, monkeypatch) -> None:
    store = Store(tmp_path / "store.gpkg")
    version = store.add_version(demo, label="demo", user="test")
    conf = replace(load_settings(), results_dir=tmp_path / "r")
    an = Analyses.for_dataset(store.load(version), conf, user="planner")
    year = demo.years[-1]
    quick_defaults = (Run("score", (year, ModelConfig(n_bootstrap=3))),)
    monkeypatch.setattr(Analyses, "defaults", quick_defaults)  # the recording, without the 100 refits
    an.score(year, ModelConfig(n_bootstrap=3))
    an.score(year, ModelConfig(n_bootstrap=2))  # not a default run: kept, not recorded
    runs = store.model_runs(version_id=version)
    assert list(runs["kind"]) == ["score"]
    row = runs.iloc[0]
    assert row["user"] == "planner"
    assert row["config"]["settings"][0] == year and row["config"]["checksum"] == an.checksum
    assert row["metrics"]["communes"] == len(demo.boundaries)
    an.score(year, ModelConfig(n_bootstrap=3))  # read back: not recorded twice
    assert len(store.model_runs(version_id=version)) == 1


def test_a_folder_dataset_records_no_model_runs(demo, tmp_path) -> None:
    an = Analyses.for_dataset(demo, replace(load_settings(), results_dir=tmp_path / "r"))
    assert an.store is None and an.version is None


def test_the_defaults_run_computes_what_is_missing_and_says_how_far_it_is(demo, tmp_path, monkeypatch) -> None:
    year = demo.years[-1]
    runs = (Run("distances"), Run("score", (year, QUICK)), Run("score", (demo.years[0], QUICK)))
    monkeypatch.setattr(Analyses, "defaults", runs)
    an = Analyses(demo, ResultStore(tmp_path))
    an.distances()
    heard = []
    assert an.compute_defaults(heard.append) == 1  # distances were kept; the first year is refused
    steps = {p.step for p in heard}
    assert {"defaults", "rank_intervals"} <= steps
    assert heard[-1] == Progress("defaults", 3, 3)
    assert an.status() == Progress("defaults", 3, 3)
    assert an.missing_defaults() == ()


def test_progress_is_said_in_words_and_the_languages_numbers() -> None:
    assert progress_text(Progress("rank_intervals", 40, 100), "en") == "Computing rank intervals… 40%"
    assert progress_text(Progress("rank_intervals", 40, 100), "vi") == "Đang tính khoảng tin cậy của hạng… 40\u00a0%"
    assert "3" in progress_text(Progress("defaults", 3, 10), "en")
    assert progress_text(Progress("null_maps", 5, 999), "en").startswith("Scan 1")  # the hotspot steps' own words


def test_with_a_postgresql_store_the_server_claims_each_result_and_runs_are_recorded_there(
        postgis_url, monkeypatch, demo) -> None:
    import psycopg

    from risk.ingest.upload import import_files
    from risk.store import open_store

    monkeypatch.setenv("RISK_STORE", postgis_url)
    store = open_store(postgis_url)
    import_files(store, DEFAULT_DATA_DIR, user="admin")
    ds = store.load()
    assert ds.stored.location == postgis_url
    analyses = Analyses.for_dataset(ds, load_settings(), user="admin")
    assert analyses.results.claims is not None and analyses.store.location == postgis_url
    assert Analyses.for_dataset(demo, load_settings({})).results.claims is None  # a GeoPackage store: lock files
    year = demo.years[-1]
    monkeypatch.setattr(Analyses, "defaults", (Run("score", (year, ModelConfig(n_bootstrap=3))),))
    analyses.score(year, ModelConfig(n_bootstrap=3))
    runs = store.model_runs(version_id=1)
    assert runs["kind"].tolist() == ["score"] and runs.iloc[0]["config"]["checksum"] == analyses.checksum
    # The finished result is kept in the database (tests/store/test_results.py: read by another process),
    # not in RISK_RESULTS_DIR.
    assert not load_settings().results_dir.exists()
    with psycopg.connect(postgis_url) as con:
        assert con.execute("SELECT kind FROM analysis_results").fetchall() == [("score",)]
