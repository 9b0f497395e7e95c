"""Rendering spec kinds into Kubernetes objects."""

from __future__ import annotations

from typing import Any

import yaml

from reconciler.engine.core.render import render
from reconciler.specs.config import RepoConfig
from reconciler.specs.loader import LoadedSpec
from tests.support.builders import loaded_manifest, loaded_spec

CONFIG = RepoConfig(namespace="ai-ops")


def spec(kind: str, name: str, body: dict[str, Any]) -> LoadedSpec:
    return loaded_spec(kind, name, body)


def tool(name: str, status: str = "published", **extra: Any) -> LoadedSpec:
    return spec(
        "Tool", name, {"toolType": "prometheus", "description": name, "status": status, **extra}
    )


def names(objects: list[Any]) -> list[str]:
    return [o.key.ref for o in objects]


def test_toolset_config_map_holds_published_tools_only() -> None:
    out = render(
        [tool("b-query"), tool("a-query", toolset="metrics"), tool("draft-one", status="draft")],
        [],
        config=CONFIG,
        source="s",
        is_namespaced=lambda v, k: True,
    )
    assert names(out) == ["ConfigMap/ai-ops/reconciler-toolsets", "Namespace/ai-ops"]
    cm = out[0].body
    document = yaml.safe_load(cm["data"]["toolsets.yaml"])
    assert list(document["toolsets"]) == ["metrics", "prometheus"]
    assert [t["name"] for t in document["toolsets"]["prometheus"]["tools"]] == ["b-query"]
    assert "overrides.yaml" not in cm["data"]
    assert cm["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "reconciler"
    assert set(out[0].files) == {
        "specs/a-query.yaml",
        "specs/b-query.yaml",
        "specs/draft-one.yaml",
    }


def test_mappings_one_config_map_per_scope() -> None:
    mappings = [
        spec(
            "Mapping",
            n,
            {
                "mappingType": n.replace("-", "_"),
                "scope": s,
                "description": "d",
                "content": {"x": 1},
                "status": "published",
            },
        )
        for n, s in (("metric-aliases", "planner"), ("agg-keywords", "planner"), ("other", "ops"))
    ]
    out = render(mappings, [], config=CONFIG, source="s", is_namespaced=lambda v, k: True)
    by_name = {o.key.name: o.body for o in out}
    assert sorted(by_name["mappings-planner"]["data"]) == [
        "agg-keywords.yaml",
        "metric-aliases.yaml",
    ]
    assert yaml.safe_load(by_name["mappings-ops"]["data"]["other.yaml"])["content"] == {"x": 1}


def test_remediation_config_map() -> None:
    r = spec(
        "Remediation",
        "restart-on-oom",
        {
            "trigger": {"alertName": "OOM"},
            "target": {"kind": "Deployment", "nameFromLabel": "deployment"},
            "actions": [{"type": "restart"}],
        },
    )
    out = render([r], [], config=CONFIG, source="s", is_namespaced=lambda v, k: True)
    body = next(o.body for o in out if o.key.kind == "ConfigMap")
    assert body["metadata"]["name"] == "remediation-restart-on-oom"
    assert yaml.safe_load(body["data"]["remediation.yaml"])["spec"]["trigger"]["alertName"] == "OOM"


def test_manifests_get_namespaces_and_namespace_objects() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {},
    }
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "r", "namespace": "x"},
    }
    in_demo = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "namespace": "demo"},
    }
    out = render(
        [],
        [
            loaded_manifest(deployment, "a.yaml"),
            loaded_manifest(role, "b.yaml"),
            loaded_manifest(in_demo, "c.yaml"),
        ],
        config=CONFIG,
        source="s",
        is_namespaced=lambda v, k: k != "ClusterRole",
    )
    assert sorted(names(out)) == [
        "ClusterRole/r",
        "Deployment/ai-ops/web",
        "Namespace/ai-ops",
        "Namespace/demo",
        "Service/demo/svc",
    ]
    assert [o.key for o in out] == sorted(o.key for o in out)
    assert next(o for o in out if o.key.name == "demo").files == ("c.yaml",)


def test_render_is_deterministic() -> None:
    specs = [tool("x"), tool("y")]
    first = render(specs, [], config=CONFIG, source="s", is_namespaced=lambda v, k: True)
    second = render(
        list(reversed(specs)), [], config=CONFIG, source="s", is_namespaced=lambda v, k: True
    )
    assert [o.digest for o in first] == [o.digest for o in second]
