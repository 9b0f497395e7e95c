"""`make run`'s tour: its story must match what the cluster holds afterwards."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.clients.kubeconnect import connect
from reconciler.engine.core.inventory import Inventory
from reconciler.localcluster.server import start_local_cluster
from reconciler.tour import SOURCE, Tour


def test_tour_story_matches_the_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    facts = Tour(tmp_path, out).run()
    story = out.getvalue()
    assert facts.created == len(facts.classes["plan"]) >= 9
    # One object from the Kustomize overlay and one from the chart, each traced to its file.
    assert facts.built["ConfigMap/demo/demo-status-page"] == (
        "deploy/kustomize/base/status-page.yaml:2 (kustomize deploy/kustomize/overlays/demo)"
    )
    assert facts.built["ConfigMap/demo/status-banner"] == (
        "deploy/charts/status-banner/templates/configmap.yaml:1 "
        "(helm deploy/charts/status-banner (release status))"
    )
    assert "ConfigMap/demo/status-banner  <- deploy/charts/status-banner" in story
    assert facts.noop_writes == 0 and "write requests seen by the API server: 0" in story
    assert facts.replicas_after_person == 5 and "/spec/replicas" in facts.drift_reason
    assert facts.classes["person"]["Deployment/demo/worker"] == "drift"
    assert facts.classes["person"]["Deployment/demo/web"] == "override"
    assert "kube-controller-manager" in facts.override_reason
    # The HPA is the embedded controller, and it leaves what the real one does on /scale.
    assert facts.hpa_writer == "kube-controller-manager (Update via /scale)"
    assert f"written by {facts.hpa_writer}" in story
    assert facts.replicas_after_revert == 2
    assert facts.classes["hpa"]["Deployment/demo/worker"] == "drift"  # reverted by this apply
    assert facts.classes["hpa"]["Deployment/demo/web"] == "override"
    assert facts.classes["commit"]["ConfigMap/ai-ops/reconciler-toolsets"] == "update"
    assert facts.held == ["ConfigMap/ai-ops/remediation-restart-on-oom"]
    assert "reconciler plan  --source example" in story  # a path or a bare name
    assert facts.proposals == {"drift": "opened", "intent": "opened", "discover": "opened"}
    assert facts.worker_after_merge == "unchanged"

    with (
        start_local_cluster(tmp_path / "cluster") as local,
        connect("kube", kubeconfig=str(local.kubeconfig_path)) as cluster,
    ):
        web = cluster.get("apps/v1", "Deployment", "demo", "web")
        assert web is not None and web["spec"]["replicas"] == facts.replicas_after_hpa == 4
        worker = cluster.get("apps/v1", "Deployment", "demo", "worker")
        assert worker is not None and worker["spec"]["replicas"] == 3  # adopted through a PR
        tools = cluster.get("v1", "ConfigMap", "ai-ops", "reconciler-toolsets")
        assert tools is not None and "(v2)" in tools["data"]["toolsets.yaml"]
        assert cluster.get("v1", "ConfigMap", "ai-ops", "remediation-restart-on-oom") is not None
        stored = cluster.get(
            "v1", "ConfigMap", "reconciler-system", f"reconciler-inventory-{SOURCE}"
        )
        inventory = Inventory.from_config_map(SOURCE, stored)
        assert {k.ref for k in inventory.entries} == set(facts.classes["plan"])

    # The explore commands work as printed: the CLI sees the same state, and only the held file.
    code = main(
        [
            "plan",
            "--source",
            SOURCE,
            "--repo",
            (tmp_path / "specs.git").as_uri(),
            "--cluster",
            f"local:{tmp_path / 'cluster'}",
            "--cache-dir",
            str(tmp_path / "cache2"),
        ]
    )
    assert code == 1  # the broken file is an error
    printed = capsys.readouterr().out
    assert "held      ConfigMap/ai-ops/remediation-restart-on-oom" in printed
    assert "adopt" not in printed and "create" not in printed.split("objects:")[-1]
