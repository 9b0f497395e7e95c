"""The data of a plan: its classes, its entries, and everything planning takes as input."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.engine.desired import DesiredObject
from reconciler.engine.inventory import Inventory
from reconciler.engine.keys import ObjectKey
from reconciler.engine.overrides import Override
from reconciler.engine.policies import PolicyResult
from reconciler.specs.config import RepoConfig
from reconciler.specs.kinds import Policy


class PlanClass(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DRIFT = "drift"
    OVERRIDE = "override"
    PRUNE = "prune"
    HELD = "held"
    DENIED = "denied"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class PlanEntry:
    key: ObjectKey
    api_version: str
    cls: PlanClass
    reason: str
    diff: str = ""
    desired: DesiredObject | None = None
    live: dict[str, Any] | None = None
    apply_body: dict[str, Any] | None = None
    drift_mode: str | None = None
    prune_disabled: bool = False
    overrides: tuple[Override, ...] = ()
    policies: tuple[PolicyResult, ...] = ()

    @property
    def writes(self) -> bool:
        """True when applying this entry sends a write to the cluster."""
        if self.cls in (PlanClass.CREATE, PlanClass.UPDATE):
            return True
        if self.cls is PlanClass.DRIFT:
            return self.drift_mode == "revert"
        return self.cls is PlanClass.PRUNE and not self.prune_disabled

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "apiVersion": self.api_version,
            "kind": self.key.kind,
            "namespace": self.key.namespace,
            "name": self.key.name,
            "class": str(self.cls),
            "reason": self.reason,
            "diff": self.diff,
        }
        if self.drift_mode:
            out["driftMode"] = self.drift_mode
        if self.policies:
            out["policies"] = [p.to_dict() for p in self.policies]
        return out


@dataclass(frozen=True)
class PlanInputs:
    source: str
    commit: str | None
    desired: list[DesiredObject]
    live: dict[ObjectKey, dict[str, Any]]
    inventory: Inventory
    config: RepoConfig
    policies: list[Policy] = field(default_factory=list)
    failed_files: frozenset[str] = frozenset()
    load_failed: bool = False
    dry_run: dict[ObjectKey, dict[str, Any]] = field(default_factory=dict)
