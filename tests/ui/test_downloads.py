"""A download made on a click survives other sessions' script runs (ui/downloads.py)."""
from __future__ import annotations

import pytest
from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from ui import downloads


@pytest.fixture
def manager(monkeypatch):
    monkeypatch.setattr(media_file_manager, "MediaFileMetadata", media_file_manager.MediaFileMetadata)
    monkeypatch.setattr(media_file_manager, "_get_session_id", lambda: "session-a")
    return MediaFileManager(MemoryMediaFileStorage("/media"))


def _clicked(mgr: MediaFileManager) -> str:
    """Session A's button is drawn, then clicked: the file is made; its id, from the URL."""
    placeholder = mgr.add_deferred(lambda: b"commune_id,score\n1,0.5\n", "text/csv", "coords-1",
                                   file_name="list.csv")
    return mgr.execute_deferred(placeholder).rsplit("/", 1)[-1].split(".")[0]


def _stored(mgr: MediaFileManager, file_id: str) -> bool:
    try:
        mgr._storage.get_file(file_id)
    except Exception:
        return False
    return True


def test_without_the_grace_two_other_runs_delete_the_file_before_it_is_fetched(manager):
    """The race itself, in Streamlit as it comes: this is what failed 9 of 20 load-test downloads."""
    file_id = _clicked(manager)
    manager.remove_orphaned_files()  # another session's run ends: marked
    manager.remove_orphaned_files()  # and another: deleted
    assert not _stored(manager, file_id)


def test_with_the_grace_the_file_outlives_other_runs_until_it_is_old(manager, monkeypatch):
    downloads.keep_downloads()
    downloads.keep_downloads()  # idempotent
    now = [1000.0]
    monkeypatch.setattr(downloads.time, "monotonic", lambda: now[0])
    file_id = _clicked(manager)
    for _ in range(5):
        manager.remove_orphaned_files()
    assert _stored(manager, file_id)
    now[0] += downloads.GRACE_S + 1
    manager.remove_orphaned_files()
    manager.remove_orphaned_files()
    assert not _stored(manager, file_id)  # kept a while, not forever
