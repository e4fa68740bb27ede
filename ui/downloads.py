"""A file made when its download button is clicked stays downloadable for a while, however busy
the server is.

Why. Streamlit (1.67) makes a deferred download's file on the click and keeps it referenced by no
session ("unmapped, so repeat clicks rerun the callable"). After every script run of *any*
session, its media manager marks unreferenced downloads for deletion and deletes those already
marked. With 20 people on one process, two other sessions' runs finished between a file being
made and the browser fetching it, and the download failed ("canceled"): 9 of 20 sessions in
bench/load.py. Here a download's file can be deleted only once it is `GRACE_S` old: memory holds
each export a little longer, and no person loses a file to someone else's click.
"""
from __future__ import annotations

import time

from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_storage import MediaFileKind

__all__ = ["GRACE_S", "keep_downloads"]

GRACE_S = 120.0


class _KeptMetadata(media_file_manager.MediaFileMetadata):
    """Media metadata whose download files count as marked for deletion only once `GRACE_S` old."""

    def __init__(self, kind: MediaFileKind = MediaFileKind.MEDIA) -> None:
        super().__init__(kind)
        self._made = time.monotonic()

    @property
    def is_marked_for_delete(self) -> bool:
        return super().is_marked_for_delete and time.monotonic() - self._made >= GRACE_S


def keep_downloads() -> None:
    """Install the grace period (idempotent); called once when the server starts."""
    if media_file_manager.MediaFileMetadata is not _KeptMetadata:
        media_file_manager.MediaFileMetadata = _KeptMetadata
