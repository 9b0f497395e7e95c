"""Discovered observability Services become Tool pull requests; a Service gone, a removal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import git
import pytest
import yaml

from reconciler.cli import main
from reconciler.clients.localforge import LocalForge
from reconciler.localcluster.server import LocalCluster
from reconciler.proposals.discover import recognise
from tests.support.proposing import cli, kubectl
from tests.support.scenario import new_spec_repo, tool


def service(name: str, namespace: str, port: int, **labels: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"ports": [{"port": port}], "selector": {"app": name}},
    }


def test_recognition_by_annotation_label_name_and_port() -> None:
    found = recognise(service("prometheus-server", "monitoring", 80))
    assert found is not None and (found.kind, found.port) == ("prometheus", 80)
    labelled = recognise(service("metrics", "obs", 3000, **{"app.kubernetes.io/name": "grafana"}))
    assert labelled is not None and labelled.endpoint == "http://metrics.obs.svc:3000"
    assert recognise(service("web", "shop", 80)) is None


def test_discovered_services_become_tool_pull_requests_and_removals(
    tmp_path: Path, local: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    work = new_spec_repo(tmp_path / "work")
    work.write("specs/tools/inventory.yaml", tool("inventory-read"))
    work.commit("a tool")
    bare = tmp_path / "specs.git"
    git.Repo.clone_from(str(work.path), str(bare), bare=True)
    cache = tmp_path / "cache"
    manifests = tmp_path / "services.yaml"
    manifests.write_text(
        yaml.safe_dump_all(
            [
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}},
                service("prometheus-server", "monitoring", 9090),
                service("grafana", "monitoring", 3000),
                service("web", "monitoring", 80),
            ]
        )
    )
    kubectl(local, "apply", "-f", str(manifests))
    assert cli(local, bare, cache, "apply") == 0
    capsys.readouterr()

    assert cli(local, bare, cache, "propose", "--trigger", "discover", "-o", "json") == 0
    opened = json.loads(capsys.readouterr().out)["proposals"]
    assert [(p["status"], p["branch"]) for p in opened] == [
        ("opened", "reconciler/discover/grafana-monitoring-grafana"),
        ("opened", "reconciler/discover/prometheus-monitoring-prometheus-server"),
    ]
    prometheus = opened[1]
    assert prometheus["files"] == ["specs/tools/prometheus-monitoring-prometheus-server.yaml"]
    body = LocalForge(bare).get(prometheus["id"]).body
    assert "Service/monitoring/prometheus-server: prometheus, port 9090" in body
    assert "plans cleanly" in body and "ConfigMap/ai-ops/reconciler-toolsets: update" in body
    assert "<summary>update ConfigMap/ai-ops/reconciler-toolsets</summary>" in body
    assert re.search(r"^\+ +- name: prometheus-monitoring-prometheus-server$", body, re.M)

    assert main(["pr", "merge", str(prometheus["id"]), "--repo", str(bare)]) == 0
    assert cli(local, bare, cache, "apply") == 0
    capsys.readouterr()
    assert cli(local, bare, cache, "propose", "--trigger", "discover", "-o", "json") == 0
    again = json.loads(capsys.readouterr().out)["proposals"]
    assert [p["status"] for p in again] == ["unchanged"]  # grafana; prometheus is declared now

    kubectl(local, "delete", "service", "-n", "monitoring", "prometheus-server")
    assert cli(local, bare, cache, "propose", "--trigger", "discover", "-o", "json") == 0
    statuses = {p["branch"]: p["status"] for p in json.loads(capsys.readouterr().out)["proposals"]}
    removal = "reconciler/discover/remove-prometheus-monitoring-prometheus-server"
    assert statuses[removal] == "opened"
    tree = git.Repo(bare).commit(removal).tree
    assert "prometheus-monitoring-prometheus-server.yaml" not in [b.name for b in tree.traverse()]
