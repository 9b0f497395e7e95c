"""The real kubectl's everyday commands against the embedded cluster."""

from __future__ import annotations

import json
import os
import subprocess
import time

from tests.localcluster.conftest import KUBECTL, RunningCluster
from tests.localcluster.test_api_discovery import WIDGET_CRD
from tests.localcluster.test_kubectl_apply import _manifest


def _deployment(cluster: RunningCluster, ns: str, name: str) -> dict[str, object]:
    text = cluster.kubectl_ok(
        "-n", ns, "get", "deploy", name, "-o", "json", "--show-managed-fields"
    )
    result: dict[str, object] = json.loads(text)
    return result


def test_create_namespace_and_get_tables(cluster: RunningCluster) -> None:
    assert cluster.kubectl_ok("create", "namespace", "shop") == "namespace/shop created\n"
    lines = cluster.kubectl_ok("get", "namespaces").splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE"]
    assert any(line.split()[:2] == ["shop", "Active"] for line in lines[1:])
    cluster.kubectl_ok("-n", "shop", "create", "configmap", "cfg", "--from-literal=a=1")
    cluster.kubectl_ok("apply", "-f", "-", input=_manifest("web", "shop"))
    table = cluster.kubectl_ok("-n", "shop", "get", "deploy,cm").splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:4] == ["deployment.apps/web", "0/2", "0", "0"]
    cm_header = next(i for i, line in enumerate(table) if line.startswith("NAME") and i > 0)
    assert table[cm_header].split() == ["NAME", "DATA", "AGE"]
    assert table[cm_header + 1].split()[:2] == ["configmap/cfg", "1"]
    wide = cluster.kubectl_ok("-n", "shop", "get", "deploy", "-o", "wide").splitlines()
    assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1].split()[-3:] == ["app", "nginx:1.25", "app=web"]
    missing = cluster.kubectl("-n", "shop", "get", "deploy", "nope")
    assert missing.returncode == 1
    assert 'Error from server (NotFound): deployments.apps "nope" not found' in missing.stderr


def test_patch_scale_label_annotate_delete(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    cluster.kubectl_ok("apply", "--server-side", "-f", "-", input=_manifest("web", ns))
    d = ["-n", ns, "deploy", "web"]
    cluster.kubectl_ok("patch", *d, "--type", "merge", "-p", '{"spec":{"minReadySeconds":5}}')
    ops = '[{"op":"add","path":"/spec/paused","value":true}]'
    cluster.kubectl_ok("patch", *d, "--type", "json", "-p", ops)
    sidecar = '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}'
    assert "patched" in cluster.kubectl_ok("patch", *d, "-p", sidecar)  # strategic by default
    assert "scaled" in cluster.kubectl_ok("scale", *d, "--replicas=4")
    cluster.kubectl_ok("label", *d, "tier=front")
    cluster.kubectl_ok("annotate", *d, "note=hello")
    live = _deployment(cluster, ns, "web")
    spec = live["spec"]
    assert isinstance(spec, dict)
    assert (spec["minReadySeconds"], spec["paused"], spec["replicas"]) == (5, True, 4)
    names = [c["name"] for c in spec["template"]["spec"]["containers"]]
    assert names == ["app", "side"]
    meta = live["metadata"]
    assert isinstance(meta, dict)
    assert meta["labels"] == {"tier": "front"}
    assert meta["annotations"] == {"note": "hello"}
    entries = {(e["manager"], e.get("subresource")) for e in meta["managedFields"]}
    assert {("kubectl", None), ("kubectl-patch", None), ("kubectl-label", None)} <= entries
    assert ("kubectl-annotate", None) in entries
    assert any(sub == "scale" for _, sub in entries)
    deleted = cluster.kubectl_ok("delete", *d)
    assert deleted.startswith('deployment.apps "web" deleted')
    assert cluster.kubectl("get", *d).returncode == 1


def test_get_watch_sees_a_change(cluster: RunningCluster) -> None:
    ns = cluster.new_namespace()
    cluster.kubectl_ok("-n", ns, "create", "configmap", "watched", "--from-literal=a=1")
    env = {**os.environ, "HOME": str(cluster.home), "KUBECONFIG": str(cluster.kubeconfig)}
    watcher = subprocess.Popen(
        [KUBECTL, "-n", ns, "get", "configmaps", "--watch", "--request-timeout=3s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert watcher.stdout is not None
        first = watcher.stdout.readline()  # the header appears once the initial list is in
        assert first.split() == ["NAME", "DATA", "AGE"]
        assert watcher.stdout.readline().split()[:2] == ["watched", "1"]
        time.sleep(0.2)
        cluster.kubectl_ok("-n", ns, "patch", "configmap", "watched", "-p", '{"data":{"b":"2"}}')
        assert watcher.stdout.readline().split()[:2] == ["watched", "2"]
    finally:
        watcher.kill()
        watcher.communicate()


def test_custom_resources_with_kubectl(cluster: RunningCluster) -> None:
    crd = json.loads(json.dumps(WIDGET_CRD))
    columns = [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]
    crd["spec"]["versions"][0]["additionalPrinterColumns"] = columns
    cluster.kubectl_ok("apply", "--server-side", "-f", "-", input=json.dumps(crd))
    ns = cluster.new_namespace()
    gadget = {
        "apiVersion": "example.com/v1",
        "kind": "Gadget",
        "metadata": {"name": "g1", "namespace": ns},
        "spec": {"size": 3},
    }
    assert "gadget.example.com/g1 created" in cluster.kubectl_ok(
        "apply", "-f", "-", input=json.dumps(gadget)
    )
    table = cluster.kubectl_ok("-n", ns, "get", "gadgets").splitlines()
    assert table[0].split() == ["NAME", "SIZE", "AGE"]
    assert table[1].split()[:2] == ["g1", "3"]
    cluster.kubectl_ok(
        "-n", ns, "patch", "gadget", "g1", "--type", "merge", "-p", '{"spec":{"size":4}}'
    )
    smp = cluster.kubectl("-n", ns, "patch", "gadget", "g1", "-p", '{"spec":{"size":5}}')
    assert smp.returncode == 1  # kubectl names the 415 as it does for a real server:
    assert "strategic-merge-patch+json is not supported by example.com/v1, Kind=Gadget" in (
        smp.stderr
    )
    cluster.kubectl_ok("delete", "crd", "gadgets.example.com")
    gone = cluster.kubectl("-n", ns, "get", "gadgets")
    assert gone.returncode == 1
