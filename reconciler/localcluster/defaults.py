"""The API server's defaulting for the common fields of built-in kinds.

STUB: owned by the merge-logic helper. Signatures here are the contract with the server layer.
"""

from __future__ import annotations

from typing import Any


def apply_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `obj` with the API server's defaults filled in (never overwrites)."""
    raise NotImplementedError
