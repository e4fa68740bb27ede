"""Every test gets its own store, accounts database and result directory: nothing touches var/."""
from __future__ import annotations

import pytest


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
