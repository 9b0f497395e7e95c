"""`?watch=true`: a stream of newline-delimited watch events.

    {"type": "ADDED", "object": {...}}
    {"type": "MODIFIED", "object": {...}}
    {"type": "DELETED", "object": {...}}
    {"type": "BOOKMARK", "object": {"kind": "ConfigMap", "apiVersion": "v1",
                                     "metadata": {"resourceVersion": "42"}}}
    {"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired", ...}}

`resourceVersion` picks the start like the real server: unset or "0" begins with a synthetic
ADDED for every existing object, then changes; "N" replays every change after N from the event
log (an ERROR 410 Expired event when the log no longer reaches back that far, after which the
stream ends). `sendInitialEvents=true` (client-go's watch-list) sends the synthetic ADDEDs and
then a BOOKMARK annotated `k8s.io/initial-events-end: "true"`. `allowWatchBookmarks=true` adds
periodic BOOKMARKs. The stream ends after `timeoutSeconds` (default 1800) or when the server
stops. Selectors filter on each event's object (the real server also turns an object that
stops matching into a DELETED; this one does not).

Malformed parameters (`resourceVersion=abc`, `timeoutSeconds=abc`, a bad selector) are 400
before the stream starts (`params`). A watch whose client does not read is closed once
`watchqueue.WATCH_QUEUE_SIZE` events (or `WATCH_QUEUE_BYTES`) wait for it, as the real
cacher closes unresponsive watchers: its stream ends and the client watches again from its
last resourceVersion.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import StreamingResponse

from reconciler.localcluster.api import watchqueue
from reconciler.localcluster.api.params import (
    check_read_params,
    flag,
    resource_version,
    timeout_seconds,
)
from reconciler.localcluster.api.read import list_objects
from reconciler.localcluster.api.tables import to_table, wants_table
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.selectors import selector_predicate
from reconciler.localcluster.core.status import expired_status
from reconciler.localcluster.storage.state import ClusterState
from reconciler.localcluster.storage.store import Event, Expired

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 1800.0
# How often a waiting stream checks whether the server is stopping.
POLL_SECONDS = 0.5


def _line(event_type: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


def handle_watch(
    request: Request,
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str = "",
) -> StreamingResponse:
    q = request.query_params
    check_read_params(q)
    field_selector = q.get("fieldSelector")
    if name:
        named = f"metadata.name={name}"
        field_selector = f"{field_selector},{named}" if field_selector else named
    predicate = selector_predicate(q.get("labelSelector"), field_selector)
    since = resource_version(q)
    initial_events = flag(q, "sendInitialEvents") or since is None
    timeout = float(timeout_seconds(q) or 0) or DEFAULT_TIMEOUT
    bookmarks = flag(q, "allowWatchBookmarks")
    end_marker = flag(q, "sendInitialEvents")
    table = wants_table(request.headers.get("accept", ""))
    include = q.get("includeObject", "Metadata")

    def encode(event_type: str, obj: dict[str, Any]) -> bytes:
        if table and event_type != "ERROR" and event_type != "BOOKMARK":
            meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion", "")}
            obj = to_table(rt, [obj], meta, include)
        return _line(event_type, obj)

    def relevant(event: Event) -> bool:
        k = event.key
        return (
            k.group == rt.group
            and k.resource == rt.plural
            and (namespace is None or k.namespace == namespace)
            and predicate(event.object)
        )

    def bookmark(rv: int, *, end: bool = False) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return _line("BOOKMARK", {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta})

    async def stream() -> AsyncIterator[bytes]:
        def close() -> None:  # in the writer's thread, holding the store's (reentrant) lock
            state.store.unsubscribe(queue.deliver)

        limit, limit_bytes = watchqueue.WATCH_QUEUE_SIZE, watchqueue.WATCH_QUEUE_BYTES
        queue = watchqueue.WatchQueue(
            asyncio.get_running_loop(), relevant, close, limit=limit, limit_bytes=limit_bytes
        )
        try:
            backlog, current = state.store.subscribe(since, queue.deliver)
        except Expired as error:
            yield _line("ERROR", expired_status(str(error)))
            return
        queue.latest_rv = max(queue.latest_rv, current)
        try:
            if initial_events:  # reading and decoding the list is work: in a worker thread
                items, _ = await anyio.to_thread.run_sync(
                    lambda: list_objects(state, rt, namespace, request)
                )
                for obj in items:
                    if predicate(obj):
                        yield encode("ADDED", obj)
                if end_marker:
                    yield bookmark(current, end=True)
            for event in backlog:
                if relevant(event):
                    yield encode(event.type, event.object)
            deadline = time.monotonic() + timeout
            last_bookmark = time.monotonic()
            while not state.stopping and not queue.overflowed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                queued = await queue.get(min(remaining, POLL_SECONDS))
                if queued is None:
                    if bookmarks and time.monotonic() - last_bookmark >= state.bookmark_interval:
                        last_bookmark = time.monotonic()
                        yield bookmark(queue.latest_rv)
                    continue
                if queued.rv > current:
                    yield encode(queued.type, queued.object)
            if queue.overflowed:
                log.warning(
                    "closing a watch of %s: its client left %d events or %d bytes unread",
                    rt.group_resource,
                    limit,
                    limit_bytes,
                )
        finally:
            state.store.unsubscribe(queue.deliver)

    return StreamingResponse(stream(), media_type="application/json")
