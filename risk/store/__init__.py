"""The versioned dataset store and its tamper-evident audit log, on one of two backends:
a GeoPackage file (the default, risk/store/versions.py) or a PostgreSQL/PostGIS database
(risk/store/postgis/), chosen by what RISK_STORE (or --store) names.

Callers get a store through `open_store`, never by constructing a backend, so the same code
runs on both."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from risk.store.shared import StoreBase

__all__ = ["is_server_store", "open_store"]


def is_server_store(location: str | Path | None) -> bool:
    """True when `location` is a PostgreSQL connection URL (postgresql://... or postgres://...)."""
    return location is not None and str(location).strip().lower().startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path | None = None) -> "StoreBase":
    """The store `location` names: a postgresql:// URL selects PostgreSQL/PostGIS, anything else is
    a GeoPackage file path; None means the configured one (RISK_STORE, default var/store.gpkg).
    Cheap: nothing is opened until the first call."""
    if location is None:
        from risk.access.settings import load_settings

        location = load_settings().store
    if is_server_store(location):
        from risk.store.postgis import PostgisStore

        return PostgisStore(str(location))
    from risk.store.versions import Store

    return Store(location)
