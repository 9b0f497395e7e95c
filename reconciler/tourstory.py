"""The steps of the `make run` tour (see `reconciler.tour` for the setting)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import git
import httpx
from kubernetes import client

from reconciler.clients.cluster_api import Cluster
from reconciler.clients.git import GitSource
from reconciler.engine.plan import PlanClass
from reconciler.localcluster.server import LocalCluster

if TYPE_CHECKING:
    from reconciler.tour import Tour

WEB = "Deployment/demo/web"
BROKEN_FILE = "specs/remediations/restart-on-oom.yaml"


def _replicas(cluster: Cluster) -> int:
    live = cluster.get("apps/v1", "Deployment", "demo", "web") or {}
    return int((live.get("spec") or {}).get("replicas", -1))


def tell(
    tour: Tour, repo: git.Repo, local: LocalCluster, cluster: Cluster, source: GitSource
) -> None:
    from reconciler.tour import requests_at_server

    facts = tour.facts
    tour.step("2. Plan against an empty embedded cluster")
    run = tour.engine_run(cluster, source, "plan")
    tour.record("plan", run)
    for entry in run.plan.entries:
        tour.say(f"   + {entry.key.ref}")
    tour.say(f"   {len(run.plan.entries)} objects to create; nothing is written by a plan.")

    tour.step("3. Apply what is merged on main")
    run = tour.engine_run(cluster, source, "apply")
    tour.record("apply", run)
    facts.created = sum(1 for r in run.results or [] if r.outcome == "created")
    tour.say(f"   created {facts.created} objects (server-side apply, field manager `reconciler`),")
    tour.say(
        "   and recorded them in the inventory: reconciler-system/reconciler-inventory-example."
    )

    tour.step("4. Apply again: nothing changed, so nothing is written")
    httpx.delete(local.url + "/debug/requests")
    run = tour.engine_run(cluster, source, "apply")
    facts.noop_writes = int(requests_at_server(local)["writes"])
    unchanged = run.plan.counts()["unchanged"]
    tour.say(
        f"   {unchanged} unchanged; write requests seen by the API server: {facts.noop_writes}"
    )

    tour.step("5. A person scales the deployment by hand")
    tour.kubectl(local, "scale", "-n", "demo", "deployment/web", "--replicas=5")
    facts.replicas_after_person = _replicas(cluster)
    run = tour.engine_run(cluster, source, "plan")
    tour.record("person", run)
    drift = next(e for e in run.plan.entries if e.key.ref == WEB)
    facts.drift_reason = drift.reason
    tour.show(run, classes={PlanClass.DRIFT})
    tour.say("   That is drift: git did not change, a person's edit did (drift mode `report`).")

    tour.step("6. Revert the drift: `reconciler apply --drift-mode revert`")
    tour.engine_run(cluster, source, "apply", drift="revert")
    facts.replicas_after_revert = _replicas(cluster)
    tour.say(f"   demo/web is back to {facts.replicas_after_revert} replicas, as git says.")

    tour.step("7. The HPA scales the deployment")
    apps = client.AppsV1Api(cluster.api_client)  # type: ignore[attr-defined]
    apps.patch_namespaced_deployment_scale(
        "web", "demo", {"spec": {"replicas": 4}}, field_manager="kube-controller-manager"
    )
    tour.say(
        "   (simulated: the HPA controller writes /scale as field manager kube-controller-manager)"
    )
    run = tour.engine_run(cluster, source, "apply")
    tour.record("hpa", run)
    override = next(e for e in run.plan.entries if e.key.ref == WEB)
    facts.override_reason = override.reason
    facts.replicas_after_hpa = _replicas(cluster)
    tour.show(run, classes={PlanClass.OVERRIDE})
    tour.say(
        f"   An override, not drift: apply left demo/web at {facts.replicas_after_hpa} replicas."
    )

    tour.step("8. A commit changes a tool")
    path = tour.work / "specs/tools/prometheus.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("description: ", "description: (v2) ", 1),
        encoding="utf-8",
    )
    tour.commit(repo, "Reword the first Prometheus tool")
    run = tour.engine_run(cluster, source, "apply")
    tour.record("commit", run)
    tour.show(run, classes={PlanClass.UPDATE})

    tour.step("9. A commit breaks a file")
    broken = tour.work / BROKEN_FILE
    broken.write_text(
        broken.read_text(encoding="utf-8") + "  trigger: [unclosed\n", encoding="utf-8"
    )
    tour.commit(repo, "Oops")
    run = tour.engine_run(cluster, source, "apply")
    tour.record("broken", run)
    facts.held = [e.key.ref for e in run.plan.entries if e.cls is PlanClass.HELD]
    tour.show(run, classes={PlanClass.HELD})
    tour.say("   Its objects are held (kept as last applied, never pruned); the rest reconciles.")
