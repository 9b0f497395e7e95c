"""The bounded queue between the store's writers and one watch's stream.

Every write notifies every watch (`storage.store.Store.subscribe`) from the writer's thread; the
watch's stream takes the events on the event loop and writes them to its client. A client that
does not read leaves its stream stuck writing (the socket's buffers are full), and an unbounded
queue then grew by every event of the cluster for as long as the connection stayed open (three
stalled watches grew the server from 133 to 241 MiB).

So each watch holds at most `WATCH_QUEUE_SIZE` unread events, and at most `WATCH_QUEUE_BYTES`
of them (their JSON size: a thousand 1 MiB objects would be a GiB). One more, and the watch is
closed as kube-apiserver's cacher closes a watcher that does not keep up
(`staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go`, `add`: "Forcing ...
watcher close due to unresponsiveness"): its queued events are dropped, it stops receiving
(unsubscribed at once, in the writer's thread), and its stream ends without an error event,
as the real watch handler's stream ends when the cacher closes its result channel. Clients
(client-go's reflector, `kubectl get -w` reconnecting) watch again from the last
resourceVersion they saw, and the event log replays what they missed. Whatever the stream had
already written waits in the socket until the client reads or goes away, as on the real server.

Only events the watch wants (its resource, namespace and selectors) are queued; `latest_rv` is
the newest resourceVersion delivered at all, for BOOKMARKs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable

from reconciler.localcluster.storage.store import Event

log = logging.getLogger(__name__)

WATCH_QUEUE_SIZE = 1000
"""Unread events one watch may hold; the cacher's per-watcher buffers hold 10 to 1,000."""

WATCH_QUEUE_BYTES = 8 * 1024 * 1024
"""Unread bytes (events' objects as JSON) one watch may hold."""


class WatchQueue:
    """Events for one watch; `deliver` is the store subscriber, `get` the stream's reader."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        wanted: Callable[[Event], bool],
        on_overflow: Callable[[], None],
        *,
        limit: int = WATCH_QUEUE_SIZE,
        limit_bytes: int = WATCH_QUEUE_BYTES,
        latest_rv: int = 0,
    ) -> None:
        self._loop = loop
        self._wanted = wanted
        self._on_overflow = on_overflow
        self._limit = limit
        self._limit_bytes = limit_bytes
        self._bytes = 0
        self._events: deque[Event] = deque()
        self._lock = threading.Lock()
        self._ready = asyncio.Event()
        self.overflowed = False
        self.latest_rv = latest_rv

    def deliver(self, event: Event) -> None:
        """Queue `event` if the watch wants it (any thread; the store calls it while writing)."""
        with self._lock:
            if self.overflowed:
                return
            self.latest_rv = max(self.latest_rv, event.rv)
            if not self._wanted(event):
                return
            if len(self._events) >= self._limit or self._bytes + event.size > self._limit_bytes:
                self.overflowed = True
                self._events.clear()
                self._bytes = 0
            else:
                self._events.append(event)
                self._bytes += event.size
            overflowed = self.overflowed
        if overflowed:
            self._on_overflow()
        with contextlib.suppress(RuntimeError):  # a closed loop: the server is stopping
            self._loop.call_soon_threadsafe(self._ready.set)

    def pending(self) -> int:
        """Events queued and not yet read."""
        with self._lock:
            return len(self._events)

    async def get(self, timeout: float) -> Event | None:
        """The next event; None after `timeout` seconds without one, or once overflowed."""
        with self._lock:
            if self.overflowed:
                return None
            if self._events:
                return self._take()
            self._ready.clear()  # under the lock: a later deliver sets it again
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return None
        with self._lock:
            if self.overflowed or not self._events:
                return None
            return self._take()

    def _take(self) -> Event:
        event = self._events.popleft()
        self._bytes -= event.size
        return event
