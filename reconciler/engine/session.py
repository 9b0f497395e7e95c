"""A CLI session: the git source and the cluster a command names, opened and closed together.

A fetch that fails falls back to the last good commit already in the cache, with a warning: a
flaky git server must not stop reconciliation, and must never make it prune.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconciler.clients.cluster import connect
from reconciler.clients.cluster_api import Cluster, ClusterError
from reconciler.clients.git import GitCredentials, GitError, GitSource
from reconciler.engine.reconcile import Engine, RunResult
from reconciler.specs.config import DriftMode


class SessionError(Exception):
    """The source or the cluster could not be opened at all."""


def source_name(repo: str) -> str:
    name = repo.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git").lower()
    cleaned = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    return cleaned[:40] or "default"


def default_cache_dir(repo: str) -> Path:
    return Path.home() / ".cache" / "reconciler" / "git" / source_name(repo)


@dataclass
class Session:
    git: GitSource
    cluster: Cluster
    source: str
    subdir: str | None
    drift_mode: DriftMode | None = None

    def run(self, mode: str) -> RunResult:
        warnings = []
        try:
            revision = self.git.fetch()
        except GitError as exc:
            last = self.git.last_good()
            if last is None:
                raise SessionError(
                    f"cannot fetch {self.git!r} and no earlier commit: {exc}"
                ) from exc
            warnings.append(f"fetch failed ({exc}); using last good commit {last.short}")
            revision = last
        try:
            tree = self.git.tree(revision.commit, self.subdir)
        except GitError as exc:
            raise SessionError(str(exc)) from exc
        engine = Engine(self.cluster, source=self.source, drift_mode=self.drift_mode)
        result = (
            engine.apply(tree, revision.commit)
            if mode == "apply"
            else engine.plan(tree, revision.commit)
        )
        result.warnings[:0] = warnings
        return result


@contextmanager
def open_session(args: argparse.Namespace) -> Iterator[Session]:
    cache = args.cache_dir or default_cache_dir(args.repo)
    try:
        git = GitSource(
            args.repo, branch=args.ref, cache_dir=cache, credentials=GitCredentials.from_env()
        )
    except GitError as exc:
        raise SessionError(str(exc)) from exc
    try:
        with git, connect(args.cluster, kubeconfig=args.kubeconfig) as cluster:
            name = args.source or source_name(args.repo)
            yield Session(git, cluster, name, args.path, getattr(args, "drift_mode", None))
    except ClusterError as exc:
        raise SessionError(str(exc)) from exc
