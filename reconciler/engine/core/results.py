"""What applying did to each object: the typed result the inventory is built from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from reconciler.engine.core.plantypes import PlanEntry


class ResultError(Protocol):
    """The error behind a failed result (see `reconciler.engine.errors.ObjectError`)."""

    @property
    def transient(self) -> bool: ...


class Outcome(StrEnum):
    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class ObjectResult:
    entry: PlanEntry
    outcome: Outcome
    message: str = ""
    error: ResultError | None = None

    def to_dict(self) -> dict[str, Any]:
        out = self.entry.to_dict()
        out["result"] = str(self.outcome)
        if self.message:
            out["message"] = self.message
        if self.error is not None:
            out["transient"] = self.error.transient
        return out
