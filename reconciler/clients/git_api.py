"""The git port: a tracked branch to read commits from, and to write proposal branches to.

`GitSource` (`reconciler.clients.git`) implements `GitRepo` over a bare cache. The runner only
reads (`fetch`, `last_good`, `tree`); proposals also write: a branch made from a base commit
with a set of file changes, pushed to the remote so a forge can open a pull request from it.

Errors (all `GitError`; messages never contain credentials):

    GitError
    ├── GitFetchError           the remote could not be fetched or pushed (transient: retry)
    ├── UnknownRevisionError    a commit is not in the cache
    └── SubdirNotFoundError     the requested subdirectory does not exist at that commit
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
    """A fetched commit of the tracked branch."""

    commit: str
    branch: str
    committed_at: datetime
    summary: str

    @property
    def short(self) -> str:
        return self.commit[:7]


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
        """Fetch the tracked branch; `GitFetchError` leaves the last good head in place."""
        ...

    def last_good(self) -> Revision | None: ...

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
