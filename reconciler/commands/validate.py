"""`reconciler validate [PATH] [--output text|json]`: load a spec repo and report every problem.

PATH is a repo directory (its `reconciler.yaml` applies), one YAML file (checked on its own,
with default settings), or a `reconciler.yaml` (the config alone). Plain manifests are checked
offline as the API server would check them (see `engine.validate`). Exit codes: 0 valid, 1 any
error, 2 usage error (e.g. PATH missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reconciler.clients.builders import default_builders
from reconciler.clients.dirtree import DirectoryTree
from reconciler.clients.kubeschemas import BuiltinSchemas
from reconciler.engine.validate import validate_tree
from reconciler.specs.config import CONFIG_FILE, RepoConfig
from reconciler.specs.loader import load_config
from reconciler.specs.report import report_dict, report_text


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="validate the specs of a repo",
        description="Load and validate every spec and manifest; exit 1 when any is invalid.",
    )
    parser.add_argument("path", nargs="?", default=".", type=Path, metavar="PATH")
    parser.add_argument("--output", "-o", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.path
    schemas = BuiltinSchemas()
    builders = default_builders()
    if path.is_dir():
        result = validate_tree(DirectoryTree(path), schemas=schemas, builders=builders)
    elif path.is_file() and path.name == CONFIG_FILE:
        result = load_config(DirectoryTree(path.parent))
    elif path.is_file():
        config = RepoConfig(paths=[path.name])
        tree = DirectoryTree(path.parent)
        result = validate_tree(tree, config=config, schemas=schemas, builders=builders)
    else:
        print(f"reconciler validate: {path}: no such file or directory", file=sys.stderr)
        return 2
    if args.output == "json":
        print(json.dumps(report_dict(result), indent=2))
    else:
        sys.stdout.write(report_text(result))
    return 0 if result.ok else 1
