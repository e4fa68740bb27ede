"""A version converted through a crosswalk keeps the crosswalk and which rows were converted (their
vintage) in the store, read back unchanged; a store made before either existed needs no migration."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from risk.contracts.dataset import dataset_checksum
from risk.ingest.folder import load_dataset
from risk.ingest.upload import import_files
from risk.store.versions import Store

PRE2025 = Path(__file__).resolve().parents[2] / "data" / "demo" / "pre2025"
DEMO = PRE2025.parent


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as con:
        return {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def test_the_crosswalk_and_the_vintage_survive_storing_and_reloading(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.gpkg")
    plain = store.add_version(load_dataset(DEMO), label="demo", user="t")
    assert "crosswalk" not in _tables(store.path) and "vintage" not in _tables(store.path)
    report = import_files(store, PRE2025, user="t")  # the tables are made on first use
    assert {"crosswalk", "crosswalk_active", "vintage", "vintage_active"} <= _tables(store.path)
    back, loaded = store.load(report.version_id), load_dataset(PRE2025)
    pd.testing.assert_frame_equal(back.crosswalk, loaded.crosswalk)
    pd.testing.assert_frame_equal(back.vintage, loaded.vintage)
    assert dataset_checksum(back) == dataset_checksum(loaded) == report.content_checksum
    first = store.load(plain)
    assert first.crosswalk is None and first.vintage is None
    assert store.integrity_check() == ["ok"]
