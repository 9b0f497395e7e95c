"""PATCH, chosen by Content-Type, including server-side apply.

- `application/merge-patch+json`: RFC 7386 merge patch;
- `application/json-patch+json`: RFC 6902 operations;
- `application/strategic-merge-patch+json`: lists merge by their patch merge key (built-in
  kinds only: 415 for custom resources, as on the real server);
- `application/apply-patch+yaml`: server-side apply. `fieldManager` is required (422
  otherwise), conflicts are 409 unless `force=true`, and applying a missing object creates it.

The patched object then goes through the common write path (`writepath.update`), so it gets
managedFields under the request's manager (operation Update, or Apply for apply).
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.localcluster.api import writepath
from reconciler.localcluster.api.httputil import (
    WriteOptions,
    decode,
    json_response,
    media_type,
    write_options,
)
from reconciler.localcluster.api.read import get_object
from reconciler.localcluster.core import semantics
from reconciler.localcluster.core.clock import now
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import ApiError, bad_request, unsupported_media_type
from reconciler.localcluster.storage.state import ClusterState

APPLY = "application/apply-patch+yaml"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"


def accepted_patch_types(rt: ResourceType) -> list[str]:
    types = [JSON_PATCH, MERGE_PATCH, APPLY]
    return [*types[:2], STRATEGIC, APPLY] if rt.builtin else types


def patch_body(request: Request, raw: bytes, rt: ResourceType) -> tuple[str, Any, WriteOptions]:
    """The patch type, decoded `raw` body and options; 415 for a type this kind does not take."""
    content_type = media_type(request)
    accepted = accepted_patch_types(rt)
    if content_type not in accepted:
        raise unsupported_media_type(content_type, accepted)
    opts = write_options(request)
    if content_type != APPLY and request.query_params.get("force") is not None:
        raise ApiError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified '
            "for non-apply patch",
        )
    body = decode(raw, content_type)
    return content_type, body, opts


def handle_patch(
    request: Request,
    raw: bytes,
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    subresource: str = "",
) -> Response:
    content_type, body, opts = patch_body(request, raw, rt)
    if content_type == APPLY:
        return apply(state, rt, namespace, name, body, opts, subresource=subresource)
    with state.write_lock:
        old = get_object(state, rt, namespace, name)
        new = semantics.patched(copy.deepcopy(old), body, content_type, state.schemas)
        obj, warnings = writepath.update(state, rt, old, new, opts, subresource=subresource)
    return json_response(obj, 200, warnings=warnings)


def apply(
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    body: Any,
    opts: WriteOptions,
    *,
    subresource: str = "",
) -> Response:
    """Server-side apply of `body` to the named object (created when missing)."""
    if not opts.manager_given:
        raise ApiError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required '
            "for apply patch",
        )
    if not isinstance(body, dict):
        raise bad_request("error decoding YAML: the apply configuration is not an object")
    if not body.get("apiVersion") or not body.get("kind"):
        raise bad_request("Object 'Kind' is missing in the apply configuration")
    writepath.check_type(rt, body)
    meta = body.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    if meta.get("name") and meta["name"] != name:
        raise bad_request(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({name})"
        )
    meta["name"] = name
    if rt.namespaced:
        writepath.check_namespace(state, rt, body, namespace)
        meta["namespace"] = namespace
    warnings = semantics.validate_fields(rt, body, opts.validation, state.schemas)
    body = semantics.prune_unknown(body, state.schemas)
    quiet = WriteOptions(opts.dry_run, opts.manager, True, "Ignore", opts.force)
    with state.write_lock:
        live = state.store.get(state.key(rt, namespace, name))
        if live is None and subresource:
            get_object(state, rt, namespace, name)  # 404
        merged = semantics.apply(
            live, body, manager=opts.manager, force=opts.force, schemas=state.schemas, now=now()
        )
        if live is None:
            obj, _ = writepath.create(state, rt, merged, quiet, namespace, managed=True)
            return json_response(obj, 201, warnings=warnings)
        merged["metadata"].pop("resourceVersion", None)
        given = meta.get("resourceVersion")
        if given:
            merged["metadata"]["resourceVersion"] = given
        obj, _ = writepath.update(
            state, rt, live, merged, quiet, subresource=subresource, managed=True
        )
    return json_response(obj, 200, warnings=warnings)
