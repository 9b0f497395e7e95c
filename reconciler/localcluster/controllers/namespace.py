"""The namespace controller: a deleted Namespace is emptied, then removed.

While this controller runs, a DELETE of a Namespace keeps it (`core.strategies`: the
Namespace's `deferred_delete`) with `metadata.deletionTimestamp`, `status.phase: Terminating`
and the `kubernetes` finalizer still in `spec.finalizers`; creates in it are refused (403, as
the NamespaceLifecycle admission plugin does). This controller then deletes everything in it
through the write path, so that objects with `metadata.finalizers` stay (terminating) until
their finalizers are removed; meanwhile the namespace reports them in the conditions the real
controller writes (`NamespaceContentRemaining`, `NamespaceFinalizersRemaining`). Once it is
empty, the `kubernetes` finalizer is dropped (what `PUT .../finalize` does) and, with no
`metadata.finalizers` left, the Namespace is removed.

Without this controller (the default), a Namespace delete removes it and its contents at once.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Sequence

from reconciler.localcluster.api.writepath import finish_delete
from reconciler.localcluster.controllers.base import (
    Controller,
    Obj,
    delete,
    key_of,
    scan,
    served,
    set_condition,
    update,
    write_status,
)
from reconciler.localcluster.core.clock import now
from reconciler.localcluster.storage.store import Event, NotFound, ObjectKey

FINALIZER = "kubernetes"
_SETTLED = (
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
)


class NamespaceController(Controller):
    name = "namespace"

    def relevant(self, event: Event) -> bool:
        key, meta = event.key, event.object.get("metadata") or {}
        if (key.group, key.resource) == ("", "namespaces"):
            return bool(meta.get("deletionTimestamp")) and event.type != "DELETED"
        # Content going away (or losing a finalizer) may let a terminating namespace finish.
        return bool(key.namespace) and (event.type == "DELETED" or "deletionTimestamp" in meta)

    def sync(self, events: Sequence[Event] | None) -> None:
        for namespace in scan(self.state, "", "namespaces"):
            if namespace["metadata"].get("deletionTimestamp"):
                self._terminate(namespace)

    def _terminate(self, namespace: Obj) -> None:
        name = str(namespace["metadata"]["name"])
        remaining: list[tuple[ObjectKey, Obj]] = []
        for key in self.state.store.keys_in_namespace(name):
            obj = self.state.store.get(key)
            rt = served(self.state, key.group, key.resource)
            if obj is not None and rt is None:  # its type is gone (a deleted CRD's objects)
                with self.state.write_lock, contextlib.suppress(NotFound):
                    self.state.store.delete(key)
            elif obj is not None and rt is not None:
                if not obj["metadata"].get("deletionTimestamp"):
                    delete(self.state, rt, obj)
                left = self.state.store.get(key)
                if left is not None:
                    remaining.append((key, left))
        rt = served(self.state, "", "namespaces")
        if rt is None:  # pragma: no cover - a built-in type
            return
        if remaining:
            write_status(self.state, rt, namespace, _status(namespace, remaining))
            return
        with self.state.write_lock:
            current = self.state.store.get(key_of(rt, namespace))
            if current is None or current["metadata"].get("uid") != namespace["metadata"]["uid"]:
                return
            if FINALIZER in ((current.get("spec") or {}).get("finalizers") or []):
                finalized = update(self.state, rt, current, _drop_finalizer)
                current = finalized or current
            if current["metadata"].get("finalizers"):
                return  # another finalizer holds it: removed once that is gone
            with contextlib.suppress(NotFound):
                gone = self.state.store.delete(key_of(rt, current))
                finish_delete(self.state, rt, gone)


def _drop_finalizer(namespace: Obj) -> None:
    spec = namespace.setdefault("spec", {})
    spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != FINALIZER]


def _status(namespace: Obj, remaining: list[tuple[ObjectKey, Obj]]) -> Obj:
    """The conditions the real namespace controller reports while content remains."""
    kinds: Counter[str] = Counter()
    finalizers: Counter[str] = Counter()
    for key, obj in remaining:
        kinds[f"{key.resource}.{key.group}" if key.group else key.resource] += 1
        for finalizer in obj["metadata"].get("finalizers") or []:
            finalizers[str(finalizer)] += 1
    stamp = now()
    status = namespace.get("status") or {}
    conditions: list[Obj] = list(status.get("conditions") or [])
    for kind, reason, message in _SETTLED:
        conditions = set_condition(conditions, kind, "False", reason, message, stamp)
    counts = ", ".join(f"{k} has {n} resource instances" for k, n in sorted(kinds.items()))
    conditions = set_condition(
        conditions,
        "NamespaceContentRemaining",
        "True",
        "SomeResourcesRemain",
        f"Some resources are remaining: {counts}",
        stamp,
    )
    if finalizers:
        held = ", ".join(f"{f} in {n} resource instances" for f, n in sorted(finalizers.items()))
        message = f"Some content in the namespace has finalizers remaining: {held}"
        args = ("True", "SomeFinalizersRemain", message)
    else:
        args = ("False", "ContentHasNoFinalizers", "All content-preserving finalizers finished")
    conditions = set_condition(conditions, "NamespaceFinalizersRemaining", *args, stamp)
    return {**status, "phase": "Terminating", "conditions": conditions}
