"""Patches by Content-Type, server-side apply with conflicts, `/scale` and `/status`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

from tests.localcluster.conftest import RunningCluster
from tests.localcluster.test_api_crud import _deployment
from tests.localcluster.test_api_discovery import WIDGET_CRD

APPLY = {"Content-Type": "application/apply-patch+yaml"}


def _managers(obj: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"]
        for e in obj["metadata"]["managedFields"]
    }


def test_server_side_apply_create_conflict_and_force(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    deployments = DynamicClient(cluster.api).resources.get(api_version="apps/v1", kind="Deployment")
    created = deployments.server_side_apply(
        body=_deployment("web", 2), namespace=ns, field_manager="alice"
    )
    assert created.spec.replicas == 2
    [entry] = created.metadata.managedFields
    assert (entry.manager, entry.operation) == ("alice", "Apply")
    with pytest.raises(ApiException) as conflict:
        deployments.server_side_apply(body=_deployment("web", 5), namespace=ns, field_manager="bob")
    assert conflict.value.status == 409
    status = json.loads(conflict.value.body)
    assert status["reason"] == "Conflict"
    assert (
        status["message"] == 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas'
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "alice"',
            "field": ".spec.replicas",
        }
    ]
    forced = deployments.server_side_apply(
        body=_deployment("web", 5), namespace=ns, field_manager="bob", force_conflicts=True
    )
    assert forced.spec.replicas == 5
    owners = _managers(forced.to_dict())
    assert "f:replicas" in owners[("bob", "Apply", "")]["f:spec"]
    assert "f:replicas" not in owners[("alice", "Apply", "")]["f:spec"]


def test_apply_requires_field_manager_and_reports_update_managers(
    cluster: RunningCluster,
) -> None:
    ns = cluster.new_namespace()
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    body = json.dumps(_deployment("web", 1))
    missing = cluster.http.patch(path, content=body, headers=APPLY)
    assert missing.status_code == 422
    assert "fieldManager: Required value" in missing.json()["message"]
    created = cluster.http.patch(path, params={"fieldManager": "a"}, content=body, headers=APPLY)
    assert created.status_code == 201
    k8s.AppsV1Api(cluster.api).patch_namespaced_deployment_scale(
        "web", ns, {"spec": {"replicas": 4}}
    )
    again = cluster.http.patch(path, params={"fieldManager": "a"}, content=body, headers=APPLY)
    assert again.status_code == 409
    assert again.json()["message"] == (
        'Apply failed with 1 conflict: conflict with "OpenAPI-Generator" with subresource '
        '"scale" using apps/v1: .spec.replicas'
    )


def test_merge_json_and_strategic_patches(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    k8s.AppsV1Api(cluster.api).create_namespaced_deployment(ns, _deployment("web"))
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    merge = cluster.http.patch(
        path,
        content=json.dumps({"spec": {"replicas": 3}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert merge.status_code == 200 and merge.json()["spec"]["replicas"] == 3
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 4}]
    json_patch = cluster.http.patch(
        path,
        params={"fieldManager": "jp"},
        content=json.dumps(ops),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert json_patch.json()["spec"]["replicas"] == 4
    assert ("jp", "Update", "") in _managers(json_patch.json())
    sidecar = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "b"}]}}}}
    strategic = cluster.http.patch(
        path,
        content=json.dumps(sidecar),
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    containers = strategic.json()["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "side"]  # merged by name, not replaced
    bad = cluster.http.patch(
        path,
        content=json.dumps([{"op": "remove", "path": "/spec/nothing"}]),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert bad.status_code == 422
    unknown = cluster.http.patch(path, content="{}", headers={"Content-Type": "text/plain"})
    assert unknown.status_code == 415


def test_strategic_merge_patch_is_refused_for_custom_resources(cluster: RunningCluster) -> None:
    ext = k8s.ApiextensionsV1Api(cluster.api)
    crd = json.loads(
        json.dumps(WIDGET_CRD).replace("gadget", "doohickey").replace("Gadget", "Doohickey")
    )
    ext.create_custom_resource_definition(crd)
    try:
        path = "/apis/example.com/v1/namespaces/default/doohickeys/d"
        body = {"apiVersion": "example.com/v1", "kind": "Doohickey", "spec": {"size": 1}}
        created = cluster.http.patch(
            path, params={"fieldManager": "m"}, content=json.dumps(body), headers=APPLY
        )
        assert created.status_code == 201
        assert created.json()["metadata"]["generation"] == 1
        smp = cluster.http.patch(
            path,
            content=json.dumps({"spec": {"size": 2}}),
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )
        assert smp.status_code == 415 and smp.json()["reason"] == "UnsupportedMediaType"
        merge = cluster.http.patch(
            path,
            content=json.dumps({"spec": {"size": 2}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert merge.json()["spec"]["size"] == 2 and merge.json()["metadata"]["generation"] == 2
        deleted = cluster.http.delete(path)
        assert deleted.json()["kind"] == "Doohickey"  # custom resources answer with the object
    finally:
        ext.delete_custom_resource_definition(crd["metadata"]["name"])


def test_scale_subresource(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    apps = k8s.AppsV1Api(cluster.api)
    apps.create_namespaced_deployment(ns, _deployment("web", 2))
    scale = apps.read_namespaced_deployment_scale("web", ns)
    assert (scale.kind, scale.api_version) == ("Scale", "autoscaling/v1")
    assert (scale.spec.replicas, scale.status.selector) == (2, "app=web")
    scale.spec.replicas = 6
    replaced = apps.replace_namespaced_deployment_scale("web", ns, scale)
    assert replaced.spec.replicas == 6
    parent = apps.read_namespaced_deployment("web", ns)
    assert parent.spec.replicas == 6 and parent.metadata.generation == 2
    entry = next(e for e in parent.metadata.managed_fields if e.subresource == "scale")
    assert entry.fields_v1 == {"f:spec": {"f:replicas": {}}}
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale"
    for content_type, patch in [
        ("application/merge-patch+json", {"spec": {"replicas": 1}}),
        ("application/strategic-merge-patch+json", {"spec": {"replicas": 2}}),
        ("application/json-patch+json", [{"op": "replace", "path": "/spec/replicas", "value": 3}]),
    ]:
        response = cluster.http.patch(
            path, content=json.dumps(patch), headers={"Content-Type": content_type}
        )
        assert response.status_code == 200, response.text
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 3
    stale = cluster.http.put(
        path, json={**replaced.to_dict(), "metadata": {"name": "web", "resourceVersion": "1"}}
    )
    assert stale.status_code == 409


def test_status_is_written_only_through_its_subresource(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    apps = k8s.AppsV1Api(cluster.api)
    apps.create_namespaced_deployment(ns, _deployment("web"))
    ignored = apps.patch_namespaced_deployment("web", ns, {"status": {"replicas": 9}})
    assert ignored.status.replicas is None
    written = apps.patch_namespaced_deployment_status("web", ns, {"status": {"replicas": 9}})
    assert written.status.replicas == 9
    entry = next(e for e in written.metadata.managed_fields if e.subresource == "status")
    assert entry.fields_v1 == {"f:status": {"f:replicas": {}}}


def test_request_counter_counts_writes_apart_from_dry_runs(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    cluster.http.delete("/debug/requests")
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "c"}})
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "d"}}, dry_run="All")
    v1.read_namespaced_config_map("c", ns)
    counts = cluster.http.get("/debug/requests").json()
    assert counts["writes"] == 1
    assert counts["byVerb"] == {"create": 1, "get": 1}
    assert counts["dryRun"] == {"create": 1}
