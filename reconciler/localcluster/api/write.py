"""POST (create), PUT (update), DELETE and DELETE-collection of the main resource.

PUT is optimistic: a `metadata.resourceVersion` in the body must be the stored one, otherwise
409 `Operation cannot be fulfilled on ...: the object has been modified`; without one the update
is unconditional. PUT of a missing object is 404 (no built-in kind here allows create-on-update).
DELETE answers like the real server: a `Status` of kind Success for built-in kinds, the deleted
object for custom resources and Namespaces, and the object with `deletionTimestamp` (202) when
finalizers keep it alive.

The handlers are plain functions given the body already read: the app runs them in worker
threads (`api.app`), so that no request's work stalls the event loop.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.localcluster.api import writepath
from reconciler.localcluster.api.httputil import (
    JSON,
    YAML,
    decode,
    json_response,
    media_type,
    object_body,
    write_options,
)
from reconciler.localcluster.api.read import get_object, list_objects
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import unsupported_media_type
from reconciler.localcluster.storage.state import ClusterState


def handle_create(
    request: Request, body: bytes, state: ClusterState, rt: ResourceType, namespace: str | None
) -> Response:
    opts = write_options(request)
    obj = object_body(request, body)
    with state.write_lock:
        created, warnings = writepath.create(state, rt, obj, opts, namespace)
    return json_response(created, 201, warnings=warnings)


def handle_update(
    request: Request,
    body: bytes,
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str,
) -> Response:
    opts = write_options(request)
    obj = object_body(request, body)
    with state.write_lock:
        old = get_object(state, rt, namespace, name)
        updated, warnings = writepath.update(state, rt, old, obj, opts)
    return json_response(updated, 200, warnings=warnings)


def _delete_options(request: Request, raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    content_type = media_type(request)
    if content_type not in (JSON, YAML):
        raise unsupported_media_type(content_type, [JSON, YAML])
    body = decode(raw, content_type)
    return body if isinstance(body, dict) else {}


def handle_delete(
    request: Request,
    body: bytes,
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str,
) -> Response:
    opts = write_options(request)
    options = _delete_options(request, body)
    if options.get("dryRun"):
        opts = type(opts)(True, opts.manager, opts.manager_given, opts.validation, opts.force)
    with state.write_lock:
        answer, code = writepath.delete(state, rt, namespace, name, opts, options)
    return json_response(answer, code)


def handle_delete_collection(
    request: Request, body: bytes, state: ClusterState, rt: ResourceType, namespace: str | None
) -> Response:
    opts = write_options(request)
    options = _delete_options(request, body)
    deleted = []
    with state.write_lock:
        items, meta = list_objects(state, rt, namespace, request)
        for item in items:
            m = item["metadata"]
            answer, _ = writepath.delete(state, rt, m.get("namespace"), m["name"], opts, options)
            deleted.append(item if answer.get("kind") == "Status" else answer)
    answer = {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta}
    return json_response({**answer, "items": deleted})
