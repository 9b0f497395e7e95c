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
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

from reconciler.localcluster.api.read import list_objects
from reconciler.localcluster.api.tables import to_table, wants_table
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.selectors import selector_predicate
from reconciler.localcluster.core.status import bad_request, expired_status
from reconciler.localcluster.storage.state import ClusterState
from reconciler.localcluster.storage.store import Event, Expired

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
    field_selector = q.get("fieldSelector")
    if name:
        named = f"metadata.name={name}"
        field_selector = f"{field_selector},{named}" if field_selector else named
    predicate = selector_predicate(q.get("labelSelector"), field_selector)
    rv_text = q.get("resourceVersion") or ""
    if rv_text and not rv_text.isdigit():
        raise bad_request(f"resourceVersion: Invalid value: {rv_text!r}")
    since = int(rv_text) if rv_text and rv_text != "0" else None
    initial_events = q.get("sendInitialEvents") in ("true", "1") or since is None
    timeout_text = q.get("timeoutSeconds") or ""
    timeout = float(timeout_text) if timeout_text.isdigit() else DEFAULT_TIMEOUT
    bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
    end_marker = q.get("sendInitialEvents") in ("true", "1")
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
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event] = asyncio.Queue()

        def deliver(event: Event) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        try:
            backlog, current = state.store.subscribe(since, deliver)
        except Expired as error:
            yield _line("ERROR", expired_status(str(error)))
            return
        try:
            if initial_events:
                items, _ = list_objects(state, rt, namespace, request)
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
            latest = current
            while not state.stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                try:
                    event = await asyncio.wait_for(
                        queue.get(), timeout=min(remaining, POLL_SECONDS)
                    )
                except TimeoutError:
                    if bookmarks and time.monotonic() - last_bookmark >= state.bookmark_interval:
                        last_bookmark = time.monotonic()
                        yield bookmark(latest)
                    continue
                latest = max(latest, event.rv)
                if event.rv > current and relevant(event):
                    yield encode(event.type, event.object)
        finally:
            state.store.unsubscribe(deliver)

    return StreamingResponse(stream(), media_type="application/json")
