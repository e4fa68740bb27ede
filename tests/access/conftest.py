"""The accounts, sessions and throttle tests run on both backends of the accounts database: an
SQLite file (the embedded case) and a fresh PostgreSQL database (risk/access/database.py)."""
from __future__ import annotations

import pytest

from tests.access.backends import BACKENDS, SQLITE


@pytest.fixture(params=BACKENDS)
def accounts_backend(request) -> str:
    return request.param


@pytest.fixture
def accounts_location(accounts_backend, tmp_path, request) -> str:
    """Where a test's accounts live: an SQLite file, or the URL of a fresh PostgreSQL database."""
    if accounts_backend == SQLITE:
        return str(tmp_path / "accounts.sqlite")
    return request.getfixturevalue("postgis_url")
