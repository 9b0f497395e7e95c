"""POST (create), PUT (update), DELETE and DELETE-collection of the main resource.

PUT is optimistic: a `metadata.resourceVersion` in the body must be the stored one, otherwise
409 `Operation cannot be fulfilled on ...: the object has been modified`; without one the update
is unconditional. PUT of a missing object is 404 (no built-in kind here allows create-on-update).
DELETE answers like the real server: a `Status` of kind Success for built-in kinds, the deleted
object for custom resources and Namespaces, and the object with `deletionTimestamp` (202) when
finalizers keep it alive.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.localcluster.api import writepath
from reconciler.localcluster.api.httputil import (
    decode,
    json_response,
    media_type,
    object_body,
    read_body,
    write_options,
)
from reconciler.localcluster.api.read import get_object, list_objects
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.storage.state import ClusterState


async def handle_create(
    request: Request, state: ClusterState, rt: ResourceType, namespace: str | None
) -> Response:
    opts = write_options(request)
    body = await object_body(request)
    with state.write_lock:
        obj, warnings = writepath.create(state, rt, body, opts, namespace)
    return json_response(obj, 201, warnings=warnings)


async def handle_update(
    request: Request, state: ClusterState, rt: ResourceType, namespace: str | None, name: str
) -> Response:
    opts = write_options(request)
    body = await object_body(request)
    with state.write_lock:
        old = get_object(state, rt, namespace, name)
        obj, warnings = writepath.update(state, rt, old, body, opts)
    return json_response(obj, 200, warnings=warnings)


async def _delete_options(request: Request) -> dict[str, Any]:
    raw = await read_body(request)
    if not raw.strip():
        return {}
    body = decode(raw, media_type(request))
    return body if isinstance(body, dict) else {}


async def handle_delete(
    request: Request, state: ClusterState, rt: ResourceType, namespace: str | None, name: str
) -> Response:
    opts = write_options(request)
    options = await _delete_options(request)
    if options.get("dryRun"):
        opts = type(opts)(True, opts.manager, opts.manager_given, opts.validation, opts.force)
    with state.write_lock:
        body, code = writepath.delete(state, rt, namespace, name, opts, options)
    return json_response(body, code)


async def handle_delete_collection(
    request: Request, state: ClusterState, rt: ResourceType, namespace: str | None
) -> Response:
    opts = write_options(request)
    options = await _delete_options(request)
    deleted = []
    with state.write_lock:
        items, meta = list_objects(state, rt, namespace, request)
        for item in items:
            m = item["metadata"]
            body, _ = writepath.delete(state, rt, m.get("namespace"), m["name"], opts, options)
            deleted.append(item if body.get("kind") == "Status" else body)
    body = {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta}
    return json_response({**body, "items": deleted})
