"""risk/store/results.py: results kept per dataset content, analysis and settings; atomic, private,
format-versioned, never in the served folder, computed once when two processes ask together (claimed
by a lock file with the GeoPackage store, by the server with a PostgreSQL store)."""
from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time
from pathlib import Path

import pytest

from risk.access.settings import PROJECT_ROOT, STATIC_DIR, load_settings
from risk.analysis.hotspots import HotspotOptions
from risk.analysis.model import ModelConfig
from risk.store import results as results_module
from risk.store.results import ResultKey, ResultStore, ResultStoreError, settings_digest
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


def test_a_result_survives_a_new_store_object_and_is_private(tmp_path) -> None:
    key = ResultKey.of(CHECKSUM, "score", 2024, ModelConfig())
    ResultStore(tmp_path).put(key, {"table": [1, 2, 3]})
    again = ResultStore(tmp_path)
    assert again.has(key) and again.get(key) == {"table": [1, 2, 3]}
    path = again.path(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(path.parent.glob("*.part"))  # no temporary file left behind


def test_a_file_of_another_format_or_engine_is_ignored(tmp_path, monkeypatch) -> None:
    store = ResultStore(tmp_path)
    key = ResultKey.of(CHECKSUM, "backtest", ModelConfig())
    store.put(key, "old")
    monkeypatch.setattr(results_module, "FORMAT_VERSION", results_module.FORMAT_VERSION + 1)
    assert not store.has(key) and store.get(key, "missing") == "missing"
    value, computed = store.get_or_compute(key, lambda: "new")
    assert (value, computed) == ("new", True)
    monkeypatch.undo()
    assert store.get(key, "missing") == "missing"  # the file now says the newer format


def test_a_changed_engine_makes_kept_results_stale(tmp_path, monkeypatch) -> None:
    store = ResultStore(tmp_path)
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


def test_compute_errors_keep_nothing(tmp_path) -> None:
    store = ResultStore(tmp_path)
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


@pytest.fixture
def claims(backend, request):
    """How a result is claimed on the test's backend: None (a lock file) or the PostgreSQL server's claim."""
    if backend == GEOPACKAGE:
        return None
    from risk.store.postgis.claims import claims_for

    return claims_for(request.getfixturevalue("postgis_url"))


def _compute_in_process(root: str, log: str, claims) -> None:
    def slow():
        with open(log, "a") as handle:
            handle.write("computed\n")
        time.sleep(0.5)
        return "shared"

    value, _ = ResultStore(root, claims=claims).get_or_compute(ResultKey.of(CHECKSUM, "hotspots", 1), slow)
    assert value == "shared"


def test_two_processes_asking_together_compute_once(tmp_path, claims) -> None:
    log = tmp_path / "log.txt"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_compute_in_process, args=(str(tmp_path / "r"), str(log), claims))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [w.exitcode for w in workers] == [0, 0]
    assert log.read_text().count("computed") == 1


def test_a_waiting_caller_hears_about_it_and_may_stop_waiting(tmp_path, claims) -> None:
    store = ResultStore(tmp_path, claims=claims)
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


def test_results_of_different_datasets_live_apart(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    a, b = ResultKey.of(CHECKSUM, "distances"), ResultKey.of("sha256:" + "cd" * 32, "distances")
    store.put(a, "a")
    store.put(b, "b")
    assert store.get(a) == "a" and store.get(b) == "b" and store.path(a).parent != store.path(b).parent
