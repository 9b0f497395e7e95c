"""Create, get, list, update and delete through the official client, and the Status answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from tests.localcluster.conftest import RunningCluster


def _status(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body)
    return body


def _deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]},
            },
        },
    }


def test_create_sets_server_fields_and_defaults(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    apps = k8s.AppsV1Api(cluster.api)
    created = apps.create_namespaced_deployment(ns, _deployment("web"))
    meta = created.metadata
    assert meta.uid and meta.creation_timestamp and int(meta.resource_version) > 0
    assert meta.generation == 1
    assert created.spec.strategy.type == "RollingUpdate"  # defaulted
    assert created.spec.template.spec.containers[0].image_pull_policy == "IfNotPresent"
    [entry] = meta.managed_fields
    assert (entry.manager, entry.operation) == ("OpenAPI-Generator", "Update")
    assert "f:replicas" in entry.fields_v1["f:spec"]
    cm = k8s.CoreV1Api(cluster.api).create_namespaced_config_map(
        ns, {"metadata": {"name": "c"}, "data": {"a": "1"}}
    )
    assert cm.metadata.generation is None  # ConfigMaps carry no generation


def test_generation_moves_only_with_spec(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    apps = k8s.AppsV1Api(cluster.api)
    apps.create_namespaced_deployment(ns, _deployment("web"))
    labelled = apps.patch_namespaced_deployment("web", ns, {"metadata": {"labels": {"x": "y"}}})
    assert labelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2


def test_service_gets_a_stable_cluster_ip(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    body = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}], "selector": {"a": "b"}}}
    svc = v1.create_namespaced_service(ns, body)
    ip = svc.spec.cluster_ip
    assert ip.startswith("10.") and ip != "10.96.0.1"
    assert svc.spec.ports[0].target_port == 80 and svc.spec.type == "ClusterIP"
    other = v1.create_namespaced_service(ns, {**body, "metadata": {"name": "s2"}})
    assert other.spec.cluster_ip != ip
    updated = v1.patch_namespaced_service("s", ns, {"metadata": {"labels": {"x": "y"}}})
    assert updated.spec.cluster_ip == ip


def test_list_with_label_and_field_selectors(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    for name, labels in [("a", {"env": "prod", "tier": "web"}), ("b", {"env": "dev"}), ("c", {})]:
        v1.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": labels}})

    def names(**kwargs: Any) -> list[str]:
        return [i.metadata.name for i in v1.list_namespaced_config_map(ns, **kwargs).items]

    assert names(label_selector="env=prod") == ["a"]
    assert names(label_selector="env==prod,tier") == ["a"]
    assert names(label_selector="env!=prod") == ["b", "c"]
    assert names(label_selector="env in (prod,dev)") == ["a", "b"]
    assert names(label_selector="env notin (prod)") == ["b", "c"]
    assert names(label_selector="!env") == ["c"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    everywhere = v1.list_config_map_for_all_namespaces(field_selector=f"metadata.namespace={ns}")
    assert len(everywhere.items) == 3
    with pytest.raises(ApiException) as bad:
        names(field_selector="spec.foo=1")
    assert bad.value.status == 400


def test_list_chunks_with_limit_and_continue(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    for i in range(5):
        v1.create_namespaced_config_map(ns, {"metadata": {"name": f"cm{i}"}})
    first = v1.list_namespaced_config_map(ns, limit=2)
    assert [i.metadata.name for i in first.items] == ["cm0", "cm1"]
    assert first.metadata.remaining_item_count == 3
    second = v1.list_namespaced_config_map(ns, limit=10, _continue=first.metadata._continue)
    assert [i.metadata.name for i in second.items] == ["cm2", "cm3", "cm4"]
    assert second.metadata._continue is None


def test_update_with_stale_resource_version_conflicts(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    cm = v1.create_namespaced_config_map(ns, {"metadata": {"name": "c"}, "data": {"a": "1"}})
    cm.data = {"a": "2"}
    v1.replace_namespaced_config_map("c", ns, cm)
    cm.data = {"a": "3"}
    with pytest.raises(ApiException) as stale:
        v1.replace_namespaced_config_map("c", ns, cm)
    assert stale.value.status == 409
    assert _status(stale.value)["message"] == (
        'Operation cannot be fulfilled on configmaps "c": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert v1.read_namespaced_config_map("c", ns).data == {"a": "2"}


def test_errors_have_the_real_status(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    apps = k8s.AppsV1Api(cluster.api)
    with pytest.raises(ApiException) as missing:
        apps.read_namespaced_deployment("nope", ns)
    assert missing.value.status == 404
    status = _status(missing.value)
    assert status["message"] == 'deployments.apps "nope" not found'
    assert status["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}
    with pytest.raises(ApiException) as no_ns:
        apps.create_namespaced_deployment("ghost", _deployment("web"))
    assert (no_ns.value.status, _status(no_ns.value)["message"]) == (
        404,
        'namespaces "ghost" not found',
    )
    apps.create_namespaced_deployment(ns, _deployment("web"))
    with pytest.raises(ApiException) as dup:
        apps.create_namespaced_deployment(ns, _deployment("web"))
    assert dup.value.status == 409 and _status(dup.value)["reason"] == "AlreadyExists"
    assert _status(dup.value)["message"] == 'deployments.apps "web" already exists'
    put_collection = cluster.http.put(f"/api/v1/namespaces/{ns}/configmaps", json={})
    assert put_collection.status_code == 405
    bad_name = cluster.http.post(
        f"/api/v1/namespaces/{ns}/configmaps", json={"metadata": {"name": "Bad_Name"}}
    )
    assert bad_name.status_code == 422 and bad_name.json()["reason"] == "Invalid"


def test_size_limits(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    path = f"/api/v1/namespaces/{ns}/configmaps"
    huge = {"metadata": {"name": "huge"}, "data": {"a": "x" * (3 * 1024 * 1024 + 10)}}
    too_big_request = cluster.http.post(path, json=huge)
    assert too_big_request.status_code == 413
    assert too_big_request.json()["message"] == "Request entity too large: limit is 3145728"
    # A ConfigMap's keys and values are limited to 1 MiB by validation, before etcd's limit.
    big = {"metadata": {"name": "big"}, "data": {"a": "x" * (1024 * 1024)}}
    too_big_config = cluster.http.post(path, json=big)
    assert too_big_config.status_code == 422
    body = too_big_config.json()
    assert (
        body["message"]
        == 'ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes'
    )
    assert body["details"]["causes"][0]["reason"] == "FieldValueTooLong"
    fits = {"metadata": {"name": "fits"}, "data": {"a": "x" * (1024 * 1024 - 1)}}
    assert cluster.http.post(path, json=fits).status_code == 201
    secret = {"metadata": {"name": "big"}, "stringData": {"a": "x" * (1024 * 1024)}}
    too_big_secret = cluster.http.post(f"/api/v1/namespaces/{ns}/secrets", json=secret)
    assert too_big_secret.status_code == 422
    assert too_big_secret.json()["message"].endswith(
        "data: Too long: must have at most 1048576 bytes"
    )
    # Any other object over etcd's 1.5 MiB request limit.
    labels = {"app": "big"}
    container = {
        "name": "c",
        "image": "i",
        "env": [{"name": "E", "value": "x" * (2 * 1024 * 1024)}],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "big"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }
    too_big_object = cluster.http.post(
        f"/apis/apps/v1/namespaces/{ns}/deployments", json=deployment
    )
    assert too_big_object.status_code == 413
    assert too_big_object.json()["message"] == "etcdserver: request is too large"
    assert cluster.http.get(f"/apis/apps/v1/namespaces/{ns}/deployments/big").status_code == 404


def test_dry_run_stores_nothing(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    dry = v1.create_namespaced_config_map(
        ns, {"metadata": {"name": "c"}, "data": {"a": "1"}}, dry_run="All"
    )
    assert dry.metadata.uid and dry.metadata.managed_fields
    assert v1.list_namespaced_config_map(ns).items == []
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "c"}, "data": {"a": "1"}})
    v1.patch_namespaced_config_map("c", ns, {"data": {"a": "2"}}, dry_run="All")
    v1.delete_namespaced_config_map("c", ns, dry_run="All")
    assert v1.read_namespaced_config_map("c", ns).data == {"a": "1"}


def test_delete_answers_and_namespace_cascade(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    cm = v1.create_namespaced_config_map(ns, {"metadata": {"name": "c"}})
    status = v1.delete_namespaced_config_map("c", ns)  # typed `object`: the raw dict
    assert (status["kind"], status["status"]) == ("Status", "Success")
    assert status["details"] == {"name": "c", "kind": "configmaps", "uid": cm.metadata.uid}
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "d"}})
    v1.delete_namespace(ns)
    with pytest.raises(ApiException) as gone:
        v1.read_namespace(ns)
    assert gone.value.status == 404
    leftovers = v1.list_config_map_for_all_namespaces(field_selector=f"metadata.namespace={ns}")
    assert leftovers.items == []


def test_finalizers_hold_deletion_until_removed(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "c", "finalizers": ["x/y"]}})
    v1.delete_namespaced_config_map("c", ns)
    held = v1.read_namespaced_config_map("c", ns)
    assert held.metadata.deletion_timestamp is not None
    v1.patch_namespaced_config_map("c", ns, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as gone:
        v1.read_namespaced_config_map("c", ns)
    assert gone.value.status == 404


def test_field_validation_strict_warn_and_type_errors(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = _deployment("web")
    body["spec"]["foo"] = 1
    strict = cluster.http.post(path, params={"fieldValidation": "Strict"}, json=body)
    assert strict.status_code == 400
    assert 'strict decoding error: unknown field "spec.foo"' in strict.json()["message"]
    warned = cluster.http.post(path, json=body)  # the server default is Warn
    assert warned.status_code == 201
    assert warned.headers["warning"] == '299 - "unknown field \\"spec.foo\\""'
    assert "foo" not in warned.json()["spec"]  # dropped, as decoding does
    wrong = _deployment("typed")
    wrong["spec"]["replicas"] = "three"
    typed = cluster.http.post(path, json=wrong)
    assert typed.status_code == 400 and typed.json()["reason"] == "BadRequest"


def test_state_survives_a_restart(tmp_path: Any) -> None:
    from kubernetes import config as k8s_config

    from reconciler.localcluster.server import start_local_cluster

    first = start_local_cluster(tmp_path)
    try:
        api = k8s_config.new_client_from_config(config_file=str(first.kubeconfig_path))
        with api:
            k8s.CoreV1Api(api).create_namespaced_config_map(
                "default", {"metadata": {"name": "kept"}, "data": {"a": "1"}}
            )
    finally:
        first.stop()
    second = start_local_cluster(tmp_path)
    try:
        api = k8s_config.new_client_from_config(config_file=str(second.kubeconfig_path))
        with api:
            kept = k8s.CoreV1Api(api).read_namespaced_config_map("kept", "default")
        assert kept.data == {"a": "1"}
    finally:
        second.stop()


def test_delete_collection_by_label(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    for name, labels in [("a", {"drop": "yes"}), ("b", {"drop": "yes"}), ("c", {})]:
        v1.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": labels}})
    v1.delete_collection_namespaced_config_map(ns, label_selector="drop=yes")
    assert [i.metadata.name for i in v1.list_namespaced_config_map(ns).items] == ["c"]


def test_secret_string_data_is_folded_into_data(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    v1 = k8s.CoreV1Api(cluster.api)
    body = {"metadata": {"name": "s"}, "stringData": {"user": "admin"}}
    secret = v1.create_namespaced_secret(ns, body)
    assert (secret.data, secret.string_data, secret.type) == ({"user": "YWRtaW4="}, None, "Opaque")
