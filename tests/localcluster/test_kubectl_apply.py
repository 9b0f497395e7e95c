"""The real kubectl against the embedded cluster: server-side and client-side apply, diff."""

from __future__ import annotations

import json

import yaml

from tests.localcluster.conftest import RunningCluster


def _manifest(name: str, ns: str, *, replicas: int = 2, image: str = "nginx:1.25") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: {image}
        ports:
        - containerPort: 80
"""


def test_server_side_apply_conflict_then_force(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    out = cluster.kubectl_ok("apply", "--server-side", "-f", "-", input=_manifest("web", ns))
    assert "deployment.apps/web serverside-applied" in out
    conflict = cluster.kubectl(
        "apply", "--server-side", "--field-manager", "other", "-f", "-",
        input=_manifest("web", ns, replicas=5),
    )  # fmt: skip
    assert conflict.returncode == 1
    assert 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas' in (
        conflict.stderr
    )
    cluster.kubectl_ok(
        "apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-",
        input=_manifest("web", ns, replicas=5),
    )  # fmt: skip
    live = json.loads(
        cluster.kubectl_ok(
            "-n", ns, "get", "deployment", "web", "-o", "json", "--show-managed-fields"
        )
    )
    assert live["spec"]["replicas"] == 5
    managers = {e["manager"]: e for e in live["metadata"]["managedFields"]}
    assert "f:replicas" in managers["other"]["fieldsV1"]["f:spec"]
    assert "f:replicas" not in managers["kubectl"]["fieldsV1"]["f:spec"]


def test_get_yaml_shows_managed_fields(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    cluster.kubectl_ok("apply", "--server-side", "-f", "-", input=_manifest("web", ns))
    text = cluster.kubectl_ok(
        "-n", ns, "get", "deploy", "web", "-o", "yaml", "--show-managed-fields"
    )
    [entry] = yaml.safe_load(text)["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["fieldsType"]) == (
        "kubectl",
        "Apply",
        "FieldsV1",
    )
    container = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert container['k:{"name":"app"}']["f:image"] == {}


def test_client_side_apply_uses_strategic_merge_patch(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    assert "created" in cluster.kubectl_ok("apply", "-f", "-", input=_manifest("csa", ns))
    cluster.kubectl_ok("-n", ns, "label", "deploy", "csa", "owner=me")
    out = cluster.kubectl_ok("apply", "-f", "-", input=_manifest("csa", ns, image="nginx:1.26"))
    assert "deployment.apps/csa configured" in out
    assert "warning" not in cluster.kubectl("apply", "-f", "-", input=_manifest("csa", ns)).stderr
    live = json.loads(
        cluster.kubectl_ok("-n", ns, "get", "deploy", "csa", "-o", "json", "--show-managed-fields")
    )
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert live["metadata"]["labels"] == {"owner": "me"}  # kept: not in last-applied
    annotations = live["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations
    managers = {e["manager"] for e in live["metadata"]["managedFields"]}
    assert managers == {"kubectl-client-side-apply", "kubectl-label"}
    unchanged = cluster.kubectl_ok("apply", "-f", "-", input=_manifest("csa", ns))
    assert "deployment.apps/csa unchanged" in unchanged


def test_diff_server_side_exit_codes(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    cluster.kubectl_ok("apply", "--server-side", "-f", "-", input=_manifest("web", ns))
    same = cluster.kubectl("diff", "--server-side", "-f", "-", input=_manifest("web", ns))
    assert (same.returncode, same.stdout) == (0, ""), same.stderr
    changed = cluster.kubectl(
        "diff", "--server-side", "-f", "-", input=_manifest("web", ns, image="nginx:2")
    )
    assert changed.returncode == 1, changed.stderr
    assert "-      - image: nginx:1.25" in changed.stdout
    assert "+      - image: nginx:2" in changed.stdout
    live = json.loads(cluster.kubectl_ok("-n", ns, "get", "deploy", "web", "-o", "json"))
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_apply_strict_field_validation(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    bad = _manifest("web", ns).replace("  replicas: 2", "  replicas: 2\n  replicaz: 3")
    result = cluster.kubectl("apply", "--server-side", "-f", "-", input=bad)
    assert result.returncode == 1
    assert 'unknown field "spec.replicaz"' in result.stderr
    warned = cluster.kubectl("apply", "--validate=warn", "-f", "-", input=bad)
    assert warned.returncode == 0, warned.stderr
    assert 'unknown field "spec.replicaz"' in warned.stderr
