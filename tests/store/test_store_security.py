"""The store protects what it holds: owner-only file modes (the GeoPackage file holds case records)
and a tamper-evident audit log (a SHA-256 hash chain, risk/store/audit_chain.py), on both backends."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import risk.store.versions as store_module
from risk.ingest.upload import import_files
from risk.store.audit_chain import GENESIS, START_ACTION, row_hash, verify_chain
from risk.cli.main import main as cli_main
from risk.i18n import LANGUAGES, t
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT, load_settings
from risk.store import open_store
from risk.store.shared import StoreBase
from risk.store.versions import Store
from tests.apptest_helpers import open_page
from tests.store.backends import GEOPACKAGE, POSTGIS, backend_of, drop_trigger, query, tamper

posix = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")


@pytest.fixture
def open_umask():
    """The usual umask (022), which makes new files world-readable unless the store prevents it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@posix
def test_a_new_store_is_owner_only_and_leaves_no_creation_files(tmp_path: Path, open_umask) -> None:
    path = tmp_path / "var" / "store.gpkg"
    Store(path).append_audit("admin", "sign_in")  # the first write creates the file
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700  # a folder the store made is private too
    assert sorted(p.name for p in path.parent.iterdir()) == ["store.gpkg"]


@posix
def test_the_journal_of_an_import_is_owner_only(tmp_path: Path, open_umask, monkeypatch) -> None:
    path = tmp_path / "store.gpkg"
    journal = path.with_name(path.name + "-journal")
    seen: dict[str, int] = {}

    def look(stage: str) -> None:
        if stage == "commit":  # rows written, not committed: the rollback journal is on disk
            seen["journal"] = mode(journal)

    monkeypatch.setattr(store_module, "_checkpoint", look)
    import_files(Store(path), DEFAULT_DATA_DIR, user="admin")
    assert seen == {"journal": 0o600} and mode(path) == 0o600


@posix
def test_an_older_world_readable_store_is_made_owner_only_when_opened(tmp_path: Path, open_umask) -> None:
    path = tmp_path / "store.gpkg"
    store = Store(path)
    store.append_audit("admin", "sign_in")
    os.chmod(path, 0o644)  # as stores were created before
    assert store.audit()["action"].tolist() == ["sign_in"]
    assert mode(path) == 0o600


# --- the audit log's hash chain -----------------------------------------------------------------------------


@pytest.fixture
def logged(new_store: StoreBase) -> StoreBase:
    """A store (either backend) whose audit log holds five entries written by the application."""
    for i, action in enumerate(("sign_in", "import", "activate", "export", "sign_out"), start=1):
        new_store.append_audit("boss", action, {"n": i, "text": "Mường Xén"}, rows=i * 10)
    return new_store


def verify_cli(store: StoreBase, capsys, *extra: str) -> tuple[int, str]:
    code = cli_main(["audit", "verify", "--store", store.location, *extra])
    return code, capsys.readouterr().out


def forged_insert(entry: int, at: str, prev: str | None = None, digest: str | None = None) -> str:
    hashes = "NULL, NULL" if prev is None else f"'{prev}', '{digest}'"
    return ('INSERT INTO audit_log (id, at, "user", action, details, "rows", prev_hash, row_hash) '
            f"VALUES ({entry}, '{at}', 'boss', 'export', '{{}}', 130, {hashes})")


def test_an_intact_chain_verifies(logged: StoreBase, capsys, tmp_path: Path) -> None:
    check = logged.verify_audit()
    assert (check.ok, check.rows, check.broken, check.warnings) == (True, 5, None, [])
    rows = query(logged, 'SELECT id, at, "user", action, details, "rows", prev_hash, row_hash FROM audit_log ORDER BY id')
    assert rows[0][6] == GENESIS and all(b[6] == a[7] for a, b in zip(rows, rows[1:]))  # each chains to the last
    assert all(row_hash(*r[:7]) == r[7] for r in rows) and check.head == rows[-1][7]
    code, out = verify_cli(logged, capsys, "--lang", "en")
    assert code == 0 and out.startswith("The audit log is intact: the hash chain of all 5 entries checks out.\n")
    assert check.head in out
    code, out = verify_cli(logged, capsys, "--json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["rows"] == 5
    assert cli_main(["audit", "verify", "--store", str(tmp_path / "none.gpkg")]) == 2


def test_an_update_after_drop_trigger_is_detected(logged: StoreBase, capsys) -> None:
    tamper(logged, drop_trigger(logged, "audit_log_no_update"), "UPDATE audit_log SET \"rows\" = 1 WHERE id = 3")
    check = logged.verify_audit()
    assert not check.ok and (check.broken.code, check.broken.entry) == ("store.audit.changed", 3)
    assert [w.code for w in check.warnings] == ["store.audit.warn_triggers"]
    for lang in LANGUAGES:
        code, out = verify_cli(logged, capsys, "--lang", lang)
        assert code == 1 and " 3" in out.splitlines()[0] and "audit_log_no_update" in out
    code, out = verify_cli(logged, capsys, "--json", "--lang", "en")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False and doc["broken"]["id"] == 3 and "changed" in doc["broken"]["message"]


def test_a_forged_back_dated_insert_is_detected(logged: StoreBase) -> None:
    tamper(logged, forged_insert(6, "2020-01-01T00:00:00.000Z"))
    check = logged.verify_audit()
    assert (check.broken.code, check.broken.entry, check.rows) == ("store.audit.unsealed", 6, 6)


def test_a_forged_insert_with_copied_hashes_is_detected(logged: StoreBase) -> None:
    """A forger who copies the last row's hashes onto a new row (without knowing how they are made)."""
    prev, digest = query(logged, "SELECT prev_hash, row_hash FROM audit_log WHERE id = 5")[0]
    tamper(logged, forged_insert(6, "2020-01-01T00:00:00.000Z", digest, prev))
    check = logged.verify_audit()
    assert (check.broken.code, check.broken.entry) == ("store.audit.changed", 6)


def test_a_correctly_rehashed_back_dated_forgery_is_still_flagged(logged: StoreBase) -> None:
    """Someone who knows the scheme can recompute a hash; the back-dated time still shows, as a warning."""
    head = logged.verify_audit().head
    values = (6, "2020-01-01T00:00:00.000Z", "boss", "export", "{}", 130)
    tamper(logged, "INSERT INTO audit_log (id, at, \"user\", action, details, \"rows\", prev_hash, row_hash) "
                   f"VALUES (6, '{values[1]}', 'boss', 'export', '{{}}', 130, '{head}', '{row_hash(*values, head)}')")
    check = logged.verify_audit()
    assert check.ok and [(w.code, w.entry) for w in check.warnings] == [("store.audit.warn_backwards", 6)]
    assert "2020-01-01" in check.warnings[0].message("en")


@pytest.mark.parametrize("deleted, broken_at, missing", [(2, 3, "2"), (1, 2, "1")])
def test_a_deleted_row_is_detected(logged: StoreBase, deleted: int, broken_at: int, missing: str) -> None:
    tamper(logged, drop_trigger(logged, "audit_log_no_delete"), f"DELETE FROM audit_log WHERE id = {deleted}")
    check = logged.verify_audit()
    assert (check.broken.code, check.broken.entry, check.broken.params) == ("store.audit.deleted", broken_at,
                                                                           {"missing": missing})
    assert f"{missing} " in check.broken.message("en")


def test_rows_cut_from_the_end_leave_a_gap_once_the_log_goes_on(logged: StoreBase) -> None:
    tamper(logged, drop_trigger(logged, "audit_log_no_delete"), "DELETE FROM audit_log WHERE id >= 4")
    check = logged.verify_audit()  # no trace yet but the missing trigger: the head hash written down elsewhere shows it
    assert check.ok and [w.code for w in check.warnings] == ["store.audit.warn_triggers"]
    logged.append_audit("boss", "sign_in")
    check = logged.verify_audit()
    assert (check.broken.code, check.broken.entry, check.broken.params) == ("store.audit.deleted", 6,
                                                                           {"missing": "4–5"})


def test_two_rows_swapped_are_detected(logged: StoreBase) -> None:
    """Ids are part of each row's hash, so exchanging two rows' places breaks the first of them."""
    tamper(logged, drop_trigger(logged, "audit_log_no_update"), "UPDATE audit_log SET id = 100 WHERE id = 2",
           "UPDATE audit_log SET id = 2 WHERE id = 3", "UPDATE audit_log SET id = 3 WHERE id = 100")
    assert logged.verify_audit().broken.entry == 2


def chain(*entries: tuple[str, str], start: str = GENESIS, first_id: int = 1) -> list[tuple]:
    """Rows as risk.store.audit.write_entry writes them, for (at, action) pairs."""
    rows, prev = [], start
    for entry, (at, action) in enumerate(entries, start=first_id):
        values = (entry, at, "boss", action, "{}", None)
        rows.append((*values, prev, row_hash(*values, prev)))
        prev = rows[-1][-1]
    return rows


def test_a_row_replaced_by_a_self_consistent_forgery_breaks_the_next_link() -> None:
    rows = chain(("2025-01-01", "a"), ("2025-01-02", "b"), ("2025-01-03", "c"))
    forged = chain(("2025-01-02", "b-forged"), start=rows[0][-1], first_id=2)[0]
    check = verify_chain([rows[0], forged, rows[2]])
    assert (check.broken.code, check.broken.entry, check.broken.params) == ("store.audit.inserted", 3,
                                                                           {"previous": 2})
    assert verify_chain(chain(("2025-01-01", "a"), start="f" * 64)).broken.code == "store.audit.not_first"
    assert verify_chain([]).ok and verify_chain([]).head == GENESIS and verify_chain([]).rows == 0


_APPENDER = """
import sys
from risk.store import open_store
store, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    open_store(store).append_audit(who, "export", {"i": i}, rows=i)
"""


def test_concurrent_appends_keep_one_chain(logged: StoreBase) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", _APPENDER, logged.location, who, "40"], env=env,
                                stderr=subprocess.PIPE) for who in ("proc-a", "proc-b")]
    threads = [threading.Thread(target=lambda who=who: [logged.append_audit(who, "export", {"i": i}) for i in range(20)])
               for who in ("thread-a", "thread-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read().decode()
        writer.stderr.close()
    check = logged.verify_audit()
    assert check.ok and check.warnings == [] and check.rows == 5 + 2 * 40 + 2 * 20
    users = logged.audit()["user"].value_counts().to_dict()
    assert users == {"proc-a": 40, "proc-b": 40, "thread-a": 20, "thread-b": 20, "boss": 5}


def _old_store(store: Store, entries: int) -> None:
    """Turn a store into one written before the chain: no hash columns, rows as the old writer wrote them."""
    store.append_audit("setup", "sign_in")
    tamper(store, "DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete",
           "DELETE FROM audit_log", "DELETE FROM sqlite_sequence WHERE name = 'audit_log'",
           "ALTER TABLE audit_log DROP COLUMN prev_hash", "ALTER TABLE audit_log DROP COLUMN row_hash",
           "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
           "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
           "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
           "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
           "UPDATE store_info SET value = '1' WHERE key = 'schema'",
           *(f"INSERT INTO audit_log (at, \"user\", action, details, \"rows\") "
             f"VALUES ('2025-01-0{i}T08:00:00.000Z', 'boss', 'sign_in', '{{}}', NULL)" for i in range(1, entries + 1)))


# An older store's log is sealed once: only GeoPackage stores predate the chain (the PostgreSQL schema
# has it from its first migration).


def test_an_older_store_is_sealed_once_and_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "old.gpkg")
    _old_store(store, 3)
    log = store.audit().iloc[::-1]  # opening it seals it
    assert log["action"].tolist() == ["sign_in"] * 3 + [START_ACTION]
    assert log.iloc[-1]["details"] == {"sealed": 3, "first": 1, "last": 3} and log.iloc[-1]["user"] == "system"
    check = store.verify_audit()
    assert check.ok and check.rows == 4 and check.warnings == []
    store.append_audit("boss", "export")
    assert store.verify_audit().rows == 5 and store.audit(action=START_ACTION).shape[0] == 1
    con = sqlite3.connect(store.path)
    assert con.execute("SELECT value FROM store_info WHERE key = 'schema'").fetchone() == ("2",)
    with pytest.raises(sqlite3.IntegrityError):  # the update trigger is back after the sealing
        con.execute("UPDATE audit_log SET action = 'x' WHERE id = 1")
    con.close()


def test_an_older_store_that_cannot_be_sealed_verifies_as_unsealed(tmp_path: Path, monkeypatch) -> None:
    store = Store(tmp_path / "old.gpkg")
    _old_store(store, 2)
    monkeypatch.setattr(store_module, "_seal_audit_log", lambda con: None)  # as on a read-only file
    check = store.verify_audit()
    assert (check.ok, check.rows, check.broken.code, check.broken.entry) == (False, 2, "store.audit.unsealed", 1)


def test_two_openers_of_an_older_store_seal_it_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "old.gpkg")
    _old_store(store, 2)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            Store(store.path).audit()
        except BaseException as err:  # noqa: BLE001 (reported below)
            errors.append(err)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.audit(action=START_ACTION).shape[0] == 1 and store.verify_audit().ok


def test_the_audit_page_says_whether_the_chain_verifies(configured_store: StoreBase) -> None:
    store = open_store(load_settings().store)
    assert store.location == configured_store.location
    for action in ("sign_in", "export", "sign_out"):
        store.append_audit("boss", action)
    at = open_page("pages/audit.py", Role.ADMIN, "boss", timeout=120)
    assert not at.exception, at.exception
    assert t("store.audit.ok", "en", rows=3) in [c.value for c in at.caption] and not at.error
    tamper(store, drop_trigger(store, "audit_log_no_update"), "UPDATE audit_log SET \"user\" = 'nobody' WHERE id = 2")
    at.run()
    assert [e.value for e in at.error] == [store.verify_audit().summary("en")]
    assert "2" in at.error[0].value
