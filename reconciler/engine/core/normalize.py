"""Normalization before comparing desired and live objects.

Each normalizer is a small pure function with a one-line reason. They drop what the server owns
(identity, bookkeeping, status) and fold equivalent spellings, so that only real differences in
what git says remain. Defaults the API server adds are handled by the diff's subset semantics (a
field git does not set is not compared) and, when a difference remains, by comparing against the
server's dry-run result.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class Normalizer:
    name: str
    reason: str
    apply: Callable[[dict[str, Any]], dict[str, Any]]


def _drop_server_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_METADATA}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return {**obj, "metadata": meta}


def _drop_status(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != "status"}


def _fold_string_data(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("kind") != "Secret" or "stringData" not in obj:
        return obj
    data = dict(obj.get("data") or {})
    for key, value in (obj.get("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode("utf-8")).decode("ascii")
    return {**{k: v for k, v in obj.items() if k != "stringData"}, "data": data}


def _drop_empty_maps(obj: dict[str, Any]) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    for field in ("labels", "annotations"):
        if field in meta and not meta[field]:
            del meta[field]
    return {**obj, "metadata": meta}


DEFAULT_NORMALIZERS: tuple[Normalizer, ...] = (
    Normalizer(
        "server-metadata",
        "uid, resourceVersion, generation, timestamps and managedFields are the server's",
        _drop_server_metadata,
    ),
    Normalizer("status", "status is written by controllers, never by git", _drop_status),
    Normalizer(
        "secret-string-data",
        "the API server folds stringData into base64 data",
        _fold_string_data,
    ),
    Normalizer(
        "empty-maps", "an empty labels/annotations map equals an absent one", _drop_empty_maps
    ),
)


def normalize(
    obj: dict[str, Any], normalizers: tuple[Normalizer, ...] = DEFAULT_NORMALIZERS
) -> dict[str, Any]:
    for normalizer in normalizers:
        obj = normalizer.apply(obj)
    return obj
