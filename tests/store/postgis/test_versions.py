"""The PostgreSQL store under concurrency: two imports from two processes run one after the other
and both versions are complete; a reader never sees a version before its import commits; an import
killed midway leaves nothing behind (risk/store/postgis/versions.py)."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from risk.access.settings import DEFAULT_DATA_DIR
from risk.contracts.dataset import dataset_checksum
from risk.ingest.folder import load_dataset
from risk.ingest.upload import import_files
from risk.store import open_store
from risk.store.postgis.connection import LOCK_CLASS, Lock
from risk.store.shared import StoreError
from tests.store.backends import query

PRE2025 = DEFAULT_DATA_DIR / "pre2025"
WAIT_S = 120  # a bound on waiting for another process, never a timing assertion


def _import(url: str, folder: str, label: str, marks: str, pause_at: str) -> None:
    """An import in its own process: touches `marks`.<stage> at each stage and, at `pause_at`,
    waits (inside its transaction) until `marks`.go exists."""
    import risk.store.postgis.versions as backend

    def checkpoint(stage: str) -> None:
        Path(f"{marks}.{stage}").touch()
        if stage == pause_at:
            while not Path(f"{marks}.go").exists():
                time.sleep(0.05)

    backend._checkpoint = checkpoint
    import_files(open_store(url), Path(folder), user=label, label=label)


def _start(url: str, folder: Path, label: str, marks: Path, pause_at: str = "") -> multiprocessing.Process:
    proc = multiprocessing.get_context("fork").Process(target=_import, args=(url, str(folder), label, str(marks),
                                                                             pause_at))
    proc.start()
    return proc


def _wait_for(condition, what: str, proc: multiprocessing.Process | None = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert proc is None or proc.is_alive() or condition(), f"the import process ended before {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _waiting_for_import_lock(url: str) -> bool:
    store = open_store(url)
    rows = query(store, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                        f"AND classid = {LOCK_CLASS}::oid AND objid = {Lock.VERSIONS}::oid")
    return rows[0][0] > 0


def test_two_imports_from_two_processes_serialise_and_both_are_complete(postgis_url: str, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    a = _start(postgis_url, DEFAULT_DATA_DIR, "first", first, pause_at="cases")
    _wait_for(lambda: Path(f"{first}.cases").exists(), "the first import to write its cases", a)
    b = _start(postgis_url, PRE2025, "second", second)
    _wait_for(lambda: _waiting_for_import_lock(postgis_url), "the second import to wait for the lock", b)
    assert not Path(f"{second}.version").exists()  # it has written nothing while the first holds the lock
    store = open_store(postgis_url)
    assert store.versions().empty and store.active_version() is None  # nothing of the first is visible yet
    Path(f"{first}.go").touch()
    Path(f"{second}.go").touch()
    for proc in (a, b):
        proc.join(WAIT_S)
    assert [a.exitcode, b.exitcode] == [0, 0]
    table = store.versions()
    assert table["id"].tolist() == [2, 1] and table["label"].tolist() == ["second", "first"]
    assert store.active_version() == 2 and store.integrity_check() == ["ok"]
    for version, folder in ((1, DEFAULT_DATA_DIR), (2, PRE2025)):
        assert dataset_checksum(store.load(version)) == dataset_checksum(load_dataset(folder))
    log = store.audit(action="import").iloc[::-1]
    assert log["user"].tolist() == ["first", "second"] and store.verify_audit().ok


def test_a_reader_never_sees_a_version_before_its_import_commits(postgis_url: str, tmp_path: Path) -> None:
    store = open_store(postgis_url)
    import_files(store, DEFAULT_DATA_DIR, user="admin", label="before")
    before = store.load()
    marks = tmp_path / "import"
    proc = _start(postgis_url, PRE2025, "late", marks, pause_at="commit")  # every row and the audit entry written
    _wait_for(lambda: Path(f"{marks}.commit").exists(), "the import to reach its commit", proc)
    assert store.versions()["id"].tolist() == [1] and store.active_version() == 1
    assert dataset_checksum(store.load()) == dataset_checksum(before)
    assert store.audit(action="import")["user"].tolist() == ["admin"] and store.verify_audit().ok
    assert query(store, "SELECT count(*) FROM boundaries WHERE version_id <> 1") == [(0,)]
    Path(f"{marks}.go").touch()
    proc.join(WAIT_S)
    assert proc.exitcode == 0
    assert store.versions()["id"].tolist() == [2, 1] and store.active_version() == 2
    assert store.load().stored.label == "late" and store.integrity_check() == ["ok"]


@pytest.mark.parametrize("stage", ["indicators", "commit"])
def test_an_import_killed_midway_leaves_the_previous_version(postgis_url: str, tmp_path: Path, stage: str) -> None:
    store = open_store(postgis_url)
    import_files(store, DEFAULT_DATA_DIR, user="admin", label="kept")
    marks = tmp_path / "killed"
    proc = _start(postgis_url, PRE2025, "killed", marks, pause_at=stage)
    _wait_for(lambda: Path(f"{marks}.{stage}").exists(), f"the import to reach {stage}", proc)
    os.kill(proc.pid, signal.SIGKILL)  # no cleanup of any kind: the server rolls the transaction back
    proc.join(WAIT_S)
    assert store.versions()["label"].tolist() == ["kept"] and store.active_version() == 1
    assert store.integrity_check() == ["ok"] and store.verify_audit().ok
    for part in ("boundaries", "indicators", "cases"):
        assert query(store, f"SELECT count(*) FROM {part} WHERE version_id <> 1") == [(0,)]
    assert import_files(store, PRE2025, user="again").version_id == 2  # no gap, and the store still works


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    store = open_store("postgresql://risk:s3cret-pw@127.0.0.1:1/risk")
    for call in (store.versions, store.active_version, store.exists, lambda: store.append_audit("a", "sign_in")):
        with pytest.raises(StoreError) as caught:
            call()
        assert caught.value.code == "store.unreachable"
        for lang in ("vi", "en"):
            text = caught.value.message(lang)
            assert "127.0.0.1:1/risk" in text and "s3cret-pw" not in text
    assert "s3cret-pw" not in repr(store) and "s3cret-pw" not in str(store)
