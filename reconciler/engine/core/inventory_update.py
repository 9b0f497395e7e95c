"""The inventory after an apply, built from its results (pure): prune = old - new next time.

An object stays recorded while it may exist because of this source: applied or unchanged
objects get their new digest; failed, held, denied or unreverted objects keep their old record;
deleted, foreign and prune-disabled (orphaned) objects leave it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reconciler.engine.core.inventory import Inventory, InventoryEntry
from reconciler.engine.core.plantypes import PlanClass, PlanEntry
from reconciler.engine.core.results import ObjectResult, Outcome
from reconciler.specs.keys import ObjectKey


def next_inventory(
    previous: Inventory, results: list[ObjectResult], commit: str | None
) -> Inventory:
    entries: dict[ObjectKey, InventoryEntry] = {}
    for result in results:
        entry = result.entry
        old = previous.entries.get(entry.key)
        desired = entry.desired
        fresh = (
            InventoryEntry(entry.api_version, desired.digest, desired.files) if desired else None
        )
        if entry.cls is PlanClass.FOREIGN or not entry.record:
            continue
        if entry.cls is PlanClass.PRUNE:
            if result.outcome is Outcome.FAILED and old is not None:
                entries[entry.key] = old
            continue
        if result.outcome in (Outcome.CREATED, Outcome.CONFIGURED, Outcome.UNCHANGED):
            if fresh is not None:
                entries[entry.key] = fresh
        elif old is not None:
            entries[entry.key] = old
    return replace(previous, commit=commit, entries=entries)


def with_pending_creates(previous: Inventory, entries: Iterable[PlanEntry]) -> Inventory | None:
    """The inventory to write *before* writing: the previous one plus every object about to be
    created, and every object about to be pruned, marked pending; None when there are neither.
    Written first, it lets a run killed mid-apply find what it created (and prune it if git no
    longer wants it), and know that a missing object it was pruning is not a person's deletion
    (if git wants it back, it is created, not reported as drift)."""
    marked = dict(previous.entries)
    changed_any = False
    for e in entries:
        if not e.writes or not e.record:
            continue
        old = previous.entries.get(e.key)
        if e.cls is PlanClass.PRUNE and old is not None and not old.pending:
            marked[e.key] = replace(old, pending=True)
            changed_any = True
        elif e.live is None and e.desired is not None and old is None:
            marked[e.key] = InventoryEntry(
                e.api_version, e.desired.digest, e.desired.files, pending=True
            )
            changed_any = True
    return replace(previous, entries=marked) if changed_any else None


def changed(previous: Inventory, current: Inventory) -> bool:
    """Only a change of entries (or of where they were written from) is worth a write: a no-op
    reconcile must write nothing."""
    return previous.entries != current.entries or previous.origin != current.origin
