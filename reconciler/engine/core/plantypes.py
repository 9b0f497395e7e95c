"""The data of a plan: its classes, its entries, and everything planning takes as input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.inventory import Inventory
from reconciler.engine.core.overrides import Override
from reconciler.engine.core.pair import Conflict
from reconciler.engine.core.policies import AnyPolicy, PolicyResult
from reconciler.engine.core.provenance import Origin
from reconciler.specs.config import RepoConfig
from reconciler.specs.keys import ObjectKey


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
    record: bool = True
    """Whether the inventory records it: False for a namespace that existed and is not ours."""

    @property
    def origin(self) -> Origin | None:
        """The document the desired object came from (the first, for an aggregate)."""
        if self.desired is None or self.desired.derived or not self.desired.provenance.origins:
            return None
        return self.desired.provenance.origins[0]

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
        origin = self.origin
        if origin is not None:
            out["origin"] = {"file": origin.file, "line": origin.line, "via": origin.via}
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
    policies: Sequence[AnyPolicy] = field(default_factory=list)
    policies_failed: tuple[str, ...] = ()
    """Policy files that failed to load: the policies cannot be trusted, every write is held."""
    failed_files: frozenset[str] = frozenset()
    load_failed: bool = False
    dry_run: dict[ObjectKey, dict[str, Any]] = field(default_factory=dict)
    """The server's dry-run answers, for `build_plan` (the engine passes them to `decide`)."""
    conflicts: tuple[Conflict, ...] = ()
    """Keys defined more than once (held); `desired` holds each other key once."""
    adopt: bool = False
    """Take over objects labelled as another source's (else they are held as a conflict)."""
    refusal: str | None = None
    """Why nothing may be written or pruned this run (e.g. the inventory was written from
    another repo): every object is held with this reason."""


@dataclass(frozen=True)
class PlanStats:
    """Work a plan took, for reports and metrics: each desired live object is compared once;
    only those that still differ are dry-run."""

    compared: int = 0
    dry_runs: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"compared": self.compared, "dryRuns": self.dry_runs}
