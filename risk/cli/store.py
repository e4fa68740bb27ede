"""`python -m risk store migrate --from A --to B`: move a whole store to another place or backend
(a GeoPackage file and/or a postgresql:// URL), e.g. an office's GeoPackage store into PostgreSQL.

The engine is risk/store/migrate.py; here are the options, the localised summary and the exit
code: 0 moved and verified, 1 moved but the comparison found a difference, 2 refused or failed
(nothing moved). Locations are printed without a URL's password.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from risk.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

if TYPE_CHECKING:
    from risk.store.migrate import MigrationResult

__all__ = ["register", "run_migrate", "summary_lines"]


def register(sub: argparse._SubParsersAction) -> None:
    store = sub.add_parser("store", help="the store as a whole (migrate: move it to another file or database)")
    verbs = store.add_subparsers(dest="store_command", required=True)
    migrate = verbs.add_parser("migrate", help="copy a whole store (versions, model runs, the audit log with its "
                                               "hashes) into an EMPTY store, GeoPackage or PostgreSQL, and verify it")
    migrate.add_argument("--from", dest="source", required=True, metavar="LOCATION",
                         help="the store to move: a GeoPackage file or a postgresql:// URL")
    migrate.add_argument("--to", dest="destination", required=True, metavar="LOCATION",
                         help="an empty store (a new file, or a database without versions or audit entries)")
    migrate.add_argument("--user", help="who moves it, recorded in the audit log (default: the login name)")
    migrate.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of messages")
    migrate.add_argument("--json", action="store_true")
    migrate.set_defaults(func=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    """Move the store; exit 0 moved and verified, 1 moved but different, 2 refused or failed."""
    import sqlite3

    import psycopg

    from risk.cli.main import _cli_user
    from risk.store.migrate import display, migrate_store
    from risk.store.shared import StoreError

    lang = args.lang
    try:
        result = migrate_store(args.source, args.destination, _cli_user(args))
    except StoreError as err:
        print(err.message(lang), file=sys.stderr)
        return 2
    except (psycopg.Error, sqlite3.Error, OSError) as err:  # the message names no URL and no password
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(t("store.migrate.failed", lang, source=display(args.source), destination=display(args.destination),
                reason=reason), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(lang), ensure_ascii=False))
    else:
        print("\n".join(summary_lines(result, lang)))
    return 0 if result.ok else 1


def summary_lines(result: "MigrationResult", lang: str) -> list[str]:
    """The short report of a move in `lang`: what matched, version by version and part by part."""
    def verdict(equal: bool) -> str:
        return t("store.migrate.same_value" if equal else "store.migrate.different", lang)

    lines = [t("store.migrate.done", lang, source=result.source, destination=result.destination),
             t("store.migrate.versions", lang, count=len(result.versions), active=result.active_source,
               active_copy=result.active_destination)]
    for v in result.versions:
        lines.append(t("store.migrate.version", lang, version=v.version, label=v.label, checksum=v.checksum,
                       content=v.content_source, verdict=verdict(v.equal)))
    lines.append(t("store.migrate.parts", lang))
    for part in result.parts:
        lines.append(t("store.migrate.part", lang, part=part.part, source=part.source, destination=part.destination,
                       verdict=verdict(part.equal)))
    lines.append(t("store.migrate.model_runs", lang, count=result.model_runs, verdict=verdict(result.model_runs_equal)))
    check = (t("store.audit.ok", lang, rows=result.audit_rows) if result.audit_ok
             else t("store.migrate.audit_broken", lang, entry=result.audit_broken_entry))
    lines.append(t("store.migrate.audit", lang, copied=result.audit_copied, entry=result.audit_entry, check=check))
    if result.audit_ok:
        lines.append(t("store.audit.head", lang, head=result.audit_head))
    if not result.source_audit_ok:
        lines.append(t("store.migrate.source_audit_now_broken", lang))
    lines.append(t("store.migrate.checksums_equal" if result.checksums_equal else "store.migrate.checksums_differ",
                   lang))
    lines.append(t("store.migrate.verified" if result.ok else "store.migrate.not_verified", lang))
    return lines
