"""The embedded cluster's stand-in controllers (namespace, deployment, endpointslice), seen
through the official client, httpx and the real kubectl, on a server that runs them all.
The HPA controller has its own module (`test_hpa_controller`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from reconciler.localcluster.controllers import CONTROLLER_NAMES, parse_controllers
from reconciler.localcluster.server import start_local_cluster
from tests.localcluster.conftest import RunningCluster

T = TypeVar("T")
MANAGER = "kube-controller-manager"
READY = "localcluster.reconciler.dev/ready-replicas"


def eventually(probe: Callable[[], T | None], timeout: float = 5.0) -> T:
    """Poll `probe` until it answers something truthy (controllers act in their own thread)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s: {probe}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A server running every controller."""
    root = tmp_path_factory.mktemp("controllers")
    handle = start_local_cluster(root / "state", controllers=frozenset(CONTROLLER_NAMES))
    api = k8s_config.new_client_from_config(config_file=str(handle.kubeconfig_path))
    http = httpx.Client(base_url=handle.url, timeout=10)
    (root / "home").mkdir()
    try:
        yield RunningCluster(handle, api, http, root / "home")
    finally:
        http.close()
        api.close()
        handle.stop()


def deployment(name: str, replicas: int, *, image: str = "nginx:1.27") -> dict[str, Any]:
    container = {"name": "app", "image": image, "ports": [{"name": "http", "containerPort": 8080}]}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container]},
            },
        },
    }


def get(live: RunningCluster, path: str) -> dict[str, Any]:
    response = live.http.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entry(obj: dict[str, Any], manager: str, subresource: str | None) -> dict[str, Any] | None:
    for item in obj["metadata"].get("managedFields") or []:
        if item["manager"] == manager and item.get("subresource") == subresource:
            return dict(item)
    return None


def test_parse_controllers() -> None:
    assert parse_controllers("all") == frozenset(CONTROLLER_NAMES)
    assert parse_controllers(" namespace, hpa ") == {"namespace", "hpa"}
    assert parse_controllers("") == parse_controllers("none") == frozenset()
    with pytest.raises(ValueError, match="unknown controller pods"):
        parse_controllers("hpa,pods")
    with pytest.raises(ValueError, match="unknown controllers: pods"):
        start_local_cluster(Path("/nonexistent"), controllers=frozenset({"pods"}))


def test_deployment_gets_a_replica_set_and_a_complete_rollout(live: RunningCluster) -> None:
    ns = live.new_namespace()
    apps = k8s.AppsV1Api(live.api)
    apps.create_namespaced_deployment(ns, deployment("web", 3))
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    done = eventually(lambda: (d := get(live, path))["status"].get("availableReplicas") and d)
    status = done["status"]
    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 1,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
    }
    sets = get(live, f"/apis/apps/v1/namespaces/{ns}/replicasets")["items"]
    assert len(sets) == 1
    rs = sets[0]
    template_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{template_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {
        "app": "web",
        "pod-template-hash": template_hash,
    }
    assert rs["metadata"]["ownerReferences"][0]["uid"] == done["metadata"]["uid"]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert rs["status"]["readyReplicas"] == 3
    conditions = {c["type"]: c for c in status["conditions"]}
    assert [c["type"] for c in status["conditions"]] == ["Available", "Progressing"]
    assert (conditions["Available"]["status"], conditions["Available"]["reason"]) == (
        "True",
        "MinimumReplicasAvailable",
    )
    assert conditions["Progressing"]["message"] == (
        f'ReplicaSet "web-{template_hash}" has successfully progressed.'
    )
    written = entry(done, MANAGER, "status")
    assert written is not None and written["operation"] == "Update"
    assert "f:availableReplicas" in written["fieldsV1"]["f:status"]
    # The real kubectl judges a rollout by these fields.
    rollout = live.kubectl_ok("rollout", "status", "-n", ns, "deployment/web", "--timeout=10s")
    assert 'deployment "web" successfully rolled out' in rollout

    # A new template: a new ReplicaSet (revision 2) with every replica, the old one at 0.
    apps.patch_namespaced_deployment(
        "web",
        ns,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "x:2"}]}}}},
    )
    eventually(lambda: get(live, path)["status"].get("observedGeneration") == 2)
    sets = get(live, f"/apis/apps/v1/namespaces/{ns}/replicasets")["items"]
    by_revision = {
        s["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: s for s in sets
    }
    assert by_revision["1"]["spec"]["replicas"] == 0 and by_revision["2"]["spec"]["replicas"] == 3
    assert get(live, path)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"

    # Deleting the Deployment takes its ReplicaSets along (the garbage collector's work).
    apps.delete_namespaced_deployment("web", ns)
    eventually(lambda: not get(live, f"/apis/apps/v1/namespaces/{ns}/replicasets")["items"])


def test_ready_annotation_holds_replicas_back(live: RunningCluster) -> None:
    ns = live.new_namespace()
    body = deployment("slow", 4)
    body["metadata"]["annotations"] = {READY: "1"}
    k8s.AppsV1Api(live.api).create_namespaced_deployment(ns, body)
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/slow"
    status = eventually(lambda: get(live, path)["status"].get("conditions") and get(live, path))[
        "status"
    ]
    assert (status["readyReplicas"], status["unavailableReplicas"]) == (1, 3)
    conditions = {c["type"]: c for c in status["conditions"]}
    # 4 replicas, maxUnavailable 25%: one may be missing, not three.
    assert conditions["Available"]["reason"] == "MinimumReplicasUnavailable"
    assert conditions["Available"]["status"] == "False"
    assert conditions["Progressing"]["reason"] == "ReplicaSetUpdated"
    live.kubectl_ok("annotate", "-n", ns, "deployment/slow", f"{READY}=3", "--overwrite")
    eventually(lambda: get(live, path)["status"].get("readyReplicas") == 3)
    conditions = {c["type"]: c for c in get(live, path)["status"]["conditions"]}
    assert conditions["Available"]["status"] == "True"


def test_endpoint_slices_follow_services_and_deployments(live: RunningCluster) -> None:
    ns = live.new_namespace()
    v1, apps = k8s.CoreV1Api(live.api), k8s.AppsV1Api(live.api)
    apps.create_namespaced_deployment(ns, deployment("api", 2))
    service = v1.create_namespaced_service(
        ns,
        {
            "metadata": {"name": "api", "labels": {"team": "a"}},
            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": "http"}]},
        },
    )
    v1.create_namespaced_service(
        ns, {"metadata": {"name": "manual"}, "spec": {"ports": [{"port": 1}]}}
    )
    slices = f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices"

    def ready_endpoints(count: int) -> dict[str, Any] | None:
        items = get(live, slices)["items"]
        ready = [e for s in items for e in s.get("endpoints") or [] if e["conditions"]["ready"]]
        return items[0] if len(items) == 1 and len(ready) == count else None

    found = eventually(lambda: ready_endpoints(2))
    meta = found["metadata"]
    assert meta["name"].startswith("api-") and meta["generateName"] == "api-"
    assert meta["labels"] == {
        "team": "a",
        "kubernetes.io/service-name": "api",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert meta["ownerReferences"][0]["uid"] == service.metadata.uid
    assert found["addressType"] == "IPv4"
    assert found["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]  # "http" resolved
    pods = {e["targetRef"]["name"] for e in found["endpoints"]}
    assert len(pods) == 2 and all(p.startswith("api-") for p in pods)
    assert entry(found, MANAGER, None) is not None
    # kubectl reads the slices too (the endpoint addresses, by service name).
    selector, jsonpath = "kubernetes.io/service-name=api", "{.items[*].endpoints[*].addresses[*]}"
    shown = live.kubectl_ok(
        "get", "endpointslices", "-n", ns, "-l", selector, "-o", f"jsonpath={jsonpath}"
    )
    assert shown.split() == [e["addresses"][0] for e in found["endpoints"]]

    apps.patch_namespaced_deployment_scale("api", ns, {"spec": {"replicas": 3}})
    eventually(lambda: ready_endpoints(3))
    apps.patch_namespaced_deployment("api", ns, {"metadata": {"annotations": {READY: "1"}}})
    held = eventually(lambda: ready_endpoints(1))
    assert [e["conditions"]["ready"] for e in held["endpoints"]].count(False) == 2

    assert live.http.delete(f"/api/v1/namespaces/{ns}/services/api").status_code == 200
    eventually(lambda: get(live, slices)["items"] == [])


def test_namespace_terminates_after_its_contents(live: RunningCluster) -> None:
    ns = live.new_namespace()
    v1 = k8s.CoreV1Api(live.api)
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "held", "finalizers": ["x.io/keep"]}})
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "plain"}})
    answered = v1.delete_namespace(ns)  # 200 with the namespace (typed `object`: a dict)
    assert answered["status"]["phase"] == "Terminating"
    assert answered["metadata"]["deletionTimestamp"]
    assert answered["spec"]["finalizers"] == ["kubernetes"]

    def reported() -> Any:
        current = v1.read_namespace(ns)
        conditions = {c.type: c for c in current.status.conditions or []}
        remaining = conditions.get("NamespaceFinalizersRemaining")
        return current if remaining is not None and remaining.status == "True" else None

    terminating = eventually(reported)
    conditions = {c.type: c for c in terminating.status.conditions}
    assert conditions["NamespaceContentRemaining"].message == (
        "Some resources are remaining: configmaps has 1 resource instances"
    )
    assert conditions["NamespaceFinalizersRemaining"].message == (
        "Some content in the namespace has finalizers remaining: x.io/keep in 1 resource instances"
    )
    assert [c.metadata.name for c in v1.list_namespaced_config_map(ns).items] == ["held"]
    with pytest.raises(ApiException) as refused:
        v1.create_namespaced_config_map(ns, {"metadata": {"name": "late"}})
    assert refused.value.status == 403
    assert "because it is being terminated" in refused.value.body

    v1.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": None}})

    def gone() -> bool:
        try:
            v1.read_namespace(ns)
        except ApiException as error:
            return error.status == 404
        return False

    eventually(gone)


def test_kubectl_delete_namespace_waits_until_it_is_gone(live: RunningCluster) -> None:
    ns = live.new_namespace()
    live.kubectl_ok("create", "configmap", "c", "-n", ns, "--from-literal=a=b")
    out = live.kubectl_ok("delete", "namespace", ns, "--timeout=20s")  # kubectl waits by default
    assert f'namespace "{ns}" deleted' in out
    assert live.kubectl("get", "namespace", ns).returncode == 1


def test_controllers_stop_with_the_server(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    with start_local_cluster(tmp_path, controllers=frozenset({"deployment"})) as handle:
        started = [t for t in threading.enumerate() if t not in before]
        runners = [t for t in started if t.name == "localcluster-controllers"]
        assert len(runners) == 1 and runners[0].is_alive()
        assert handle.url.startswith("http://127.0.0.1:")
    assert not any(t.is_alive() for t in started)
