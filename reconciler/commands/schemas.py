"""`reconciler schemas export DIR`: write the JSON Schemas editors and CI use."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.specs import schemas


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schemas", help="JSON Schemas of the spec kinds"
    )
    sub = parser.add_subparsers(dest="schemas_command", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="write one JSON Schema per kind into DIR")
    export.add_argument("directory", type=Path, metavar="DIR")
    export.set_defaults(func=_export)


def export(directory: Path) -> list[Path]:
    """Write every schema into `directory`; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas.all_schemas().items():
        path = directory / name
        path.write_text(schemas.render(schema), encoding="utf-8")
        written.append(path)
    return written


def _export(args: argparse.Namespace) -> int:
    try:
        written = export(args.directory)
    except OSError as exc:
        print(f"error: cannot write schemas into {args.directory}: {exc.strerror}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0
