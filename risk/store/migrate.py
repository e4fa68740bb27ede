"""Moving a whole store to another place or backend (`python -m risk store migrate --from A --to B`):
GeoPackage -> PostgreSQL, PostgreSQL -> GeoPackage, or a copy of the same kind.

Why rows and not an import: an import would give every version a new id, a new date and a new
audit entry. A move must keep the store's history as it is: every version with its id, label,
who and when, source files, counts, checksum and meta, which one is active, every part's rows,
the model runs, and the audit log row by row with its original times, users and hashes, so the
destination's chain verifies and ends on the same head. One new audit entry is then appended on
the destination, recording the move (from where, to where, by whom, how much).

Safety: the destination must be empty (no version, no audit entry) or nothing is written
(StoreError store.migrate.not_empty); the copy is one transaction into PostgreSQL and a file
built aside and moved into place for a GeoPackage (risk/store/postgis/transfer.py,
risk/store/gpkg_transfer.py); a source whose audit chain does not verify is not moved. A URL is
only ever shown without its password (`display`). Afterwards both stores are read again through
their public interface and compared (`verify_migration`): the result says what matched.

Stop imports and activations on the source while it is moved: what changes on it after the copy's
snapshot is not moved, and the verification then reports the difference.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from risk.contracts.dataset import dataset_checksum
from risk.i18n import DEFAULT_LANGUAGE, t
from risk.store import is_server_store, open_store
from risk.store.audit_chain import verify_chain
from risk.store.shared import StoreBase, StoreError
from risk.store.transfer import ALL_PARTS, RowReader, RowWriter

__all__ = ["MIGRATE_ACTION", "MigrationResult", "PartCount", "VersionCheck", "display", "migrate_store",
           "verify_migration"]

MIGRATE_ACTION = "store_migrated"


def display(location: str | Path) -> str:
    """A store's location as it may be printed or recorded: a URL without its password."""
    if is_server_store(location):
        from risk.store.postgis.connection import redacted

        return redacted(str(location))
    return str(location)


@dataclass(frozen=True)
class VersionCheck:
    """One version on both sides: its stored checksum and the checksum of its loaded content."""

    version: int
    label: str
    checksum: str  # as stored in the source (the import's file checksum)
    checksum_copied: str  # as stored in the destination
    content_source: str  # dataset_checksum of the version loaded from the source
    content_destination: str  # ... and from the destination

    @property
    def equal(self) -> bool:
        return self.checksum == self.checksum_copied and self.content_source == self.content_destination


@dataclass(frozen=True)
class PartCount:
    """Rows of one part in both stores (all versions), and whether every version has as many."""

    part: str
    source: int
    destination: int
    per_version_equal: bool

    @property
    def equal(self) -> bool:
        return self.source == self.destination and self.per_version_equal


@dataclass(frozen=True)
class MigrationResult:
    """What was moved and what the comparison of both stores found afterwards."""

    source: str  # display() of each location
    destination: str
    versions: tuple[VersionCheck, ...]
    versions_equal: bool  # the versions tables read back equal (ids, labels, who, when, counts, sources)
    active_source: int | None
    active_destination: int | None
    parts: tuple[PartCount, ...]
    model_runs: int
    model_runs_equal: bool
    audit_copied: int  # source entries copied verbatim
    audit_entry: int  # id of the entry recording the move, on the destination
    audit_identical: bool  # the destination's log is the source's rows, same hashes, plus that entry
    audit_ok: bool  # the destination's chain verifies
    audit_broken_entry: int | None  # else its first broken entry
    source_audit_ok: bool
    audit_rows: int  # entries on the destination
    audit_head: str

    @property
    def checksums_equal(self) -> bool:
        return all(v.equal for v in self.versions)

    @property
    def ok(self) -> bool:
        return (self.checksums_equal and self.versions_equal and self.active_source == self.active_destination
                and all(p.equal for p in self.parts) and self.model_runs_equal and self.audit_identical
                and self.audit_ok and self.source_audit_ok)

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        """JSON-ready form (the CLI's --json output)."""
        return {
            "ok": self.ok, "message": t("store.migrate.verified" if self.ok else "store.migrate.not_verified", lang),
            "source": self.source, "destination": self.destination,
            "versions": [{"id": v.version, "label": v.label, "checksum": v.checksum,
                          "checksum_copied": v.checksum_copied, "content_source": v.content_source,
                          "content_destination": v.content_destination, "equal": v.equal} for v in self.versions],
            "versions_equal": self.versions_equal, "checksums_equal": self.checksums_equal,
            "active": {"source": self.active_source, "destination": self.active_destination},
            "parts": {p.part: {"source": p.source, "destination": p.destination, "equal": p.equal}
                      for p in self.parts},
            "model_runs": self.model_runs, "model_runs_equal": self.model_runs_equal,
            "audit": {"copied": self.audit_copied, "entry": self.audit_entry, "identical": self.audit_identical,
                      "ok": self.audit_ok, "broken_entry": self.audit_broken_entry, "source_ok": self.source_audit_ok, "rows": self.audit_rows,
                      "head": self.audit_head},
        }


@dataclass(frozen=True)
class _Copied:
    versions: int
    rows: dict
    model_runs: int
    audit_hashes: tuple[str, ...]
    entry: int


def _reading(store: StoreBase) -> AbstractContextManager[RowReader]:
    if is_server_store(store.location):
        from risk.store.postgis.transfer import reading
    else:
        from risk.store.gpkg_transfer import reading
    return reading(store)


def _writing(store: StoreBase) -> AbstractContextManager[RowWriter]:
    if is_server_store(store.location):
        from risk.store.postgis.transfer import writing
    else:
        from risk.store.gpkg_transfer import writing
    return writing(store)


def _same(a: StoreBase, b: StoreBase) -> bool:
    if is_server_store(a.location) != is_server_store(b.location):
        return False
    if is_server_store(a.location):
        return display(a.location) == display(b.location)
    return Path(a.location).resolve() == Path(b.location).resolve()


def migrate_store(source: str | Path, destination: str | Path, user: str) -> MigrationResult:
    """Copy the whole store at `source` into the empty store at `destination`, record the move in the
    destination's audit log as `user`, then compare both (see the module's docstring)."""
    src, dst = open_store(source), open_store(destination)
    if _same(src, dst):
        raise StoreError("store.migrate.same", location=display(src.location))
    with _reading(src) as reader:  # a missing source is refused before anything is created
        reader.versions()
    with _writing(dst) as writer:
        with _reading(src) as reader:
            copied = _copy(reader, writer, src, dst, user)
    return verify_migration(src, dst, copied)


def _copy(reader: RowReader, writer: RowWriter, src: StoreBase, dst: StoreBase, user: str) -> _Copied:
    """Everything the source holds, into the destination's one write transaction."""
    versions = reader.versions()
    audit = reader.audit_rows()
    check = verify_chain(audit)
    if not check.ok:
        raise StoreError("store.migrate.source_audit_broken", location=display(src.location),
                         entry=check.broken.entry if check.broken else "?")
    writer.write_versions(versions)
    rows = {part: 0 for part in ALL_PARTS}
    for version in (int(row[0]) for row in versions):
        for part in ALL_PARTS:
            found = reader.part_rows(part, version)
            writer.write_part(part, version, found)
            rows[part] += len(found)
    runs = reader.model_runs()
    writer.write_model_runs(runs)
    writer.copy_audit(audit, reader.audit_counter())
    details = {"from": display(src.location), "to": display(dst.location), "versions": len(versions),
               "model_runs": len(runs), "audit_rows": len(audit), "rows": rows}
    entry = writer.append_audit(user, MIGRATE_ACTION, details, sum(rows.values()))
    return _Copied(len(versions), rows, len(runs), tuple(str(row[-1]) for row in audit), entry)


def verify_migration(src: StoreBase, dst: StoreBase, copied: _Copied) -> MigrationResult:
    """Both stores read again: versions, checksums and loaded content per version, rows per part and
    version, model runs, and the destination's audit log against the rows copied."""
    with _reading(src) as reader:
        source_counts, source_runs = reader.part_counts(), reader.model_runs()
    with _reading(dst) as reader:
        destination_counts, destination_runs = reader.part_counts(), reader.model_runs()
        destination_audit = reader.audit_rows()
    source_versions, destination_versions = src.versions(), dst.versions()
    copied_rows = destination_versions.set_index("id")
    checks = []
    for row in source_versions.sort_values("id").itertuples():
        version = int(row.id)
        stored = str(copied_rows.at[version, "checksum"]) if version in copied_rows.index else ""
        content = dataset_checksum(src.load(version))
        content_copy = dataset_checksum(dst.load(version)) if version in copied_rows.index else ""
        checks.append(VersionCheck(version, str(row.label), str(row.checksum), stored, content, content_copy))
    parts = tuple(PartCount(part, sum(source_counts[part].values()), sum(destination_counts[part].values()),
                            source_counts[part] == destination_counts[part]) for part in ALL_PARTS)
    audit = dst.verify_audit()
    hashes = tuple(str(row[-1]) for row in destination_audit)
    identical = (hashes[:-1] == copied.audit_hashes and len(hashes) == len(copied.audit_hashes) + 1
                 and int(destination_audit[-1][0]) == copied.entry)
    return MigrationResult(
        source=display(src.location), destination=display(dst.location), versions=tuple(checks),
        versions_equal=source_versions.to_dict("records") == destination_versions.to_dict("records"),
        active_source=src.active_version(), active_destination=dst.active_version(), parts=parts,
        model_runs=len(destination_runs), model_runs_equal=[tuple(r) for r in source_runs] == [
            tuple(r) for r in destination_runs],
        audit_copied=len(copied.audit_hashes), audit_entry=copied.entry, audit_identical=identical,
        audit_ok=audit.ok, audit_broken_entry=None if audit.broken is None else audit.broken.entry, source_audit_ok=src.verify_audit().ok, audit_rows=audit.rows, audit_head=audit.head)
