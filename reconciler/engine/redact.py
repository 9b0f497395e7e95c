"""Secret values never leave the process: diffs and reports show a fingerprint instead.

A changed key still shows as changed (the fingerprints differ) and an unchanged one as
unchanged, so a reviewer sees *that* a secret changed without seeing it, as Argo CD's masked
diffs do. The fingerprint is a truncated SHA-256 of the value: enough to compare, useless to
recover anything but trivially short values, which is why even it is kept to 8 hex digits.
"""

from __future__ import annotations

import hashlib
from typing import Any

SECRET_FIELDS = ("data", "stringData")


def fingerprint(value: Any) -> str:
    digest = hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:8]
    return f"<redacted {digest}>"


def redact(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of `obj` with every Secret value replaced by its fingerprint (other kinds as is)."""
    if obj is None or obj.get("kind") != "Secret" or "/" in str(obj.get("apiVersion", "v1")):
        return obj
    out = dict(obj)
    for field in SECRET_FIELDS:
        values = obj.get(field)
        if isinstance(values, dict):
            out[field] = {key: fingerprint(value) for key, value in values.items()}
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if "kubectl.kubernetes.io/last-applied-configuration" in annotations:
        meta = dict(obj["metadata"])
        meta["annotations"] = {
            **annotations,
            "kubectl.kubernetes.io/last-applied-configuration": "<redacted>",
        }
        out["metadata"] = meta
    return out
