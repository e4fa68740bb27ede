"""A version converted through a crosswalk keeps the crosswalk and which rows were converted (their
vintage) in the store, read back unchanged, on both backends; a GeoPackage made before either existed
needs no migration (the tables are made on first use; the PostgreSQL schema has them from its first migration)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from risk.contracts.dataset import dataset_checksum
from risk.ingest.folder import load_dataset
from risk.ingest.upload import import_files
from tests.store.backends import GEOPACKAGE, backend_of, query

PRE2025 = Path(__file__).resolve().parents[2] / "data" / "demo" / "pre2025"
DEMO = PRE2025.parent


def _tables(store) -> set[str]:
    if backend_of(store) == GEOPACKAGE:
        return {row[0] for row in query(store, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    return {row[0] for row in query(store, "SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = current_schema()")}


def test_the_crosswalk_and_the_vintage_survive_storing_and_reloading(new_store) -> None:
    store = new_store
    plain = store.add_version(load_dataset(DEMO), label="demo", user="t")
    if backend_of(store) == GEOPACKAGE:
        assert "crosswalk" not in _tables(store) and "vintage" not in _tables(store)
    report = import_files(store, PRE2025, user="t")  # the GeoPackage makes the tables on first use
    assert {"crosswalk", "crosswalk_active", "vintage", "vintage_active"} <= _tables(store)
    back, loaded = store.load(report.version_id), load_dataset(PRE2025)
    pd.testing.assert_frame_equal(back.crosswalk, loaded.crosswalk)
    pd.testing.assert_frame_equal(back.vintage, loaded.vintage)
    assert dataset_checksum(back) == dataset_checksum(loaded) == report.content_checksum
    first = store.load(plain)
    assert first.crosswalk is None and first.vintage is None
    assert store.integrity_check() == ["ok"]
