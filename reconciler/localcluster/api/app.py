"""The Starlette app: routes every request to discovery, OpenAPI or a resource handler.

One catch-all route parses the path the way kube-apiserver does (`requestinfo`), so that
`/apis/apps/v1/namespaces/web/deployments/api/scale` and `/api/v1/configmaps?watch=true` need no
route table. Non-resource paths:

| path | answer |
|---|---|
| `/api`, `/apis`, `/apis/<g>`, `/api/v1`, `/apis/<g>/<v>` | discovery (legacy or aggregated) |
| `/version` | version info |
| `/openapi/v3`, `/openapi/v3/<api/v1 or apis/g/v>` | OpenAPI documents |
| `/openapi/v2` | a document without paths (`openapi.openapi_v2_stub`) |
| `/healthz`, `/livez`, `/readyz` | `ok` |
| `GET /debug/requests` | request counts by verb (`writes` excludes dry runs); `DELETE` resets |

With a bearer token (`create_app(state, token=...)`), every path but the health checks
answers 401 `Unauthorized` without it (`auth`).

Every failure is a `Status` body (`status.ApiError`); an unexpected exception is a 500
`InternalError` Status rather than a dropped connection.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from reconciler.localcluster.api import discovery
from reconciler.localcluster.api.auth import check_bearer
from reconciler.localcluster.api.httputil import error_response, json_response
from reconciler.localcluster.api.openapi import OpenAPIBuilder, openapi_v2_stub
from reconciler.localcluster.api.patching import handle_patch
from reconciler.localcluster.api.read import handle_get, handle_list
from reconciler.localcluster.api.requestinfo import RequestInfo, parse_resource_path
from reconciler.localcluster.api.subresources import handle_scale, handle_status
from reconciler.localcluster.api.watch import handle_watch
from reconciler.localcluster.api.write import (
    handle_create,
    handle_delete,
    handle_delete_collection,
    handle_update,
)
from reconciler.localcluster.core.status import ApiError, method_not_allowed, no_such_route
from reconciler.localcluster.storage.state import ClusterState

log = logging.getLogger(__name__)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def create_app(state: ClusterState, *, token: str | None = None) -> Starlette:
    """The app serving `state`; with `token`, requests must carry it (`auth.check_bearer`)."""
    openapi = OpenAPIBuilder(state.resources, state.schemas)

    async def dispatch(request: Request) -> Response:
        try:
            check_bearer(request.url.path, request.headers.get("authorization"), token)
            return await _dispatch(state, openapi, request)
        except ApiError as error:
            return error_response(error)
        except Exception as error:  # every failure must be a Status, as on the real server
            log.exception("internal error serving %s %s", request.method, request.url.path)
            return error_response(
                ApiError(500, "InternalError", f"Internal error occurred: {error}")
            )

    return Starlette(routes=[Route("/{path:path}", dispatch, methods=METHODS)])


async def _dispatch(state: ClusterState, openapi: OpenAPIBuilder, request: Request) -> Response:
    path = request.url.path
    info = parse_resource_path(request.method, path, request.query_params.get("watch"))
    if info is None:
        return _non_resource(state, openapi, request, path)
    dry_run = bool(request.query_params.getlist("dryRun"))
    state.counter.add(info.verb, dry_run=dry_run and info.is_write)
    return await _resource(state, request, info)


def _non_resource(
    state: ClusterState, openapi: OpenAPIBuilder, request: Request, path: str
) -> Response:
    parts = [p for p in path.split("/") if p]
    method = request.method.upper()
    if parts == ["debug", "requests"]:
        if method == "DELETE":
            state.counter.reset()
        return json_response(state.counter.snapshot())
    if method not in ("GET", "HEAD"):
        raise method_not_allowed()
    state.counter.add("discovery")
    accept = request.headers.get("accept", "")
    registry = state.resources
    body: Any = None
    if parts in (["healthz"], ["livez"], ["readyz"]):
        return PlainTextResponse("ok")
    if parts == ["version"]:
        body = discovery.VERSION_INFO
    elif parts in (["api"], ["apis"]):
        if discovery.wants_aggregated(accept):
            doc = discovery.aggregated(registry, core=parts == ["api"])
            return json_response(doc, content_type=discovery.AGGREGATED_V2)
        body = (
            discovery.api_versions(request.url.netloc)
            if parts == ["api"]
            else discovery.api_group_list(registry)
        )
    elif len(parts) == 2 and parts[0] == "api":
        body = discovery.api_resource_list(registry, "", parts[1])
    elif len(parts) == 2 and parts[0] == "apis":
        body = discovery.api_group(registry, parts[1])
    elif len(parts) == 3 and parts[0] == "apis":
        body = discovery.api_resource_list(registry, parts[1], parts[2])
    elif parts == ["openapi", "v2"]:
        raw, media = openapi_v2_stub(accept)
        return Response(raw, media_type=media)
    elif parts == ["openapi", "v3"]:
        body = openapi.index()
    elif len(parts) >= 4 and parts[:2] == ["openapi", "v3"]:
        try:
            raw, digest = openapi.document("/".join(parts[2:]))
        except KeyError:
            raise no_such_route() from None
        response = json_response(raw)
        if request.query_params.get("hash") == digest:
            response.headers["Cache-Control"] = "public, immutable"
        response.headers["ETag"] = f'"{digest}"'
        return response
    if body is None:
        raise no_such_route()
    return json_response(body)


async def _resource(state: ClusterState, request: Request, info: RequestInfo) -> Response:
    rt = state.resources.lookup(info.group, info.version, info.resource)
    if rt is None:
        raise no_such_route()
    if rt.namespaced and info.namespace is None and info.verb not in ("list", "watch"):
        raise no_such_route()
    if not rt.namespaced and info.namespace is not None:
        raise no_such_route()
    if not info.subresource and info.verb not in rt.verbs:  # e.g. GET of a create-only review
        raise method_not_allowed()
    ns, name = info.namespace, info.name
    if info.subresource:
        if info.subresource not in rt.subresources:
            raise no_such_route()
        if info.subresource == "scale":
            return await handle_scale(request, state, rt, ns, name)
        return await handle_status(request, state, rt, ns, name)
    match info.verb:
        case "get":
            return handle_get(request, state, rt, ns, name)
        case "list":
            return handle_list(request, state, rt, ns)
        case "watch":
            return handle_watch(request, state, rt, ns, name)
        case "create" if not name:
            return await handle_create(request, state, rt, ns)
        case "update" if name:
            return await handle_update(request, state, rt, ns, name)
        case "patch" if name:
            return await handle_patch(request, state, rt, ns, name)
        case "delete":
            return await handle_delete(request, state, rt, ns, name)
        case "deletecollection":
            return await handle_delete_collection(request, state, rt, ns)
    raise method_not_allowed()
