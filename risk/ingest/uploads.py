"""Uploaded files on disk only while they are checked.

An upload holds victims' case records. The Data page used to write each check
into a fresh `risk-upload-*` folder under the system temp directory and never
remove it, leaving copies outside the protected store. Here the engine owns
that folder: it is private (mkdtemp, 0700), exists only for the duration of
one check, and is removed even when the check fails. The checked Dataset is
kept in memory and saved with `Store.add_checked`, so nothing has to stay on
disk until the user saves. Folders left behind by a crash (or by the old page)
are removed on the next check once they are an hour old.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator, Mapping

from risk.ingest.archives import Limits
from risk.contracts.dataset import PARTS, Dataset
from risk.contracts.report import ImportReport
from risk.ingest.upload import check_upload, save_upload

__all__ = ["STALE_AFTER_S", "UPLOAD_PREFIX", "ImportCheck", "check_uploaded", "remove_stale_uploads", "upload_folder"]

UPLOAD_PREFIX = "risk-upload-"


@dataclass(frozen=True)
class ImportCheck:
    """A checked upload waiting for the user to save it: the report, the checked dataset
    (None when the check failed) and the version label typed with it."""

    report: ImportReport
    dataset: Dataset | None
    label: str

STALE_AFTER_S = 3600.0  # older than any check takes, so a check running in another session is never hit


def remove_stale_uploads(max_age_s: float = STALE_AFTER_S, now: float | None = None) -> list[Path]:
    """Remove this user's `risk-upload-*` folders in the temp directory older than `max_age_s`.

    Only real folders owned by the current user are touched (never a symlink,
    never another account's folder); returns the folders removed.
    """
    now = time.time() if now is None else now
    root = Path(tempfile.gettempdir())
    removed = []
    for candidate in root.glob(f"{UPLOAD_PREFIX}*"):
        try:
            info = os.lstat(candidate)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or now - info.st_mtime < max_age_s:
            continue
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        if not candidate.exists():
            removed.append(candidate)
    return removed


@contextmanager
def upload_folder() -> Iterator[Path]:
    """A private folder for one upload, removed when the block ends however it ends."""
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_uploaded(files: Mapping[str, tuple[str, bytes]], *,
                   mapping: Mapping[str, Mapping[str, str]] | None = None, today: date | None = None,
                   limits: Limits | None = None, repair: bool = True) -> tuple[Dataset | None, ImportReport]:
    """Check uploaded files given as {part: (file name, bytes)}; see `risk.ingest.upload.check_upload`.

    The bytes are written to a private temporary folder only for the check and
    removed afterwards, so the returned Dataset (held in memory, stored with
    `Store.add_checked`) is the only copy left.
    """
    unknown = set(files) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts: {sorted(unknown)}; expected some of {PARTS}")
    remove_stale_uploads()
    with upload_folder() as folder:
        paths: dict[str, Path] = {}
        for part, (name, data) in files.items():
            (folder / part).mkdir()
            paths[part] = save_upload(name, data, folder / part)
        return check_upload(paths, mapping=mapping, today=today, limits=limits, repair=repair)
