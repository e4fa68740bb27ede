"""The store protects what it holds: owner-only file modes (the file holds case records)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import risk.store as store_module
from risk.settings import DEFAULT_DATA_DIR
from risk.store import Store

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")


@pytest.fixture
def open_umask():
    """The usual umask (022), which makes new files world-readable unless the store prevents it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_store_is_owner_only_and_leaves_no_creation_files(tmp_path: Path, open_umask) -> None:
    path = tmp_path / "var" / "store.gpkg"
    Store(path).append_audit("admin", "sign_in")  # the first write creates the file
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700  # a folder the store made is private too
    assert sorted(p.name for p in path.parent.iterdir()) == ["store.gpkg"]


def test_the_journal_of_an_import_is_owner_only(tmp_path: Path, open_umask, monkeypatch) -> None:
    path = tmp_path / "store.gpkg"
    journal = path.with_name(path.name + "-journal")
    seen: dict[str, int] = {}

    def look(stage: str) -> None:
        if stage == "commit":  # rows written, not committed: the rollback journal is on disk
            seen["journal"] = mode(journal)

    monkeypatch.setattr(store_module, "_checkpoint", look)
    Store(path).import_dataset(DEFAULT_DATA_DIR, user="admin")
    assert seen == {"journal": 0o600} and mode(path) == 0o600


def test_an_older_world_readable_store_is_made_owner_only_when_opened(tmp_path: Path, open_umask) -> None:
    path = tmp_path / "store.gpkg"
    store = Store(path)
    store.append_audit("admin", "sign_in")
    os.chmod(path, 0o644)  # as stores were created before
    assert store.audit()["action"].tolist() == ["sign_in"]
    assert mode(path) == 0o600
