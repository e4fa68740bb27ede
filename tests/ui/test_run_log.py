"""The server's own time per run (RISK_RUN_LOG): one line per run, also for runs that stop."""
from __future__ import annotations

import os

import pytest

from ui.run_log import RunTime, page_of, read_run_log, timed_run


def test_a_run_appends_one_line_with_its_page_and_times(tmp_path):
    log = tmp_path / "runs.tsv"
    with timed_run(log, lambda: "risk-map"):
        sum(range(100_000))
    with pytest.raises(RuntimeError):  # st.stop and st.rerun raise: such runs count too
        with timed_run(log, lambda: "priorities"):
            raise RuntimeError("stopped")
    runs = read_run_log(log)
    assert [r.page for r in runs] == ["risk-map", "priorities"]
    assert all(r.pid == os.getpid() and r.wall_s >= 0 and r.cpu_s >= 0 for r in runs)
    assert runs[0].wall_s > 0


def test_a_log_that_cannot_be_written_leaves_the_run_alone(tmp_path, capsys):
    log = tmp_path / "missing-folder" / "runs.tsv"
    with pytest.raises(RuntimeError):  # the run's own stop still propagates
        with timed_run(log, lambda: "risk-map"):
            raise RuntimeError("stopped")
    with timed_run(log, lambda: "risk-map"):
        done = True
    assert done and not log.exists()
    assert "RISK_RUN_LOG" in capsys.readouterr().err


def test_no_log_is_written_unless_asked(tmp_path):
    with timed_run(None, lambda: "risk-map"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_page_name_that_cannot_be_read_or_breaks_a_line_is_still_one_run(tmp_path):
    log = tmp_path / "runs.tsv"

    def broken() -> str:
        raise LookupError("no browser")

    with timed_run(log, broken):
        pass
    with timed_run(log, lambda: "a\tb\nc"):
        pass
    (log.open("a")).write("123\tpartial")  # a line being written by another process
    assert [r.page for r in read_run_log(log)] == ["?", "a b c"]
    assert read_run_log(tmp_path / "none.tsv") == []


def test_every_dashboard_run_is_logged_when_the_setting_names_a_file(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    log = tmp_path / "runs.tsv"
    monkeypatch.setenv("RISK_RUN_LOG", str(log))
    monkeypatch.setenv("RISK_DEMO_MODE", "on")
    from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT

    monkeypatch.setenv("RISK_DATA_DIR", str(DEFAULT_DATA_DIR))
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.run()
    assert not at.exception
    assert len(read_run_log(log)) == 2
    assert isinstance(read_run_log(log)[0], RunTime)


@pytest.mark.parametrize("url, base, page", [
    ("http://127.0.0.1:8501", "/", "risk-map"),  # the bare address is the default page, not the host
    ("http://127.0.0.1:8501/", "/", "risk-map"),
    ("http://host/hotspots?year=2024", "/", "hotspots"),
    ("https://host/risk/", "/risk/", "risk-map"),
    ("https://host/risk/priorities/", "/risk/", "priorities"),
])
def test_the_page_is_read_from_the_address_without_host_or_prefix(url, base, page):
    assert page_of(url, base) == page
