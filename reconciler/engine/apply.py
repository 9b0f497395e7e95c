"""Apply: the only step that writes. It executes a plan and returns a result per object.

Writes go in dependency order (Namespaces, then CRDs, then everything else; prunes in reverse),
by server-side apply with field manager `reconciler`, with overridden fields stripped and `force`
set so that git wins over other managers on the fields git sets. Entries that need no write get
no request at all. One object's failure is recorded and the run goes on.
"""

from __future__ import annotations

from reconciler.clients.cluster_api import Cluster, ClusterError, ConflictError
from reconciler.engine.core.ownership import FIELD_MANAGER
from reconciler.engine.core.plantypes import PlanClass, PlanEntry
from reconciler.engine.core.results import ObjectResult, Outcome
from reconciler.engine.errors import ObjectError, blame
from reconciler.specs.keys import ObjectKey

# Install order for kinds that others depend on (after Helm's install order, abridged).
KIND_ORDER = (
    "Namespace",
    "CustomResourceDefinition",
    "PriorityClass",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
)


def _rank(entry: PlanEntry) -> tuple[int, str]:
    kind = entry.key.kind
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, entry.key.encode()


def _passive(entry: PlanEntry) -> ObjectResult:
    """The result of an entry that needs no write."""
    if entry.cls in (PlanClass.UNCHANGED, PlanClass.OVERRIDE):
        return ObjectResult(entry, Outcome.UNCHANGED)
    if entry.cls is PlanClass.DRIFT:
        return ObjectResult(entry, Outcome.SKIPPED, f"drift mode {entry.drift_mode}: not reverted")
    if entry.cls is PlanClass.PRUNE:
        return ObjectResult(entry, Outcome.SKIPPED, "prune disabled")
    return ObjectResult(entry, Outcome.SKIPPED)


def _write(entry: PlanEntry, cluster: Cluster) -> ObjectResult:
    key = entry.key
    try:
        if entry.cls is PlanClass.PRUNE:
            gone = cluster.delete(entry.api_version, key.kind, key.namespace, key.name)
            return ObjectResult(entry, Outcome.DELETED, "" if gone else "already gone")
        body = entry.apply_body or (entry.desired.body if entry.desired else None)
        if body is None:
            return ObjectResult(entry, Outcome.SKIPPED, "nothing to apply")
        try:
            cluster.apply(body, field_manager=FIELD_MANAGER, force=True)
        except ConflictError:
            # A write raced ours; the server-side apply is idempotent, so one retry is safe.
            cluster.apply(body, field_manager=FIELD_MANAGER, force=True)
    except ClusterError as exc:
        action = "delete" if entry.cls is PlanClass.PRUNE else "apply"
        error = ObjectError(entry.key, action, exc, blame(entry.desired))
        return ObjectResult(entry, Outcome.FAILED, exc.message, error)
    if entry.live is None:
        return ObjectResult(entry, Outcome.CREATED)
    return ObjectResult(entry, Outcome.CONFIGURED)


def apply_plan(
    entries: tuple[PlanEntry, ...], cluster: Cluster, *, creates: bool = True
) -> list[ObjectResult]:
    """Execute the writes of a plan; results come back in the plan's order. With `creates`
    False nothing is written at all except updates of objects that exist (the inventory could
    not record what would be created, so a create now could be orphaned by a crash), and
    nothing is pruned (the inventory that says what to prune is in doubt)."""
    if creates:
        chosen = [e for e in entries if e.writes]
    else:
        chosen = [
            e for e in entries if e.writes and e.live is not None and e.cls is not PlanClass.PRUNE
        ]
    writes = sorted((e for e in chosen if e.cls is not PlanClass.PRUNE), key=_rank)
    prunes = sorted((e for e in chosen if e.cls is PlanClass.PRUNE), key=_rank)
    done: dict[ObjectKey, ObjectResult] = {}
    for entry in writes + list(reversed(prunes)):
        done[entry.key] = _write(entry, cluster)
    return [
        done.get(e.key)
        or (
            ObjectResult(e, Outcome.SKIPPED, "not written: the inventory could not record it")
            if e.writes
            else _passive(e)
        )
        for e in entries
    ]


def _updates(entry: PlanEntry) -> bool:
    """A write to an object that exists (not a create, not a prune)."""
    return entry.live is not None and entry.cls is not PlanClass.PRUNE
