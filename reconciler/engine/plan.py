"""The plan: every object in exactly one class, with a reason and a diff (pure).

| class | meaning | apply does |
|---|---|---|
| create / update | git wants it created or changed since the last apply | server-side apply |
| unchanged | live matches desired after normalization | nothing, not even a request |
| drift | git did not change, live diverged on fields git sets | report, revert or propose |
| override | differences only on overridden fields | nothing |
| prune | in the inventory, gone from git | delete, unless prune is disabled |
| held | its spec file failed to load, or pruning it is unsafe | nothing, never pruned |
| denied | a deny policy rejects it | nothing |
| foreign | Argo CD or Flux tracks it | nothing |

`build_plan` takes everything it needs as data, including the server's dry-run answers for the
objects whose first comparison found a difference (`dry_run_body` says what to ask), so that
defaulted fields and canonical forms never show as changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.engine.classify import classify_desired, classify_leftover
from reconciler.engine.plantypes import PlanClass, PlanEntry, PlanInputs

__all__ = ["Plan", "PlanClass", "PlanEntry", "PlanInputs", "build_plan"]


@dataclass(frozen=True)
class Plan:
    source: str
    commit: str | None
    entries: tuple[PlanEntry, ...]

    def counts(self) -> dict[str, int]:
        out = {str(c): 0 for c in PlanClass}
        for entry in self.entries:
            out[str(entry.cls)] += 1
        return out

    def has_changes(self) -> bool:
        return any(e.writes for e in self.entries)

    def by_class(self, *classes: PlanClass) -> list[PlanEntry]:
        return [e for e in self.entries if e.cls in classes]


def build_plan(inputs: PlanInputs) -> Plan:
    """Classify every desired object and every inventory object no longer desired."""
    entries: list[PlanEntry] = []
    desired_keys = set()
    if not inputs.load_failed:
        for desired in inputs.desired:
            desired_keys.add(desired.key)
            entries.append(classify_desired(desired, inputs))
    for key, recorded in sorted(inputs.inventory.entries.items()):
        if key not in desired_keys:
            entry = classify_leftover(key, recorded, inputs)
            if entry is not None:
                entries.append(entry)
    return Plan(inputs.source, inputs.commit, tuple(entries))
