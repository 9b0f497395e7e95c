"""Schema lookup and navigation over kubernetes-validate's definitions and registered CRDs."""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.core.k8sschema import SchemaRegistry

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget", "plural": "widgets"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "integer"},
                                    "ports": {
                                        "type": "array",
                                        "x-kubernetes-list-type": "map",
                                        "x-kubernetes-list-map-keys": ["name"],
                                        "items": {
                                            "type": "object",
                                            "properties": {"name": {"type": "string"}},
                                        },
                                    },
                                    "extra": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                    "pod": {
                                        "type": "object",
                                        "x-kubernetes-embedded-resource": True,
                                        "properties": {"spec": {"type": "object"}},
                                    },
                                },
                            },
                            "status": {"type": "object"},
                        },
                    }
                },
            },
            {"name": "v0", "served": False, "storage": False},
        ],
    },
}


def path(reg: SchemaRegistry, root: dict[str, Any], *fields: str) -> dict[str, Any]:
    node = root
    for name in fields:
        child = reg.field_schema(node, name)
        assert child is not None, name
        node = child
    return node


def test_builtin_kind_is_found_by_api_version_and_kind(reg: SchemaRegistry) -> None:
    root = reg.schema_for("apps/v1", "Deployment")
    assert root is not None
    assert {"apiVersion", "kind", "metadata", "spec", "status"} <= set(root["properties"])
    assert reg.schema_for("v1", "ConfigMap") is not None
    assert reg.schema_for("apps/v1", "NoSuchKind") is None
    assert reg.is_builtin("apps/v1", "Deployment")


def test_definitions_are_the_raw_builtin_defs(reg: SchemaRegistry) -> None:
    defs = reg.definitions()
    assert "io.k8s.api.apps.v1.DeploymentSpec" in defs
    assert defs["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["selector"]["$ref"].endswith(
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"
    )


def test_list_markers_of_pod_spec_fields(reg: SchemaRegistry) -> None:
    pod_spec = path(reg, reg.schema_for("apps/v1", "Deployment") or {}, "spec", "template", "spec")
    containers = path(reg, pod_spec, "containers")
    assert reg.shape(containers) == "list"
    assert (reg.list_type(containers), reg.list_keys(containers)) == ("map", ("name",))
    assert reg.patch_merge_key(containers) == "name"
    assert "merge" in reg.patch_strategy(containers)
    ports = reg.field_schema(reg.item_schema(containers), "ports") or {}
    assert reg.list_keys(ports) == ("containerPort", "protocol")
    assert reg.list_type(path(reg, pod_spec, "tolerations")) == "atomic"
    assert reg.patch_strategy(path(reg, pod_spec, "volumes")) == {"merge", "retainKeys"}


def test_shapes_of_structs_maps_scalars(reg: SchemaRegistry) -> None:
    root = reg.schema_for("apps/v1", "Deployment") or {}
    assert reg.shape(path(reg, root, "spec")) == "struct"
    assert reg.shape(path(reg, root, "metadata", "labels")) == "map"
    assert reg.shape(path(reg, root, "spec", "replicas")) == "scalar"
    strategy = path(reg, root, "spec", "strategy")
    rolling = path(reg, strategy, "rollingUpdate")
    assert reg.shape(path(reg, rolling, "maxSurge")) == "scalar"  # int-or-string
    assert reg.is_atomic(path(reg, root, "spec", "selector"))
    assert reg.list_type(path(reg, root, "metadata", "finalizers")) == "set"
    assert reg.field_schema(path(reg, root, "spec"), "replicass") is None


def test_sibling_keys_of_a_ref_are_kept(reg: SchemaRegistry) -> None:
    strategy = path(reg, reg.schema_for("apps/v1", "Deployment") or {}, "spec", "strategy")
    assert reg.patch_strategy(strategy) == {"retainKeys"}
    assert "rollingUpdate" in strategy["properties"]


def test_crd_versions_register_with_object_meta() -> None:
    reg = SchemaRegistry()
    reg.register_crd(CRD)
    root = reg.schema_for("example.com/v1", "Widget")
    assert root is not None
    assert not reg.is_builtin("example.com/v1", "Widget")
    assert reg.has_status_subresource("example.com/v1", "Widget")
    assert reg.schema_for("example.com/v0", "Widget") is None  # not served
    labels = path(reg, root, "metadata", "labels")
    assert reg.shape(labels) == "map"
    ports = path(reg, root, "spec", "ports")
    assert (reg.list_type(ports), reg.list_keys(ports)) == ("map", ("name",))
    assert reg.field_schema(path(reg, root, "spec"), "unknown") is None


def test_crd_preserve_unknown_and_embedded_resources() -> None:
    reg = SchemaRegistry()
    reg.register_crd(CRD)
    root = reg.schema_for("example.com/v1", "Widget") or {}
    extra = path(reg, root, "spec", "extra")
    assert reg.preserves_unknown(extra)
    assert reg.shape(path(reg, extra, "anything")) == "any"
    pod = path(reg, root, "spec", "pod")
    assert reg.shape(path(reg, pod, "metadata", "labels")) == "map"
    assert reg.field_schema(pod, "kind") == {"type": "string"}


def test_unregister_forgets_the_kind() -> None:
    reg = SchemaRegistry()
    reg.register_crd(CRD)
    reg.unregister_crd(CRD)
    assert reg.schema_for("example.com/v1", "Widget") is None
    assert not reg.has_status_subresource("example.com/v1", "Widget")


def test_builtin_status_subresource_follows_the_status_field(reg: SchemaRegistry) -> None:
    assert reg.has_status_subresource("apps/v1", "Deployment")
    assert not reg.has_status_subresource("v1", "ConfigMap")
