"""What the controllers share: their field manager, writes through the API server's own write
path, and condition bookkeeping.

Controllers live in the server process, so they write through `api.writepath` rather than HTTP:
the same validation, defaulting, managedFields (manager `kube-controller-manager`, operation
`Update`, with the subresource written) and watch events as a request, but no entry in the
request counts of `/debug/requests` (those count requests, and these are not). Each write
re-reads the object under the state's write lock and is skipped when nothing would change, so a
controller that has converged writes nothing and its own events wake it only once more.
"""

from __future__ import annotations

import copy
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from reconciler.localcluster.api import writepath
from reconciler.localcluster.api.httputil import WriteOptions
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import ApiError
from reconciler.localcluster.storage.state import ClusterState
from reconciler.localcluster.storage.store import Event, ObjectKey, StoreError

log = logging.getLogger(__name__)
Obj = dict[str, Any]
MANAGER = "kube-controller-manager"
OPTIONS = WriteOptions(
    dry_run=False, manager=MANAGER, manager_given=True, validation="Ignore", force=False
)


class Controller(ABC):
    """One controller: which store events concern it, and how it brings the cluster in line."""

    name: ClassVar[str]

    def __init__(self, state: ClusterState, resync: float) -> None:
        self.state = state
        self.resync = resync  # seconds between full syncs (and the HPA's sync period)

    @abstractmethod
    def relevant(self, event: Event) -> bool:
        """Whether `event` calls for a `sync` (cheap: called for every write)."""

    @abstractmethod
    def sync(self, events: Sequence[Event] | None) -> None:
        """Act on the relevant `events`, or on everything (`None`: the periodic resync)."""

    def due(self) -> bool:
        """Whether to sync now though no event concerns it (its own timers)."""
        return False


def served(state: ClusterState, group: str, plural: str) -> ResourceType | None:
    """The served type of a (group, resource), whichever version comes first."""
    for rt in state.resources.all():
        if rt.group == group and rt.plural == plural:
            return rt
    return None


def scan(state: ClusterState, group: str, plural: str, namespace: str | None = None) -> list[Obj]:
    return state.store.scan(group, plural, namespace)[0]


def key_of(rt: ResourceType, obj: Obj) -> ObjectKey:
    meta = obj["metadata"]
    return ObjectKey(rt.group, rt.plural, str(meta.get("namespace") or ""), str(meta["name"]))


def _current(state: ClusterState, rt: ResourceType, obj: Obj) -> Obj | None:
    """The stored object `obj` names, if it is still the same one (same uid)."""
    stored = state.store.get(key_of(rt, obj))
    if stored is None or stored["metadata"].get("uid") != obj["metadata"].get("uid"):
        return None
    return stored


@contextmanager
def _guarded(what: str, rt: ResourceType, obj: Obj) -> Iterator[None]:
    """A refused write (conflict, gone, terminating namespace, closed store) is logged and
    left to the next sync, as a real controller requeues it."""
    try:
        yield
    except (ApiError, StoreError) as error:
        name = (obj.get("metadata") or {}).get("name")
        log.debug("%s %s %s: %s (retried later)", what, rt.plural, name, error)


def create(state: ClusterState, rt: ResourceType, obj: Obj) -> Obj | None:
    """Create `obj` as kube-controller-manager; None when refused (logged, retried later)."""
    namespace = (obj.get("metadata") or {}).get("namespace")
    with _guarded("create", rt, obj), state.write_lock:
        stored, _ = writepath.create(state, rt, copy.deepcopy(obj), OPTIONS, namespace)
        return stored
    return None


def update(
    state: ClusterState,
    rt: ResourceType,
    obj: Obj,
    change: Callable[[Obj], object],
    *,
    subresource: str = "",
) -> Obj | None:
    """Apply `change` (to a deep copy of the stored object, in place) to the current `obj` and
    write it through `subresource`; skipped when the change changes nothing. Returns the
    stored object, or None when `obj` is gone (or replaced) or the write was refused."""
    with _guarded("update", rt, obj), state.write_lock:
        stored = _current(state, rt, obj)
        if stored is None:
            return None
        new = copy.deepcopy(stored)
        change(new)
        if new == stored:
            return stored
        written, _ = writepath.update(state, rt, stored, new, OPTIONS, subresource=subresource)
        return written
    return None


def write_status(state: ClusterState, rt: ResourceType, obj: Obj, status: Obj) -> Obj | None:
    """Replace the status of `obj` through `/status`, unless it is already `status`."""

    def change(new: Obj) -> None:
        new["status"] = status

    return update(state, rt, obj, change, subresource="status")


def delete(state: ClusterState, rt: ResourceType, obj: Obj) -> None:
    """Delete `obj` (if still the same object), honouring its finalizers."""
    meta = obj["metadata"]
    preconditions = {"preconditions": {"uid": meta.get("uid")}}
    with _guarded("delete", rt, obj), state.write_lock:
        writepath.delete(state, rt, meta.get("namespace"), meta["name"], OPTIONS, preconditions)


def set_condition(
    conditions: list[Obj],
    kind: str,
    status: str,
    reason: str,
    message: str,
    now: str,
    *,
    update_time: bool = False,
) -> list[Obj]:
    """`conditions` with the one of type `kind` set. `lastTransitionTime` moves only when the
    status changes; `lastUpdateTime` (Deployments, `update_time`) when anything does."""
    old = next((c for c in conditions if c.get("type") == kind), {})
    same = old.get("status") == status
    new: Obj = {"type": kind, "status": status}
    if update_time:
        untouched = same and (old.get("reason"), old.get("message")) == (reason, message)
        new["lastUpdateTime"] = (old.get("lastUpdateTime") if untouched else None) or now
    new["lastTransitionTime"] = (old.get("lastTransitionTime") if same else None) or now
    new.update(reason=reason, message=message)
    if not old:
        return [*conditions, new]
    return [new if c is old else c for c in conditions]
