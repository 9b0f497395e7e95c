"""Server-side apply and managedFields bookkeeping, compared with kube-apiserver's behaviour."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from reconciler.localcluster.core.defaults import apply_defaults
from reconciler.localcluster.core.errors import ApplyConflict
from reconciler.localcluster.core.k8sschema import SchemaRegistry
from reconciler.localcluster.core.managedfields import record_update, server_side_apply

T1, T2, T3 = "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z", "2024-05-01T12:00:00Z"
APP = 'k:{"name":"app"}'


def manifest(replicas: int | None = 3, image: str = "nginx:1", **labels: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": image}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", **labels}},
        "spec": spec,
    }


def entries(obj: dict[str, Any]) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    return {
        (e["manager"], e["operation"], e.get("subresource")): e
        for e in obj["metadata"].get("managedFields", [])
    }


def apply(reg: SchemaRegistry, live: Any, cfg: Any, manager: str = "kubectl", **kw: Any) -> Any:
    return server_side_apply(
        live, cfg, manager=manager, force=kw.get("force", False), schemas=reg, now=kw.get("now", T1)
    )


def test_create_by_apply_records_one_apply_entry(reg: SchemaRegistry) -> None:
    obj = apply(reg, None, manifest())
    assert obj["spec"] == manifest()["spec"]
    [entry] = obj["metadata"]["managedFields"]
    assert entry == {
        "manager": "kubectl",
        "operation": "Apply",
        "apiVersion": "apps/v1",
        "time": T1,
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {
                        "f:containers": {APP: {".": {}, "f:image": {}, "f:name": {}}},
                    },
                },
            },
        },
    }


def test_same_value_from_another_applier_is_shared(reg: SchemaRegistry) -> None:
    live = apply(reg, None, manifest())
    other: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
    }
    other["spec"] = {"replicas": 3}
    out = apply(reg, live, other, manager="ci", now=T2)
    owners = entries(out)
    assert owners[("ci", "Apply", None)]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" in owners[("kubectl", "Apply", None)]["fieldsV1"]["f:spec"]


def test_changing_anothers_field_conflicts_unless_forced(reg: SchemaRegistry) -> None:
    live = apply(reg, None, manifest())
    other: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
    }
    other["spec"] = {"replicas": 5}
    with pytest.raises(ApplyConflict) as caught:
        apply(reg, live, other, manager="ci")
    assert (
        str(caught.value) == 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    )
    assert [(c.manager, c.field) for c in caught.value.conflicts] == [("kubectl", ".spec.replicas")]

    out = apply(reg, live, other, manager="ci", force=True, now=T2)
    assert out["spec"]["replicas"] == 5
    owners = entries(out)
    assert "f:replicas" not in owners[("kubectl", "Apply", None)]["fieldsV1"]["f:spec"]
    assert owners[("ci", "Apply", None)]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}


def test_kubectl_scale_takes_replicas_and_reapply_conflicts(reg: SchemaRegistry) -> None:
    live = apply(reg, None, manifest())
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 5
    scaled = record_update(
        live, scaled, manager="kubectl", schemas=reg, now=T2, subresource="scale"
    )
    owners = entries(scaled)
    assert owners[("kubectl", "Update", "scale")] == {
        "manager": "kubectl",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "time": T2,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:replicas": {}}},
        "subresource": "scale",
    }
    assert "f:replicas" not in owners[("kubectl", "Apply", None)]["fieldsV1"]["f:spec"]
    with pytest.raises(ApplyConflict) as caught:
        apply(reg, scaled, manifest(), now=T3)
    assert str(caught.value) == (
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" '
        f"using apps/v1 at {T2}: .spec.replicas"
    )
    # Leaving replicas out of the configuration keeps the scaled value.
    out = apply(reg, scaled, manifest(replicas=None), now=T3)
    assert out["spec"]["replicas"] == 5


def test_fields_dropped_from_the_config_are_removed(reg: SchemaRegistry) -> None:
    live = apply(reg, None, manifest(tier="web"))
    out = apply(reg, live, manifest(), now=T2)
    assert out["metadata"]["labels"] == {"app": "web"}
    owners = entries(out)
    assert owners[("kubectl", "Apply", None)]["fieldsV1"]["f:metadata"] == {
        "f:labels": {"f:app": {}}
    }


def test_dropped_field_owned_by_someone_else_stays(reg: SchemaRegistry) -> None:
    live = apply(reg, None, manifest(tier="web"))
    other: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
    }
    other["metadata"]["labels"] = {"tier": "web"}
    live = apply(reg, live, other, manager="ci", now=T2)
    out = apply(reg, live, manifest(), now=T3)
    assert out["metadata"]["labels"] == {"app": "web", "tier": "web"}


def test_dropped_list_item_goes_with_its_defaulted_fields(reg: SchemaRegistry) -> None:
    cfg = manifest()
    cfg["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    live = apply_defaults(apply(reg, None, cfg))
    assert live["spec"]["template"]["spec"]["containers"][1]["imagePullPolicy"] == "Always"
    out = apply(reg, live, manifest(), now=T2)
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["app"]
    # Defaulted fields nobody owns survive when their item stays.
    assert out["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert out["spec"]["revisionHistoryLimit"] == 10


def test_applying_the_same_config_again_changes_nothing(reg: SchemaRegistry) -> None:
    live = apply(reg, None, manifest())
    again = apply(reg, live, manifest(), now=T2)
    assert again == live  # time of the entry kept: nothing changed


def test_managed_fields_in_the_config_are_ignored(reg: SchemaRegistry) -> None:
    cfg = manifest()
    cfg["metadata"]["managedFields"] = [{"manager": "evil", "operation": "Apply"}]
    out = apply(reg, None, cfg)
    assert [e["manager"] for e in out["metadata"]["managedFields"]] == ["kubectl"]


def test_status_is_not_applied_through_the_main_resource(reg: SchemaRegistry) -> None:
    cfg = manifest()
    cfg["status"] = {"replicas": 9}
    out = apply(reg, None, cfg)
    assert "status" not in out
    assert "f:status" not in out["metadata"]["managedFields"][0]["fieldsV1"]


def test_create_by_post_owns_defaulted_fields(reg: SchemaRegistry) -> None:
    created = apply_defaults(manifest())
    out = record_update(None, created, manager="kubectl-create", schemas=reg, now=T1)
    [entry] = out["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("kubectl-create", "Update")
    fields = entry["fieldsV1"]
    assert fields["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}
    spec = fields["f:spec"]
    assert "." not in spec
    assert spec["f:strategy"]["f:rollingUpdate"] == {"f:maxSurge": {}, "f:maxUnavailable": {}}
    assert spec["f:progressDeadlineSeconds"] == {}
    container = spec["f:template"]["f:spec"]["f:containers"][APP]
    assert {".", "f:imagePullPolicy", "f:terminationMessagePath", "f:resources"} <= set(container)
    assert spec["f:template"]["f:spec"]["f:securityContext"] == {}


def test_update_takes_changed_fields_from_the_applier(reg: SchemaRegistry) -> None:
    live = apply(reg, None, manifest())
    edited = copy.deepcopy(live)
    edited["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    del edited["metadata"]["labels"]
    out = record_update(live, edited, manager="kubectl-edit", schemas=reg, now=T2)
    owners = entries(out)
    assert owners[("kubectl-edit", "Update", None)]["fieldsV1"] == {
        "f:spec": {"f:template": {"f:spec": {"f:containers": {APP: {"f:image": {}}}}}}
    }
    applier = owners[("kubectl", "Apply", None)]["fieldsV1"]
    assert "f:metadata" not in applier
    assert "f:image" not in applier["f:spec"]["f:template"]["f:spec"]["f:containers"][APP]
    # Apply order: Apply entries sort before Update entries.
    assert [e["operation"] for e in out["metadata"]["managedFields"]] == ["Apply", "Update"]


def test_update_that_changes_nothing_keeps_entries(reg: SchemaRegistry) -> None:
    live = record_update(None, manifest(), manager="m", schemas=reg, now=T1)
    out = record_update(live, copy.deepcopy(live), manager="m", schemas=reg, now=T2)
    assert out["metadata"]["managedFields"][0]["time"] == T1
    other = record_update(live, copy.deepcopy(live), manager="other", schemas=reg, now=T2)
    assert [e["manager"] for e in other["metadata"]["managedFields"]] == ["m"]


def test_status_writes_are_tracked_only_through_the_subresource(reg: SchemaRegistry) -> None:
    live = record_update(None, manifest(), manager="m", schemas=reg, now=T1)
    with_status = copy.deepcopy(live)
    with_status["status"] = {"replicas": 3}
    main = record_update(live, with_status, manager="ctl", schemas=reg, now=T2)
    assert ("ctl", "Update", None) not in entries(main)
    status = record_update(
        live, with_status, manager="ctl", schemas=reg, now=T2, subresource="status"
    )
    assert entries(status)[("ctl", "Update", "status")]["fieldsV1"] == {
        "f:status": {"f:replicas": {}}
    }


def test_managed_fields_reset_with_an_empty_entry(reg: SchemaRegistry) -> None:
    live = record_update(None, manifest(), manager="m", schemas=reg, now=T1)
    reset = copy.deepcopy(live)
    reset["metadata"]["managedFields"] = [{}]
    out = record_update(live, reset, manager="n", schemas=reg, now=T2)
    assert "managedFields" not in out["metadata"]


def test_first_apply_to_an_untracked_object_adopts_it(reg: SchemaRegistry) -> None:
    live = manifest()
    other: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
    }
    other["spec"] = {"replicas": 5}
    with pytest.raises(ApplyConflict) as caught:
        apply(reg, live, other)
    assert caught.value.conflicts[0].manager == "before-first-apply"


def test_custom_resources_merge_with_their_schema() -> None:
    reg = SchemaRegistry()
    reg.register_crd(
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
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                ],
            }
        }
    )
    cr = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    live = apply(reg, None, {**cr, "spec": {"a": 1, "b": {"c": 2}}})
    assert live["metadata"]["managedFields"][0]["fieldsV1"] == {
        "f:spec": {".": {}, "f:a": {}, "f:b": {".": {}, "f:c": {}}}
    }
    out = apply(reg, live, {**cr, "spec": {"b": {"c": 3}}}, now=T2)
    assert out["spec"] == {"b": {"c": 3}}


def test_apply_keeps_list_order_of_the_config(reg: SchemaRegistry) -> None:
    cfg = manifest()
    containers = cfg["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "b", "image": "b"})
    live = apply(reg, None, cfg)
    other = copy.deepcopy(live)
    other["spec"]["template"]["spec"]["containers"].insert(1, {"name": "mid", "image": "m"})
    live = record_update(live, other, manager="ctl", schemas=reg, now=T2)
    cfg["spec"]["template"]["spec"]["containers"] = [containers[1], containers[0]]
    out = apply(reg, live, cfg, now=T3)
    names = [c["name"] for c in out["spec"]["template"]["spec"]["containers"]]
    # SMD's visitListItems: config order for shared items ("b" before "app"); the live-only
    # "mid" keeps its place relative to the live items it followed/preceded.
    assert names == ["mid", "b", "app"]
