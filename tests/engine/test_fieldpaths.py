"""Decoding managedFields into pointers, and override rules built on them."""

from __future__ import annotations

from reconciler.engine.core.fieldpaths import managers, owned_pointers
from reconciler.engine.core.overrides import covering, overrides_for, strip
from reconciler.specs.config import IgnoreRule
from reconciler.specs.keys import ObjectKey

LIVE = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "demo",
        "annotations": {
            "reconciler.dev/override-paths": "/spec/template/metadata/annotations, bad"
        },
        "managedFields": [
            {
                "manager": "reconciler",
                "operation": "Apply",
                "fieldsV1": {
                    "f:spec": {
                        "f:template": {
                            "f:spec": {
                                "f:containers": {
                                    'k:{"name":"app"}': {".": {}, "f:image": {}, "f:name": {}}
                                }
                            }
                        }
                    }
                },
            },
            {
                "manager": "kube-controller-manager",
                "operation": "Update",
                "subresource": "scale",
                "fieldsV1": {"f:spec": {"f:replicas": {}}},
            },
        ],
    },
    "spec": {
        "replicas": 7,
        "template": {"spec": {"containers": [{"name": "side"}, {"name": "app", "image": "x"}]}},
    },
}
KEY = ObjectKey("apps", "Deployment", "demo", "web")


def test_list_items_resolve_to_indexes() -> None:
    entry = managers(LIVE)[0]
    assert "/spec/template/spec/containers/1/image" in entry.pointers
    assert "/spec/template/spec/containers/1/name" in entry.pointers


def test_missing_item_is_skipped() -> None:
    assert (
        owned_pointers({"f:spec": {"f:x": {'k:{"name":"nope"}': {"f:a": {}}}}}, {"spec": {"x": []}})
        == frozenset()
    )


def test_override_manager_annotation_and_ignore_rules() -> None:
    rules = (IgnoreRule(kind="Deployment", json_pointers=["/spec/paused"]),)
    other = (IgnoreRule(kind="Service", json_pointers=["/spec/x"]),)
    found = overrides_for(
        KEY, LIVE, override_managers=frozenset({"kube-controller-manager"}), ignore_rules=rules
    )
    pointers = {o.pointer for o in found}
    assert pointers == {"/spec/replicas", "/spec/template/metadata/annotations", "/spec/paused"}
    assert "via /scale" in next(o.reason for o in found if o.pointer == "/spec/replicas")
    assert not any(
        o.pointer == "/spec/x"
        for o in overrides_for(KEY, LIVE, override_managers=frozenset(), ignore_rules=other)
    )


def test_a_person_is_not_an_override_manager() -> None:
    found = overrides_for(KEY, LIVE, override_managers=frozenset({"hpa"}), ignore_rules=())
    assert covering("/spec/replicas", found) is None


def test_strip_removes_overridden_fields_only() -> None:
    found = overrides_for(
        KEY, LIVE, override_managers=frozenset({"kube-controller-manager"}), ignore_rules=()
    )
    body = {"spec": {"replicas": 3, "template": {"metadata": {"annotations": {"a": "1"}}}}}
    assert strip(body, found) == {"spec": {"template": {"metadata": {}}}}


def test_unset_in_matches_items_by_key_not_position() -> None:
    from reconciler.engine.core.fieldpaths import unset_in

    fields = {
        "f:spec": {
            "f:paused": {},
            "f:containers": {
                'k:{"name":"app"}': {
                    ".": {},
                    "f:image": {},
                    "f:ports": {
                        'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}
                    },
                },
                'k:{"name":"old"}': {".": {}, "f:image": {}},
            },
        }
    }
    live = {
        "spec": {
            "paused": False,
            "containers": [
                {"name": "sidecar", "image": "s"},
                {"name": "app", "image": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                {"name": "old", "image": "o"},
            ],
        }
    }
    desired = {
        "spec": {"containers": [{"name": "app", "image": "b", "ports": [{"containerPort": 80}]}]}
    }
    assert unset_in(fields, live, desired) == ["/spec/paused", "/spec/containers/2"]
