"""Every test gets its own store, accounts database and result directory: nothing touches var/.

The PostgreSQL store backend's tests share one throwaway PostGIS server per test session
(tests/postgis_server.py); each of them gets a fresh database on it (`postgis_url`)."""
from __future__ import annotations

import pytest

from tests.postgis_server import ServerUnavailable, start_server


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    monkeypatch.setenv("RISK_STORE", str(tmp_path / "store.gpkg"))
    monkeypatch.setenv("RISK_ACCOUNTS_DB", str(tmp_path / "accounts.sqlite"))
    monkeypatch.setenv("RISK_MAP_CACHE", str(tmp_path / "maps"))
    monkeypatch.setenv("RISK_RESULTS_DIR", str(tmp_path / "results"))
    # Default analyses are not started behind every page test; tests/ui/test_results.py turns it on.
    monkeypatch.setenv("RISK_PRECOMPUTE", "off")
    monkeypatch.delenv("RISK_DEMO_MODE", raising=False)
    monkeypatch.delenv("RISK_TILE_URL", raising=False)


@pytest.fixture(scope="session")
def postgis_server():
    """One throwaway PostgreSQL/PostGIS server for the session. A machine where none can be
    started FAILS the PostGIS tests with the reason: they are never skipped."""
    try:
        server = start_server()
    except ServerUnavailable as err:
        pytest.fail(f"PostGIS tests need a throwaway PostgreSQL/PostGIS server and none could be started: {err}",
                    pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgis_url(postgis_server) -> str:
    """A fresh database with PostGIS for one test, dropped after it."""
    url = postgis_server.fresh_url()
    try:
        yield url
    finally:
        postgis_server.drop(url)
