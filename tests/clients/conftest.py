"""Fixtures for the client tests: the embedded server through the official client, per module,
and a fresh namespace per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from reconciler.clients.cluster import KubeCluster
from reconciler.clients.kubeconnect import connect

MANAGER = "reconciler"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeCluster]:
    with connect(f"local:{tmp_path_factory.mktemp('localcluster')}") as cluster:
        yield cluster


@pytest.fixture
def ns(local: KubeCluster) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    local.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        field_manager=MANAGER,
    )
    return name
