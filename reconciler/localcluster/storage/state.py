"""Everything one running cluster holds: store, served types, schemas, request counts.

Created once per server from a state directory. On start it loads the CRDs kept in the store
(so their kinds are served again after a restart) and creates the namespaces every cluster has
(`default`, `kube-system`, `kube-public`, `kube-node-lease`). It is the `Cluster` that
per-kind strategy hooks act on (`core.strategies`).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.localcluster.core.clock import now
from reconciler.localcluster.core.k8sschema import SchemaRegistry
from reconciler.localcluster.core.objectmeta import prepare_create
from reconciler.localcluster.core.requestkinds import schedule
from reconciler.localcluster.core.resources import (
    CRD_GROUP,
    CRD_RESOURCE,
    ResourceRegistry,
    ResourceType,
)
from reconciler.localcluster.core.status import ApiError
from reconciler.localcluster.storage.store import (
    EVENT_LOG_SIZE,
    AlreadyExists,
    NotFound,
    ObjectKey,
    Store,
)

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")


class RequestCounter:
    """Requests served, by verb. `writes` counts verbs that change state, without dry runs
    (which are counted apart under `dryRun`): "a no-op reconcile makes zero writes"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._dry: Counter[str] = Counter()

    def add(self, verb: str, *, dry_run: bool = False) -> None:
        with self._lock:
            (self._dry if dry_run else self._counts)[verb] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            counts, dry = dict(self._counts), dict(self._dry)
        writes = sum(n for v, n in counts.items() if v in WRITE_VERBS)
        return {
            "byVerb": counts,
            "dryRun": dry,
            "writes": writes,
            "reads": sum(counts.values()) - writes,
            "total": sum(counts.values()) + sum(dry.values()),
        }

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._dry.clear()


@dataclass
class ClusterState:
    directory: Path
    store: Store
    resources: ResourceRegistry = field(default_factory=ResourceRegistry)
    schemas: SchemaRegistry = field(default_factory=SchemaRegistry)
    counter: RequestCounter = field(default_factory=RequestCounter)
    # Seconds between BOOKMARK events on watches that allow them.
    bookmark_interval: float = 60.0
    # Serializes read-modify-write sequences (the store itself is atomic per call).
    write_lock: threading.RLock = field(default_factory=threading.RLock)
    # Set when the server shuts down: open watches end.
    stopping: bool = False
    # The controllers the server runs (`controllers` package); write rules may depend on them
    # (a Namespace delete waits for the `namespace` controller when it runs).
    controllers: frozenset[str] = frozenset()

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        bookmark_interval: float = 60.0,
        event_log_size: int = EVENT_LOG_SIZE,
    ) -> ClusterState:
        store = Store(directory, event_log_size=event_log_size)
        state = cls(directory, store, bookmark_interval=bookmark_interval)
        crds, _ = state.store.scan(CRD_GROUP, CRD_RESOURCE, None)
        for crd in crds:
            state.crd_added(crd)
        namespaces = state.resources.lookup("", "v1", "namespaces")
        if namespaces is None:  # pragma: no cover - a built-in type
            raise RuntimeError("namespaces are not served")
        for name in SYSTEM_NAMESPACES:
            key = ObjectKey("", "namespaces", "", name)
            if state.store.get(key) is None:
                body = prepare_create(
                    namespaces, {"metadata": {"name": name}, "spec": {}}, None, now()
                )
                with contextlib.suppress(AlreadyExists):
                    state.store.create(key, body)
        return state

    def close(self) -> None:
        self.store.close()

    def key(self, rt: ResourceType, namespace: str | None, name: str) -> ObjectKey:
        return ObjectKey(rt.group, rt.plural, namespace or "", name)

    def namespace_exists(self, name: str) -> bool:
        return self.store.get(ObjectKey("", "namespaces", "", name)) is not None

    def namespace_terminating(self, name: str) -> bool:
        namespace = self.store.get(ObjectKey("", "namespaces", "", name)) or {}
        return bool((namespace.get("metadata") or {}).get("deletionTimestamp"))

    def runs_controller(self, name: str) -> bool:
        return name in self.controllers

    def bind_pod(self, namespace: str, name: str, node: str, *, dry_run: bool) -> None:
        """A Binding's effect: the pod is assigned to `node` (`requestkinds.schedule`)."""
        key = ObjectKey("", "pods", namespace, name)
        pod = self.store.get(key)
        if pod is None:
            details = {"name": name, "kind": "pods"}
            raise ApiError(404, "NotFound", f'pods "{name}" not found', details=details)
        bound = schedule(pod, node, now())
        if not dry_run:
            self.store.update(key, bound, expected_rv=int(pod["metadata"]["resourceVersion"]))

    def crd_added(self, crd: dict[str, Any]) -> None:
        self.schemas.register_crd(crd)
        self.resources.add_crd(crd)

    def crd_removed(self, crd: dict[str, Any]) -> None:
        self.schemas.unregister_crd(crd)
        self.resources.remove_crd(str((crd.get("metadata") or {}).get("name", "")))

    def used_cluster_ips(self) -> set[str]:
        services, _ = self.store.scan("", "services", None)
        return {str((s.get("spec") or {}).get("clusterIP")) for s in services}

    def delete_all_in_namespace(self, namespace: str) -> None:
        """Remove every object in `namespace` (a deleted Namespace's contents)."""
        for key in self.store.keys_in_namespace(namespace):
            with contextlib.suppress(NotFound):
                self.store.delete(key)

    def delete_all_of(self, group: str, resource: str) -> None:
        """Remove every object of one resource (a deleted CRD's custom resources)."""
        items, _ = self.store.scan(group, resource, None)
        for item in items:
            meta = item["metadata"]
            key = ObjectKey(group, resource, meta.get("namespace", ""), meta["name"])
            with contextlib.suppress(NotFound):
                self.store.delete(key)
