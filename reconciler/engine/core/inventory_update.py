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
    """The inventory to write *before* creating: the previous one plus every object about to be
    created, marked pending; None when nothing new is created. Written first, it lets a run
    killed mid-apply find (and prune, if git no longer wants them) what it created."""
    added = {
        e.key: InventoryEntry(e.api_version, e.desired.digest, e.desired.files, pending=True)
        for e in entries
        if e.writes
        and e.live is None
        and e.desired is not None
        and e.record
        and e.key not in previous.entries
    }
    if not added:
        return None
    return replace(previous, entries={**previous.entries, **added})


def changed(previous: Inventory, current: Inventory) -> bool:
    """Only a change of entries (or of where they were written from) is worth a write: a no-op
    reconcile must write nothing."""
    return previous.entries != current.entries or previous.origin != current.origin
