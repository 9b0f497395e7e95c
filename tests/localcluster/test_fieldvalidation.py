"""Unknown and wrongly typed fields, reported like kube-apiserver's strict decoding."""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.core.fieldvalidation import unknown_and_invalid_fields
from reconciler.localcluster.core.k8sschema import SchemaRegistry


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "nginx",
                            "resources": {"limits": {"cpu": "100m", "memory": 1024}},
                        }
                    ]
                },
            },
        },
    }


def messages(obj: dict[str, Any], reg: SchemaRegistry) -> tuple[list[str], list[str]]:
    unknown, invalid = unknown_and_invalid_fields(obj, schemas=reg)
    return [str(e) for e in unknown], [str(e) for e in invalid]


def test_a_valid_object_has_no_findings(reg: SchemaRegistry) -> None:
    assert messages(deployment(), reg) == ([], [])


def test_unknown_fields_are_named_like_strict_decoding(reg: SchemaRegistry) -> None:
    obj = deployment()
    obj["spec"]["replicass"] = 3
    obj["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    obj["metadata"]["labelz"] = {}
    unknown, invalid = messages(obj, reg)
    assert sorted(unknown) == [
        'unknown field "metadata.labelz"',
        'unknown field "spec.replicass"',
        'unknown field "spec.template.spec.containers[0].imagee"',
    ]
    assert invalid == []


def test_wrong_types_are_invalid(reg: SchemaRegistry) -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "2"
    obj["metadata"]["labels"]["n"] = 1
    obj["spec"]["template"]["spec"]["containers"] = {"name": "x"}
    unknown, invalid = unknown_and_invalid_fields(obj, schemas=reg)
    assert unknown == []
    assert sorted(e.path for e in invalid) == [
        ".metadata.labels.n",
        ".spec.replicas",
        ".spec.template.spec.containers",
    ]
    replicas = next(e for e in invalid if e.path == ".spec.replicas")
    assert str(replicas) == (
        '.spec.replicas: Invalid value: "string": spec.replicas in body must be of type '
        'integer: "string"'
    )


def test_int32_range(reg: SchemaRegistry) -> None:
    obj = deployment()
    obj["spec"]["replicas"] = 2**31
    _, invalid = unknown_and_invalid_fields(obj, schemas=reg)
    assert [e.path for e in invalid] == [".spec.replicas"]


def test_unknown_kinds_and_preserved_fields_are_not_checked(reg: SchemaRegistry) -> None:
    assert messages({"apiVersion": "x/v1", "kind": "Nope", "spec": {"a": 1}}, reg) == ([], [])
    local = SchemaRegistry()
    local.register_crd(
        {
            "spec": {
                "group": "example.com",
                "names": {"kind": "Widget"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "properties": {
                                            "size": {"type": "integer"},
                                            "free": {
                                                "type": "object",
                                                "x-kubernetes-preserve-unknown-fields": True,
                                            },
                                        },
                                    }
                                },
                            }
                        },
                    }
                ],
            }
        }
    )
    cr = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "bogus": 1},
        "spec": {"size": "big", "free": {"anything": [1]}, "other": 1},
    }
    unknown, invalid = messages(cr, local)
    assert sorted(unknown) == ['unknown field "metadata.bogus"', 'unknown field "spec.other"']
    assert [i.split(":")[0] for i in invalid] == [".spec.size"]
