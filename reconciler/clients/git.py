"""The git source: fetch a tracked branch into a bare cache and read commits from it.

The reconciler never reads a remote's working copy. `GitSource.fetch()` updates a bare
repository at `cache_dir` (one ref per tracked branch, `refs/remotes/origin/<branch>`) and
returns the branch head as a `Revision`; `tree(commit)` then reads that exact commit from git
objects. A failed fetch raises `GitFetchError` and leaves the ref untouched, so the last good
revision survives in the cache (and across restarts) and `last_good()` returns it:

    url = "https://github.com/acme/ops-specs"
    source = GitSource(url, branch="main",
                       cache_dir=cache_dir_for(Path("/var/cache/reconciler/git"), url),
                       credentials=GitCredentials.from_env())
    try:
        revision = source.fetch()
        warnings = list(revision.warnings)   # stale locks removed, cache rebuilt, force push
    except GitFetchError as err:          # remote down: keep serving what we had
        revision = source.last_good()     # None before the first successful fetch
        log.warning("%s; last good commit %s, fetched %s", err, revision.short,
                    revision.fetched_ago())
    tree = source.tree(revision.commit, subdir="specs")

Trust rules:

- One cache, one remote. `cache_dir_for(root, url)` names a cache after the normalized URL
  (`normalize_url`), which the cache also records (`git config reconciler.url`). A cache
  recorded for another URL is refused (`GitError`) and `last_good()` is None for it; a cache
  with no record (an older version's) has its refs dropped before it is used. So a fallback
  only ever returns a commit fetched from this very URL.
- Staleness is visible: `Revision.fetched_at` is when the head was last fetched successfully
  (kept in the cache, so it survives restarts).
- A git that died mid-fetch leaves lock files that would fail every later fetch; those older
  than `timeout` (no live fetch runs that long) are removed before fetching.
- A corrupt cache (see `gitcache`) is moved aside to `<cache_dir>.broken` and rebuilt from the
  remote; when the remote is down too, `fetch()` raises `GitFetchError` and `last_good()` is
  None. gitpython's exceptions never escape: every failure is a `GitError`.
- A non-fast-forward update of the tracked branch (a force push) is applied, as the branch is
  the truth, but flagged: `Revision.forced`, `Revision.previous` and a warning.

Credentials never touch a URL that is stored or logged (`reconciler.clients.gitauth`): a
`https://user:secret@host/...` URL is split on construction into a bare URL plus credentials,
and every message and `repr()` goes through `redact()`.

Errors are the `GitError` tree of the port, `reconciler.clients.git_api`.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import git

from reconciler.clients.git_api import (
    GitError,
    GitFetchError,
    Revision,
    SubdirNotFoundError,
    UnknownRevisionError,
)
from reconciler.clients.gitauth import HELPER, GitCredentials, helper_env, redact, split_url
from reconciler.clients.gitcache import (
    BareCache,
    CacheCommandError,
    CacheState,
    FetchRecord,
    move_aside,
    remove,
)
from reconciler.clients.gittree import READ_ERRORS, GitTree
from reconciler.clients.giturl import cache_dir_for, normalize_url

__all__ = [
    "GitCredentials",
    "GitError",
    "GitFetchError",
    "GitSource",
    "Revision",
    "SubdirNotFoundError",
    "UnknownRevisionError",
    "cache_dir_for",
    "normalize_url",
    "redact",
]

_BRANCH_OK = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![./])$")


@dataclass
class _Shared:
    """What every `GitSource` on one cache directory shares: one lock (two sources of one URL,
    e.g. two branches, share a cache) and a count of rebuilds (reopen after one)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    generation: int = 0


_SHARED: dict[str, _Shared] = {}
_SHARED_LOCK = threading.Lock()


def _shared_for(path: Path) -> _Shared:
    with _SHARED_LOCK:
        return _SHARED.setdefault(os.path.abspath(path), _Shared())


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GitSource:
    """One remote branch, cached in a bare repository at `cache_dir`.

    Safe to share between threads: git calls are serialized by a lock per cache directory.
    Call `close()` (or use it as a context manager) to stop git's helper processes. `clock`
    (default: now, UTC) stamps `Revision.fetched_at`."""

    def __init__(
        self,
        url: str,
        *,
        branch: str = "main",
        cache_dir: Path,
        credentials: GitCredentials | None = None,
        timeout: float = 120.0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if not _BRANCH_OK.match(branch):
            raise GitError(f"invalid branch name {branch!r}")
        self.url, url_credentials = split_url(url)
        self.normalized_url = normalize_url(self.url)
        self.branch = branch
        self.cache_dir = Path(cache_dir)
        self.credentials = credentials or url_credentials
        self.timeout = timeout  # seconds for one fetch: a hung remote must not stall reconciles
        self._clock = clock
        self._cache = BareCache(self.cache_dir, self.normalized_url, timeout=timeout)
        self._shared = _shared_for(self.cache_dir)
        self._lock = self._shared.lock
        self._repo: git.Repo | None = None
        self._generation = 0

    @property
    def ref(self) -> str:
        """The cache ref that holds the last fetched head."""
        return f"refs/remotes/origin/{self.branch}"

    def __repr__(self) -> str:
        return f"GitSource(url={redact(self.url)!r}, branch={self.branch!r})"

    def __enter__(self) -> GitSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._close_repo()

    # -- fetching ---------------------------------------------------------------------------

    def fetch(self) -> Revision:
        """Fetch the tracked branch and return its head, with `fetched_at` now, `previous`,
        `forced` and `warnings` (see `Revision`).

        Raises `GitFetchError` when the remote fails (the cache keeps the previous head: see
        `last_good()`), and `GitError` for a cache that is not this URL's."""
        with self._lock:
            warnings: list[str] = []
            health = self._cache.inspect()
            if health.state is CacheState.FOREIGN:
                raise GitError(health.detail)
            if health.state is CacheState.CORRUPT:
                return self._rebuild(health.detail, warnings)
            try:
                if health.state is CacheState.MISSING:
                    self._cache.create()
                elif health.state is CacheState.UNOWNED:
                    self._cache.claim()
                    warnings.append(
                        f"cache {self.cache_dir} recorded no URL; its refs were dropped and it "
                        f"now belongs to {redact(self.normalized_url)}"
                    )
            except (CacheCommandError, OSError) as err:
                raise GitError(f"cannot prepare cache {self.cache_dir}: {err}") from None
            # Lock files carry the file system's clock, not `clock`.
            warnings += self._cache.remove_stale_locks(older_than=self.timeout, now=time.time())
            previous = self._cache.head(self.ref)
            try:
                self._fetch_into(self._cache)
            except GitFetchError:
                problem = self._problem(previous)  # did a broken cache make it fail?
                if problem is not None:
                    return self._rebuild(problem, warnings)
                raise
            head = self._cache.head(self.ref)
            if head is None:
                return self._rebuild("the fetched head cannot be read", warnings)
            problem = self._cache.problem_with(head)  # git checked what came; not what was
            if problem is not None:
                return self._rebuild(problem, warnings)
            return self._record(head, previous, warnings)

    def last_good(self) -> Revision | None:
        """The head recorded by the last successful fetch from this URL (kept in the cache
        across restarts), or None: nothing fetched yet, or the cache is another URL's, has no
        recorded URL, or is corrupt. Never raises for what is on disk."""
        with self._lock:
            if self._cache.inspect().state is not CacheState.OURS:
                return None
            head = self._cache.head(self.ref)
            if head is None:
                return None
            record = self._cache.read_record(self.branch)
            fetched_at = record.fetched_at if record and record.commit == head else None
            try:
                committed_at, summary = self._cache.commit_info(head)
            except (CacheCommandError, ValueError):
                return None
            return Revision(head, self.branch, committed_at, summary, fetched_at=fetched_at)

    def _problem(self, head: str | None) -> str | None:
        """Why the cache cannot be used, or None; with `head`, also every object it needs."""
        health = self._cache.inspect()
        if health.state is CacheState.CORRUPT:
            return health.detail
        return self._cache.problem_with(head) if head else None

    def _fetch_into(self, cache: BareCache) -> None:
        secret = self.credentials.password() if self.credentials else ""
        args: list[str] = []
        if self.credentials is not None:
            args += ["-c", "credential.helper=", "-c", f"credential.helper={HELPER}"]
        args += ["fetch", "--no-tags", "--quiet", "--no-write-fetch-head", "--", self.url]
        args.append(f"+refs/heads/{self.branch}:{self.ref}")
        try:
            cache.git(*args, env=helper_env(self.credentials, secret))
        except CacheCommandError as err:
            reason = f"timed out after {self.timeout:g} s" if err.returncode is None else None
            message = f"fetching {self.url} ({self.branch}) failed: {reason or err.reason}"
            raise GitFetchError(redact(message, secret)) from None

    def _rebuild(self, problem: str, warnings: list[str]) -> Revision:
        """Fetch into a fresh cache beside the broken one; only when that worked, move the
        broken one to `<cache_dir>.broken` and the fresh one into its place."""
        fresh_dir = self.cache_dir.with_name(self.cache_dir.name + ".rebuild")
        fresh = BareCache(fresh_dir, self.normalized_url, timeout=self.timeout)
        unusable = f"cache {self.cache_dir} is unusable ({problem})"
        remove(fresh_dir)
        try:
            fresh.create()
            self._fetch_into(fresh)
            head = fresh.head(self.ref)
            bad = fresh.problem_with(head) if head else "no head after fetch"
            if head is None or bad is not None:
                raise GitError(f"{unusable}, and so is a fresh fetch: {bad}")
        except GitFetchError as err:
            remove(fresh_dir)
            raise GitFetchError(f"{unusable}, and it cannot be rebuilt: {err}") from None
        except GitError:
            remove(fresh_dir)
            raise
        except (CacheCommandError, OSError) as err:
            remove(fresh_dir)
            raise GitError(f"{unusable}, and it cannot be rebuilt: {err}") from None
        self._close_repo()
        try:
            broken = move_aside(self.cache_dir)
            os.replace(fresh_dir, self.cache_dir)
        except OSError as err:
            remove(fresh_dir)
            raise GitError(f"{unusable}; cannot replace it: {err}") from None
        self._shared.generation += 1
        warnings.append(
            f"{unusable}; rebuilt it from {redact(self.url)} (the broken one is at {broken})"
        )
        return self._record(head, None, warnings)

    def _record(self, head: str, previous: str | None, warnings: list[str]) -> Revision:
        """The Revision of a successful fetch, after recording when it happened."""
        fetched_at = self._clock().astimezone(UTC)
        try:
            self._cache.write_record(self.branch, FetchRecord(head, fetched_at))
        except OSError as err:
            warnings.append(f"cannot record when {self.branch} was fetched: {err}")
        forced = False
        if previous is not None and previous != head:
            forced = self._cache.is_ancestor(previous, head) is False
            if forced:
                warnings.append(
                    f"{self.branch} of {redact(self.url)} was force-pushed: its new head "
                    f"{head[:7]} does not descend from {previous[:7]}, the head fetched before"
                )
        try:
            committed_at, summary = self._cache.commit_info(head)
        except (CacheCommandError, ValueError) as err:
            raise GitError(f"{redact(self.url)}: cannot read commit {head[:7]}: {err}") from None
        return Revision(
            head,
            self.branch,
            committed_at,
            summary,
            fetched_at=fetched_at,
            previous=previous,
            forced=forced,
            warnings=tuple(warnings),
        )

    # -- reading ----------------------------------------------------------------------------

    def tree(self, commit: str, subdir: str | None = None) -> GitTree:
        """The files of `commit` (a sha or any revision in the cache), under `subdir` if given.

        Raises `UnknownRevisionError`, `SubdirNotFoundError`, or `GitError` (a cache that is
        not this URL's, or cannot be read)."""
        with self._lock, self._reading(commit):
            repo = self._require()
            return GitTree(
                repo, _resolve(repo, commit), subdir, url=redact(self.url), lock=self._lock
            )

    def changed_files(self, old: str, new: str) -> list[str]:
        """Repo-root paths that differ between two commits, sorted; a rename lists both paths."""
        with self._lock, self._reading(f"{old}..{new}"):
            repo = self._require()
            a, b = _resolve(repo, old).hexsha, _resolve(repo, new).hexsha
            out = repo.git.diff("--name-only", "-z", "--no-renames", "--no-ext-diff", a, b, "--")
            return sorted({p for p in str(out).split("\0") if p})

    @contextmanager
    def _reading(self, what: str) -> Iterator[None]:
        try:
            yield
        except READ_ERRORS as err:
            raise GitError(f"{redact(self.url)}: cannot read {what}: {err}") from None

    def _require(self) -> git.Repo:
        health = self._cache.inspect()
        if health.state is CacheState.FOREIGN:
            raise GitError(health.detail)
        if health.state is CacheState.CORRUPT:
            raise GitError(f"cache {self.cache_dir} is unusable ({health.detail})")
        if health.state is not CacheState.OURS:
            raise UnknownRevisionError(f"{redact(self.url)}: nothing fetched yet")
        if self._repo is not None and self._generation != self._shared.generation:
            self._close_repo()  # the cache was rebuilt under this handle
        if self._repo is None:
            repo = git.Repo(self.cache_dir)
            repo.git.update_environment(GIT_DIR=str(self.cache_dir))
            self._repo, self._generation = repo, self._shared.generation
        return self._repo

    def _close_repo(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None


def _resolve(repo: git.Repo, rev: str) -> git.Commit:
    """The commit `rev` names, verified to exist (a full sha alone is not checked by gitpython)."""
    try:
        sha = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    except git.GitCommandError:
        raise UnknownRevisionError(f"unknown commit {rev!r}") from None
    return repo.commit(str(sha))
