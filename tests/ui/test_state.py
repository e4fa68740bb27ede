"""ui/state.py: the open dataset is resolved once per script run, and one demo-mode rule decides."""
from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT, load_settings
from risk.store.versions import Store
from risk.views.source import embedded_demo_open, resolve_source
from risk.ingest.upload import import_files
from tests.apptest_helpers import signed_in_session

APP = str(PROJECT_ROOT / "dashboard.py")


@pytest.fixture()
def counted(monkeypatch):
    """Counts of the store's active-version queries and full dataset reads."""
    counts = {"active_version": 0, "load": 0}
    real_active, real_load = Store.active_version, Store.load

    def active_version(self):
        counts["active_version"] += 1
        return real_active(self)

    def load(self, version_id=None):
        counts["load"] += 1
        return real_load(self, version_id)

    monkeypatch.setattr(Store, "active_version", active_version)
    monkeypatch.setattr(Store, "load", load)
    return counts


def test_a_store_backed_dataset_is_read_once_per_rerun(counted) -> None:
    import_files(Store(os.environ["RISK_STORE"]), DEFAULT_DATA_DIR, user="tester", label="stored demo")
    counted.update(active_version=0, load=0)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth"] = signed_in_session(Role.PLANNER)
    at.run()
    assert not at.exception, at.exception
    assert counted == {"active_version": 1, "load": 1}
    at.run()  # a rerun (a widget change): the store is asked once which version is open, and not read again
    assert not at.exception, at.exception
    assert counted == {"active_version": 2, "load": 1}


def test_activating_another_version_is_seen_on_the_next_run() -> None:
    store = Store(os.environ["RISK_STORE"])
    import_files(store, DEFAULT_DATA_DIR, user="tester", label="first")
    import_files(store, DEFAULT_DATA_DIR, user="tester", label="second")
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth"] = signed_in_session(Role.PLANNER)
    at.run()
    assert "_dataset_key" not in at.session_state  # end_run forgets it, so nothing stale survives a run
    store.activate(1, "tester")
    at.run()
    assert not at.exception, at.exception
    assert resolve_source(load_settings()).version == 1


@pytest.mark.parametrize("mode, demo_open, allowed", [
    ("on", False, True), ("on", True, True), ("off", True, False), ("off", False, False),
    ("auto", True, True), ("auto", False, False),
])
def test_one_demo_mode_rule(mode: str, demo_open: bool, allowed: bool) -> None:
    conf = load_settings({"RISK_DEMO_MODE": mode})
    assert conf.demo_mode_allowed(demo_open) is allowed


def test_auto_demo_mode_ends_once_a_store_version_is_active() -> None:
    conf = load_settings()
    assert embedded_demo_open(resolve_source(conf), conf)
    import_files(Store(conf.store_path), DEFAULT_DATA_DIR, user="tester", label="stored demo")
    assert not embedded_demo_open(resolve_source(conf), conf)  # the old property said True here
