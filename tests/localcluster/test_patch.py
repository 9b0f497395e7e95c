"""JSON merge patch, JSON patch and strategic merge patch, with kube-apiserver's status codes."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.localcluster.core.errors import PatchError
from reconciler.localcluster.core.k8sschema import SchemaRegistry
from reconciler.localcluster.core.patch import (
    StrategicMergePatchUnsupported,
    json_merge_patch,
    json_patch,
    strategic_merge_patch,
)


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a", "b"]},
        "spec": {
            "replicas": 1,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": "app:1", "args": ["x"]},
                        {"name": "side", "image": "side:1"},
                    ]
                }
            },
        },
    }


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


# -- RFC 7386 ---------------------------------------------------------------------------------


def test_merge_patch_merges_maps_and_deletes_nulls() -> None:
    target = deployment()
    out = json_merge_patch(target, {"metadata": {"labels": {"app": None, "t": "x"}}})
    assert out["metadata"]["labels"] == {"t": "x"}
    assert target["metadata"]["labels"] == {"app": "web"}  # input untouched


def test_merge_patch_replaces_lists() -> None:
    out = json_merge_patch(deployment(), {"spec": {"template": {"spec": {"containers": []}}}})
    assert containers(out) == []


def test_merge_patch_must_be_an_object() -> None:
    with pytest.raises(PatchError) as caught:
        json_merge_patch(deployment(), ["x"])  # type: ignore[arg-type]
    assert caught.value.status == 400


# -- RFC 6902 ---------------------------------------------------------------------------------


def test_json_patch_operations() -> None:
    target = {"a": {"b/c": 1, "d~e": 2}, "list": [1, 2]}
    out = json_patch(
        target,
        [
            {"op": "add", "path": "/list/-", "value": 3},
            {"op": "add", "path": "/list/0", "value": 0},
            {"op": "replace", "path": "/a/b~1c", "value": 10},
            {"op": "remove", "path": "/a/d~0e"},
            {"op": "copy", "from": "/a", "path": "/copied"},
            {"op": "move", "from": "/list", "path": "/moved"},
            {"op": "test", "path": "/moved/3", "value": 3},
        ],
    )
    assert out == {"a": {"b/c": 10}, "copied": {"b/c": 10}, "moved": [0, 1, 2, 3]}
    assert target == {"a": {"b/c": 1, "d~e": 2}, "list": [1, 2]}


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (
            [{"op": "replace", "path": "/spec/nope", "value": 1}],
            "replace operation does not apply: doc is missing key: /spec/nope",
        ),
        ([{"op": "remove", "path": "/x/y"}], "remove operation does not apply"),
        ([{"op": "add", "path": "/spec/replicas/0", "value": 1}], "add operation does not apply"),
        ([{"op": "test", "path": "/spec/replicas", "value": 2}], "testing value /spec/replicas"),
        ([{"op": "test", "path": "/spec/paused", "value": 1}], "testing value /spec/paused"),
        ([{"op": "frob", "path": "/spec"}], "Unexpected kind: frob"),
        ([{"op": "add", "path": "/spec/x"}], "add operation missing value"),
    ],
)
def test_json_patch_failures_are_422(ops: list[Any], message: str) -> None:
    with pytest.raises(PatchError) as caught:
        json_patch({"spec": {"replicas": 1, "paused": True}}, ops)
    assert caught.value.status == 422
    assert message in str(caught.value)


def test_json_patch_that_is_not_a_list_of_operations_is_400() -> None:
    with pytest.raises(PatchError) as caught:
        json_patch({}, {"op": "add"})  # type: ignore[arg-type]
    assert caught.value.status == 400


# -- strategic merge patch --------------------------------------------------------------------


def smp(reg: SchemaRegistry, patch: dict[str, Any], target: Any = None) -> dict[str, Any]:
    return strategic_merge_patch(target or deployment(), patch, schemas=reg)


def test_smp_merges_containers_by_name(reg: SchemaRegistry) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "side:2"}]}}}}
    out = smp(reg, patch)
    assert containers(out) == [
        {"name": "app", "image": "app:1", "args": ["x"]},
        {"name": "side", "image": "side:2"},
    ]


def test_smp_adds_deletes_and_replaces_items(reg: SchemaRegistry) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "side", "$patch": "delete"},
                        {"name": "new", "image": "new:1"},
                    ]
                }
            }
        }
    }
    assert [c["name"] for c in containers(smp(reg, patch))] == ["app", "new"]
    replace = {
        "spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "only"}]}}}
    }
    assert containers(smp(reg, replace)) == [{"name": "only"}]


def test_smp_replaces_lists_without_merge_strategy(reg: SchemaRegistry) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "args": ["y"]}]}}}}
    assert containers(smp(reg, patch))[0]["args"] == ["y"]


def test_smp_primitive_lists_union_and_delete_from(reg: SchemaRegistry) -> None:
    out = smp(reg, {"metadata": {"finalizers": ["b", "c"]}})
    assert out["metadata"]["finalizers"] == ["a", "b", "c"]
    out = smp(reg, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}})
    assert out["metadata"]["finalizers"] == ["b"]


def test_smp_set_element_order(reg: SchemaRegistry) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "side"}, {"name": "app"}],
                    "containers": [{"name": "side", "image": "side:2"}],
                }
            }
        }
    }
    out = smp(reg, patch)
    assert [c["name"] for c in containers(out)] == ["side", "app"]
    assert containers(out)[0]["image"] == "side:2"


def test_smp_retain_keys_and_null(reg: SchemaRegistry) -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}, "replicas": None}}
    out = smp(reg, patch)
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    assert "replicas" not in out["spec"]
    with pytest.raises(PatchError) as caught:
        smp(reg, {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}})
    assert caught.value.status == 422


def test_smp_map_directives(reg: SchemaRegistry) -> None:
    out = smp(reg, {"metadata": {"labels": {"$patch": "replace", "only": "x"}}})
    assert out["metadata"]["labels"] == {"only": "x"}
    out = smp(reg, {"spec": {"strategy": {"$patch": "delete"}}})
    assert out["spec"]["strategy"] == {}
    with pytest.raises(PatchError) as caught:
        smp(reg, {"metadata": {"labels": {"$patch": "bogus"}}})
    assert caught.value.status == 400


def test_smp_new_values_lose_directives(reg: SchemaRegistry) -> None:
    target = {"apiVersion": "v1", "kind": "Pod", "spec": {}}
    patch = {"spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": None}]}]}}
    out = strategic_merge_patch(target, patch, schemas=reg)
    assert out["spec"]["containers"] == [{"name": "a", "env": [{"name": "X"}]}]


def test_smp_is_unsupported_for_custom_resources(reg: SchemaRegistry) -> None:
    with pytest.raises(StrategicMergePatchUnsupported) as caught:
        smp(reg, {"spec": {}}, {"apiVersion": "example.com/v1", "kind": "Widget"})
    assert caught.value.status == 415
    assert isinstance(caught.value, PatchError)
