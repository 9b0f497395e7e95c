"""`reconciler cluster serve`: the embedded cluster as a standalone server. STUB for the server helper."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("cluster", help="embedded cluster")
    parser.set_defaults(func=lambda args: 2)
