"""Decode the Kubernetes protobuf request bodies that client-go's typed clients send.

kubectl's typed commands (`kubectl create deployment|job|cronjob|service|role|rolebinding|
clusterrole|clusterrolebinding|quota|priorityclass|poddisruptionbudget|ingress|namespace|
configmap|secret|serviceaccount`, `kubectl autoscale`, `kubectl auth can-i|whoami`) encode the
body as `application/vnd.kubernetes.protobuf` and cannot fall back to JSON. The body is the
magic `k8s\\x00` and a `runtime.Unknown` envelope::

    message Unknown { TypeMeta typeMeta = 1; bytes raw = 2; ... }
    message TypeMeta { string apiVersion = 1; string kind = 2; }

whose `raw` is the kind's message. It is decoded into the JSON the same client would have sent,
driven by field tables (`protocore`, `protoapis`), one line per message::

    Container: 1 name s! 2 image s 3 command *s ... 8 resources @ResourceRequirements ...
    Volume: 1 name s! 2 volumeSource @VolumeSource^

Each field is `number jsonName type`. Types: `s` string, `i` integer, `b` bool, `f` double,
`B` bytes (base64 in JSON), `t` Time, `u` MicroTime, `q` Quantity, `n` IntOrString, `F`
FieldsV1, `@Msg` another message (`@pkg.Msg` in another package), `Lx` a named list (a
message whose field 1 repeats x). Prefixes: `*` repeated, `m` a map (entries: key 1, value 2)
of that value type. Suffixes: `!` keep a zero value (a Go pointer, or a field without
`omitempty`), `~` null when absent (a nil slice, map or pointer without `omitempty`, which Go's
JSON writes as `null`), `^` inline (the message's fields go into the parent, as Go embedding
does).

gogo-protobuf writes every non-pointer field, zero or not, so zeros are dropped unless `!`,
as `encoding/json` drops them under `omitempty`; a struct field always appears (`status: {}`),
as in JSON. A field number the table does not know is refused (415) unless its value is empty,
rather than silently dropped. Responses are always JSON, which these clients accept.
"""

from __future__ import annotations

import base64
import functools
import json
import struct
from datetime import UTC, datetime
from typing import Any

from reconciler.localcluster.api import protoapis, protocore
from reconciler.localcluster.core.status import ApiError

MAGIC = b"k8s\x00"
PROTOBUF = "application/vnd.kubernetes.protobuf"
# apiVersion -> table package of its kinds.
PACKAGES = {
    "v1": "core",
    "apps/v1": "apps",
    "batch/v1": "batch",
    "autoscaling/v1": "asv1",
    "autoscaling/v2": "asv2",
    "rbac.authorization.k8s.io/v1": "rbac",
    "scheduling.k8s.io/v1": "sched",
    "policy/v1": "policy",
    "networking.k8s.io/v1": "net",
    "authorization.k8s.io/v1": "authz",
    "authentication.k8s.io/v1": "authn",
}
# The kinds decoded: what kubectl's typed commands create (see the module docstring).
ROOTS = {
    "v1": ("ConfigMap", "Namespace", "ResourceQuota", "Secret", "Service", "ServiceAccount"),
    "apps/v1": ("Deployment",),
    "batch/v1": ("CronJob", "Job"),
    "autoscaling/v1": ("HorizontalPodAutoscaler",),
    "autoscaling/v2": ("HorizontalPodAutoscaler",),
    "rbac.authorization.k8s.io/v1": ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"),
    "scheduling.k8s.io/v1": ("PriorityClass",),
    "policy/v1": ("PodDisruptionBudget",),
    "networking.k8s.io/v1": ("Ingress",),
    "authorization.k8s.io/v1": ("SelfSubjectAccessReview", "SelfSubjectRulesReview"),
    "authentication.k8s.io/v1": ("SelfSubjectReview",),
}
TYPE_META = {1: ("apiVersion", "s"), 2: ("kind", "s")}

Field = tuple[str, str]  # (json name, type code with its flags)
Wire = int | bytes


class UnknownField(ValueError):
    """A non-empty field the tables do not describe (answered 415, not dropped)."""


@functools.cache
def messages() -> dict[str, dict[int, Field]]:
    """`pkg.Message` -> field number -> (json name, type): both tables, parsed once."""
    out: dict[str, dict[int, Field]] = {}
    for table in (protocore.TABLE, protoapis.TABLE):
        package, current = "", ""
        for line in table.splitlines():
            if not line.strip():
                continue
            if line.startswith("["):
                package = line.strip("[]")
                continue
            if not line.startswith(" "):
                name, _, line = line.partition(":")
                current = f"{package}.{name}"
                out[current] = {}
            tokens = line.split()
            for i in range(0, len(tokens), 3):
                number, json_name, code = tokens[i : i + 3]
                if "@" in code and "." not in code:  # same-package reference
                    code = code.replace("@", f"@{package}.")
                out[current][int(number)] = (json_name, code)
    return out


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, Wire]]:
    """(field number, wire type, value): varints as int, the rest as their bytes."""
    out: list[tuple[int, int, Wire]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Wire
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = data[pos : pos + size], pos + size
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if pos > len(data):
            raise ValueError("truncated field")
        out.append((number, wire, value))
    return out


def _signed(value: int) -> int:
    """int32/int64 varints carry negatives as 64-bit two's complement."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(data: bytes, layout: str) -> str | None:
    """A `Timestamp` (seconds 1, nanos 2) as metav1.Time/MicroTime JSON; None when empty."""
    if not data:
        return None
    parts = {number: value for number, _, value in _fields(data)}
    seconds, nanos = parts.get(1, 0), parts.get(2, 0)
    if not isinstance(seconds, int) or not isinstance(nanos, int):
        raise ValueError("malformed timestamp")
    stamp = datetime.fromtimestamp(_signed(seconds), UTC).replace(microsecond=nanos // 1000)
    return stamp.strftime(layout)


def _one(data: bytes, number: int) -> Wire | None:
    found = [value for n, _, value in _fields(data) if n == number]
    return found[-1] if found else None


def _int_or_string(data: bytes) -> int | str:
    parts = {number: value for number, _, value in _fields(data)}
    if parts.get(1, 0):  # type 1: string
        raw = parts.get(3, b"")
        return raw.decode() if isinstance(raw, bytes) else str(raw)
    value = parts.get(2, 0)
    return _signed(value) if isinstance(value, int) else 0


def _bytes(value: Wire) -> bytes:
    if not isinstance(value, bytes):
        raise ValueError("expected a length-delimited field")
    return value


def _scalar(code: str, wire: int, value: Wire) -> Any:
    """The JSON value of one non-repeated, non-map field."""
    if code == "s":
        return _bytes(value).decode()
    if code == "i":
        return _signed(value) if isinstance(value, int) else 0
    if code == "b":
        return bool(value)
    if code == "f":
        packed = _bytes(value)
        return struct.unpack("<d" if len(packed) == 8 else "<f", packed)[0]
    if code == "B":
        return base64.b64encode(_bytes(value)).decode()
    if code in ("t", "u"):
        layout = "%Y-%m-%dT%H:%M:%SZ" if code == "t" else "%Y-%m-%dT%H:%M:%S.%fZ"
        return _time(_bytes(value), layout)
    if code == "q":
        text = _one(_bytes(value), 1)
        return text.decode() if isinstance(text, bytes) else "0"
    if code == "n":
        return _int_or_string(_bytes(value))
    if code == "F":
        raw = _one(_bytes(value), 1)
        return json.loads(raw) if isinstance(raw, bytes) and raw else {}
    if code.startswith("L"):
        return [_scalar(code[1:], w, v) for n, w, v in _fields(_bytes(value)) if n == 1]
    if code.startswith("@"):
        return decode_message(code[1:], _bytes(value))
    raise ValueError(f"unknown field type {code}")


def _repeated(code: str, wire: int, value: Wire) -> list[Any]:
    """One occurrence of a repeated field: one item, or several when packed."""
    if wire == 2 and code in ("i", "b"):
        items, pos, data = [], 0, _bytes(value)
        while pos < len(data):
            item, pos = _varint(data, pos)
            items.append(_scalar(code, 0, item))
        return items
    return [_scalar(code, wire, value)]


def _empty(value: Wire) -> bool:
    return value in (0, b"")


def decode_message(name: str, data: bytes) -> dict[str, Any]:
    """The JSON object of message `name` (`pkg.Message`) encoded in `data`."""
    schema = TYPE_META if name == "TypeMeta" else messages()[name]
    out: dict[str, Any] = {}
    for number, wire, value in _fields(data):
        field = schema.get(number)
        if field is None:
            if _empty(value):
                continue
            raise UnknownField(f"field {number} of {name} is unknown")
        json_name, code = field
        keep, inline = "!" in code, "^" in code
        code = code.rstrip("!^~")
        if code.startswith("*"):
            out.setdefault(json_name, []).extend(_repeated(code[1:], wire, value))
        elif code.startswith("m"):
            entry = {n: (w, v) for n, w, v in _fields(_bytes(value))}
            key_wire, key = entry.get(1, (2, b""))
            value_wire, item = entry.get(2, (2, b""))
            item_value = _scalar(code[1:], value_wire, item)
            out.setdefault(json_name, {})[_scalar("s", key_wire, key)] = item_value
        elif inline:
            out.update(_scalar(code, wire, value))
        else:
            decoded = _scalar(code, wire, value)
            struct_like = code.startswith("@") or code in ("n", "q")
            if decoded is not None and (keep or struct_like or decoded not in ("", 0, False)):
                out[json_name] = decoded
    for json_name, code in schema.values():
        if code.endswith("~"):
            out.setdefault(json_name, None)
    return out


def unsupported(kind: str, why: str) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"application/json, application/yaml ({why}; protobuf is decoded for the kinds "
        f"kubectl's typed commands create, not {kind or 'this body'})",
    )


def decode_object(body: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf-encoded object; 415 for kinds not decoded here."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "BadRequest", "provided data does not appear to be a protobuf message")
    kind = ""
    try:
        envelope = {number: value for number, _, value in _fields(body[len(MAGIC) :])}
        type_meta = decode_message("TypeMeta", _bytes(envelope.get(1, b"")))
        kind, api_version = str(type_meta.get("kind", "")), str(type_meta.get("apiVersion", ""))
        if kind not in ROOTS.get(api_version, ()):
            raise unsupported(kind, f"{api_version} {kind} has no protobuf table here")
        raw = _bytes(envelope.get(2, b""))
        obj = decode_message(f"{PACKAGES[api_version]}.{kind}", raw)
    except UnknownField as error:
        raise unsupported(kind, str(error)) from error
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(400, "BadRequest", f"failed to decode protobuf body: {error}") from error
    return {"apiVersion": api_version, "kind": kind, **obj}
