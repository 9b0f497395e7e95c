"""GET of one object and list of a collection (one namespace or all), as JSON or as a Table.

Lists honour `labelSelector`, `fieldSelector` and chunking (`limit` / `continue`): the
continue token is opaque to clients and names the last key returned, so a chunked list walks
the collection in (namespace, name) order::

    GET /api/v1/namespaces/web/configmaps?labelSelector=app%3Dweb&limit=2
    {"kind": "ConfigMapList", "apiVersion": "v1",
     "metadata": {"resourceVersion": "17", "continue": "eyJ...", "remainingItemCount": 3},
     "items": [...]}

Malformed parameters (`resourceVersion=abc`, `timeoutSeconds=abc`, bad selectors) are 400
(`params`); a well-formed `resourceVersion` is accepted and the current state is served.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.localcluster.api.httputil import json_response
from reconciler.localcluster.api.params import check_read_params, resource_version
from reconciler.localcluster.api.tables import to_table, wants_table
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.selectors import selector_predicate
from reconciler.localcluster.core.status import ApiError, bad_request, not_found
from reconciler.localcluster.storage.state import ClusterState


def get_object(
    state: ClusterState, rt: ResourceType, namespace: str | None, name: str
) -> dict[str, Any]:
    obj = state.store.get(state.key(rt, namespace, name))
    if obj is None:
        raise not_found(rt, name)
    return obj


def render(request: Request, rt: ResourceType, obj: dict[str, Any]) -> Response:
    if wants_table(request.headers.get("accept", "")):
        meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion", "")}
        include = request.query_params.get("includeObject", "Metadata")
        return json_response(to_table(rt, [obj], meta, include))
    return json_response(obj)


def handle_get(
    request: Request, state: ClusterState, rt: ResourceType, namespace: str | None, name: str
) -> Response:
    resource_version(request.query_params)  # 400 when malformed; any version is served
    return render(request, rt, get_object(state, rt, namespace, name))


def _decode_continue(token: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(data["ns"]), str(data["name"])
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ApiError(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result.",
        ) from error


def _encode_continue(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    data = {"ns": meta.get("namespace", ""), "name": meta.get("name", "")}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def list_objects(
    state: ClusterState, rt: ResourceType, namespace: str | None, request: Request
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    q = request.query_params
    check_read_params(q)
    predicate = selector_predicate(q.get("labelSelector"), q.get("fieldSelector"))
    items, rv = state.store.scan(rt.group, rt.plural, namespace)
    items = [o for o in items if predicate(o)]
    token = q.get("continue")
    if token:
        after = _decode_continue(token)
        items = [
            o for o in items if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > after
        ]
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    limit_text = q.get("limit")
    if limit_text:
        if not limit_text.isdigit():
            raise bad_request(f"invalid limit: {limit_text}")
        limit = int(limit_text)
        if 0 < limit < len(items):
            meta["continue"] = _encode_continue(items[limit - 1])
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
    return items, meta


def handle_list(
    request: Request, state: ClusterState, rt: ResourceType, namespace: str | None
) -> Response:
    items, meta = list_objects(state, rt, namespace, request)
    if wants_table(request.headers.get("accept", "")):
        include = request.query_params.get("includeObject", "Metadata")
        return json_response(to_table(rt, items, meta, include))
    return json_response(
        {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta, "items": items}
    )
