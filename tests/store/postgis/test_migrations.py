"""The PostgreSQL store's schema is versioned: migrations are applied once, recorded in
schema_version, idempotent when run again or by two processes at once, and a database of a newer
schema or of another program is refused (risk/store/postgis/migrations.py)."""
from __future__ import annotations

import multiprocessing

import psycopg
import pytest

from risk.store import open_store
from risk.store.postgis import migrations
from risk.store.shared import StoreError
from tests.store.backends import query


def _schema_versions(url: str) -> list[tuple]:
    return query(open_store(url), "SELECT version, name, applied_at FROM schema_version ORDER BY version")


def test_reading_an_empty_database_creates_nothing(postgis_url: str) -> None:
    store = open_store(postgis_url)
    assert not store.exists() and store.versions().empty and store.audit().empty
    with pytest.raises(StoreError) as caught:
        store.load()
    assert caught.value.code == "store.no_active_version"
    assert query(store, "SELECT to_regclass('schema_version')") == [(None,)]


def test_migrations_are_recorded_and_idempotent(postgis_url: str) -> None:
    store = open_store(postgis_url)
    store.append_audit("boss", "sign_in")  # the first write creates the store
    recorded = _schema_versions(postgis_url)
    assert [(v, n) for v, n, _ in recorded] == [(m.version, m.name) for m in migrations.MIGRATIONS]
    with psycopg.connect(postgis_url, autocommit=True) as con:
        assert migrations.migrate(con, postgis_url) == migrations.latest()
        assert migrations.migrate(con, postgis_url) == migrations.latest()
    store.append_audit("boss", "sign_out")
    assert _schema_versions(postgis_url) == recorded  # nothing applied twice, applied_at unchanged
    assert store.integrity_check() == ["ok"] and len(store.audit()) == 2


def _open_and_write(url: str, who: str, barrier) -> None:
    barrier.wait()
    open_store(url).append_audit(who, "sign_in")


def test_two_processes_creating_the_store_together_apply_each_migration_once(postgis_url: str) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    procs = [context.Process(target=_open_and_write, args=(postgis_url, f"p{i}", barrier)) for i in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert [v for v, _, _ in _schema_versions(postgis_url)] == [m.version for m in migrations.MIGRATIONS]
    store = open_store(postgis_url)
    assert sorted(store.audit()["user"]) == ["p0", "p1", "p2"] and store.verify_audit().ok


def test_a_database_of_a_newer_schema_is_refused(postgis_url: str) -> None:
    store = open_store(postgis_url)
    store.append_audit("boss", "sign_in")
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("INSERT INTO schema_version VALUES (%s, 'from the future', 'x')", (migrations.latest() + 1,))
    with pytest.raises(StoreError) as caught:
        store.append_audit("boss", "sign_out")
    assert caught.value.code == "store.schema_newer"
    assert str(migrations.latest() + 1) in caught.value.message("en") and caught.value.message("vi")


def test_a_database_of_another_program_is_refused_and_left_alone(postgis_url: str) -> None:
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("CREATE TABLE versions (id integer, what text)")
        con.execute("INSERT INTO versions VALUES (1, 'theirs')")
    with pytest.raises(StoreError) as caught:
        open_store(postgis_url).append_audit("boss", "sign_in")
    assert caught.value.code == "store.not_a_store_db" and caught.value.message("vi")
    store = open_store(postgis_url)
    assert query(store, "SELECT id, what FROM versions") == [(1, "theirs")]
    assert query(store, "SELECT to_regclass('audit_log')") == [(None,)]  # the failed migration left nothing
