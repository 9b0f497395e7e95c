"""Request bodies decoded as strictly as kube-apiserver's decoders, with bounded depth.

Python's `json` is more lenient than Go's in ways that let a client store what breaks every
other client, and decodes without a depth limit of its own:

- `NaN`, `Infinity` and `-Infinity` are refused (Go: `invalid character 'N' looking for
  beginning of value`), and so is a number that overflows a float64 (`1e400`, which Python
  reads as infinity; Go: `cannot unmarshal number 1e400 into Go value of type float64`).
  Stored, they made every later `kubectl get` of the kind fail to decode the list.
- nesting is bounded by `MAX_DEPTH`. kube-apiserver's decoders stop at 10,000 levels
  (`sigs.k8s.io/json`, like Go's `encoding/json` since 1.15: "exceeded max depth"; go-yaml:
  "exceeded max depth of 10000"); every step after decoding here (validation, pruning,
  managedFields, patches, copies) walks a value recursively, one or more Python frames per
  level, and Python stops at 1,000 frames: so this server's limit is 200 levels, far more than
  any real object (a CRD's schema reaches 40 or so; managedFields nest 4 levels deeper than
  the fields they list), with room to spare (every write path was seen to work past 350
  levels), and a deeper body is a 400 instead of a RecursionError deep inside the write path.
- YAML goes through `safeyaml` (bounded aliases, no recursion). A YAML body that is plain JSON
  (what kubectl sends as an apply patch) is decoded as JSON, which is what it means in YAML too.

`base64_error` is Go's `encoding/base64.StdEncoding` check, which a JSON `[]byte` field (a
Secret's `data`, a ConfigMap's `binaryData`, any `format: byte` schema field) goes through when
kube-apiserver decodes it: failing it fails the decode (400 BadRequest).
"""

from __future__ import annotations

import json
import math
from typing import Any

from reconciler.localcluster.core.safeyaml import YamlError, loads_yaml

MAX_DEPTH = 200
"""Levels of nesting a body may have: `{"a": 1}` is 1 level, `[[1]]` 2."""

_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class DecodeError(ValueError):
    """A body that does not decode; `str()` is the message (go's words where it has them)."""


def _constant(name: str) -> Any:
    """`NaN`, `Infinity`, `-Infinity`: not JSON (go reports the first letter it cannot read)."""
    letter = name.lstrip("-")[0]
    raise DecodeError(f"invalid character '{letter}' looking for beginning of value")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DecodeError(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


def loads_json(raw: bytes | str) -> Any:
    """Decode JSON text as Go would accept it, at most `MAX_DEPTH` levels deep."""
    try:
        value = json.loads(raw, parse_constant=_constant, parse_float=_float)
    except RecursionError:
        raise DecodeError("exceeded max depth") from None
    except DecodeError:
        raise
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, int() of 4,300+ digits
        raise DecodeError(str(error)) from None
    if too_deep(value, MAX_DEPTH):
        raise DecodeError(f"exceeded max depth of {MAX_DEPTH}")
    return value


def loads_yaml_or_json(raw: bytes) -> Any:
    """Decode a YAML body; one that is a JSON object is decoded as JSON (the common case, and
    much faster), anything else as YAML. Raises `DecodeError` or `YamlError`."""
    if raw.lstrip()[:1] == b"{":
        try:
            return loads_json(raw)
        except DecodeError as error:
            if "max depth" in str(error):
                raise
            # Not JSON after all (e.g. `{a: b}`, or `NaN`, which YAML reads as a string).
    return loads_yaml(raw, MAX_DEPTH)


def too_deep(value: Any, limit: int) -> bool:
    """Whether `value` nests lists and objects more than `limit` levels (without recursing)."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def base64_error(text: str) -> str | None:
    """None when `text` decodes with Go's `base64.StdEncoding` (padding required, `\\r` and
    `\\n` ignored), else Go's error, e.g. `illegal base64 data at input byte 4`."""
    data = text.encode("utf-8", "surrogatepass")
    position = 0  # characters of the current 4-character quantum seen
    padding = 0
    for index, byte in enumerate(data):
        if byte in (0x0A, 0x0D):
            continue
        if padding:
            if byte != 0x3D or position == 0:  # only `=` may follow `=`, up to the quantum
                return f"illegal base64 data at input byte {index}"
            padding += 1
        elif byte == 0x3D:
            if position < 2:
                return f"illegal base64 data at input byte {index}"
            padding = 1
        elif byte not in _B64:
            return f"illegal base64 data at input byte {index}"
        position = (position + 1) % 4
    if position:
        return f"illegal base64 data at input byte {len(data) - position}"
    return None


__all__ = [
    "MAX_DEPTH",
    "DecodeError",
    "YamlError",
    "base64_error",
    "loads_json",
    "loads_yaml_or_json",
    "too_deep",
]
