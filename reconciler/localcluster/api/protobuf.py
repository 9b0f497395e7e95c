"""Decode the Kubernetes protobuf request bodies kubectl's typed commands send.

`kubectl create namespace|configmap|secret|serviceaccount` use client-go's typed clients,
which encode the body as `application/vnd.kubernetes.protobuf` and cannot fall back to JSON.
The body is the magic `k8s\\x00` followed by a `runtime.Unknown` envelope::

    message Unknown { TypeMeta typeMeta = 1; bytes raw = 2; ... }
    message TypeMeta { string apiVersion = 1; string kind = 2; }

and `raw` is the kind's message, decoded here with the field numbers of Kubernetes'
`generated.proto` for the few kinds those commands create (others get 415, after which a
client would have to send JSON). Responses are always JSON, which those clients accept.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from reconciler.localcluster.core.status import ApiError

MAGIC = b"k8s\x00"
PROTOBUF = "application/vnd.kubernetes.protobuf"

# message -> field number -> (json name, type); types: string, bytes, int, bool, time,
# map (string->string), bmap (string->base64 bytes), [T] repeated, or another message name.
MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "bytes")},
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "ObjectMeta": {
        1: ("name", "string"),
        2: ("generateName", "string"),
        3: ("namespace", "string"),
        5: ("uid", "string"),
        6: ("resourceVersion", "string"),
        7: ("generation", "int"),
        8: ("creationTimestamp", "time"),
        11: ("labels", "map"),
        12: ("annotations", "map"),
        13: ("ownerReferences", "[OwnerReference]"),
        14: ("finalizers", "[string]"),
    },
    "OwnerReference": {
        1: ("kind", "string"),
        3: ("name", "string"),
        4: ("uid", "string"),
        5: ("apiVersion", "string"),
        6: ("controller", "bool"),
        7: ("blockOwnerDeletion", "bool"),
    },
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", "[string]")},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "map"),
        3: ("binaryData", "bmap"),
        4: ("immutable", "bool"),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "bmap"),
        3: ("type", "string"),
        4: ("stringData", "map"),
        5: ("immutable", "bool"),
    },
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta"),
        2: ("secrets", "[ObjectReference]"),
        3: ("automountServiceAccountToken", "bool"),
        4: ("imagePullSecrets", "[LocalObjectReference]"),
    },
    "ObjectReference": {1: ("kind", "string"), 2: ("namespace", "string"), 3: ("name", "string")},
    "LocalObjectReference": {1: ("name", "string")},
    "Time": {1: ("seconds", "int"), 2: ("nanos", "int")},
    "MapEntry": {1: ("key", "string"), 2: ("value", "bytes")},
}
CORE_KINDS = ("Namespace", "ConfigMap", "Secret", "ServiceAccount")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs; varints as int, length-delimited as bytes."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            length, pos = _varint(data, pos)
            out.append((number, data[pos : pos + length]))
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def _scalar(kind: str, value: int | bytes) -> Any:
    if kind == "string":
        return value.decode() if isinstance(value, bytes) else str(value)
    if kind == "bytes":
        return value
    if kind == "int":
        return int(value) if isinstance(value, int) else 0
    if kind == "bool":
        return bool(value)
    if kind == "time":
        t = decode_message("Time", value if isinstance(value, bytes) else b"")
        stamp = datetime.fromtimestamp(int(t.get("seconds", 0)), UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return decode_message(kind, value if isinstance(value, bytes) else b"")


def decode_message(name: str, data: bytes) -> dict[str, Any]:
    schema = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, value in _fields(data):
        if number not in schema:
            continue
        field, kind = schema[number]
        if kind in ("map", "bmap"):
            entry = decode_message("MapEntry", value if isinstance(value, bytes) else b"")
            raw = entry.get("value", b"")
            text = base64.b64encode(raw).decode() if kind == "bmap" else raw.decode()
            out.setdefault(field, {})[entry.get("key", "")] = text
        elif kind.startswith("["):
            out.setdefault(field, []).append(_scalar(kind[1:-1], value))
        else:
            scalar = _scalar(kind, value)
            if scalar not in ("", 0, False, b""):  # Go's zero values, omitted in JSON
                out[field] = scalar
    return out


def decode_object(body: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf-encoded object; 415 for kinds not decoded here."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "BadRequest", "provided data does not appear to be a protobuf message")
    try:
        envelope = decode_message("Unknown", body[len(MAGIC) :])
        type_meta = envelope.get("typeMeta") or {}
        kind, api_version = type_meta.get("kind", ""), type_meta.get("apiVersion", "")
        if api_version != "v1" or kind not in CORE_KINDS:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media types "
                f"include: application/json, application/yaml (protobuf is decoded for "
                f"{', '.join(CORE_KINDS)} only, not {kind})",
            )
        obj = decode_message(kind, envelope.get("raw", b""))
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "BadRequest", f"failed to decode protobuf body: {error}") from error
    return {"apiVersion": api_version, "kind": kind, **obj}
