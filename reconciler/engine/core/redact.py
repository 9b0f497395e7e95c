"""Secret values never leave the process: diffs show masks, never values or hashes of them.

The two sides of a diff are masked together, as Argo CD does: a key whose value is the same on
both sides gets the same mask, a changed key gets different masks, so a reviewer sees *that* a
secret changed and which key, never the value. No hash is shown: a hash of a short password can
be confirmed by guessing.
"""

from __future__ import annotations

from typing import Any

SECRET_FIELDS = ("data", "stringData")
SAME = "<redacted>"
BEFORE = "<redacted: old value>"
AFTER = "<redacted: new value>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _is_secret(obj: dict[str, Any] | None) -> bool:
    return obj is not None and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def _masked(obj: dict[str, Any], masks: dict[str, dict[str, str]]) -> dict[str, Any]:
    out = {**obj, **{field: masks[field] for field in masks if field in obj}}
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if LAST_APPLIED in annotations:  # kubectl's copy of the whole object, values included
        meta = {**obj["metadata"], "annotations": {**annotations, LAST_APPLIED: SAME}}
        out["metadata"] = meta
    return out


def redact_pair(
    live: dict[str, Any] | None, desired: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Both objects with Secret values masked consistently; other kinds are returned as is."""
    if not (_is_secret(live) or _is_secret(desired)):
        return live, desired
    live_masks: dict[str, dict[str, str]] = {}
    desired_masks: dict[str, dict[str, str]] = {}
    for field in SECRET_FIELDS:
        before = (live or {}).get(field)
        after = (desired or {}).get(field)
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        live_masks[field] = {k: SAME if after.get(k) == v else BEFORE for k, v in before.items()}
        desired_masks[field] = {k: SAME if before.get(k) == v else AFTER for k, v in after.items()}
    return (
        _masked(live, live_masks) if live is not None else None,
        _masked(desired, desired_masks) if desired is not None else None,
    )
