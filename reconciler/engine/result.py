"""`RunResult`: what one plan or apply of a source found and did (the JSON of `--output json`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.engine.core.inventory import Inventory
from reconciler.engine.core.plan import Plan, PlanClass
from reconciler.engine.core.results import ObjectResult, Outcome
from reconciler.engine.errors import RunError
from reconciler.specs.builds.run import BuildRecord


@dataclass
class RunResult:
    """What a plan or apply found and did; `results` is None for a plan."""

    source: str
    commit: str | None
    plan: Plan
    errors: list[RunError] = field(default_factory=list)
    results: list[ObjectResult] | None = None
    warnings: list[str] = field(default_factory=list)
    inventory: Inventory | None = None
    """The inventory as read when planning (None: unreadable); apply builds on it."""
    stale: str | None = None
    """Set when the remote could not be fetched and the last good commit was used: why, and
    how old that commit's fetch is. Automation should alert on it (exit code 3)."""
    builds: list[BuildRecord] = field(default_factory=list)
    """The Kustomize and Helm builds of the load (each run, or answered from the cache)."""

    @property
    def failed(self) -> bool:
        return any(r.outcome is Outcome.FAILED for r in self.results or [])

    @property
    def transient(self) -> bool:
        """True when every error and failure is worth retrying soon (and there is one)."""
        problems: list[object] = [*self.errors] + [
            r.error for r in self.results or [] if r.error is not None
        ]
        return bool(problems) and all(getattr(p, "transient", False) for p in problems)

    def to_dict(self, *, classes: set[PlanClass] | None = None) -> dict[str, Any]:
        if self.results is not None:
            objects = [
                r.to_dict() for r in self.results if classes is None or r.entry.cls in classes
            ]
        else:
            objects = [
                e.to_dict() for e in self.plan.entries if classes is None or e.cls in classes
            ]
        return {
            "source": self.source,
            "commit": self.commit,
            "objects": objects,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": self.warnings,
            "stale": self.stale,
            "stats": {
                **self.plan.stats.to_dict(),
                "builds": len(self.builds),
                "buildsCached": sum(1 for b in self.builds if b.cached),
            },
            "builds": [b.to_dict() for b in self.builds],
        }

    @property
    def drifted(self) -> bool:
        return any(e.cls is PlanClass.DRIFT for e in self.plan.entries)
