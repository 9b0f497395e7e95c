"""`/status` and `/scale` subresources.

`/status` reads the whole object and writes only its `status` (the main resource ignores
status for kinds that have this subresource). `/scale` of Deployments, ReplicaSets,
StatefulSets, ReplicationControllers (and custom resources whose CRD declares it) reads and
writes an `autoscaling/v1` `Scale`::

    {"kind": "Scale", "apiVersion": "autoscaling/v1",
     "metadata": {"name": "web", "namespace": "default", "resourceVersion": "12", ...},
     "spec": {"replicas": 3}, "status": {"replicas": 0, "selector": "app=web"}}

A write to `/scale` changes `spec.replicas` of the parent and records managedFields on the
parent with `subresource: scale` (what `kubectl scale` produces on a real cluster).
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.localcluster.api import writepath
from reconciler.localcluster.api.httputil import json_response, object_body, write_options
from reconciler.localcluster.api.patching import APPLY, handle_patch, patch_body
from reconciler.localcluster.api.read import get_object
from reconciler.localcluster.core import semantics
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import (
    ApiError,
    bad_request,
    conflict,
    method_not_allowed,
    unsupported_media_type,
)
from reconciler.localcluster.storage.state import ClusterState


def _selector_text(parent: dict[str, Any]) -> str:
    selector = (parent.get("spec") or {}).get("selector") or {}
    if parent.get("apiVersion") == "v1":  # a ReplicationController's is a plain label map
        selector = {"matchLabels": selector}
    labels = selector.get("matchLabels") or {}
    parts = [f"{k}={v}" for k, v in sorted(labels.items())]
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), expr.get("values") or []
        if op in ("In", "NotIn"):
            parts.append(f"{key} {op.lower()} ({','.join(values)})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def to_scale(parent: dict[str, Any]) -> dict[str, Any]:
    meta = parent.get("metadata") or {}
    scale_meta = {
        k: meta[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in meta
    }
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": int((parent.get("spec") or {}).get("replicas") or 0)},
        "status": {
            "replicas": int((parent.get("status") or {}).get("replicas") or 0),
            "selector": _selector_text(parent),
        },
    }


def _scaled(rt: ResourceType, parent: dict[str, Any], scale: dict[str, Any]) -> dict[str, Any]:
    if scale.get("kind") not in (None, "Scale"):
        raise bad_request(f"the kind in the data ({scale.get('kind')}) does not match Scale")
    meta = scale.get("metadata") or {}
    parent_meta = parent["metadata"]
    if meta.get("resourceVersion") and meta["resourceVersion"] != parent_meta["resourceVersion"]:
        raise conflict(rt, parent_meta["name"])
    replicas = (scale.get("spec") or {}).get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or replicas < 0):
        raise ApiError(
            422,
            "Invalid",
            f'Scale.autoscaling "{parent_meta["name"]}" is invalid: spec.replicas: Invalid '
            f"value: {replicas}: must be greater than or equal to 0",
        )
    new = copy.deepcopy(parent)
    new["metadata"].pop("resourceVersion", None)
    new.setdefault("spec", {})["replicas"] = int(replicas or 0)
    return new


def handle_scale(
    request: Request,
    raw: bytes,
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str,
) -> Response:
    method = request.method.upper()
    if method == "GET":
        return json_response(to_scale(get_object(state, rt, namespace, name)))
    if method == "PUT":
        opts = write_options(request)
        scale = object_body(request, raw)
    elif method == "PATCH":
        content_type, body, opts = patch_body(request, raw, rt)
        if content_type == APPLY:
            raise unsupported_media_type(content_type, ["application/merge-patch+json"])
        with state.write_lock:
            current = to_scale(get_object(state, rt, namespace, name))
            scale = semantics.patched(current, body, content_type, state.schemas)
    else:
        raise method_not_allowed()
    with state.write_lock:
        parent = get_object(state, rt, namespace, name)
        new = _scaled(rt, parent, scale)
        stored, warnings = writepath.update(state, rt, parent, new, opts, subresource="scale")
    return json_response(to_scale(stored), 200, warnings=warnings)


def handle_status(
    request: Request,
    raw: bytes,
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str,
) -> Response:
    method = request.method.upper()
    if method == "GET":
        return json_response(get_object(state, rt, namespace, name))
    if method == "PUT":
        opts = write_options(request)
        body = object_body(request, raw)
        with state.write_lock:
            old = get_object(state, rt, namespace, name)
            obj, warnings = writepath.update(state, rt, old, body, opts, subresource="status")
        return json_response(obj, 200, warnings=warnings)
    if method == "PATCH":
        return handle_patch(request, raw, state, rt, namespace, name, subresource="status")
    raise method_not_allowed()
