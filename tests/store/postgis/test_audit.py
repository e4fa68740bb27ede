"""The PostgreSQL store's audit log is append-only on the server itself: triggers refuse UPDATE,
DELETE and TRUNCATE from any client, and dataset versions cannot be deleted
(risk/store/postgis/migrations.py, risk/store/postgis/audit.py)."""
from __future__ import annotations

import psycopg
import pytest

from risk.store import open_store

REFUSALS = ['UPDATE audit_log SET "user" = \'x\'', "UPDATE audit_log SET row_hash = prev_hash WHERE id = 1",
            "DELETE FROM audit_log WHERE id = 1", "TRUNCATE audit_log", "DELETE FROM versions", "TRUNCATE versions CASCADE"]


@pytest.mark.parametrize("sql", REFUSALS)
def test_the_triggers_refuse_changes_from_any_client(postgis_url: str, sql: str) -> None:
    store = open_store(postgis_url)
    store.append_audit("boss", "sign_in")
    from risk.access.settings import DEFAULT_DATA_DIR
    from risk.ingest.upload import import_files

    import_files(store, DEFAULT_DATA_DIR, user="boss")
    with psycopg.connect(postgis_url, autocommit=True) as con:
        with pytest.raises(psycopg.errors.IntegrityError) as caught:
            con.execute(sql)
    assert "append-only" in str(caught.value) or "versions are kept" in str(caught.value)
    assert len(store.audit()) == 2 and store.versions()["id"].tolist() == [1] and store.verify_audit().ok


def test_a_disabled_trigger_shows_as_a_warning(postgis_url: str) -> None:
    store = open_store(postgis_url)
    store.append_audit("boss", "sign_in")
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET action = 'export' WHERE id = 1")
    check = store.verify_audit()
    assert (check.broken.code, check.broken.entry) == ("store.audit.changed", 1)
    assert [w.code for w in check.warnings] == ["store.audit.warn_triggers"]
    assert "audit_log_no_update" in check.warnings[0].message("en")


def test_audit_entries_are_written_only_inside_a_transaction(postgis_url: str) -> None:
    from risk.store.postgis.audit import write_entry

    open_store(postgis_url).append_audit("boss", "sign_in")  # creates the store
    with psycopg.connect(postgis_url, autocommit=True) as con:
        with pytest.raises(RuntimeError):
            write_entry(con, "boss", "export", {}, None)
