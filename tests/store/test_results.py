"""risk/store/results.py: results kept per dataset content, analysis and settings; atomic, private,
format-versioned, never in the served folder, computed once when two processes ask together (claimed
by a lock file with the GeoPackage store, by the server with a PostgreSQL store). With a PostgreSQL
store the results live in its database (risk/store/postgis/results.py): the behaviour tests run on
both, through the factory the application uses (open_results)."""
from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest

from risk.access.settings import PROJECT_ROOT, STATIC_DIR, load_settings
from risk.analysis.hotspots import HotspotOptions
from risk.analysis.model import ModelConfig
from risk.store import results as results_module
from risk.store import is_server_store
from risk.store.results import ResultKey, ResultStore, ResultStoreError, open_results, results_location, settings_digest
from tests.store.backends import GEOPACKAGE

CHECKSUM = "sha256:" + "ab" * 32


def test_the_configured_result_directory_is_private_and_not_served() -> None:
    conf = load_settings({})
    assert conf.results_dir.resolve().is_relative_to((PROJECT_ROOT / "var").resolve())
    assert not conf.results_dir.resolve().is_relative_to(STATIC_DIR.resolve())
    assert STATIC_DIR.resolve() == (PROJECT_ROOT / "static").resolve()  # what .streamlit's static serving sends


def test_a_result_directory_inside_the_served_folder_is_refused(tmp_path) -> None:
    with pytest.raises(ResultStoreError):
        ResultStore(STATIC_DIR / "results")
    with pytest.raises(ResultStoreError):
        ResultStore(tmp_path / "static" / "x", served=tmp_path / "static")
    ResultStore(tmp_path / "var" / "results", served=tmp_path / "static")  # beside it is fine


def test_equal_settings_give_one_key_and_any_change_another() -> None:
    assert settings_digest(2024, ModelConfig()) == settings_digest(2024, ModelConfig())
    changed = [settings_digest(2025, ModelConfig()), settings_digest(2024, ModelConfig(n_bootstrap=99)),
               settings_digest(2024, ModelConfig(drop_features=("poverty_rate",))),
               settings_digest(2024, ModelConfig(patrol_weight=0.5))]
    assert len({settings_digest(2024, ModelConfig()), *changed}) == 5
    assert settings_digest(HotspotOptions(2020, 2024)) != settings_digest(HotspotOptions(2020, 2024, weights="distance"))


def test_settings_without_a_stable_form_are_refused() -> None:
    with pytest.raises(TypeError):
        settings_digest(object())


@pytest.fixture
def location(backend, tmp_path, request) -> str:
    """Where a test's results live: a directory (GeoPackage store) or a fresh PostgreSQL database."""
    return str(tmp_path / "results") if backend == GEOPACKAGE else request.getfixturevalue("postgis_url")


def results_at(location: str) -> ResultStore:
    """The result store the application opens for `location` (its RISK_STORE or RISK_RESULTS_DIR)."""
    if is_server_store(location):
        conf = replace(load_settings({}), store=location)
    else:
        conf = replace(load_settings({}), results_dir=Path(location))
    assert results_location(conf) == location
    return open_results(conf)


def test_a_result_survives_a_new_store_object_on_either_backend(location) -> None:
    key = ResultKey.of(CHECKSUM, "score", 2024, ModelConfig())
    results_at(location).put(key, {"table": [1, 2, 3]})
    again = results_at(location)
    assert again.has(key) and again.get(key) == {"table": [1, 2, 3]}
    assert again.claims is not None if is_server_store(location) else again.claims is None


def test_a_result_survives_a_new_store_object_and_is_private(tmp_path) -> None:
    key = ResultKey.of(CHECKSUM, "score", 2024, ModelConfig())
    ResultStore(tmp_path).put(key, {"table": [1, 2, 3]})
    again = ResultStore(tmp_path)
    assert again.has(key) and again.get(key) == {"table": [1, 2, 3]}
    path = again.path(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(path.parent.glob("*.part"))  # no temporary file left behind


def test_a_file_of_another_format_or_engine_is_ignored(location, monkeypatch) -> None:
    store = results_at(location)
    key = ResultKey.of(CHECKSUM, "backtest", ModelConfig())
    store.put(key, "old")
    monkeypatch.setattr(results_module, "FORMAT_VERSION", results_module.FORMAT_VERSION + 1)
    assert not store.has(key) and store.get(key, "missing") == "missing"
    value, computed = store.get_or_compute(key, lambda: "new")
    assert (value, computed) == ("new", True)
    monkeypatch.undo()
    assert store.get(key, "missing") == "missing"  # the file now says the newer format


def test_a_changed_engine_makes_kept_results_stale(location, monkeypatch) -> None:
    store = results_at(location)
    key = ResultKey.of(CHECKSUM, "distances")
    store.put(key, "before")
    monkeypatch.setattr(results_module, "engine_digest", lambda: "another-engine")
    assert store.get(key, "missing") == "missing"


def test_a_foreign_or_truncated_file_is_never_unpickled(tmp_path) -> None:
    store = ResultStore(tmp_path)
    key = ResultKey.of(CHECKSUM, "distances")
    store.put(key, "kept")
    path = store.path(key)
    path.write_bytes(b"cos\nsystem\n(S'echo owned'\ntR.")  # a pickle with no header line of ours
    assert store.get(key, "missing") == "missing"
    header = json.dumps(key.header(), sort_keys=True).encode()
    path.write_bytes(header + b"\n\x80\x05")  # ours, cut short
    assert store.get(key, "missing") == "missing"


def test_compute_errors_keep_nothing(location) -> None:
    store = results_at(location)
    key = ResultKey.of(CHECKSUM, "score", 2024)

    def fails():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.get_or_compute(key, fails)
    assert not store.has(key)


def test_an_unwritable_result_directory_costs_the_keeping_not_the_result(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    value, computed = ResultStore(blocker / "results").get_or_compute(ResultKey.of(CHECKSUM, "x"), lambda: 7)
    assert (value, computed) == (7, True)


def _compute_in_process(location: str, log: str) -> None:
    def slow():
        with open(log, "a") as handle:
            handle.write("computed\n")
        time.sleep(0.5)
        return "shared"

    value, _ = results_at(location).get_or_compute(ResultKey.of(CHECKSUM, "hotspots", 1), slow)
    assert value == "shared"


def test_two_processes_asking_together_compute_once(tmp_path, location) -> None:
    log = tmp_path / "log.txt"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_compute_in_process, args=(location, str(log)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [w.exitcode for w in workers] == [0, 0]
    assert log.read_text().count("computed") == 1


def test_a_waiting_caller_hears_about_it_and_may_stop_waiting(location) -> None:
    store = results_at(location)
    claims = store.claims
    key = ResultKey.of(CHECKSUM, "score", 1)
    if claims is None:
        fd = os.open(store._folder(key) / f".{key.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)  # someone else is computing it
        release = lambda: os.close(fd)  # noqa: E731
    else:  # another worker holds the server's claim (in its own session)
        held = claims(f"{key.folder}/{key.name}")
        held.__enter__()
        release = lambda: held.__exit__(None, None, None)  # noqa: E731
    heard = []

    def waiting():
        heard.append(1)
        if len(heard) == 2:
            raise KeyboardInterrupt  # what a superseded page's Cancelled does

    try:
        with pytest.raises(KeyboardInterrupt):
            store.get_or_compute(key, lambda: "never", waiting)
    finally:
        release()
    assert len(heard) == 2 and not store.has(key)
    assert store.get_or_compute(key, lambda: "now", waiting) == ("now", True)  # released: computed here


def test_results_of_different_datasets_are_kept_apart(location) -> None:
    store = results_at(location)
    a, b = ResultKey.of(CHECKSUM, "distances"), ResultKey.of("sha256:" + "cd" * 32, "distances")
    store.put(a, "a")
    store.put(b, "b")
    store.put(a, "a again")  # replaced, not added
    assert store.get(a) == "a again" and store.get(b) == "b"


def _put_in_process(location: str, value: str) -> None:
    results_at(location).put(ResultKey.of(CHECKSUM, "score", 7), value)


def test_a_result_written_by_one_process_is_read_by_another(location) -> None:
    context = multiprocessing.get_context("fork")
    worker = context.Process(target=_put_in_process, args=(location, "from the other process"))
    worker.start()
    worker.join(30)
    assert worker.exitcode == 0
    value, computed = results_at(location).get_or_compute(ResultKey.of(CHECKSUM, "score", 7), lambda: "here")
    assert (value, computed) == ("from the other process", False)


def test_a_foreign_or_truncated_row_is_never_unpickled(postgis_url) -> None:
    """The database's rows are checked as the files are: a header not ours, or a cut value, is ignored."""
    import psycopg

    store = results_at(postgis_url)
    key = ResultKey.of(CHECKSUM, "distances")
    store.put(key, "kept")
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("UPDATE analysis_results SET header = 'cos', value = %s", (b"system\n(S'echo owned'\ntR.",))
        assert store.get(key, "missing") == "missing" and not store.has(key)
        header = json.dumps(key.header(), sort_keys=True)
        con.execute("UPDATE analysis_results SET header = %s, value = %s", (header, b"\x80\x05"))
    assert store.has(key) and store.get(key, "missing") == "missing"


def test_a_database_that_refuses_the_row_costs_the_keeping_not_the_result(postgis_url) -> None:
    import psycopg

    store = results_at(postgis_url)
    store.put(ResultKey.of(CHECKSUM, "first"), 1)  # the schema is in place
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("ALTER TABLE analysis_results ADD CONSTRAINT no_more CHECK (false) NOT VALID")
    value, computed = store.get_or_compute(ResultKey.of(CHECKSUM, "x"), lambda: 7)
    assert (value, computed) == (7, True) and not store.has(ResultKey.of(CHECKSUM, "x"))


def test_results_of_different_datasets_live_apart(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    a, b = ResultKey.of(CHECKSUM, "distances"), ResultKey.of("sha256:" + "cd" * 32, "distances")
    store.put(a, "a")
    store.put(b, "b")
    assert store.get(a) == "a" and store.get(b) == "b" and store.path(a).parent != store.path(b).parent
