"""Moving a whole store between backends (risk/store/migrate.py): the demo store, GeoPackage ->
PostGIS -> a new GeoPackage, keeps every version (id, checksum, content, which one is active), the
model runs and the audit log row by row (same hashes, plus one entry per move); a destination that
holds anything is refused and left untouched; a failure halfway leaves the destination empty."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from risk.ingest.upload import import_files
from risk.store import open_store
from risk.store.migrate import MIGRATE_ACTION, migrate_store
from risk.store.postgis.transfer import PostgisWriter
from risk.store.shared import StoreError
from tests.store.backends import query, tamper

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
FRAMES = ("indicators", "cases", "patrols", "crosswalk", "vintage")
GEO_FRAMES = ("boundaries", "border", "gates")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> str:
    """A GeoPackage store of the demo data: two versions (the second converted through the July 2025
    crosswalk), the first active again, a model run and several audit entries."""
    path = tmp_path_factory.mktemp("source") / "store.gpkg"
    store = open_store(path)
    import_files(store, DEMO, user="boss", label="first")
    import_files(store, DEMO / "pre2025", user="clerk", label="second")
    store.activate(1, "boss")
    store.record_model_run(1, "backtest", {"kind": "logistic"}, {"auc": 0.71}, user="boss")
    store.append_audit("boss", "export", {"format": "csv"}, 130)
    return str(path)


@pytest.fixture
def source(demo_store, tmp_path) -> str:
    """A copy of the demo store a test may change."""
    copy = tmp_path / "source.gpkg"
    shutil.copy(demo_store, copy)
    return str(copy)


def _audit_rows(location: str) -> list[tuple]:
    return query(open_store(location), 'SELECT id, at, "user", action, details, "rows", prev_hash, row_hash '
                                       "FROM audit_log ORDER BY id")


def _assert_same_versions(original, copy) -> None:
    assert copy.active_version() == original.active_version()
    pd.testing.assert_frame_equal(copy.versions(), original.versions())
    for version in original.versions()["id"]:
        a, b = original.load(int(version)), copy.load(int(version))
        for part in GEO_FRAMES:
            if getattr(a, part) is None:
                assert getattr(b, part) is None
            else:
                assert_geodataframe_equal(getattr(b, part), getattr(a, part))
        for part in FRAMES:
            if getattr(a, part) is None:
                assert getattr(b, part) is None, part
            else:
                pd.testing.assert_frame_equal(getattr(b, part), getattr(a, part))
        assert b.meta == a.meta and b.stored.label == a.stored.label and b.stored.created_at == a.stored.created_at
    pd.testing.assert_frame_equal(copy.model_runs(), original.model_runs())


def test_the_demo_store_goes_to_postgis_and_back_unchanged(demo_store, postgis_url, tmp_path) -> None:
    original = open_store(demo_store)
    original_audit = _audit_rows(demo_store)

    to_server = migrate_store(demo_store, postgis_url, "mover")
    back_path = tmp_path / "back" / "store.gpkg"
    to_file = migrate_store(postgis_url, back_path, "mover2")

    assert to_server.ok and to_file.ok
    assert [v.version for v in to_server.versions] == [1, 2] and to_server.active_destination == 1
    stored = original.versions().set_index("id")["checksum"].to_dict()
    for result in (to_server, to_file):
        assert {v.version: v.checksum_copied for v in result.versions} == stored
        assert all(v.content_source == v.content_destination for v in result.versions)
    server, back = open_store(postgis_url), open_store(back_path)
    for copy in (server, back):
        _assert_same_versions(original, copy)
        assert copy.verify_audit().ok
    assert original.verify_audit().ok

    on_server, on_file = _audit_rows(postgis_url), _audit_rows(str(back_path))
    assert on_server[:-1] == original_audit and on_file[:-1] == on_server  # row by row, hashes and times too
    assert [r[3] for r in on_file[len(original_audit):]] == [MIGRATE_ACTION, MIGRATE_ACTION]
    assert server.verify_audit().head == on_server[-1][-1] and back.verify_audit().rows == len(original_audit) + 2
    entry = server.audit(action=MIGRATE_ACTION).iloc[0]
    assert entry["user"] == "mover" and entry["details"]["from"] == demo_store
    assert entry["details"]["versions"] == 2 and entry["details"]["audit_rows"] == len(original_audit)
    assert entry["details"]["rows"]["crosswalk"] > 0 and entry["rows"] == sum(entry["details"]["rows"].values())
    assert back.integrity_check() == ["ok"] and server.integrity_check() == ["ok"]
    assert oct(back_path.stat().st_mode & 0o777) == oct(0o600)
    assert not [p for p in back_path.parent.iterdir() if p.name != "store.gpkg"]  # no temporary folder left


def test_a_same_kind_copy_keeps_everything(source, tmp_path) -> None:
    result = migrate_store(source, tmp_path / "copy.gpkg", "mover")
    assert result.ok and result.audit_copied == len(_audit_rows(source))
    _assert_same_versions(open_store(source), open_store(tmp_path / "copy.gpkg"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_file_holding_anything_is_refused_and_left_untouched(source, tmp_path) -> None:
    target = tmp_path / "taken.gpkg"
    open_store(target).append_audit("someone", "sign_in")  # no version, one audit entry: not empty
    before = _digest(target)
    with pytest.raises(StoreError) as refused:
        migrate_store(source, target, "mover")
    assert refused.value.code == "store.migrate.not_empty" and str(target) in refused.value.message("vi")
    assert _digest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.gpkg", "taken.gpkg"]


def test_a_database_holding_a_version_is_refused_and_left_untouched(source, postgis_url) -> None:
    target = open_store(postgis_url)
    import_files(target, DEMO, user="other", label="theirs")
    versions, audit = target.versions(), target.audit()
    with pytest.raises(StoreError) as refused:
        migrate_store(source, postgis_url, "mover")
    assert refused.value.code == "store.migrate.not_empty"
    pd.testing.assert_frame_equal(target.versions(), versions)
    pd.testing.assert_frame_equal(target.audit(), audit)


def test_an_existing_empty_store_file_is_replaced(source, tmp_path) -> None:
    import sqlite3

    from risk.store.schema import _create_file

    empty = tmp_path / "empty.gpkg"
    _create_file(empty)
    assert migrate_store(source, empty, "mover").ok
    with sqlite3.connect(empty) as con:
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 2


def test_a_failure_halfway_leaves_the_database_empty(source, postgis_url, monkeypatch) -> None:
    written = []
    original = PostgisWriter.write_part

    def failing(self, part, version, rows):
        if written:
            raise RuntimeError("disk full")
        written.append(part)
        original(self, part, version, rows)

    monkeypatch.setattr(PostgisWriter, "write_part", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        migrate_store(source, postgis_url, "mover")
    assert written == ["boundaries"]  # the first part was written inside the transaction
    target = open_store(postgis_url)
    assert target.versions().empty and target.audit().empty and target.model_runs().empty
    assert query(target, "SELECT count(*) FROM boundaries") == [(0,)]
    monkeypatch.setattr(PostgisWriter, "write_part", original)
    assert migrate_store(source, postgis_url, "mover").ok  # still empty, so it can be moved into


def test_a_failure_halfway_leaves_no_file(source, tmp_path, monkeypatch) -> None:
    from risk.store.gpkg_transfer import GpkgWriter

    def failing(self, rows, counter):
        raise RuntimeError("disk full")

    monkeypatch.setattr(GpkgWriter, "copy_audit", failing)
    target = tmp_path / "out" / "store.gpkg"
    with pytest.raises(RuntimeError, match="disk full"):
        migrate_store(source, target, "mover")
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_a_source_whose_audit_log_is_broken_is_not_moved(source, tmp_path) -> None:
    store = open_store(source)
    tamper(store, "DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET \"user\" = 'nobody' WHERE id = 2")
    with pytest.raises(StoreError) as refused:
        migrate_store(source, tmp_path / "copy.gpkg", "mover")
    assert refused.value.code == "store.migrate.source_audit_broken" and refused.value.params["entry"] == 2
    assert not (tmp_path / "copy.gpkg").exists()


def test_moving_a_store_onto_itself_or_from_nowhere_is_refused(source, tmp_path) -> None:
    with pytest.raises(StoreError) as same:
        migrate_store(source, source, "mover")
    assert same.value.code == "store.migrate.same"
    with pytest.raises(StoreError) as missing:
        migrate_store(tmp_path / "none.gpkg", tmp_path / "copy.gpkg", "mover")
    assert missing.value.code == "store.missing" and not (tmp_path / "copy.gpkg").exists()


def test_copying_audit_rows_needs_an_empty_log_and_an_intact_chain(new_store, tmp_path) -> None:
    """The one way to insert historical audit rows (copy_entries, each backend) fills an empty log only."""
    from risk.store import audit as gpkg_audit
    from risk.store.postgis import audit as postgis_audit
    from tests.store.backends import POSTGIS, backend_of

    new_store.append_audit("a", "first")
    rows = query(new_store, 'SELECT id, at, "user", action, details, "rows", prev_hash, row_hash FROM audit_log')
    module = postgis_audit if backend_of(new_store) == POSTGIS else gpkg_audit
    with pytest.raises(RuntimeError, match="empty audit log"), new_store._write() as con:
        module.copy_entries(con, rows, 1)
    assert query(new_store, "SELECT count(*) FROM audit_log") == [(1,)]
    from risk.store.schema import _create_file

    empty = tmp_path / "empty.gpkg"
    _create_file(empty)
    forged = [(*rows[0][:2], "someone else", *rows[0][3:])]  # content no longer matches its hash
    with pytest.raises(RuntimeError, match="intact chain"), open_store(empty)._write() as con:
        gpkg_audit.copy_entries(con, forged, 1)
    assert open_store(empty).audit().empty


def test_patrol_effort_goes_to_postgis_and_back(tmp_path, postgis_url) -> None:
    """A version with patrol effort (the table the GeoPackage makes on first use) survives both moves."""
    folder = tmp_path / "province"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("pre2025"))
    communes = pd.read_csv(folder / "indicators.csv", dtype={"commune_id": str})[["commune_id", "year"]]
    communes.assign(patrol_days=2.5).to_csv(folder / "patrols.csv", index=False)
    original = open_store(tmp_path / "patrols.gpkg")
    version = import_files(original, folder, user="boss", label="with patrols").version_id
    assert len(original.load(version).patrols) == len(communes)

    assert migrate_store(original.location, postgis_url, "mover").ok
    back = tmp_path / "back.gpkg"
    result = migrate_store(postgis_url, back, "mover")
    assert result.ok and {p.part: p.destination for p in result.parts}["patrols"] == len(communes)
    _assert_same_versions(original, open_store(back))
