"""Every built-in kind of kube-apiserver 1.37, through the real kubectl.

The samples in `tests/data/localcluster/kinds/` hold one minimal, schema-valid object of every
built-in kind the server lists (`resources.builtin_types`); `create-only/` holds the request
kinds (reviews, Binding), which can only be created. ComponentStatus (get and list only) has
none. Each kubectl verb runs once over the whole directory, so the module takes seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from reconciler.localcluster.core.k8sschema import SCHEMA_VERSION
from reconciler.localcluster.core.resources import ResourceType, builtin_types
from tests.localcluster.conftest import RunningCluster

KINDS = Path(__file__).parents[1] / "data" / "localcluster" / "kinds"
CREATE_ONLY = KINDS / "create-only"
NOT_SAMPLED = {("v1", "ComponentStatus")}  # get and list only: nothing can be created


def _samples(directory: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.yaml"))]


def test_one_valid_sample_per_builtin_kind() -> None:
    samples = _samples(KINDS) + _samples(CREATE_ONLY)
    sampled = [(s["apiVersion"], s["kind"]) for s in samples]
    expected = {(t.api_version, t.kind) for t in builtin_types()} - NOT_SAMPLED
    assert sorted(sampled) == sorted(expected)  # each kind once, none missing or extra
    create_only = {(s["apiVersion"], s["kind"]) for s in _samples(CREATE_ONLY)}
    assert create_only == {
        (t.api_version, t.kind) for t in builtin_types() if t.verbs == ("create",)
    }
    for sample in samples:  # strict: required fields present, no unknown ones
        kubernetes_validate.validate(sample, SCHEMA_VERSION.removeprefix("v"), strict=True)


def _api_resources(cluster: RunningCluster) -> dict[str, dict[str, str]]:
    """`kubectl api-resources -o wide`, rows keyed by `NAME.GROUP`, cut at the header's columns."""
    lines = cluster.kubectl_ok("api-resources", "-o", "wide").splitlines()
    header = lines[0]
    columns = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]
    starts = [header.index(c) for c in columns]
    rows = {}
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        row = dict(zip(columns, cells, strict=True))
        group = row["APIVERSION"].rpartition("/")[0]
        rows[f"{row['NAME']}.{group}".rstrip(".")] = row
    return rows


def _expected_row(t: ResourceType) -> dict[str, str]:
    return {
        "NAME": t.plural,
        "SHORTNAMES": ",".join(t.short_names),
        "APIVERSION": t.api_version,
        "NAMESPACED": str(t.namespaced).lower(),
        "KIND": t.kind,
        "VERBS": ",".join(t.verbs),
        "CATEGORIES": ",".join(t.categories),
    }


def test_api_resources_lists_every_builtin_kind(cluster: RunningCluster) -> None:
    rows = _api_resources(cluster)
    expected: dict[str, dict[str, str]] = {}
    for t in builtin_types():  # preferred version first: kubectl shows that one
        expected.setdefault(t.group_resource, _expected_row(t))
    assert rows == expected
    # Rows as a real 1.37 server shows them (kubernetes/kubernetes api/discovery/*.json).
    spot = {
        "pods": ("po", "v1", "true", "Pod"),
        "persistentvolumes": ("pv", "v1", "false", "PersistentVolume"),
        "persistentvolumeclaims": ("pvc", "v1", "true", "PersistentVolumeClaim"),
        "namespaces": ("ns", "v1", "false", "Namespace"),
        "ingresses.networking.k8s.io": ("ing", "networking.k8s.io/v1", "true", "Ingress"),
        "networkpolicies.networking.k8s.io": (
            "netpol",
            "networking.k8s.io/v1",
            "true",
            "NetworkPolicy",
        ),
        "horizontalpodautoscalers.autoscaling": (
            "hpa",
            "autoscaling/v2",
            "true",
            "HorizontalPodAutoscaler",
        ),
        "priorityclasses.scheduling.k8s.io": (
            "pc",
            "scheduling.k8s.io/v1",
            "false",
            "PriorityClass",
        ),
        "tokenreviews.authentication.k8s.io": (
            "",
            "authentication.k8s.io/v1",
            "false",
            "TokenReview",
        ),
    }
    for name, (short, api_version, namespaced, kind) in spot.items():
        row = rows[name]
        assert (row["SHORTNAMES"], row["APIVERSION"], row["NAMESPACED"], row["KIND"]) == (
            short,
            api_version,
            namespaced,
            kind,
        ), name
    assert rows["tokenreviews.authentication.k8s.io"]["VERBS"] == "create"
    assert rows["namespaces"]["VERBS"] == "create,delete,get,list,patch,update,watch"
    assert rows["deployments.apps"]["CATEGORIES"] == "all"
    assert not any(r["APIVERSION"].endswith(("alpha1", "beta1", "beta2")) for r in rows.values())


def _items(cluster: RunningCluster, ns: str) -> list[dict[str, Any]]:
    args = ("-n", ns, "get", "-f", str(KINDS), "-o", "json", "--show-managed-fields")
    out = json.loads(cluster.kubectl_ok(*args))
    items: list[dict[str, Any]] = out["items"]
    return items


def test_every_kind_through_kubectl(cluster: RunningCluster) -> None:
    """create, get, server-side apply, patch and delete of one object of every kind."""
    ns = cluster.new_namespace()
    names = {(s["kind"], s["apiVersion"], s["metadata"]["name"]) for s in _samples(KINDS)}
    created = cluster.kubectl_ok("-n", ns, "create", "-f", str(KINDS))
    assert created.count(" created\n") == len(names)
    got = {(i["kind"], i["apiVersion"], i["metadata"]["name"]) for i in _items(cluster, ns)}
    assert got == names
    applied = cluster.kubectl_ok("-n", ns, "apply", "--server-side", "-f", str(KINDS))
    assert applied.count(" serverside-applied\n") == len(names)
    label = '{"metadata":{"labels":{"sampled":"yes"}}}'
    cluster.kubectl_ok("-n", ns, "patch", "-f", str(KINDS), "--type", "merge", "-p", label)
    items = _items(cluster, ns)
    assert all(i["metadata"]["labels"]["sampled"] == "yes" for i in items)
    managers = {e["manager"] for i in items for e in i["metadata"]["managedFields"]}
    assert {"kubectl-create", "kubectl", "kubectl-patch"} <= managers
    # --wait=false: kubectl's own wait polls each object at its client-side rate limit (~5/s).
    deleted = cluster.kubectl_ok("-n", ns, "delete", "-f", str(KINDS), "--wait=false")
    assert deleted.count(" deleted") == len(names)
    left = cluster.kubectl_ok("-n", ns, "get", "-f", str(KINDS), "--ignore-not-found", "-o", "name")
    assert left == ""


def test_request_kinds_are_answered_not_stored(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    cluster.kubectl_ok("-n", ns, "create", "-f", str(KINDS / "core_pod.yaml"))
    out = cluster.kubectl_ok("-n", ns, "create", "-f", str(CREATE_ONLY), "-o", "json")
    answers = {a["kind"]: a for a in map(json.loads, _json_documents(out))}
    assert answers["SelfSubjectAccessReview"]["status"]["allowed"] is True
    assert answers["SubjectAccessReview"]["status"]["allowed"] is True
    assert answers["TokenReview"]["status"]["authenticated"] is False
    assert answers["SelfSubjectRulesReview"]["status"]["resourceRules"][0]["verbs"] == ["*"]
    assert answers["Status"]["status"] == "Success"  # the Binding's answer
    pod = cluster.kubectl_ok("-n", ns, "get", "pod", "sample-pod", "-o", "json")
    assert json.loads(pod)["spec"]["nodeName"] == "sample-node"
    again = cluster.kubectl("-n", ns, "create", "-f", str(CREATE_ONLY / "core_binding.yaml"))
    assert 'pod sample-pod is already assigned to node "sample-node"' in again.stderr
    assert cluster.kubectl_ok("auth", "can-i", "delete", "nodes") == "yes\n"
    assert "localcluster-admin" in cluster.kubectl_ok("auth", "whoami")
    listed = cluster.kubectl("get", "tokenreviews")
    assert "(MethodNotAllowed)" in listed.stderr
    assert cluster.kubectl("get", "componentstatuses").returncode == 0


def _json_documents(text: str) -> list[str]:
    """Split kubectl's `-o json` output of several objects (one JSON document each)."""
    decoder, pos, docs = json.JSONDecoder(), 0, []
    while pos < len(text.rstrip()):
        _, end = decoder.raw_decode(text, pos)
        docs.append(text[pos:end])
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return docs


@pytest.mark.parametrize(
    ("resource", "subresources"),
    [
        (
            "replicationcontrollers",
            ["replicationcontrollers/scale", "replicationcontrollers/status"],
        ),
        ("pods", ["pods/status"]),
        ("ingresses", ["ingresses/status"]),
        ("networkpolicies", []),
    ],
)
def test_subresources_in_discovery(
    cluster: RunningCluster, resource: str, subresources: list[str]
) -> None:
    group = "" if resource in ("replicationcontrollers", "pods") else "networking.k8s.io"
    path = "/api/v1" if not group else f"/apis/{group}/v1"
    names = [r["name"] for r in cluster.http.get(path).json()["resources"]]
    assert [n for n in names if n.startswith(resource + "/")] == subresources


def test_scale_every_scalable_kind(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    scalable = [t for t in builtin_types() if "scale" in t.subresources]
    kinds = {"Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"}
    assert {t.kind for t in scalable} == kinds
    paths = {t: KINDS / f"{t.group or 'core'}_{t.kind.lower()}.yaml" for t in scalable}
    files = [f"--filename={p}" for p in paths.values()]
    cluster.kubectl_ok("-n", ns, "create", *files)
    assert cluster.kubectl_ok("-n", ns, "scale", "--replicas=3", *files).count(" scaled") == 4
    for t, path in paths.items():
        name = yaml.safe_load(path.read_text(encoding="utf-8"))["metadata"]["name"]
        root = f"/apis/{t.group}/v1" if t.group else "/api/v1"
        scale = cluster.http.get(f"{root}/namespaces/{ns}/{t.plural}/{name}/scale").json()
        assert (scale["spec"]["replicas"], scale["status"]["selector"]) == (3, "app=sample")
