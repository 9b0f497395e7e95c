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

The path is split as sent, before percent-decoding (`requestinfo`): an encoded slash in a name
stays in the name (400 `Name parameter invalid`, as the registry's key functions answer). Any
method but GET, HEAD, POST, PUT, PATCH and DELETE (OPTIONS, TRACE, ...) is 405 MethodNotAllowed
as a `Status`, as kube-apiserver's go-restful container answers through its service error
handler (`staging/src/k8s.io/apiserver/pkg/server/handler.go`, `serviceErrorHandler` ->
`NewGenericServerResponse(405, ...)`).

Request handling runs in worker threads (writes and reads in pools of their own); only the
health checks, body reading and watch streams run on the event loop, so a CPU-heavy request
(a large list, a big patch) delays other requests by at most the GIL's switch interval rather
than by its whole duration.

Every failure is a `Status` body (`status.ApiError`). A RecursionError anywhere (a value nested
deeper than some recursive step follows, despite `core.bodydecode`'s depth limit) is 400
BadRequest, the answer to a body too deep to decode; any other unexpected exception is a 500
`InternalError` Status rather than a dropped connection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from reconciler.localcluster.api import discovery
from reconciler.localcluster.api.auth import check_bearer
from reconciler.localcluster.api.httputil import error_response, json_response, read_body
from reconciler.localcluster.api.openapi import OpenAPIBuilder, openapi_v2_stub
from reconciler.localcluster.api.patching import handle_patch
from reconciler.localcluster.api.read import handle_get, handle_list
from reconciler.localcluster.api.requestinfo import (
    RequestInfo,
    parse_resource_path,
    path_segment_problems,
    path_segments,
)
from reconciler.localcluster.api.subresources import handle_scale, handle_status
from reconciler.localcluster.api.watch import handle_watch
from reconciler.localcluster.api.write import (
    handle_create,
    handle_delete,
    handle_delete_collection,
    handle_update,
)
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import (
    ApiError,
    bad_request,
    method_not_allowed,
    no_such_route,
)
from reconciler.localcluster.storage.state import ClusterState

log = logging.getLogger(__name__)
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
HEALTH = (["healthz"], ["livez"], ["readyz"])
# Worker threads for request handling: writes (which queue on the state's write lock) apart
# from reads, so that writes waiting on a slow one never hold up reads.
WRITE_THREADS = 4
READ_THREADS = 8
NESTED_TOO_DEEPLY = "the object is nested too deeply to be processed"


class _Endpoint:
    """One ASGI endpoint for every HTTP method. (Starlette routes a function only for the
    methods listed, answering others with a plain-text 405; OPTIONS, TRACE and the rest must
    get a `Status` too.)"""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._handler(Request(scope, receive))
        await response(scope, receive, send)


class _Workers:
    """The thread pools (anyio capacity limiters), made on first use inside the event loop."""

    def __init__(self) -> None:
        self._limiters: dict[bool, anyio.CapacityLimiter] = {}

    async def run(self, write: bool, func: Callable[[], Response]) -> Response:
        limiter = self._limiters.get(write)
        if limiter is None:
            limiter = anyio.CapacityLimiter(WRITE_THREADS if write else READ_THREADS)
            self._limiters[write] = limiter
        return await anyio.to_thread.run_sync(func, limiter=limiter)


def create_app(state: ClusterState, *, token: str | None = None) -> Starlette:
    """The app serving `state`; with `token`, requests must carry it (`auth.check_bearer`)."""
    openapi = OpenAPIBuilder(state.resources, state.schemas)
    workers = _Workers()

    async def dispatch(request: Request) -> Response:
        try:
            check_bearer(request.url.path, request.headers.get("authorization"), token)
            return await _dispatch(state, openapi, workers, request)
        except ApiError as error:
            return error_response(error)
        except RecursionError:  # nested deeper than some recursive step can follow
            return error_response(bad_request(NESTED_TOO_DEEPLY))
        except Exception as error:  # every failure must be a Status, as on the real server
            log.exception("internal error serving %s %s", request.method, request.url.path)
            return error_response(
                ApiError(500, "InternalError", f"Internal error occurred: {error}")
            )

    return Starlette(routes=[Route("/{path:path}", _Endpoint(dispatch))])


def _raw_path(request: Request) -> str:
    """The path as sent, still percent-encoded (`requestinfo` splits it before decoding)."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("latin-1").split("?", 1)[0]
    return str(request.url.path)


async def _dispatch(
    state: ClusterState, openapi: OpenAPIBuilder, workers: _Workers, request: Request
) -> Response:
    path = _raw_path(request)
    method = request.method.upper()
    info = parse_resource_path(method, path, request.query_params.get("watch"))
    if info is None:
        parts = path_segments(path)
        if parts in HEALTH and method in ("GET", "HEAD"):
            state.counter.add("discovery")
            return PlainTextResponse("ok")  # on the event loop: never queued behind work
        return await workers.run(False, lambda: _non_resource(state, openapi, request, parts))
    if info.verb == "unknown":  # OPTIONS, TRACE, ...: go-restful's 405, as a Status
        raise method_not_allowed()
    dry_run = bool(request.query_params.getlist("dryRun"))
    state.counter.add(info.verb, dry_run=dry_run and info.is_write)
    rt = _route(state, info)
    if info.verb == "watch" and not info.subresource:
        return handle_watch(request, state, rt, info.namespace, info.name)
    body = await read_body(request) if method in BODY_METHODS else b""
    write = method in BODY_METHODS
    return await workers.run(write, lambda: _resource(state, request, info, rt, body))


def _non_resource(
    state: ClusterState, openapi: OpenAPIBuilder, request: Request, parts: list[str]
) -> Response:
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
    if parts in HEALTH:
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


def _route(state: ClusterState, info: RequestInfo) -> ResourceType:
    """The served type a resource request names; 404 or 405 as the real server routes."""
    rt = state.resources.lookup(info.group, info.version, info.resource)
    if rt is None:
        raise no_such_route()
    if rt.namespaced and info.namespace is None and info.verb not in ("list", "watch"):
        raise no_such_route()
    if not rt.namespaced and info.namespace is not None:
        raise no_such_route()
    if not info.subresource and info.verb not in rt.verbs:  # e.g. GET of a create-only review
        raise method_not_allowed()
    if info.subresource and info.subresource not in rt.subresources:
        raise no_such_route()
    problems = path_segment_problems(info.name)
    if problems:  # the registry's key function (`NamespaceKeyFunc`, `NoNamespaceKeyFunc`)
        raise bad_request(f'Name parameter invalid: "{info.name}": {";".join(problems)}')
    return rt


def _resource(
    state: ClusterState, request: Request, info: RequestInfo, rt: ResourceType, body: bytes
) -> Response:
    """Serve a routed resource request (in a worker thread)."""
    ns, name = info.namespace, info.name
    if info.subresource == "scale":
        return handle_scale(request, body, state, rt, ns, name)
    if info.subresource:
        return handle_status(request, body, state, rt, ns, name)
    match info.verb:
        case "get":
            return handle_get(request, state, rt, ns, name)
        case "list":
            return handle_list(request, state, rt, ns)
        case "create" if not name:
            return handle_create(request, body, state, rt, ns)
        case "update" if name:
            return handle_update(request, body, state, rt, ns, name)
        case "patch" if name:
            return handle_patch(request, body, state, rt, ns, name)
        case "delete":
            return handle_delete(request, body, state, rt, ns, name)
        case "deletecollection":
            return handle_delete_collection(request, body, state, rt, ns)
    raise method_not_allowed()
