"""What a proposal is, and what became of it (`ProposalResult`, the JSON of `propose`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    BLOCKED = "blocked"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class Proposal:
    """A change to propose: `changes` maps source-relative files to their new bytes (None:
    the file is removed)."""

    trigger: str
    slug: str
    title: str
    summary: str
    targets: tuple[str, ...]
    """The objects it is about (`Kind/namespace/name`)."""
    changes: dict[str, bytes | None]
    evidence: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Fields it could not adopt, and why (stated in the body)."""
    cooldown: float = 0.0
    """Seconds after a pull request on the same branch before another is opened (a
    remediation's `safety.cooldown`)."""

    @property
    def risk(self) -> str:
        """What merging does to the cluster, for the body's Risk section."""
        targets = ", ".join(self.targets) or "the objects in the plan preview"
        if self.trigger == "drift":
            return (
                "Merging changes git only to what the cluster already runs: the next apply "
                f"writes nothing to {targets}."
            )
        if self.trigger == "discover":
            return (
                "Adds or removes a read-only tool: the next apply changes only the toolset "
                "ConfigMap the AI runtime reads."
            )
        return f"The next apply after the merge changes {targets} as the plan preview shows."

    @property
    def branch(self) -> str:
        return f"reconciler/{self.trigger}/{self.slug}"

    @property
    def fingerprint(self) -> str:
        """Trigger, targets and change: the same proposal twice has the same fingerprint."""
        digest = hashlib.sha256(json.dumps([self.trigger, self.targets]).encode())
        for path in sorted(self.changes):
            data = self.changes[path]
            content = hashlib.sha256(data).digest() if data is not None else b"removed"
            digest.update(path.encode() + b"\0" + content)
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ProposalResult:
    title: str
    branch: str
    status: Status
    reason: str = ""
    files: tuple[str, ...] = ()
    number: int | None = None
    url: str = ""
    validation: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.number,
            "branch": self.branch,
            "title": self.title,
            "url": self.url,
            "files": list(self.files),
            "status": str(self.status),
            "reason": self.reason,
            "validation": self.validation,
        }


CREDENTIAL_NAME = re.compile(r"(?i)pass|secret|token|key|credential|auth|private|cert")
"""Names of env variables whose values are treated as credentials: never shown, never written."""


def holds_credentials(obj: Any) -> bool:
    """True when `obj` has an env variable named like a credential (anywhere in it)."""
    if isinstance(obj, dict):
        env = obj.get("env")
        if isinstance(env, list) and any(
            isinstance(e, dict) and CREDENTIAL_NAME.search(str(e.get("name", ""))) for e in env
        ):
            return True
        return any(holds_credentials(v) for v in obj.values() if isinstance(v, dict | list))
    if isinstance(obj, list):
        return any(holds_credentials(v) for v in obj if isinstance(v, dict | list))
    return False


def seconds(duration: str) -> float:
    """`1h30m`, `10m`, `45s` in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    return float(sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration)))


def slug(text: str) -> str:
    """A branch-safe slug: lower case letters, digits and dashes, at most 60 characters."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "change"
