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

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.clients.cluster_api import Cluster, ClusterError, TransientClusterError
from reconciler.clients.git import GitCredentials, GitSource
from reconciler.clients.git_api import GitError, GitFetchError, GitSourcePort, Revision
from reconciler.clients.kubeconnect import connect
from reconciler.engine.reconcile import DEFAULT_INVENTORY_NAMESPACE, Engine
from reconciler.engine.result import RunResult
from reconciler.specs.config import DriftMode
from reconciler.specs.tree import SourceTree


class RunnerError(Exception):
    """The source or the cluster could not be opened or read at all; nothing was planned.

    `transient` is true when trying again later may help (the remote was unreachable)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def source_name(repo: str) -> str:
    """The default source name: the repo's last path segment, DNS-label-like."""
    name = repo.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git").lower()
    cleaned = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    return cleaned[:40] or "default"


def default_cache_dir(repo: str) -> Path:
    return Path.home() / ".cache" / "reconciler" / "git" / source_name(repo)


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
    """The source's name (labels, inventory); default: from the repo URL."""
    cache_dir: Path | None = None
    """The bare git cache (default: ~/.cache/reconciler/git/<name>)."""

    @property
    def source(self) -> str:
        return self.name or source_name(self.repo)


@dataclass(frozen=True)
class RunSettings:
    """How to run it."""

    drift_mode: DriftMode | None = None
    """Overrides `reconciler.yaml`'s `drift.mode` for these runs when set."""
    inventory_namespace: str = DEFAULT_INVENTORY_NAMESPACE
    """Where the inventory ConfigMaps live."""


@dataclass
class Runner:
    """One source against one cluster. Thread-compatible, not thread-safe: one run at a time
    (the service's per-source queue guarantees that)."""

    git: GitSourcePort | None
    cluster: Cluster
    source: str
    subdir: str | None = None
    settings: RunSettings = field(default_factory=RunSettings)

    @property
    def engine(self) -> Engine:
        return Engine(
            self.cluster,
            source=self.source,
            inventory_namespace=self.settings.inventory_namespace,
            drift_mode=self.settings.drift_mode,
        )

    def plan(self) -> RunResult:
        """Plan the tracked branch's head (or the last good commit)."""
        tree, revision, warnings = self._checkout()
        return _warned(self.engine.plan(tree, revision.commit), warnings)

    def apply(self) -> RunResult:
        """Apply the tracked branch's head (or the last good commit)."""
        tree, revision, warnings = self._checkout()
        return _warned(self.engine.apply(tree, revision.commit), warnings)

    def plan_tree(self, tree: SourceTree, commit: str | None = None) -> RunResult:
        """Plan any tree: a working copy (`plan --watch`) or a proposal's overlay."""
        return self.engine.plan(tree, commit)

    def _checkout(self) -> tuple[SourceTree, Revision, list[str]]:
        if self.git is None:
            raise RunnerError("no git source: only plan_tree() can run")
        warnings = []
        try:
            revision = self.git.fetch()
        except GitFetchError as exc:
            last = self.git.last_good()
            if last is None:
                raise RunnerError(
                    f"cannot fetch {self.git!r} and no earlier commit: {exc}", transient=True
                ) from exc
            warnings.append(f"fetch failed ({exc}); using last good commit {last.short}")
            revision = last
        except GitError as exc:
            raise RunnerError(str(exc)) from exc
        try:
            return self.git.tree(revision.commit, self.subdir), revision, warnings
        except GitError as exc:
            raise RunnerError(str(exc)) from exc


def _warned(result: RunResult, warnings: list[str]) -> RunResult:
    result.warnings[:0] = warnings
    return result


@contextmanager
def open_runner(
    source: SourceSettings,
    *,
    cluster: str,
    kubeconfig: str | None = None,
    settings: RunSettings | None = None,
    fetch: bool = True,
) -> Iterator[Runner]:
    """A `Runner` over the concrete adapters: `GitSource` for the repo (unless `fetch` is
    False: working-tree runs) and `connect(cluster)`. Raises `RunnerError`."""
    settings = settings or RunSettings()
    git: GitSource | None = None
    if fetch:
        cache = source.cache_dir or default_cache_dir(source.repo)
        try:
            git = GitSource(
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
                yield Runner(git, kube, source.source, source.path, settings)
            finally:
                if git is not None:
                    git.close()
    except ClusterError as exc:
        transient = isinstance(exc, TransientClusterError)
        raise RunnerError(str(exc), transient=transient) from exc
