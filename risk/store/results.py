"""Finished analyses kept on disk, so a server restart or a second command does not compute them again.

Why. Scores with 100 bootstrap refits per year, the backtest and the 9,999-replicate hotspot scan
take seconds to minutes at national scale, and they depend only on three things: the dataset's
content, which analysis, and its settings. Kept in memory only (st.cache_data), every restart and
every `python -m risk export` paid them again.

Key. `ResultKey`: the dataset's content checksum (risk.contracts.dataset.dataset_checksum, the one
Store.add_checked re-checks), the analysis kind ("score", "backtest", ...) and a digest of its
settings: frozen dataclasses (ModelConfig, HotspotOptions) and plain values, written as canonical
JSON (`settings_digest`). A folder and the store version imported from it hold the same content,
so they share their results. Each file also records the format version and a digest of the
engine's code (`engine_digest`): a file written by another format or another engine is ignored and
computed again, never read as if it were current.

Where. One directory per dataset checksum under the settings' `results_dir` (var/results by
default; RISK_RESULTS_DIR). Results hold scores and figures derived from case records, so they
must never be served without sign-in: `ResultStore` refuses a directory inside the folder the
web server serves (STATIC_DIR), and makes its directories 0700 and its files 0600.

Format. A first line of JSON (format, engine digest, key), then the value as a pickle. Pickle can
run code when read, so it is read only from files this application wrote itself, in its own
private directory; a file whose first line is not ours is never unpickled. Nothing here reads a
result file a user supplied.

Writes are atomic (a temporary file in the same directory, then os.replace), so a reader sees
the whole previous file or the whole new one. Two processes (the dashboard and a CLI export)
asking for the same missing result do not both compute it: `get_or_compute` holds a lock file
(fcntl.flock) for that key while computing, and the second, once it gets the lock, reads what
the first wrote. With a PostgreSQL store the claim is the server's instead (`claims`, see
risk/store/postgis/claims.py), so app processes on several machines claim each result once.

With a PostgreSQL store the results themselves live in its database too (`open_results` gives a
risk/store/postgis/results.py ServerResultStore: the same header and pickle in a bytea row), so
every app process shares them and RISK_RESULTS_DIR is not used.
"""
from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
import os
import pickle
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from risk.i18n import LocalisedError
from risk.store.shared import StoreError

try:  # POSIX; elsewhere writes stay atomic and a second process may compute the same result once more
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ["FORMAT_VERSION", "ResultKey", "ResultStore", "ResultStoreError", "canonical_settings", "engine_digest",
           "open_results", "results_location", "settings_digest"]

FORMAT_VERSION = 1
ENGINE_ROOT = Path(__file__).resolve().parents[1]
# The code a kept result depends on: a change in any of these makes every kept result stale.
ENGINE_SOURCES = ("analysis", "contracts/indicators.py", "contracts/dataset.py")
SUFFIX = ".result"
LOCK_POLL_SECONDS = 0.25

T = TypeVar("T")


class ResultStoreError(LocalisedError):
    """A result directory that must not be used (inside the served static folder)."""


@lru_cache(maxsize=1)
def engine_digest() -> str:
    """SHA-256 (first 16 hex) over the engine's analysis code, read once per process."""
    digest = hashlib.sha256()
    for entry in ENGINE_SOURCES:
        path = ENGINE_ROOT / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(ENGINE_ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def canonical_settings(value: Any) -> Any:
    """A JSON-ready form of settings that is the same for equal settings, in every process."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: canonical_settings(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": f"{type(value).__module__}.{type(value).__qualname__}", **fields}
    if isinstance(value, enum.Enum):
        return canonical_settings(value.value)
    if isinstance(value, dict):
        return {str(k): canonical_settings(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical_settings(v) for v in value]
    if isinstance(value, (frozenset, set)):
        return sorted((canonical_settings(v) for v in value), key=repr)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return repr(float(value)) if not math.isfinite(value) else float(value)
    if hasattr(value, "item") and callable(value.item):  # a numpy scalar
        return canonical_settings(value.item())
    if isinstance(value, Path):
        return str(value)
    # An object whose repr may hold a memory address would give a new key in every process.
    raise TypeError(f"settings of type {type(value).__name__} have no stable digest")


def settings_digest(*settings: Any) -> str:
    """SHA-256 (first 24 hex) of the canonical JSON of `settings`."""
    text = json.dumps(canonical_settings(list(settings)), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class ResultKey:
    """Which result: the dataset's content checksum, the analysis kind and its settings' digest."""

    checksum: str
    kind: str
    digest: str

    @classmethod
    def of(cls, checksum: str, kind: str, *settings: Any) -> "ResultKey":
        return cls(str(checksum), str(kind), settings_digest(*settings))

    @property
    def folder(self) -> str:
        return self.checksum.split(":", 1)[-1]

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.digest}"

    def header(self) -> dict:
        return {"format": FORMAT_VERSION, "engine": engine_digest(), "checksum": self.checksum,
                "kind": self.kind, "digest": self.digest}


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


class ResultStore:
    """The result directory. Cheap to construct; safe to share between threads and processes."""

    def __init__(self, root: str | Path, served: str | Path | None = None,
                 claims: Callable[[str, Callable[[], None] | None], Any] | None = None) -> None:
        """`claims`: how a result is claimed while it is computed (a context-manager factory taking
        the key's name and the waiting callback); None: a lock file in the result directory."""
        from risk.access.settings import STATIC_DIR

        self.claims = claims
        self.root = Path(root)
        if _inside(self.root, Path(served) if served is not None else STATIC_DIR):
            raise ResultStoreError("results.served_folder", path=str(self.root))

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r})"

    def path(self, key: ResultKey) -> Path:
        return self.root / key.folder / (key.name + SUFFIX)

    def _folder(self, key: ResultKey) -> Path:
        folder = self.root / key.folder
        for path in (self.root, folder):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    def has(self, key: ResultKey) -> bool:
        """A current result is kept for `key` (only its first line is read)."""
        try:
            with open(self.path(key), "rb") as handle:
                return self._current(handle.readline(), key)
        except OSError:
            return False

    @staticmethod
    def _current(first_line: bytes, key: ResultKey) -> bool:
        try:
            return json.loads(first_line) == key.header()
        except ValueError:
            return False

    def get(self, key: ResultKey, default: Any = None) -> Any:
        """The kept result, or `default` when there is none, or it is stale or unreadable."""
        try:
            with open(self.path(key), "rb") as handle:
                if not self._current(handle.readline(), key):
                    return default
                return pickle.load(handle)
        except FileNotFoundError:
            return default
        except Exception:  # noqa: BLE001 (a truncated or foreign file: compute again)
            return default

    def put(self, key: ResultKey, value: Any) -> None:
        """Keep `value` for `key`: written to a temporary file, then renamed over the old one."""
        folder = self._folder(key)
        fd, tmp = tempfile.mkstemp(prefix=f".{key.name}.", suffix=".part", dir=folder)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(json.dumps(key.header(), sort_keys=True).encode() + b"\n")
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self, key: ResultKey, waiting: Callable[[], None] | None) -> Iterator[None]:
        """Hold `key`'s lock file; other threads and processes wait for it, calling `waiting` about
        four times a second (it may raise, to stop waiting)."""
        if self.claims is not None:
            with self.claims(f"{key.folder}/{key.name}", waiting):
                yield
            return
        if fcntl is None:  # pragma: no cover
            yield
            return
        lock = self._folder(key) / f".{key.name}.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if waiting is not None:
                        waiting()
                    time.sleep(LOCK_POLL_SECONDS)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def get_or_compute(self, key: ResultKey, compute: Callable[[], T],
                       waiting: Callable[[], None] | None = None) -> tuple[T, bool]:
        """The kept result for `key`, else `compute()`, kept; and whether it was computed here.

        What `compute` raises is raised, and nothing is kept. A result directory that cannot be
        written (a full or read-only disk) costs the keeping, never the result."""
        missing = object()
        value = self.get(key, missing)
        if value is not missing:
            return value, False
        try:
            lock = self._locked(key, waiting)
            lock.__enter__()
        except (OSError, StoreError):  # no lock file, or no claim server: compute without the claim
            return compute(), True
        try:
            value = self.get(key, missing)  # another thread or process may have finished it meanwhile
            if value is not missing:
                return value, False
            value = compute()
            try:
                self.put(key, value)
            except (OSError, StoreError):  # a full disk, a database that refuses the row
                pass
            return value, True
        finally:
            lock.__exit__(None, None, None)


def results_location(conf: Any) -> str:
    """Where the configured results live: the store's database when RISK_STORE is a postgresql://
    URL, else the directory RISK_RESULTS_DIR."""
    from risk.store import is_server_store

    return conf.store if is_server_store(conf.store) else str(conf.results_dir)


def open_results(conf: Any) -> ResultStore:
    """The configured result store (risk.access.settings.Settings): a table of the PostgreSQL
    store's database, claimed by its advisory locks; else the private result directory."""
    from risk.store import is_server_store

    if is_server_store(conf.store):
        from risk.store.postgis.results import ServerResultStore

        return ServerResultStore(conf.store)
    return ResultStore(conf.results_dir)
