"""Where a command reads its dataset: `--data DIR`, `--store PATH`, or what the dashboard opens.

One function adds the options and one loads the dataset, so every analysis
command reads the same data the same way, and a bad folder or an empty store
gives the same localised message and exit code 2 everywhere.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from risk.access.settings import load_settings

if TYPE_CHECKING:  # loaded when a command reads data, not when the parser is built (`--help`)
    from risk.contracts.dataset import Dataset
    from risk.views.source import DatasetSource


class SourceUnavailable(Exception):
    """The dataset could not be read; the message is already printed to stderr."""


def add_source_arguments(parser: argparse.ArgumentParser, exclusive: bool = True) -> None:
    """`--data DIR` or `--store PATH`; neither means what the dashboard opens. Export takes both
    (`exclusive=False`): the data from the folder, the audit entry in the store."""
    group = parser.add_mutually_exclusive_group() if exclusive else parser
    group.add_argument("--data", metavar="DIR", default=None,
                       help="dataset folder (default: what the dashboard opens: the store's active version, "
                            "else RISK_DATA_DIR)")
    group.add_argument("--store", metavar="PATH", default=None,
                       help="read the active version of this store, a file or a postgresql:// URL (default: RISK_STORE, var/store.gpkg); "
                            "exports are also audited there")


def source_from_args(args: argparse.Namespace) -> DatasetSource:
    from risk.views.source import resolve_source

    return resolve_source(load_settings(), data=args.data, store=args.store)


def load_from_args(args: argparse.Namespace) -> Dataset:
    """The dataset the options name; on bad data, prints every problem in --lang and raises SourceUnavailable."""
    from risk.i18n import t
    from risk.ingest.folder import DataError
    from risk.store.versions import StoreError
    from risk.views.source import load_source

    lang = getattr(args, "lang", "vi")
    try:
        source = source_from_args(args)
        return load_source(source)
    except DataError as err:
        print(t("app.load_error", lang, path=args.data or load_settings().data_dir), file=sys.stderr)
        for message in err.messages(lang):
            print(f"- {message}", file=sys.stderr)
    except StoreError as err:
        print(err.message(lang), file=sys.stderr)
    raise SourceUnavailable()
