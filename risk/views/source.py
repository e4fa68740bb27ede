"""Which dataset is open: the one rule the dashboard and the command line share.

The dashboard shows the store's active version when there is one, else the
dataset folder (RISK_DATA_DIR, the embedded demo by default). The command line
reads the same dataset unless told otherwise (`--data DIR` or `--store PATH`),
so an official who exports from a terminal gets the figures the screen shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from risk.access.settings import Settings
from risk.contracts.dataset import Dataset
from risk.ingest.folder import load_dataset
from risk.store import open_store
from risk.store.shared import StoreError

FOLDER, STORE = "folder", "store"


@dataclass(frozen=True)
class DatasetSource:
    """The identity of an open dataset; cached analyses are keyed on it.

    `stamp` changes when the data behind the same path changes (the folder's
    latest file time, or the store's: its file's time, or on PostgreSQL its latest
    import or activation), so an edit is never served from a stale cache; `path` is the
    folder or the store's location (a file or a postgresql:// URL); `version` is the store
    version (None for a folder).
    """

    kind: str
    path: str
    version: int | None
    stamp: float

    @property
    def from_store(self) -> bool:
        return self.kind == STORE


def _folder_stamp(folder: Path) -> float:
    times = [p.stat().st_mtime for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    return max(times, default=0.0)


def folder_source(folder: str | Path) -> DatasetSource:
    folder = Path(folder)
    return DatasetSource(FOLDER, str(folder), None, _folder_stamp(folder))


def store_source(location: str | Path, require: bool = True) -> DatasetSource | None:
    """The store's active version; None (or StoreError when `require`) if it has none."""
    store = open_store(location)
    try:
        version = store.active_version()
    except StoreError:
        if require:
            raise
        return None
    if version is None:
        if require:
            raise StoreError("store.no_active_version", path=str(store))
        return None
    return DatasetSource(STORE, store.location, int(version), store.stamp())


def resolve_source(conf: Settings, data: str | Path | None = None, store: str | Path | None = None) -> DatasetSource:
    """An explicit folder or store if given, else what the dashboard opens (the store's active
    version, or the configured folder when the store has none). Queries the store at most once."""
    if data is not None:
        return folder_source(data)
    if store is not None:
        return store_source(store)
    return store_source(conf.store, require=False) or folder_source(conf.data_dir)


def load_source(source: DatasetSource) -> Dataset:
    """The dataset behind a source (raises DataError or StoreError on bad data)."""
    if source.from_store:
        return open_store(source.path).load(source.version)
    return load_dataset(Path(source.path))


def embedded_demo_open(source: DatasetSource, conf: Settings) -> bool:
    """The embedded demo folder is what is open (no store version active)."""
    return source.kind == FOLDER and conf.is_embedded_demo and Path(source.path).resolve() == conf.data_dir.resolve()


def data_version_label(ds) -> str:
    """What an export says about its data: the store version, or the folder's files' checksum
    (the same words from the page and from `python -m risk export`)."""
    if ds.stored is not None:
        return ds.stored.describe()
    from risk.outputs.export import folder_version

    return f"{ds.folder.name} {folder_version(ds.folder)}"
