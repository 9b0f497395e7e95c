"""Errors of a run, as data: a located spec problem, an object the cluster failed on, or an
inventory that could not be read. None of them stops a run; each holds only what it touches.

    RunError
    ├── SpecError           file:line: field: message          (reconciler.specs.errors)
    ├── ObjectError         Kind/namespace/name: the cluster's error, transient or terminal
    └── InventoryReadError  the source's inventory could not be read: nothing is pruned

Every one has `to_dict()` with the keys `file`, `line`, `field` and `message` (the JSON shape
`plan --output json` has always had), plus its own: `object`, `action`, `status` and
`transient` for an `ObjectError`; `inventory` and `transient` for an `InventoryReadError`.
A caller that retries (the service's work queue) retries only when `transient` is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.clients.cluster_api import ClusterError, TransientClusterError
from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.provenance import Origin
from reconciler.specs.errors import SpecError
from reconciler.specs.keys import ObjectKey


@dataclass(frozen=True)
class ObjectError:
    """The cluster failed on one object while `action` (read, dry-run, apply, delete)."""

    key: ObjectKey
    action: str
    cause: ClusterError
    origin: Origin | None = None

    @property
    def transient(self) -> bool:
        return isinstance(self.cause, TransientClusterError)

    @property
    def file(self) -> str | None:
        return self.origin.file if self.origin else None

    @property
    def message(self) -> str:
        return f"{self.key.ref}: {self.action}: {self.cause.message}"

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.origin.line if self.origin else None,
            "field": None,
            "message": self.message,
            "object": self.key.ref,
            "action": self.action,
            "status": self.cause.status,
            "transient": self.transient,
        }

    def sort_key(self) -> tuple[str, int, str]:
        return (self.file or "", self.origin.line if self.origin else 0, self.key.encode())


@dataclass(frozen=True)
class InventoryReadError:
    """The inventory ConfigMap could not be read: plan as if empty, prune nothing, keep it."""

    ref: str
    cause: ClusterError

    @property
    def transient(self) -> bool:
        return isinstance(self.cause, TransientClusterError)

    @property
    def message(self) -> str:
        return f"reading the inventory {self.ref}: {self.cause.message}"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": None,
            "line": None,
            "field": None,
            "message": self.message,
            "inventory": self.ref,
            "status": self.cause.status,
            "transient": self.transient,
        }

    def sort_key(self) -> tuple[str, int, str]:
        return ("", 0, self.ref)


def blame(desired: DesiredObject | None) -> Origin | None:
    """The document to name for an object's error: a manifest's own; none for an aggregate
    (the toolset ConfigMap has no one document to blame)."""
    if desired is None or not desired.provenance.identity or not desired.provenance.origins:
        return None
    return desired.provenance.origins[0]


RunError = SpecError | ObjectError | InventoryReadError


def sort_errors(errors: list[RunError]) -> list[RunError]:
    """Spec errors in file and line order, then object errors, then the inventory's."""
    rank = {SpecError: 0, ObjectError: 1, InventoryReadError: 2}
    return sorted(errors, key=lambda e: (rank[type(e)], *e.sort_key()))
