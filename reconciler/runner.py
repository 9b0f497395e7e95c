"""Run one source: fetch (the last good commit when the remote fails) → tree → plan or apply.

The CLI, the tour, the tests and the service all run a source through here, with typed
settings and no argparse:

    settings = SourceSettings(repo="https://github.com/acme/ops-specs", path="specs")
    with open_runner(settings, cluster="local:.state/cluster") as runner:
        result = runner.plan()          # or runner.apply()
        result.errors, result.plan.entries, result.warnings

`Runner` takes ports (a `GitSourcePort` and a `Cluster`); `open_runner` builds the concrete
adapters a `--cluster` value and a repo URL name, and closes them on exit. A failed fetch falls
back to the last good commit already in the cache, with a warning: a flaky git server must not
stop reconciliation, and must never make it prune.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.clients.builders import default_builders
from reconciler.clients.cluster_api import Cluster, ClusterError, TransientClusterError
from reconciler.clients.git import GitCredentials, GitSource
from reconciler.clients.git_api import GitError, GitFetchError, GitSourcePort, Revision
from reconciler.clients.gittree import normalize_subdir
from reconciler.clients.giturl import cache_dir_for, normalize_url
from reconciler.clients.gitwrite import GitRepository
from reconciler.clients.kubeconnect import connect
from reconciler.engine.core.inventory import SourceOrigin
from reconciler.engine.reconcile import DEFAULT_INVENTORY_NAMESPACE, Engine
from reconciler.engine.result import RunResult
from reconciler.specs.builds.port import Builders
from reconciler.specs.config import DriftMode
from reconciler.specs.tree import SourceTree


class RunnerError(Exception):
    """The source or the cluster could not be opened or read at all; nothing was planned.

    `transient` is true when trying again later may help (the remote was unreachable)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def source_origin(repo: str, path: str | None) -> SourceOrigin:
    """Where a source's specs come from, normalized: one repo spelled two ways (`.` and its
    absolute path, `https://host/org/specs.git` and `git@host:org/specs`) is one origin."""
    try:
        subdir = normalize_subdir(path)
    except GitError:
        subdir = path or ""  # refused later, when the tree is read
    return SourceOrigin(normalize_url(repo), subdir)


def source_name(origin: SourceOrigin) -> str:
    """The default source name, derived from the normalized URL and path, never from a
    directory name alone: `<last segment>[-<path>]-<8 hex digits of their hash>`, a valid
    label value. Two repos both called `specs` get two names; `--repo .` and the absolute path
    of the same repo get one."""
    last = origin.url.rstrip("/").rsplit("/", 1)[-1]
    readable = f"{last}-{origin.path}" if origin.path else last
    slug = "".join(c if c.isalnum() else "-" for c in readable.lower()).strip("-")[:40]
    digest = hashlib.sha256(f"{origin.url}#{origin.path}".encode()).hexdigest()[:8]
    return f"{slug.strip('-') or 'source'}-{digest}"


def default_cache_dir(repo: str) -> Path:
    """The git cache of a repo: keyed by its normalized URL (see `giturl.cache_dir_for`)."""
    return cache_dir_for(Path.home() / ".cache" / "reconciler" / "git", repo)


@dataclass(frozen=True)
class SourceSettings:
    """Where one source's specs come from."""

    repo: str
    """A git URL or a local path (`file://` too)."""
    ref: str = "main"
    """The tracked branch: only its commits are ever applied."""
    path: str | None = None
    """The subdirectory holding `reconciler.yaml` and the specs (default: the repo root)."""
    name: str | None = None
    """The source's name (labels, inventory): this, else `source:` in reconciler.yaml, else
    derived from the normalized repo URL and path (`source_name`)."""
    cache_dir: Path | None = None
    """The bare git cache (default: ~/.cache/reconciler/git/<slug>-<hash of the URL>)."""

    @property
    def origin(self) -> SourceOrigin:
        return source_origin(self.repo, self.path)

    @property
    def source(self) -> str:
        return self.name or source_name(self.origin)


@dataclass(frozen=True)
class RunSettings:
    """How to run it."""

    drift_mode: DriftMode | None = None
    """Overrides `reconciler.yaml`'s `drift.mode` for these runs when set."""
    inventory_namespace: str = DEFAULT_INVENTORY_NAMESPACE
    """Where the inventory ConfigMaps live."""
    adopt: bool = False
    """Take over objects labelled as another source's (else they are held as conflicts)."""


@dataclass
class Runner:
    """One source against one cluster. Thread-compatible, not thread-safe: one run at a time
    (the service's per-source queue guarantees that).

    `source` is the name; `origin` (normalized URL and path) is recorded in the inventory, and a
    run whose origin differs from the recorded one is refused. `named` says the name was given
    explicitly (then reconciler.yaml's `source:` does not rename it)."""

    git: GitSourcePort | None
    cluster: Cluster
    source: str
    subdir: str | None = None
    settings: RunSettings = field(default_factory=RunSettings)
    origin: SourceOrigin | None = None
    named: bool = True
    builders: Builders = field(default_factory=default_builders)
    """Kustomize and Helm, each behind a cache that lives as long as the runner: a re-plan
    rebuilds only the paths whose inputs changed."""

    @property
    def engine(self) -> Engine:
        return Engine(
            self.cluster,
            source=self.source,
            inventory_namespace=self.settings.inventory_namespace,
            drift_mode=self.settings.drift_mode,
            origin=self.origin,
            source_is_default=not self.named,
            adopt=self.settings.adopt,
            builders=self.builders,
        )

    def checkout(self) -> tuple[SourceTree, Revision, str | None]:
        """The tree of the tracked branch's head (or of the last good commit, with why)."""
        return self._checkout()

    def plan(self) -> RunResult:
        """Plan the tracked branch's head (or the last good commit)."""
        tree, revision, stale = self._checkout()
        return _noted(self.engine.plan(tree, revision.commit), revision, stale)

    def apply(self) -> RunResult:
        """Apply the tracked branch's head (or the last good commit)."""
        tree, revision, stale = self._checkout()
        return _noted(self.engine.apply(tree, revision.commit), revision, stale)

    def plan_tree(self, tree: SourceTree, commit: str | None = None) -> RunResult:
        """Plan any tree: a working copy (`plan --watch`) or a proposal's overlay."""
        return self.engine.plan(tree, commit)

    def _checkout(self) -> tuple[SourceTree, Revision, str | None]:
        if self.git is None:
            raise RunnerError("no git source: only plan_tree() can run")
        stale = None
        try:
            revision = self.git.fetch()
        except GitFetchError as exc:
            last = self.git.last_good()
            if last is None:
                raise RunnerError(
                    f"cannot fetch {self.git!r} and no earlier commit: {exc}", transient=True
                ) from exc
            stale = f"fetch failed ({exc}); using last good commit {last.short}{_age(last)}"
            revision = last
        except GitError as exc:
            raise RunnerError(str(exc)) from exc
        try:
            return self.git.tree(revision.commit, self.subdir), revision, stale
        except GitError as exc:
            raise RunnerError(str(exc)) from exc


def _age(revision: Revision) -> str:
    """`, fetched 3 h ago` (or `at an unknown time`): how stale the fallback is."""
    return f", fetched {revision.fetched_ago()}"


def _noted(result: RunResult, revision: Revision, stale: str | None) -> RunResult:
    """The git source's own warnings (a force-pushed branch, a cache rebuilt, stale locks
    removed) and the staleness of a fallback go first in the run's warnings."""
    notes = [*revision.warnings]
    if stale is not None:
        result.stale = stale
        notes.insert(0, stale)
    result.warnings[:0] = notes
    return result


@contextmanager
def open_runner(
    source: SourceSettings,
    *,
    cluster: str,
    kubeconfig: str | None = None,
    settings: RunSettings | None = None,
    fetch: bool = True,
    writable: bool = False,
) -> Iterator[Runner]:
    """A `Runner` over the concrete adapters: `GitSource` for the repo (unless `fetch` is
    False: working-tree runs; a `GitRepository`, which can also push, when `writable`) and
    `connect(cluster)`. Raises `RunnerError`."""
    settings = settings or RunSettings()
    git: GitSource | None = None
    if fetch:
        cache = source.cache_dir or default_cache_dir(source.repo)
        try:
            git = (GitRepository if writable else GitSource)(
                source.repo,
                branch=source.ref,
                cache_dir=cache,
                credentials=GitCredentials.from_env(),
            )
        except GitError as exc:
            raise RunnerError(str(exc)) from exc
    try:
        with connect(cluster, kubeconfig=kubeconfig) as kube:
            try:
                yield Runner(
                    git,
                    kube,
                    source.source,
                    source.path,
                    settings,
                    origin=source.origin,
                    named=source.name is not None,
                )
            finally:
                if git is not None:
                    git.close()
    except ClusterError as exc:
        transient = isinstance(exc, TransientClusterError)
        raise RunnerError(str(exc), transient=transient) from exc
