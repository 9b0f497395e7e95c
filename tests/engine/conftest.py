"""Fixtures for engine scenarios: a real git repo, the embedded cluster, and the real kubectl.

The builders they return live in `tests/support/scenario.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.clients.git import GitSource
from reconciler.clients.kubeconnect import connect
from reconciler.localcluster.server import LocalCluster, start_local_cluster
from tests.support.scenario import Harness, SpecRepo, new_spec_repo


@pytest.fixture
def spec_repo(tmp_path: Path) -> SpecRepo:
    return new_spec_repo(tmp_path / "specs-repo")


@pytest.fixture
def harness(tmp_path: Path, spec_repo: SpecRepo) -> Iterator[Harness]:
    local = start_local_cluster(tmp_path / "cluster")
    try:
        with (
            connect("kube", kubeconfig=str(local.kubeconfig_path)) as cluster,
            GitSource(spec_repo.path.as_uri(), cache_dir=tmp_path / "cache") as source,
        ):
            yield Harness(local, cluster, source)
    finally:
        local.stop()


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalCluster]:
    """The embedded cluster alone (proposal scenarios drive it through the CLI)."""
    cluster = start_local_cluster(tmp_path / "cluster")
    yield cluster
    cluster.stop()
