"""ui/state.py: the open dataset is resolved once per script run, and one demo-mode rule decides."""
from __future__ import annotations

import os
import time

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


def test_a_folder_is_hashed_once_for_its_export_label_not_on_every_rerun(tmp_path, monkeypatch) -> None:
    """The export label hashes every file of a folder dataset (17 MB at 3,321 communes); the Priorities
    page paid that on each rerun. It is kept per dataset identity, and a changed file changes it."""
    import shutil

    import risk.outputs.export as export

    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    monkeypatch.setenv("RISK_DATA_DIR", str(folder))
    calls = []
    real = export.folder_version
    monkeypatch.setattr(export, "folder_version", lambda f: calls.append(f) or real(f))
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth"] = signed_in_session(Role.PLANNER)
    at.run()
    at.switch_page("pages/priorities.py")
    at.run()
    at.run()
    assert not at.exception, at.exception
    assert len(calls) == 1
    label = export.folder_version(folder)
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    os.utime(folder / "cases.csv", (os.path.getmtime(folder / "cases.csv") + 10,) * 2)
    for _ in range(120):  # the changed folder's analyses are computed first (the page shows their progress)
        at.run()
        assert not at.exception, at.exception
        if len(calls) > 2:
            break
        time.sleep(1)
    assert len(calls) == 3 and export.folder_version(folder) != label  # hashed again for the changed folder


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


def test_a_server_start_opens_the_dataset_so_the_first_visit_reads_nothing(counted, tmp_path) -> None:
    import streamlit as st

    from ui import state

    import_files(Store(os.environ["RISK_STORE"]), DEFAULT_DATA_DIR, user="tester", label="stored demo")
    st.cache_resource.clear()  # a fresh server process
    counted.update(active_version=0, load=0)
    state.warm_up()
    assert counted["load"] == 1
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth"] = signed_in_session(Role.PLANNER)
    at.run()
    assert not at.exception, at.exception
    assert counted["load"] == 1  # the first visit found it in memory
    assert any("st_folium" in str(c.proto) for c in at.get("component_instance"))


def test_a_dataset_that_cannot_be_opened_is_left_for_the_page_to_explain(tmp_path, monkeypatch) -> None:
    import streamlit as st

    from ui import state

    (tmp_path / "boundaries.geojson").write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("RISK_DATA_DIR", str(tmp_path))
    st.cache_resource.clear()
    state.warm_up()  # says nothing and raises nothing: there is no one to tell yet
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth"] = signed_in_session(Role.PLANNER)
    at.run()
    assert any("boundaries.geojson" in e.value for e in [*at.error, *at.text])
