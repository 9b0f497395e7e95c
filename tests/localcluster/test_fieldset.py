"""Field sets and their fieldsV1 encoding, against what kube-apiserver records."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.localcluster.core import fieldset as fs
from reconciler.localcluster.core.k8sschema import SchemaRegistry

CONTAINER_KEY = 'k:{"name":"nginx"}'


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "nginx", "labels": {"app": "nginx"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


def test_apply_field_set_matches_kubectl_apply_server_side(reg: SchemaRegistry) -> None:
    # The Apply entry kube-apiserver records for this manifest (metadata.name is stripped by
    # the caller, so it is still here): labels maps get no ".", list items do, selector is
    # an atomic map, ports are keyed with the defaulted protocol.
    schema = reg.schema_for("apps/v1", "Deployment") or {}
    encoded = fs.to_fields_v1(fs.fields_of(deployment(), schema, reg))
    assert encoded["f:spec"] == {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {
                    CONTAINER_KEY: {
                        ".": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":80,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                            }
                        },
                    }
                }
            },
        },
    }
    assert encoded["f:metadata"] == {"f:labels": {"f:app": {}}, "f:name": {}}


def test_fields_v1_round_trip_keeps_dot_markers() -> None:
    encoded = {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {"f:containers": {CONTAINER_KEY: {".": {}, "f:image": {}}}, "f:replicas": {}},
    }
    fields = fs.from_fields_v1(encoded)
    assert ("f:metadata", "f:labels") in fields
    assert ("f:metadata",) not in fields
    assert ("f:spec", "f:containers", CONTAINER_KEY) in fields
    assert fs.to_fields_v1(fields) == encoded


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        (("f:spec", "f:replicas"), ".spec.replicas"),
        (("f:metadata", "f:labels", "f:app"), ".metadata.labels.app"),
        (
            ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"app"}', "f:image"),
            '.spec.template.spec.containers[name="app"].image',
        ),
        (
            ("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}'),
            '.spec.ports[port=80,protocol="TCP"]',
        ),
        (("f:metadata", "f:finalizers", 'v:"a/b"'), '.metadata.finalizers[="a/b"]'),
    ],
)
def test_paths_render_like_conflict_messages(path: fs.Path, rendered: str) -> None:
    assert fs.render_path(path) == rendered


def test_create_comparison_marks_maps_and_items_but_not_builtin_structs(
    reg: SchemaRegistry,
) -> None:
    # kubectl create's Update entry has f:labels {".", f:app} and container ".", no f:spec ".".
    schema = reg.schema_for("apps/v1", "Deployment") or {}
    cmp = fs.compare({}, deployment(), schema, reg, struct_members=False)
    assert ("f:metadata", "f:labels") in cmp.added
    assert ("f:spec", "f:template", "f:spec", "f:containers", CONTAINER_KEY) in cmp.added
    assert ("f:spec",) not in cmp.added
    assert ("f:spec", "f:template") not in cmp.added
    assert ("f:spec", "f:selector") in cmp.added
    assert not cmp.modified and not cmp.removed


def test_custom_resource_structs_are_members_when_added(reg: SchemaRegistry) -> None:
    cmp = fs.compare({}, {"spec": {"size": 1}}, {}, reg, struct_members=True)
    assert ("f:spec",) in cmp.added
    assert ("f:spec", "f:size") in cmp.added


def test_comparison_of_an_update(reg: SchemaRegistry) -> None:
    schema = reg.schema_for("apps/v1", "Deployment") or {}
    old = deployment()
    new = deployment()
    new["spec"]["replicas"] = 5
    del new["metadata"]["labels"]
    new["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    cmp = fs.compare(old, new, schema, reg, struct_members=False)
    assert cmp.modified == {("f:spec", "f:replicas")}
    assert cmp.removed == {("f:metadata", "f:labels"), ("f:metadata", "f:labels", "f:app")}
    side = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"side"}')
    assert cmp.added == {side, (*side, "f:name"), (*side, "f:image")}


def test_atomic_list_is_one_leaf(reg: SchemaRegistry) -> None:
    schema = reg.schema_for("v1", "Pod") or {}
    pod = {"spec": {"containers": [{"name": "a", "args": ["x", "y"]}]}}
    fields = fs.fields_of(pod, schema, reg)
    assert ("f:spec", "f:containers", 'k:{"name":"a"}', "f:args") in fields
    assert not any(len(p) > 4 and p[3] == "f:args" for p in fields)


def test_set_operations_and_helpers() -> None:
    a = frozenset({("f:spec", "f:replicas"), ("f:status", "f:x"), ("f:metadata",)})
    assert fs.without(a, exact=[("f:metadata",)], prefixes=[("f:status",)]) == {
        ("f:spec", "f:replicas")
    }
    assert fs.only_under(a, ("f:status",)) == {("f:status", "f:x")}
    assert fs.ancestors([("a", "b", "c")]) == {("a",), ("a", "b")}
