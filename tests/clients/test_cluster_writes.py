"""The cluster port's create, optimistic replace and watch, through the official client against
the embedded server: what Leases and the watch cache will build on."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from reconciler.clients.cluster import KubeCluster
from reconciler.clients.cluster_api import ClusterError, ConflictError, WatchEvent
from tests.clients.conftest import MANAGER


def lease(ns: str, holder: str, rv: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "source-demo", "namespace": ns}
    if rv is not None:
        metadata["resourceVersion"] = rv
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": metadata,
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15},
    }


def test_create_takes_a_name_once(local: KubeCluster, ns: str) -> None:
    created = local.create(lease(ns, "replica-a"), field_manager=MANAGER)
    assert created["spec"]["holderIdentity"] == "replica-a"
    with pytest.raises(ConflictError) as caught:
        local.create(lease(ns, "replica-b"), field_manager=MANAGER)
    assert caught.value.status == 409 and caught.value.ref == f"Lease/{ns}/source-demo"


def test_replace_succeeds_only_from_the_current_version(local: KubeCluster, ns: str) -> None:
    first = local.create(lease(ns, "replica-a"), field_manager=MANAGER)
    rv = first["metadata"]["resourceVersion"]
    taken = local.replace(lease(ns, "replica-b", rv), field_manager=MANAGER)
    assert taken["spec"]["holderIdentity"] == "replica-b"
    assert taken["metadata"]["resourceVersion"] != rv
    with pytest.raises(ConflictError):  # replica-c read the old version: it must lose
        local.replace(lease(ns, "replica-c", rv), field_manager=MANAGER)
    live = local.get("coordination.k8s.io/v1", "Lease", ns, "source-demo")
    assert live is not None and live["spec"]["holderIdentity"] == "replica-b"
    with pytest.raises(ClusterError, match="resourceVersion"):
        local.replace(lease(ns, "replica-d"), field_manager=MANAGER)  # a blind overwrite


def test_watch_sees_changes_from_a_resource_version(local: KubeCluster, ns: str) -> None:
    start = local.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": ns}},
        field_manager=MANAGER,
    )["metadata"]["resourceVersion"]
    seen: list[WatchEvent] = []
    done = threading.Event()

    def watch() -> None:
        for event in local.watch(
            "v1", "ConfigMap", namespace=ns, resource_version=start, timeout_seconds=5
        ):
            if event.type != "BOOKMARK":
                seen.append(event)
            if len(seen) == 2:
                break
        done.set()

    thread = threading.Thread(target=watch)
    thread.start()
    local.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "b", "namespace": ns},
            "data": {"k": "v"},
        },
        field_manager=MANAGER,
    )
    local.delete("v1", "ConfigMap", ns, "a")
    assert done.wait(10), seen
    thread.join(5)
    assert [(e.type, e.object["metadata"]["name"]) for e in seen] == [
        ("ADDED", "b"),
        ("DELETED", "a"),
    ]
    assert seen[0].object["kind"] == "ConfigMap" and seen[0].resource_version


def test_a_watch_from_a_forgotten_version_is_expired(tmp_path: Any) -> None:
    from kubernetes import config as kube_config

    from reconciler.clients.cluster_api import WatchExpiredError
    from reconciler.localcluster.server import start_local_cluster

    with start_local_cluster(tmp_path / "c", event_log_size=2) as handle:
        client = kube_config.new_client_from_config(config_file=str(handle.kubeconfig_path))
        try:
            cluster = KubeCluster(client)
            first = cluster.create(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "w"}},
                field_manager=MANAGER,
            )["metadata"]["resourceVersion"]
            for i in range(5):
                cluster.apply(
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": f"c{i}", "namespace": "w"},
                    },
                    field_manager=MANAGER,
                )
            with pytest.raises(WatchExpiredError) as caught:
                list(cluster.watch("v1", "ConfigMap", resource_version=first, timeout_seconds=2))
            assert caught.value.status == 410
        finally:
            client.close()
