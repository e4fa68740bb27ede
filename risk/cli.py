"""Command-line interface: one sub-command per analysis, each with --data DIR."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence


def _cmd_demo(args: argparse.Namespace) -> int:
    from risk.demo import build_demo

    written = build_demo(Path(args.out), seed=args.seed)
    if args.json:
        print(json.dumps({"out": str(args.out), "files": [p.name for p in written]}))
    else:
        for path in written:
            print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m risk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the generated demo dataset folder")
    demo.add_argument("--out", default="data/demo", help="output folder")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the committed one)")
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(func=_cmd_demo)

    from risk import cli_users

    cli_users.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
