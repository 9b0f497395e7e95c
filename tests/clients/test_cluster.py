"""KubeCluster through the official kubernetes client, against the embedded server (no mocks).

Transient failures are exercised against a tiny stdlib HTTP server that speaks just enough of
the API (discovery plus one ConfigMap) to answer 503 before it answers 200.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient, Configuration

from reconciler.clients.cluster import KubeCluster
from reconciler.clients.cluster_api import (
    Cluster,
    ClusterError,
    ConflictError,
    ResourceType,
    TransientClusterError,
    UnknownKindError,
)
from reconciler.clients.kubeconnect import connect
from reconciler.clients.retry import RetryPolicy
from tests.clients.conftest import MANAGER
from tests.support.loopback import LoopbackServer


def configmap(ns: str, name: str, data: dict[str, str], **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "data": data,
    }


def deployment(ns: str, name: str, replicas: Any = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }


def test_is_a_cluster(local: KubeCluster) -> None:
    cluster: Cluster = local
    assert cluster.resource_type("apps/v1", "Deployment") == ResourceType(
        api_version="apps/v1", kind="Deployment", plural="deployments", namespaced=True
    )
    assert not cluster.resource_type("v1", "Namespace").namespaced


def test_apply_creates_then_updates(local: KubeCluster, ns: str) -> None:
    created = local.apply(configmap(ns, "tools", {"a": "1"}), field_manager=MANAGER)
    assert created["metadata"]["uid"]
    assert local.get("v1", "ConfigMap", ns, "tools") == created

    updated = local.apply(configmap(ns, "tools", {"a": "2"}), field_manager=MANAGER)
    assert updated["data"] == {"a": "2"}
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    managers = {entry["manager"] for entry in updated["metadata"]["managedFields"]}
    assert managers == {MANAGER}


def test_reapplying_the_same_object_writes_nothing(local: KubeCluster, ns: str) -> None:
    created = local.apply(configmap(ns, "same", {"a": "1"}), field_manager=MANAGER)
    again = local.apply(configmap(ns, "same", {"a": "1"}), field_manager=MANAGER)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_dry_run_leaves_nothing_behind(local: KubeCluster, ns: str) -> None:
    preview = local.apply(deployment(ns, "web"), field_manager=MANAGER, dry_run=True)
    assert preview["spec"]["replicas"] == 1
    assert local.get("apps/v1", "Deployment", ns, "web") is None

    live = local.apply(deployment(ns, "web"), field_manager=MANAGER)
    local.apply(deployment(ns, "web", replicas=5), field_manager=MANAGER, dry_run=True)
    assert local.delete("apps/v1", "Deployment", ns, "web", dry_run=True) is True
    after = local.get("apps/v1", "Deployment", ns, "web")
    assert after is not None
    assert after["spec"]["replicas"] == 1
    assert after["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]


def test_list_by_namespace_and_label_selector(local: KubeCluster, ns: str) -> None:
    other = f"{ns}-b"
    local.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": other}},
        field_manager=MANAGER,
    )
    local.apply(configmap(ns, "a", {}, tier="web", owner=ns), field_manager=MANAGER)
    local.apply(configmap(ns, "b", {}, tier="db", owner=ns), field_manager=MANAGER)
    local.apply(configmap(other, "c", {}, tier="web", owner=ns), field_manager=MANAGER)

    def names(**kwargs: Any) -> list[str]:
        items = local.list("v1", "ConfigMap", **kwargs)
        assert all((i["apiVersion"], i["kind"]) == ("v1", "ConfigMap") for i in items)
        return sorted(i["metadata"]["name"] for i in items)

    assert names(namespace=ns, label_selector=f"owner={ns}") == ["a", "b"]
    assert names(namespace=ns, label_selector=f"owner={ns},tier=web") == ["a"]
    assert names(label_selector=f"owner={ns},tier=web") == ["a", "c"]  # every namespace
    assert names(label_selector=f"owner={ns},tier notin (web)") == ["b"]
    assert names(namespace=ns, label_selector="tier=none") == []


def test_delete_reports_whether_it_was_there(local: KubeCluster, ns: str) -> None:
    local.apply(configmap(ns, "gone", {"x": "y"}), field_manager=MANAGER)
    assert local.delete("v1", "ConfigMap", ns, "gone") is True
    assert local.get("v1", "ConfigMap", ns, "gone") is None
    assert local.delete("v1", "ConfigMap", ns, "gone") is False


def test_field_conflict_is_typed_and_force_takes_ownership(local: KubeCluster, ns: str) -> None:
    local.apply(deployment(ns, "api", replicas=2), field_manager="kubectl")
    with pytest.raises(ConflictError) as caught:
        local.apply(deployment(ns, "api", replicas=3), field_manager=MANAGER)
    err = caught.value
    assert (err.ref, err.status) == (f"Deployment/{ns}/api", 409)
    assert str(err).startswith(f"Deployment/{ns}/api: ")
    assert "kubectl" in err.message and ".spec.replicas" in err.message

    forced = local.apply(deployment(ns, "api", replicas=3), field_manager=MANAGER, force=True)
    assert forced["spec"]["replicas"] == 3


def test_unknown_kinds_are_typed(local: KubeCluster, ns: str) -> None:
    widget: dict[str, Any] = {"apiVersion": "example.com/v1", "kind": "Widget"}
    widget["metadata"] = {"name": "w", "namespace": ns}
    with pytest.raises(UnknownKindError) as caught:
        local.apply(widget, field_manager=MANAGER)
    assert caught.value.ref == f"Widget/{ns}/w"
    with pytest.raises(UnknownKindError):
        local.resource_type("v1", "Deployment")  # right kind, wrong group
    with pytest.raises(UnknownKindError):
        local.get("apps/v2", "Deployment", ns, "web")


def test_a_crd_created_after_discovery_is_found(local: KubeCluster, ns: str) -> None:
    with pytest.raises(UnknownKindError):
        local.resource_type("acme.dev/v1", "Gadget")
    local.apply(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "gadgets.acme.dev"},
            "spec": {
                "group": "acme.dev",
                "scope": "Namespaced",
                "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                ],
            },
        },
        field_manager=MANAGER,
    )
    gadget = {
        "apiVersion": "acme.dev/v1",
        "kind": "Gadget",
        "metadata": {"name": "g", "namespace": ns},
        "spec": {"size": 3},
    }
    assert local.apply(gadget, field_manager=MANAGER)["spec"] == {"size": 3}


def test_invalid_objects_carry_the_ref_and_the_server_message(local: KubeCluster, ns: str) -> None:
    with pytest.raises(ClusterError) as caught:
        local.apply(deployment(ns, "bad", replicas="many"), field_manager=MANAGER)
    err = caught.value
    assert type(err) is ClusterError
    assert err.status in (400, 422)
    assert str(err).startswith(f"Deployment/{ns}/bad: ")
    assert "replicas" in err.message


def test_local_refusals_name_the_object(local: KubeCluster, ns: str) -> None:
    with pytest.raises(ClusterError, match=r"^ConfigMap/x: .*namespace is required"):
        local.apply(configmap("", "x", {}), field_manager=MANAGER)
    with pytest.raises(ClusterError, match=r"^ConfigMap/[^:]*: invalid name"):
        local.get("v1", "ConfigMap", ns, "../../secrets/x")
    with pytest.raises(ClusterError, match=r"metadata\.name are required"):
        local.apply({"apiVersion": "v1", "kind": "ConfigMap"}, field_manager=MANAGER)
    scoped = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "namespace": "x"}}
    assert local.apply(scoped, field_manager=MANAGER)["metadata"]["name"] == ns  # ns ignored


# -- connect ----------------------------------------------------------------------------------


def write_kubeconfig(path: Path, server: str) -> Path:
    def context(name: str, cluster: str) -> dict[str, Any]:
        return {"name": name, "context": {"cluster": cluster, "user": "u"}}

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "good", "cluster": {"server": server}},
            {"name": "bad", "cluster": {"server": "http://127.0.0.1:9"}},
        ],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [context("good", "good"), context("bad", "bad")],
        "current-context": "bad",
    }
    path.write_text(json.dumps(config))
    return path


def test_connect_kube_context_and_kubeconfig_env(
    local: KubeCluster, ns: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "config", local.api_client.configuration.host)
    with connect("kube:good", kubeconfig=str(kubeconfig)) as cluster:
        assert cluster.get("v1", "Namespace", None, ns) is not None
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    with connect("kube:good") as cluster:
        assert cluster.get("v1", "Namespace", None, ns) is not None
    with (
        connect("kube", retry=RetryPolicy(attempts=1)) as cluster,  # current context: port 9
        pytest.raises(TransientClusterError, match="cannot reach the API server"),
    ):
        cluster.get("v1", "Namespace", None, ns)
    with pytest.raises(ClusterError, match="cannot load kubeconfig"), connect("kube:nope"):
        pass
    with pytest.raises(ClusterError, match="expected `kube`"), connect("gke:prod"):
        pass


# -- transient errors against a tiny HTTP server ----------------------------------------------

DISCOVERY: dict[str, Any] = {
    "/version": {"major": "1", "minor": "31", "gitVersion": "v1.31.0"},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": []},
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {
                "name": "configmaps",
                "singularName": "configmap",
                "namespaced": True,
                "kind": "ConfigMap",
                "verbs": ["get", "list", "patch", "delete"],
            }
        ],
    },
}
CONFIGMAP_PATH = "/api/v1/namespaces/ops/configmaps/tools"


class FlakyServer(LoopbackServer):
    """Answers discovery, then fails `failures` requests for one ConfigMap with `status`
    (and `headers`), then answers with the ConfigMap."""

    def __init__(self, failures: int, status: int = 503, headers: dict[str, str] | None = None):
        self.remaining = failures
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == CONFIGMAP_PATH:
                    return self.flaky()
                if path in DISCOVERY:
                    return self.reply(200, DISCOVERY[path])
                return self.reply(404, {"kind": "Status", "message": "not found", "code": 404})

            def do_PATCH(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.flaky()

            def flaky(self) -> None:
                outer.hits += 1
                if outer.remaining > 0:
                    outer.remaining -= 1
                    body = {"kind": "Status", "message": "etcd is restarting", "code": status}
                    return self.reply(status, body, headers)
                return self.reply(200, configmap("ops", "tools", {"a": "1"}))

            def reply(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler, "")


def flaky_cluster(url: str, slept: list[float], attempts: int) -> tuple[ApiClient, KubeCluster]:
    api_client = ApiClient(Configuration(host=url))
    policy = RetryPolicy(attempts=attempts, sleep=slept.append)
    return api_client, KubeCluster(api_client, retry=policy)


def test_transient_503_is_retried_until_it_succeeds() -> None:
    slept: list[float] = []
    with FlakyServer(failures=2) as server:
        api_client, cluster = flaky_cluster(server.url, slept, attempts=3)
        with api_client:
            live = cluster.get("v1", "ConfigMap", "ops", "tools")
    assert live is not None and live["data"] == {"a": "1"}
    assert server.hits == 3 and len(slept) == 2


def test_throttled_apply_gives_up_with_a_typed_error() -> None:
    slept: list[float] = []
    with FlakyServer(failures=5, status=429, headers={"Retry-After": "2"}) as server:
        api_client, cluster = flaky_cluster(server.url, slept, attempts=2)
        with api_client, pytest.raises(TransientClusterError) as caught:
            cluster.apply(configmap("ops", "tools", {}), field_manager=MANAGER)
    err = caught.value
    assert (err.ref, err.status, err.message) == ("ConfigMap/ops/tools", 429, "etcd is restarting")
    assert err.retry_after == 2.0
    assert server.hits == 2 and slept == [2.0]  # waited as long as the server asked
