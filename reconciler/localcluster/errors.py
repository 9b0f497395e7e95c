"""Errors raised by the pure cores of the embedded cluster; the HTTP layer maps them to `Status`."""

from __future__ import annotations

from dataclasses import dataclass, field


class LocalClusterError(Exception):
    """Base of every error the pure cores raise."""


@dataclass(frozen=True)
class ConflictCause:
    """One field that a server-side apply would take from another manager.

    `field` is the path as the API server prints it in a conflict, e.g. `.spec.replicas`.
    """

    manager: str
    field: str


@dataclass
class ApplyConflict(LocalClusterError):
    """A server-side apply without `force` would change fields owned by other managers (409)."""

    conflicts: list[ConflictCause] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f'conflict with "{c.manager}": {c.field}' for c in self.conflicts]
        n = len(self.conflicts)
        return f"Apply failed with {n} conflict{'s' if n != 1 else ''}: " + "; ".join(lines)


class PatchError(LocalClusterError):
    """A patch body that cannot be applied (malformed JSON patch, bad path, failed test op).

    The API server answers these with 422 (invalid patch result) or 400 (undecodable patch).
    """

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FieldError:
    """One field validation finding, e.g. path `.spec.replicass`, detail `field not declared`."""

    path: str
    detail: str

    def __str__(self) -> str:
        return f'unknown field "{self.path.lstrip(".")}"' if self.detail == "unknown" else (
            f"{self.path}: {self.detail}"
        )
