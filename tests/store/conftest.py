"""The store tests run on both backends: a GeoPackage file and a PostgreSQL/PostGIS database
(a fresh one per test on the session's throwaway server, tests/postgis_server.py)."""
from __future__ import annotations

import pytest

from risk.store import open_store
from tests.store.backends import BACKENDS, GEOPACKAGE


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def store_location(backend, tmp_path, request) -> str:
    """Where a test's store lives: a file path, or the URL of a fresh PostGIS database."""
    if backend == GEOPACKAGE:
        return str(tmp_path / "store.gpkg")
    return request.getfixturevalue("postgis_url")


@pytest.fixture
def new_store(store_location):
    """An empty store (nothing created until the first write) on the test's backend."""
    return open_store(store_location)


@pytest.fixture
def configured_store(store_location, monkeypatch):
    """The test's store made the configured one (RISK_STORE), as the pages and commands find it."""
    monkeypatch.setenv("RISK_STORE", store_location)
    return open_store(store_location)
