"""The rows a store is moved as (`python -m risk store migrate`), the same for both backends.

Why a neutral row form: moving a store must keep what an import cannot recreate (version ids,
who imported when, source files, checksums, the audit log's own rows and hashes), so the move
copies rows, not Datasets. Each backend reads its tables into these tuples and writes them back
with its own SQL (risk/store/gpkg_transfer.py, risk/store/postgis/transfer.py); the engine
(risk/store/migrate.py) only passes them on.

Row layouts (geometry, when a part has one, is the LAST field: a shapely geometry or None):
- versions: VERSION_FIELDS, `active` as bool, JSON fields as their stored text;
- model runs: MODEL_RUN_FIELDS, config and metrics as their stored text;
- audit: AUDIT_FIELDS, exactly as stored (the hashes cover that text);
- parts: PART_FIELDS[part] after `version_id`; dates as ISO text, vintage `unweighted` as bool.
"""
from __future__ import annotations

from typing import Iterable, Protocol

from risk.contracts.dataset import BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, CROSSWALK_COLUMNS, PATROL_COLUMNS, \
    VINTAGE_COLUMNS
from risk.store.schema import PART_NAMES

__all__ = ["ALL_PARTS", "AUDIT_FIELDS", "GEOMETRY_PARTS", "MODEL_RUN_FIELDS", "PART_FIELDS", "REFORM_PARTS",
           "RowReader", "RowWriter", "VERSION_FIELDS"]

# Parts whose tables the GeoPackage makes on first use (risk/store/schema.py), after the five of PART_NAMES.
REFORM_PARTS = ("patrols", "crosswalk", "vintage")
ALL_PARTS = (*PART_NAMES, *REFORM_PARTS)
GEOMETRY_PARTS = ("boundaries", "cases", "border", "gates")
PART_FIELDS: dict[str, tuple[str, ...]] = {
    "boundaries": BOUNDARY_TEXT_COLUMNS,
    "cases": CASE_COLUMNS,
    "border": ("properties",),
    "gates": ("name", "kind", "lon", "lat"),
    "indicators": ("position", "commune_id", "year", "indicator", "value"),
    "patrols": PATROL_COLUMNS,
    "crosswalk": CROSSWALK_COLUMNS,
    "vintage": VINTAGE_COLUMNS,
}
VERSION_FIELDS = ("id", "created_at", "label", "source", "user", "checksum", *(f"n_{p}" for p in PART_NAMES),
                  "years", "active", "meta", "schema", "report")
MODEL_RUN_FIELDS = ("id", "version_id", "created_at", "kind", "user", "config", "metrics")
AUDIT_FIELDS = ("id", "at", "user", "action", "details", "rows", "prev_hash", "row_hash")


def quoted(names: Iterable[str]) -> str:
    """Column names for SQL in both dialects ("user", "rows" and "date" are keywords)."""
    return ", ".join(f'"{name}"' for name in names)


class RowReader(Protocol):
    """One consistent read of a whole store (one transaction, one snapshot)."""

    def versions(self) -> list[tuple]: ...

    def part_rows(self, part: str, version: int) -> list[tuple]: ...

    def part_counts(self) -> dict[str, dict[int, int]]: ...

    def model_runs(self) -> list[tuple]: ...

    def audit_rows(self) -> list[tuple]: ...

    def audit_counter(self) -> int: ...


class RowWriter(Protocol):
    """One write into an empty store, committed as a whole or not at all."""

    def write_versions(self, rows: list[tuple]) -> None: ...

    def write_part(self, part: str, version: int, rows: list[tuple]) -> None: ...

    def write_model_runs(self, rows: list[tuple]) -> None: ...

    def copy_audit(self, rows: list[tuple], counter: int) -> None: ...

    def append_audit(self, user: str, action: str, details: dict, rows: int | None) -> int: ...
