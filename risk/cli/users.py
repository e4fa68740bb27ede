"""`python -m risk users init|add|list|disable|enable|reset|delete`: account management from the console.

Passwords are generated and printed once (never stored in clear); an admin
hands them over out of band. `init` runs before the server starts (`make run`),
so the first admin's password appears in the console at start-up rather than at
the first browser request (Streamlit runs no script before one).
"""
from __future__ import annotations

import argparse
import json
import sys

from risk.access.accounts import Accounts, accounts_location
from risk.i18n import LocalisedError, t
from risk.access.privacy import Role
from risk.access.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="manage accounts (init, add, list, disable, enable, reset, delete)")
    users.add_argument("--db", default=None, help="accounts database: an SQLite file or a postgresql:// URL (default: "
                       "the PostgreSQL store's database when RISK_STORE is one, else RISK_ACCOUNTS_DB)")
    users.add_argument("--lang", choices=("vi", "en"), default="vi")
    users.add_argument("--json", action="store_true")
    verbs = users.add_subparsers(dest="verb", required=True)
    verbs.add_parser("init", help="create the accounts database, and the first admin if it has no account; "
                                  "prints that password once, in Vietnamese and English")
    add = verbs.add_parser("add", help="create an account; prints its generated password once")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    verbs.add_parser("list", help="list accounts")
    for verb in ("disable", "enable", "reset", "delete"):
        verbs.add_parser(verb).add_argument("username")
    move = verbs.add_parser("migrate", help="copy every account, with its password hash and role, into a database with "
                                            "no account (e.g. from RISK_ACCOUNTS_DB into the PostgreSQL store)")
    move.add_argument("--from", dest="source", required=True, help="accounts database to copy: an SQLite file or a URL")
    move.add_argument("--to", dest="destination", required=True, help="accounts database to fill: an SQLite file or a URL")
    users.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    conf = load_settings()
    try:
        if args.verb == "migrate":  # two databases named on the command line, not the configured one
            return _migrate(args, conf)
        accounts = Accounts(args.db or accounts_location(conf), conf.max_failures, conf.lockout_minutes)
        if args.verb == "init":
            _init(args, accounts)
        elif args.verb == "add":
            password = accounts.add(args.username, args.role)
            _print(args, {"username": args.username, "role": args.role, "password": password},
                   f"{args.username} ({args.role}): {password}")
        elif args.verb == "list":
            rows = [{"username": u.username, "role": u.role.value, "disabled": u.disabled,
                     "locked_until": u.locked_until.isoformat() if u.locked_until else None} for u in accounts.list()]
            _print(args, rows, "\n".join(
                f"{r['username']:<24} {r['role']:<10} {'disabled' if r['disabled'] else 'active'}" for r in rows))
        elif args.verb in ("disable", "enable"):
            accounts.set_disabled(args.username, args.verb == "disable")
            _print(args, {"username": args.username, "disabled": args.verb == "disable"}, f"{args.username}: {args.verb}d")
        elif args.verb == "reset":
            password = accounts.reset(args.username)
            _print(args, {"username": args.username, "password": password}, f"{args.username}: {password}")
        elif args.verb == "delete":
            accounts.delete(args.username)
            _print(args, {"username": args.username, "deleted": True}, f"{args.username}: deleted")
    except LocalisedError as err:  # a refused change (AccountError), or an unreachable database (StoreError)
        print(t(err.code, args.lang, **err.params), file=sys.stderr)
        return 2
    return 0


def _migrate(args: argparse.Namespace, conf) -> int:
    """Copy the accounts of --from into --to (Accounts.copy_from); the source is only read."""
    from pathlib import Path

    from risk.store import is_server_store

    if not is_server_store(args.source):
        if not Path(args.source).is_file():
            print(t("accounts.migrate_missing", args.lang, path=args.source), file=sys.stderr)
            return 2
        if not _is_accounts_file(Path(args.source)):  # checked read-only: opening it as Accounts would add tables
            print(t("accounts.migrate_not_accounts", args.lang, path=args.source), file=sys.stderr)
            return 2
    source = Accounts(args.source, conf.max_failures, conf.lockout_minutes)
    destination = Accounts(args.destination, conf.max_failures, conf.lockout_minutes)
    if source.location == destination.location:
        print(t("accounts.migrate_same", args.lang, location=source.shown_location), file=sys.stderr)
        return 2
    n = destination.copy_from(source)
    _print(args, {"from": source.shown_location, "to": destination.shown_location, "copied": n},
           t("accounts.migrated", args.lang, n=n, source=source.shown_location, destination=destination.shown_location))
    return 0


def _is_accounts_file(path) -> bool:
    """An SQLite file with a users table, read without writing anything (a wrong file is left as it is)."""
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
            return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").fetchone() is not None
    except sqlite3.DatabaseError:  # not an SQLite file at all
        return False


def _init(args: argparse.Namespace, accounts: Accounts) -> None:
    """The database exists (mode 0600) after this; a new one gets `admin`, whose password is shown once."""
    password = accounts.ensure_admin()
    path = accounts.shown_location
    if password is None:
        _print(args, {"path": path, "created": False}, t("accounts.init_exists", args.lang, path=path))
        return
    _print(args, {"path": path, "created": True, "username": "admin", "password": password},
           "\n".join(t("accounts.first_admin", lang, password=password) for lang in ("vi", "en")))


def _print(args: argparse.Namespace, data: object, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if args.json else text)
