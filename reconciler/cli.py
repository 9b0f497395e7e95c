"""The `reconciler` command line: parses arguments and calls the library, nothing more.

Each command group lives in `reconciler/commands/<name>.py` and exposes
`register(subparsers) -> None`; the parser it adds sets `func(args) -> int` (the exit code).
They are imported plainly, so the import contracts see every command's dependencies.
Exit codes: 0 success, 1 the command ran and found errors, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from reconciler import __version__
from reconciler.commands import cluster, pr, propose, reconcile, schemas, validate

COMMAND_MODULES = (validate, schemas, cluster, reconcile, pr, propose)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reconciler",
        description="GitOps reconciliation for remediation, tool and mapping specs.",
    )
    parser.add_argument("--version", action="version", version=f"reconciler {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
