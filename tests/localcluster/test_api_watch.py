"""Watch streams: replay from a resourceVersion, live events, 410 Expired, timeouts."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from kubernetes import client as k8s
from kubernetes import watch

from reconciler.localcluster.server import start_local_cluster
from tests.localcluster.conftest import RunningCluster


def _events(http: httpx.Client, path: str, **params: str) -> list[dict[str, Any]]:
    with http.stream("GET", path, params={"watch": "true", **params}) as response:
        assert response.status_code == 200
        return [json.loads(line) for line in response.iter_lines() if line]


def test_watch_replays_changes_after_a_resource_version(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    created = v1.create_namespaced_config_map(ns, {"metadata": {"name": "c"}, "data": {"a": "1"}})
    v1.patch_namespaced_config_map("c", ns, {"data": {"a": "2"}})
    v1.delete_namespaced_config_map("c", ns)
    stream = watch.Watch().stream(
        v1.list_namespaced_config_map,
        ns,
        resource_version=created.metadata.resource_version,
        timeout_seconds=1,
    )
    seen = [(e["type"], e["object"].data) for e in stream]
    assert seen == [("MODIFIED", {"a": "2"}), ("DELETED", {"a": "2"})]


def test_watch_without_version_lists_then_follows(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "old", "labels": {"w": "1"}}})

    def later() -> None:
        time.sleep(0.3)
        v1.create_namespaced_config_map(ns, {"metadata": {"name": "new", "labels": {"w": "1"}}})
        v1.create_namespaced_config_map(ns, {"metadata": {"name": "other"}})

    writer = threading.Thread(target=later)
    writer.start()
    started = time.monotonic()
    events = _events(
        cluster.http, f"/api/v1/namespaces/{ns}/configmaps", labelSelector="w", timeoutSeconds="2"
    )
    writer.join()
    assert 1.5 < time.monotonic() - started < 4  # ended by timeoutSeconds
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "old"),
        ("ADDED", "new"),
    ]


def test_watch_list_ends_initial_events_with_a_bookmark(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    k8s.CoreV1Api(cluster.api).create_namespaced_config_map(ns, {"metadata": {"name": "c"}})
    events = _events(
        cluster.http,
        f"/api/v1/namespaces/{ns}/configmaps",
        sendInitialEvents="true",
        resourceVersionMatch="NotOlderThan",
        allowWatchBookmarks="true",
        timeoutSeconds="1",
    )
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    annotations = events[1]["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}


def test_watch_from_a_compacted_version_is_410_expired(tmp_path: Path) -> None:
    small = start_local_cluster(tmp_path, event_log_size=5)
    with small, httpx.Client(base_url=small.url) as http:
        for i in range(30):
            response = http.post(
                "/api/v1/namespaces/default/configmaps", json={"metadata": {"name": f"c{i}"}}
            )
            assert response.status_code == 201
        events = _events(http, "/api/v1/namespaces/default/configmaps", resourceVersion="2")
    [error] = events
    assert error["type"] == "ERROR"
    status = error["object"]
    assert (status["code"], status["reason"]) == (410, "Expired")
    assert status["message"].startswith("too old resource version: 2 (")
