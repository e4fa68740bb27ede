"""Tamper evidence for the audit log: a SHA-256 hash chain over its rows.

The store's triggers refuse UPDATE and DELETE on `audit_log`, but anyone who
can open the file can drop a trigger or INSERT a back-dated row, and nothing
would show it. So every row also carries `prev_hash` (the previous row's
`row_hash`; GENESIS for the first row) and `row_hash`, the SHA-256 of a
canonical serialisation of (id, at, user, action, details, rows, prev_hash).
Changing a row breaks its own hash; inserting or deleting one breaks the link
or leaves a gap in the ids. `write_entry` (risk/store/audit.py), the only writer,
extends the chain inside its write transaction (BEGIN IMMEDIATE), so two writers
cannot fork it.

What a chain without a secret cannot show: someone who rewrites the file with
this module's code can recompute every hash, and entries removed from the very
end leave nothing behind. The head hash printed by `python -m risk audit verify`,
written down elsewhere, lets a later check catch both.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from risk.i18n import DEFAULT_LANGUAGE, t

__all__ = ["AuditCheck", "AuditFinding", "GENESIS", "PROTECTING_TRIGGERS", "START_ACTION", "row_hash", "verify_chain"]

GENESIS = "0" * 64  # the prev_hash of the first row
START_ACTION = "audit_chain_started"  # the row recording that an older store's log was sealed
PROTECTING_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")


def row_hash(entry_id: int, at: str, user: str, action: str, details: str, rows: int | None, prev_hash: str) -> str:
    """SHA-256 (hex) of one row: a compact JSON array of its stored values, UTF-8.

    `details` is hashed as the stored JSON text, so any byte changed in it shows.
    """
    payload = json.dumps([entry_id, at, user, action, details, rows, prev_hash], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditFinding:
    """One thing found in the chain: `code` is an i18n key, `entry` the audit row id."""

    code: str
    entry: int | None
    params: dict = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.code, lang, id=self.entry, **self.params)

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        return {"code": self.code, "id": self.entry, "params": self.params, "message": self.message(lang)}


@dataclass
class AuditCheck:
    """The result of walking the chain: intact or the first broken row, plus warnings."""

    rows: int
    head: str  # row_hash of the last row that checked out (GENESIS for an empty log)
    broken: AuditFinding | None = None
    warnings: list[AuditFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None

    def summary(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """One sentence: intact with the row count, or where and why it is broken."""
        if self.broken is None:
            return t("store.audit.ok", lang, rows=self.rows)
        return t("store.audit.broken", lang, id=self.broken.entry, rows=self.rows, reason=self.broken.message(lang))

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        """JSON-ready form (the CLI's --json output)."""
        return {"ok": self.ok, "rows": self.rows, "head": self.head, "message": self.summary(lang),
                "broken": None if self.broken is None else self.broken.to_dict(lang),
                "warnings": [w.to_dict(lang) for w in self.warnings]}


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def verify_chain(rows: Iterable[Sequence], triggers: Iterable[str] = PROTECTING_TRIGGERS) -> AuditCheck:
    """Walk audit rows (id, at, user, action, details, rows, prev_hash, row_hash) in id order.

    Stops at the first broken row: unsealed (no hash: written outside the
    application), changed (content no longer matches its hash), deleted
    (a gap in the ids before it) or inserted (it does not chain from the row
    before). A timestamp earlier than the previous row's and missing
    append-only triggers are warnings: the rows themselves still check out.
    """
    rows = list(rows)
    warnings: list[AuditFinding] = []
    missing_triggers = [name for name in PROTECTING_TRIGGERS if name not in set(triggers)]
    if missing_triggers:
        warnings.append(AuditFinding("store.audit.warn_triggers", None, {"names": ", ".join(missing_triggers)}))
    expected_id, expected_prev = 1, GENESIS
    previous: Sequence | None = None
    for row in rows:
        entry, at, user, action, details, count, prev, stored = row
        broken = None
        if prev is None or stored is None:
            broken = AuditFinding("store.audit.unsealed", entry)
        elif row_hash(entry, at, user, action, details, count, prev) != stored:
            broken = AuditFinding("store.audit.changed", entry)
        elif entry != expected_id:
            broken = AuditFinding("store.audit.deleted", entry, {"missing": _span(expected_id, entry - 1)})
        elif prev != expected_prev and previous is None:
            broken = AuditFinding("store.audit.not_first", entry)
        elif prev != expected_prev:
            broken = AuditFinding("store.audit.inserted", entry, {"previous": previous[0]})
        if broken is not None:
            return AuditCheck(len(rows), expected_prev, broken, warnings)
        if previous is not None and str(at) < str(previous[1]):
            warnings.append(AuditFinding("store.audit.warn_backwards", entry,
                                         {"at": at, "previous": previous[0], "previous_at": previous[1]}))
        expected_id, expected_prev, previous = entry + 1, stored, row
    return AuditCheck(len(rows), expected_prev, None, warnings)
