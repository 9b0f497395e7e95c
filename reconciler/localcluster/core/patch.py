"""Patch formats of the Kubernetes API: JSON merge patch, JSON patch, strategic merge patch.

    target:            {"spec": {"replicas": 1, "paused": true}}
    merge patch:       {"spec": {"replicas": 3, "paused": null}}     -> {"spec": {"replicas": 3}}
    JSON patch:        [{"op": "replace", "path": "/spec/replicas", "value": 3}]
    strategic (SMP):   lists with a patch merge key merge by it; see `strategicpatch`.

Status codes follow kube-apiserver's `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/
patch.go` (`jsonPatcher.applyJSPatch`): a JSON patch that does not decode as a list of
operations is `errors.NewBadRequest` (400); one that fails to apply (missing path, failed
`test`, unknown op) is `NewGenericServerResponse(http.StatusUnprocessableEntity, ...)` (422).
A merge patch that is not a JSON object is answered 400 here: kube-apiserver maps
`jsonpatch.ErrBadJSONPatch` to BadRequest (kubernetes#97240); other shapes it lets through to a
decoding failure.

The work a JSON patch may cause is bounded as on the real server: at most 10,000 operations
(`maxJSONPatchOperations` in `patch.go`: `errors.NewRequestEntityTooLargeError`, 413), and `copy`
operations may add at most 3 MiB in all (`JSONPatchMaxCopyBytes` in
`staging/src/k8s.io/apiserver/pkg/server/config.go`, armed as json-patch's
`AccumulatedCopySizeLimit`; its `AccumulatedCopySizeError` fails `Apply`, a 422). Without that
bound each `copy` of the document into itself doubled it: a 1.3 KB patch held the server for
seconds and grew it by hundreds of MB.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.localcluster.core.errors import PatchError
from reconciler.localcluster.core.strategicpatch import (
    StrategicMergePatchUnsupported,
    strategic_merge_patch,
)
from reconciler.localcluster.core.structmerge import clone

MAX_JSON_PATCH_OPERATIONS = 10_000
MAX_COPY_BYTES = 3 * 1024 * 1024

__all__ = [
    "StrategicMergePatchUnsupported",
    "json_equal",
    "json_merge_patch",
    "json_patch",
    "strategic_merge_patch",
]


def json_merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 merge patch; returns a new object. Raises PatchError on a non-object patch."""
    if not isinstance(patch, dict):
        raise PatchError("Invalid JSON Patch", status=400)
    out = _merge(target, patch)
    if not isinstance(out, dict):
        raise PatchError("Invalid JSON Patch", status=400)
    return out


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    out = {k: clone(v) for k, v in target.items()} if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value)
    return out


def json_patch(target: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """RFC 6902 JSON patch; returns a new object. Raises PatchError (422) on a bad operation.

    A body that is not a list of objects is a PatchError with status 400; one of more than
    `MAX_JSON_PATCH_OPERATIONS` operations 413; `copy` operations adding more than
    `MAX_COPY_BYTES` in all 422, checked before each copy is made.
    """
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise PatchError(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch", status=400
        )
    if len(operations) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
            f"got {len(operations)}",
            status=413,
        )
    doc: Any = clone(target)
    copied = [0]  # bytes added by `copy` operations so far
    for op in operations:
        doc = _apply_op(doc, op, copied)
    if not isinstance(doc, dict):
        raise PatchError("the patched document is not a JSON object", status=422)
    return doc


def _apply_op(doc: Any, op: dict[str, Any], copied: list[int]) -> Any:
    kind = op.get("op")
    path = op.get("path")
    if not isinstance(path, str):
        raise PatchError(f"{kind} operation missing path", status=422)
    if kind in ("add", "replace", "test") and "value" not in op:
        raise PatchError(f"{kind} operation missing value", status=422)
    if kind == "add":
        return _add(doc, path, clone(op["value"]), "add")
    if kind == "remove":
        doc, _ = _remove(doc, path, "remove")
        return doc
    if kind == "replace":
        doc, _ = _remove(doc, path, "replace", missing="key")
        return _add(doc, path, clone(op["value"]), "replace")
    if kind in ("move", "copy"):
        source = op.get("from")
        if not isinstance(source, str):
            raise PatchError(f"{kind} operation missing from", status=422)
        if kind == "move":
            if path.startswith(source + "/"):
                raise PatchError("move operation: cannot move a value into itself", status=422)
            doc, value = _remove(doc, source, "move", missing="from")
        else:
            value = _get(doc, source, "copy")
            copied[0] += len(json.dumps(value, separators=(",", ":")))
            if copied[0] > MAX_COPY_BYTES:
                raise PatchError(
                    "Unable to complete the copy, the accumulated size increase of copy is "
                    f"{copied[0]}, exceeding the limit {MAX_COPY_BYTES}",
                    status=422,
                )
            value = clone(value)
        return _add(doc, path, value, kind)
    if kind == "test":
        if not json_equal(_get(doc, path, "test", allow_missing=True), op["value"]):
            raise PatchError(f"testing value {path} failed: test failed", status=422)
        return doc
    raise PatchError(f"Unexpected kind: {kind}", status=422)


def _tokens(path: str, verb: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(
            f"{verb} operation does not apply: doc is missing path: {path}", status=422
        )
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _index(token: str, size: int, path: str, verb: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return size
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(
            f"{verb} operation does not apply: doc is missing path: {path}", status=422
        )
    index = int(token)
    if index > size or (index == size and not allow_end):
        raise PatchError(
            f"{verb} operation does not apply: doc is missing path: {path}", status=422
        )
    return index


def _parent(doc: Any, path: str, verb: str) -> tuple[Any, str]:
    tokens = _tokens(path, verb)
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(token, len(node), path, verb, allow_end=False)]
        else:
            raise PatchError(
                f"{verb} operation does not apply: doc is missing path: {path}", status=422
            )
    return node, tokens[-1]


def _get(doc: Any, path: str, verb: str, *, allow_missing: bool = False) -> Any:
    if path == "":
        return doc
    try:
        parent, last = _parent(doc, path, verb)
        if isinstance(parent, dict) and last in parent:
            return parent[last]
        if isinstance(parent, list):
            return parent[_index(last, len(parent), path, verb, allow_end=False)]
    except PatchError:
        if not allow_missing:
            raise
        return _ABSENT
    if allow_missing:
        return _ABSENT
    raise PatchError(f"{verb} operation does not apply: doc is missing path: {path}", status=422)


_ABSENT: Any = object()


def _add(doc: Any, path: str, value: Any, verb: str) -> Any:
    if path == "":
        return value
    parent, last = _parent(doc, path, verb)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), path, verb, allow_end=True), value)
    else:
        raise PatchError(
            f"{verb} operation does not apply: doc is missing path: {path}", status=422
        )
    return doc


def _remove(doc: Any, path: str, verb: str, missing: str = "path") -> tuple[Any, Any]:
    if path == "":
        return None, doc
    parent, last = _parent(doc, path, verb)
    if isinstance(parent, dict) and last in parent:
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(last, len(parent), path, verb, allow_end=False))
    raise PatchError(
        f"{verb} operation does not apply: doc is missing {missing}: {path}", status=422
    )


def json_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values (unlike `==`, `true` is not `1`)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return False
    return bool(left == right) and (left is not _ABSENT) and (right is not _ABSENT)
