"""The throwaway PostGIS server of the tests (tests/postgis_server.py) says why when it cannot
start, so the PostGIS tests fail with a reason instead of being skipped."""
from __future__ import annotations

import pytest

from tests import postgis_server


def test_no_installed_server_is_a_named_failure(monkeypatch) -> None:
    monkeypatch.setattr(postgis_server.glob, "glob", lambda pattern: [])
    with pytest.raises(postgis_server.ServerUnavailable) as caught:
        postgis_server.start_server()
    assert "install_system_deps.sh" in str(caught.value) and "postgis" in str(caught.value).lower()


def test_the_session_server_runs_postgis(postgis_server) -> None:
    import psycopg

    url = postgis_server.fresh_url()
    try:
        with psycopg.connect(url) as con:
            assert con.execute("SELECT postgis_version()").fetchone()[0].startswith("3")
            assert con.execute("SELECT inet_server_addr()::text").fetchone()[0].startswith("127.0.0.1")
    finally:
        postgis_server.drop(url)
