"""The git port: a tracked branch to read commits from, and to write proposal branches to.

`GitSource` (`reconciler.clients.git`) implements `GitRepo` over a bare cache. The runner only
reads (`fetch`, `last_good`, `tree`); proposals also write: a branch made from a base commit
with a set of file changes, pushed to the remote so a forge can open a pull request from it.

Errors (all `GitError`; messages never contain credentials):

    GitError                    also: a cache recorded for another URL, or not a cache at all
    ├── GitFetchError           the remote could not be fetched or pushed (transient: retry);
    │                           also a corrupt cache that cannot be rebuilt while it is down
    ├── UnknownRevisionError    a commit is not in the cache
    └── SubdirNotFoundError     the requested subdirectory does not exist at that commit
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from reconciler.specs.tree import SourceTree


class GitError(Exception):
    """A git source failed; the message never contains credentials."""


class GitFetchError(GitError):
    """The remote could not be reached (fetch or push): unreachable, auth failed, no branch.

    The message names the redacted URL and branch and carries git's own (redacted) reason."""


class UnknownRevisionError(GitError):
    """The commit is not in the cache (never fetched, or garbage-collected)."""


class SubdirNotFoundError(GitError):
    """The subdirectory does not exist (or is not a directory) at that commit."""


@dataclass(frozen=True)
class Revision:
    """A fetched commit of the tracked branch.

    `fetch()` fills every field. `last_good()` fills the first five: `previous`, `forced` and
    `warnings` describe one fetch, so they are left empty there and are not compared (a
    `last_good()` right after a `fetch()` equals what the fetch returned)."""

    commit: str
    branch: str
    committed_at: datetime
    """The committer date, UTC."""
    summary: str
    """The commit message's first line."""
    fetched_at: datetime | None = None
    """When this head was last fetched successfully (UTC), kept in the cache across restarts;
    None when the cache does not know (a cache written by an older version). A fallback to
    `last_good()` says how stale it is: `fetched_ago()`."""
    previous: str | None = field(default=None, compare=False)
    """The head the cache held before this fetch; None on the first fetch (or a rebuild)."""
    forced: bool = field(default=False, compare=False)
    """True when this fetch's head does not descend from `previous`: the tracked branch was
    force-pushed (or reset). The new head is still the branch's truth; `warnings` says so."""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """What went wrong and was repaired during this fetch, for a person to read: stale lock
    files removed, a corrupt cache rebuilt, a cache without a recorded URL claimed, a force
    push. Report them as they are; they already name the cache and the URL."""

    @property
    def short(self) -> str:
        return self.commit[:7]

    def fetched_ago(self, now: datetime | None = None) -> str:
        """`3 h ago` (`40 s`, `12 min`, `2 d`), or `at an unknown time` without `fetched_at`."""
        if self.fetched_at is None:
            return "at an unknown time"
        seconds = ((now or datetime.now(UTC)) - self.fetched_at).total_seconds()
        return f"{format_age(seconds)} ago"


def format_age(seconds: float) -> str:
    """`40 s`, `12 min`, `3 h`, `2 d`: an age for a person (negative ages are 0 s)."""
    if seconds < 90:
        return f"{max(0, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


@dataclass(frozen=True)
class Author:
    name: str = "reconciler"
    email: str = "reconciler@localhost"


@dataclass(frozen=True)
class BranchCommit:
    """A commit to make on `branch`, whose parent is `base`: each path of `changes` gets the new
    bytes, or is deleted when None. Other files are the base's, byte for byte."""

    branch: str
    base: str
    message: str
    changes: Mapping[str, bytes | None]
    author: Author = field(default_factory=Author)


class GitSourcePort(Protocol):
    """Read side: what a reconcile needs."""

    @property
    def url(self) -> str: ...

    @property
    def branch(self) -> str: ...

    def fetch(self) -> Revision:
        """Fetch the tracked branch; `GitFetchError` leaves the last good head in place.
        The result's `warnings` are for the run's report; `forced` flags a force push."""
        ...

    def last_good(self) -> Revision | None:
        """The head of the last successful fetch from this very URL (with `fetched_at`), or
        None; never a commit fetched from another remote."""
        ...

    def tree(self, commit: str, subdir: str | None = None) -> SourceTree: ...

    def changed_files(self, old: str, new: str) -> list[str]: ...


class GitRepo(GitSourcePort, Protocol):
    """Read and write: what a proposal needs on top of a reconcile."""

    def commit(self, request: BranchCommit) -> str:
        """Make the commit in the cache (not yet on the remote) and point `request.branch` at
        it; returns its sha. The same request twice gives the same tree."""
        ...

    def push(self, branch: str, *, expected: str | None = None) -> None:
        """Push `branch` to the remote. With `expected`, only if the remote branch is still at
        that sha (a lease: never overwrite someone else's push)."""
        ...

    def remote_head(self, branch: str) -> str | None:
        """The sha of `branch` on the remote, or None when it does not exist."""
        ...

    def delete_branch(self, branch: str) -> None:
        """Delete `branch` on the remote (a superseded proposal); missing is not an error."""
        ...
