"""Errors raised by the pure cores of the embedded cluster; the HTTP layer maps them to `Status`."""

from __future__ import annotations

from dataclasses import dataclass, field


class LocalClusterError(Exception):
    """Base of every error the pure cores raise."""


@dataclass(frozen=True)
class ConflictCause:
    """One field that a server-side apply would take from another manager.

    `field` is the path as the API server prints it in a conflict, e.g. `.spec.replicas`. The
    optional fields describe the other manager's entry, for `message`.
    """

    manager: str
    field: str
    operation: str | None = None
    subresource: str | None = None
    api_version: str | None = None
    time: str | None = None

    @property
    def who(self) -> str:
        """The manager as kube-apiserver's `printManager` shows it."""
        out = f'"{self.manager}"'
        if self.subresource:
            out += f' with subresource "{self.subresource}"'
        if self.operation == "Update":
            out += f" using {self.api_version or ''}"
            if self.time:
                out += f" at {self.time}"
        return out

    @property
    def message(self) -> str:
        """The `StatusCause.message` of this conflict, e.g. `conflict with "kubectl"`."""
        return f"conflict with {self.who}"


@dataclass
class ApplyConflict(LocalClusterError):
    """A server-side apply without `force` would change fields owned by other managers (409)."""

    conflicts: list[ConflictCause] = field(default_factory=list)

    def __str__(self) -> str:
        """kube-apiserver's `getConflictMessage` (staging/.../fieldmanager/internal/conflict.go)."""
        if len(self.conflicts) == 1:
            only = self.conflicts[0]
            return f"Apply failed with 1 conflict: {only.message}: {only.field}"
        by_who: dict[str, list[str]] = {}
        for c in self.conflicts:
            by_who.setdefault(c.who, []).append(c.field)
        lines = []
        for who in sorted(by_who):
            lines.append(f"conflicts with {who}:")
            lines.extend(f"- {f}" for f in by_who[who])
        return f"Apply failed with {len(self.conflicts)} conflicts: " + "\n".join(lines)


class PatchError(LocalClusterError):
    """A patch body that cannot be applied (malformed JSON patch, bad path, failed test op).

    The API server answers these with 422 (invalid patch result) or 400 (undecodable patch).
    """

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FieldError:
    """One field validation finding, e.g. path `.spec.replicass`, detail `field not declared`.

    A `decoding` finding is an error of Go's decoder itself (e.g. bad base64 in a `[]byte`),
    which kube-apiserver reports without a path."""

    path: str
    detail: str
    decoding: bool = False

    def __str__(self) -> str:
        if self.decoding:
            return self.detail
        return (
            f'unknown field "{self.path.lstrip(".")}"'
            if self.detail == "unknown"
            else (f"{self.path}: {self.detail}")
        )
