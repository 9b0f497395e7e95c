"""Run the chosen controllers in one background thread of the server process.

The runner subscribes to the store's watch events (every write, in order) and wakes the
controllers an event concerns (`Controller.relevant`); every `resync` seconds it also syncs
each controller in full, as informers resync, so that nothing depends on an event not being
missed. A controller may also ask for a sync when its own clock says so (`Controller.due`: the
`hpa` controller evaluates each autoscaler `resync` seconds after it last did).
`stop()` ends the thread after the sync under way, and unsubscribes.

    runner = ControllerRunner.start(state, frozenset({"deployment", "hpa"}), resync=15.0)
    ...
    runner.stop()
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from reconciler.localcluster.controllers import CONTROLLER_NAMES
from reconciler.localcluster.controllers.base import Controller
from reconciler.localcluster.controllers.deployment import DeploymentController
from reconciler.localcluster.controllers.endpointslice import EndpointSliceController
from reconciler.localcluster.controllers.hpa import HPAController
from reconciler.localcluster.controllers.namespace import NamespaceController
from reconciler.localcluster.storage.state import ClusterState
from reconciler.localcluster.storage.store import Event

log = logging.getLogger(__name__)
STOP_TIMEOUT = 10.0
# The longest the thread sleeps between looks at the clock (for per-object sync periods).
WAKE_INTERVAL = 1.0

_CLASSES: dict[str, type[Controller]] = {
    c.name: c
    for c in (NamespaceController, DeploymentController, EndpointSliceController, HPAController)
}


class ControllerRunner:
    """The controllers `names` over `state`, run by one daemon thread until `stop()`."""

    def __init__(self, state: ClusterState, names: frozenset[str], resync: float) -> None:
        unknown = sorted(names - set(CONTROLLER_NAMES))
        if unknown:
            raise ValueError(f"unknown controllers: {', '.join(unknown)}")
        self.state = state
        self.resync = resync
        self.controllers = [_CLASSES[n](state, resync) for n in CONTROLLER_NAMES if n in names]
        self._events: queue.SimpleQueue[Event | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="localcluster-controllers")
        self._thread.daemon = True

    @classmethod
    def start(cls, state: ClusterState, names: frozenset[str], resync: float) -> ControllerRunner:
        runner = cls(state, names, resync)
        state.store.subscribe(None, runner._events.put)
        runner._thread.start()
        return runner

    def stop(self) -> None:
        """Stop after the sync under way; idempotent."""
        self._stop.set()
        self.state.store.unsubscribe(self._events.put)
        self._events.put(None)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=STOP_TIMEOUT)

    def _run(self) -> None:
        next_resync = time.monotonic()  # a full sync first: state written before the start
        while not self._stop.is_set():
            wait = min(WAKE_INTERVAL, max(0.0, next_resync - time.monotonic()))
            events = self._drain(wait)
            if self._stop.is_set():
                return
            full = time.monotonic() >= next_resync
            if full:
                next_resync = time.monotonic() + self.resync
            for controller in self.controllers:
                mine = [e for e in events if controller.relevant(e)]
                if full or mine or controller.due():
                    self._sync(controller, None if full else mine)

    def _drain(self, wait: float) -> list[Event]:
        """The events that arrived, waiting up to `wait` seconds for the first one."""
        events: list[Event] = []
        try:
            first = self._events.get(timeout=wait) if wait > 0 else self._events.get_nowait()
        except queue.Empty:
            return events
        while first is not None:
            events.append(first)
            try:
                first = self._events.get_nowait()
            except queue.Empty:
                break
        return events

    def _sync(self, controller: Controller, events: list[Event] | None) -> None:
        try:
            controller.sync(events)
        except Exception:  # a controller bug must not end the others, nor the server
            if not self._stop.is_set():
                log.exception("controller %s failed; retried at the next event", controller.name)
