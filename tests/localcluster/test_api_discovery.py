"""Discovery, /version and /openapi/v3 of the embedded cluster, read over HTTP."""

from __future__ import annotations

from typing import Any

from kubernetes import client as k8s
from kubernetes.dynamic import DynamicClient

from reconciler.localcluster.api.discovery import AGGREGATED_V2
from tests.localcluster.conftest import RunningCluster

REQUIRED = {
    ("", "v1"): {"namespaces", "configmaps", "secrets", "services", "serviceaccounts", "events"},
    ("apps", "v1"): {"deployments", "statefulsets", "daemonsets"},
    ("batch", "v1"): {"jobs", "cronjobs"},
    ("autoscaling", "v2"): {"horizontalpodautoscalers"},
    ("policy", "v1"): {"poddisruptionbudgets"},
    ("rbac.authorization.k8s.io", "v1"): {
        "roles",
        "rolebindings",
        "clusterroles",
        "clusterrolebindings",
    },
    ("coordination.k8s.io", "v1"): {"leases"},
    ("events.k8s.io", "v1"): {"events"},
    ("apiextensions.k8s.io", "v1"): {"customresourcedefinitions"},
}

WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Gadget", "plural": "gadgets", "singular": "gadget"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {"size": {"type": "integer"}},
                            }
                        },
                    }
                },
            }
        ],
    },
}


def test_legacy_discovery_lists_every_required_resource(cluster: RunningCluster) -> None:
    assert cluster.http.get("/api").json()["versions"] == ["v1"]
    groups = {g["name"] for g in cluster.http.get("/apis").json()["groups"]}
    assert {g for g, _ in REQUIRED if g} <= groups
    for (group, version), plurals in REQUIRED.items():
        path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        body = cluster.http.get(path).json()
        names = {r["name"] for r in body["resources"]}
        assert plurals <= names, path
    apps = cluster.http.get("/apis/apps/v1").json()["resources"]
    scale = next(r for r in apps if r["name"] == "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")


def test_aggregated_discovery_is_served_when_asked_for(cluster: RunningCluster) -> None:
    response = cluster.http.get("/apis", headers={"Accept": AGGREGATED_V2 + ",application/json"})
    assert response.headers["content-type"] == AGGREGATED_V2
    body = response.json()
    assert body["kind"] == "APIGroupDiscoveryList"
    apps = next(i for i in body["items"] if i["metadata"].get("name") == "apps")
    deployments = next(
        r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments"
    )
    assert deployments["scope"] == "Namespaced"
    assert {s["subresource"] for s in deployments["subresources"]} == {"scale", "status"}
    core = cluster.http.get("/api", headers={"Accept": AGGREGATED_V2}).json()
    assert core["items"][0]["versions"][0]["version"] == "v1"


def test_version_and_unknown_paths(cluster: RunningCluster) -> None:
    version = cluster.http.get("/version").json()
    assert (version["major"], version["minor"]) == ("1", "37")
    missing = cluster.http.get("/apis/nothing.example.com/v1")
    assert missing.status_code == 404
    assert missing.json()["message"] == "the server could not find the requested resource"
    v2 = cluster.http.get("/openapi/v2")  # kubectl asks it about create-only kinds
    assert (v2.status_code, v2.json()["paths"]) == (200, {})


def test_openapi_v3_index_and_documents_have_kubernetes_shape(cluster: RunningCluster) -> None:
    index = cluster.http.get("/openapi/v3").json()["paths"]
    url = index["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    response = cluster.http.get(url)
    assert response.headers["cache-control"] == "public, immutable"
    doc = response.json()
    assert doc["openapi"].startswith("3.0")
    schemas = doc["components"]["schemas"]
    deployment = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    spec = deployment["properties"]["spec"]
    assert spec["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}]
    replicas = schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"]
    assert (replicas["type"], replicas.get("nullable")) == ("integer", True)
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    params = {p["name"] for p in patch["parameters"] if p["in"] == "query"}
    assert {"fieldValidation", "dryRun", "fieldManager", "force"} <= params
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    core = cluster.http.get(index["api/v1"]["serverRelativeURL"]).json()
    assert "io.k8s.api.core.v1.ConfigMap" in core["components"]["schemas"]


def test_crd_adds_and_removes_its_kind(cluster: RunningCluster) -> None:
    ext = k8s.ApiextensionsV1Api(cluster.api)
    ext.create_custom_resource_definition(WIDGET_CRD)
    try:
        body = cluster.http.get("/apis/example.com/v1").json()
        assert [r["name"] for r in body["resources"]] == ["gadgets"]
        crd = ext.read_custom_resource_definition("gadgets.example.com")
        established = {c.type: c.status for c in crd.status.conditions}
        assert established["Established"] == "True"
        doc_url = cluster.http.get("/openapi/v3").json()["paths"]["apis/example.com/v1"]
        doc = cluster.http.get(doc_url["serverRelativeURL"]).json()
        assert "com.example.v1.Gadget" in doc["components"]["schemas"]
        dynamic = DynamicClient(cluster.api)
        gadgets = dynamic.resources.get(api_version="example.com/v1", kind="Gadget")
        gadgets.create(
            body={"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}},
            namespace="default",
        )
        assert [g.metadata.name for g in gadgets.get(namespace="default").items] == ["g"]
    finally:
        ext.delete_custom_resource_definition("gadgets.example.com")
    assert cluster.http.get("/apis/example.com/v1").status_code == 404
    assert cluster.http.get("/apis/example.com/v1/namespaces/default/gadgets").status_code == 404
    groups = {g["name"] for g in cluster.http.get("/apis").json()["groups"]}
    assert "example.com" not in groups
