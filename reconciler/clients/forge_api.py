"""The forge port: pull requests, their comments and commit statuses.

Two forges implement it: `github` (PyGithub; github.com or a GitHub Enterprise base URL) and
`local` (pull requests kept inside the bare repo itself, heads under `refs/pull/N/head` as
GitHub names them). The forge is the record: a proposal's fingerprint travels in its pull
request (`PullRequest.fingerprint`, read from a marker in the body), so dedupe and "closed
unmerged means never again" survive restarts with no other database.

    ForgeError                 terminal: 401/403/404/422
    └── TransientForgeError    429, 5xx, rate limits, connection failures: retry later
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ForgeError(Exception):
    """A forge request failed; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientForgeError(ForgeError):
    """Worth retrying: rate limited, a server error, or the forge could not be reached."""


class PullRequestState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # closed without merging
    MERGED = "merged"


class CommitState(StrEnum):
    """GitHub's commit status states."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    body: str
    head: str
    """The branch the change is on, e.g. `reconciler/drift/deployment-demo-web`."""
    base: str
    state: PullRequestState
    head_sha: str
    url: str = ""
    labels: tuple[str, ...] = ()
    fingerprint: str | None = None
    """The proposal fingerprint recorded in the body, when the reconciler opened it."""
    created_at: datetime | None = None
    """When it was opened (UTC): for `proposals.maxPerHour` and remediation cooldowns."""


@dataclass(frozen=True)
class PullRequestDraft:
    """What to open: `head` must already be pushed."""

    title: str
    body: str
    head: str
    base: str
    labels: tuple[str, ...] = field(default_factory=tuple)


class Forge(Protocol):
    def find(
        self, *, head: str | None = None, states: Sequence[PullRequestState] = ()
    ) -> list[PullRequest]:
        """Pull requests against the tracked repo, newest first; filtered by head branch and
        by states (all states when empty)."""
        ...

    def get(self, number: int) -> PullRequest: ...

    def open(self, draft: PullRequestDraft) -> PullRequest: ...

    def update(
        self, number: int, *, title: str | None = None, body: str | None = None
    ) -> PullRequest: ...

    def close(self, number: int, *, comment: str | None = None) -> PullRequest:
        """Close without merging, leaving `comment` first (e.g. "superseded by #12")."""
        ...

    def comment(self, number: int, body: str, *, key: str | None = None) -> None:
        """Add a comment; with `key`, replace the earlier comment carrying the same key (a plan
        preview is updated on each push rather than repeated)."""
        ...

    def set_status(
        self,
        sha: str,
        state: CommitState,
        *,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None: ...
