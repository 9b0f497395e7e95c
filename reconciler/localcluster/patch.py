"""Patch formats of the Kubernetes API: JSON merge patch, JSON patch, strategic merge patch.

STUB: owned by the merge-logic helper. Signatures here are the contract with the server layer.
"""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.k8sschema import SchemaRegistry


def json_merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 merge patch; returns a new object. Raises PatchError on a non-object patch."""
    raise NotImplementedError


def json_patch(target: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """RFC 6902 JSON patch; returns a new object. Raises PatchError (422) on a bad operation."""
    raise NotImplementedError


def strategic_merge_patch(
    target: dict[str, Any], patch: dict[str, Any], *, schemas: SchemaRegistry
) -> dict[str, Any]:
    """Strategic merge patch: lists with a patch merge key merge by it; `$patch` directives."""
    raise NotImplementedError
