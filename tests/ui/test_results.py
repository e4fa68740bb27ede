"""ui/results.py: finished analyses survive a server restart (memory lost, disk kept), and a dataset's
default analyses are computed in the background once it is opened."""
from __future__ import annotations

from tests.kept_analyses import engine_refuses

import time

import streamlit as st

import risk.analysis.features as features
import risk.analysis.geography as geography
import risk.analysis.hotspots as hotspots
import risk.analysis.model as model
from risk.access.privacy import Role
from risk.access.settings import load_settings
from risk.ingest.folder import load_dataset
from risk.views.analyses import Analyses, default_runs
from tests.apptest_helpers import open_page


def _restart() -> None:
    """What a server restart loses: every in-memory cache and the job pool's finished runs."""
    st.cache_data.clear()
    st.cache_resource.clear()


def _engine_refuses(monkeypatch) -> None:
    engine_refuses(monkeypatch, 'computed again after the restart')


def _priority_table(at):
    assert not at.exception, at.exception
    return at.dataframe[0].value


def test_the_priority_list_survives_a_restart_without_computing_again(monkeypatch) -> None:
    _restart()
    before = _priority_table(open_page("pages/priorities.py", Role.PLANNER, "u-planner"))
    _restart()
    _engine_refuses(monkeypatch)
    after = _priority_table(open_page("pages/priorities.py", Role.PLANNER, "u-planner"))
    assert after.equals(before)  # scores, rank intervals, hotspot classes and distances read back


def test_the_defaults_are_computed_in_the_background_once_a_dataset_is_opened(monkeypatch) -> None:
    monkeypatch.setenv("RISK_PRECOMPUTE", "on")
    _restart()
    ds = load_dataset(load_settings().data_dir)
    quick = default_runs(ds)[:3]  # distances, the latest year's scores, the priority list's hotspots
    monkeypatch.setattr(Analyses, "defaults", quick)
    at = open_page("pages/hotspots.py", Role.PLANNER, "u-planner")
    assert not at.exception, at.exception
    from ui import results

    jobs = list(results._background().values())
    assert len(jobs) == 1
    deadline = time.monotonic() + 240
    while not jobs[0].done and time.monotonic() < deadline:
        time.sleep(0.2)
    assert jobs[0].result() >= 2  # at least the scores and the priority list's hotspots, which no page here asked for
    fresh = Analyses.for_dataset(ds, load_settings())
    assert fresh.missing_defaults() == ()
    at.run()  # a later run starts nothing new
    assert list(results._background().values()) == jobs



def test_a_shared_table_is_read_once_and_no_session_can_change_it() -> None:
    def script() -> None:
        import streamlit as st

        from risk.analysis.model import ModelConfig
        from risk.views.analyses import Run
        from ui import results, state

        run = Run("score", (max(state.dataset().years), ModelConfig(n_bootstrap=0)))
        first = results.result_table(run)
        first.loc[first.index[0], "score"] = -1.0  # a caller that writes into what it got
        first["extra"] = 1
        second = results.result_table(run)
        shared = results._shared_table(state.dataset_key(), results._results_dir(), run)
        st.write(str(second["score"].iloc[0] >= 0 and "extra" not in second and second is not first))
        st.write(str(shared is results._shared_table(state.dataset_key(), results._results_dir(), run)))

    from streamlit.testing.v1 import AppTest

    _restart()
    at = AppTest.from_function(script, default_timeout=240).run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == ["True", "True"]


def test_the_risk_map_colours_with_the_kept_scores_and_computes_nothing(monkeypatch, tmp_path) -> None:
    """Every year's scores with rank intervals are a default analysis; a map without an open panel
    needs only their scores, so it must not compute a run without the refits beside them."""
    from risk.analysis.model import ModelConfig
    from risk.views.analyses import Run

    monkeypatch.setenv("RISK_RESULTS_DIR", str(tmp_path / "results"))  # nothing kept but what this test keeps
    _restart()
    ds = load_dataset(load_settings().data_dir)
    Analyses.for_dataset(ds, load_settings()).run(Run("score", (int(ds.years[-1]), ModelConfig())))
    _engine_refuses(monkeypatch)
    at = open_page("pages/risk_map.py", Role.PLANNER, "u-planner")
    assert not at.exception, at.exception  # a refused computation would end the page here
    assert not at.error, [e.value for e in at.error]


def test_a_server_start_reads_what_the_first_visits_show_so_they_read_nothing(monkeypatch) -> None:
    """ui.state.warm_up, run by a server's start, reads the kept first-visit results into memory:
    the risk map and the Priorities page then read nothing from the result store (issue 17)."""
    from risk.store.results import ResultStore
    from risk.views.analyses import first_visit_runs
    from ui import state

    ds = load_dataset(load_settings().data_dir)
    analyses = Analyses.for_dataset(ds, load_settings())
    runs = first_visit_runs(ds)
    assert [r.kind for r in runs] == ["distances", "score", "hotspots", "hotspots"]
    for run in runs:
        analyses.run(run)
    _restart()
    reads: list = []
    real = ResultStore.get_or_compute

    def counted(self, key, *args, **kwargs):
        reads.append(key)
        return real(self, key, *args, **kwargs)

    monkeypatch.setattr(ResultStore, "get_or_compute", counted)
    state.warm_up()
    assert len(reads) == len(runs)
    reads.clear()
    _engine_refuses(monkeypatch)
    for page in ("pages/risk_map.py", "pages/priorities.py"):
        at = open_page(page, Role.PLANNER, "u-planner")
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
    assert reads == []  # every kept result the two first visits showed was already in memory
