"""The steps of the `make run` tour (see `reconciler.tour` for the setting)."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import git
import httpx

from reconciler.clients.cluster_api import Cluster
from reconciler.clients.git import GitSource
from reconciler.engine.core.plan import PlanClass
from reconciler.localcluster.server import LocalCluster

if TYPE_CHECKING:
    from reconciler.tour import Tour

WEB = "Deployment/demo/web"
WORKER = "Deployment/demo/worker"
BROKEN_FILE = "specs/remediations/restart-on-oom.yaml"
METRIC = "localcluster.reconciler.dev/metric-value"  # the embedded HPA controller's metric
HPA_WAIT = 10.0


def _replicas(cluster: Cluster, name: str) -> int:
    live = cluster.get("apps/v1", "Deployment", "demo", name) or {}
    return int((live.get("spec") or {}).get("replicas", -1))


def _wait_for_replicas(cluster: Cluster, name: str, replicas: int) -> int:
    """Wait until demo/`name` has `replicas` (a controller acts in the server's thread)."""
    deadline = time.monotonic() + HPA_WAIT
    while (current := _replicas(cluster, name)) != replicas and time.monotonic() < deadline:
        time.sleep(0.02)
    if current != replicas:
        raise RuntimeError(f"demo/{name} has {current} replicas, not the {replicas} expected")
    return current


def _scale_writer(cluster: Cluster, name: str) -> str:
    """Who wrote replicas of demo/`name` through /scale, as its managedFields say."""
    live = cluster.get("apps/v1", "Deployment", "demo", name) or {}
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        if entry.get("subresource") == "scale":
            return f"{entry.get('manager')} ({entry.get('operation')} via /scale)"
    return "nobody"


def requests_at_server(local: LocalCluster) -> dict[str, Any]:
    counts: dict[str, Any] = httpx.get(local.url + "/debug/requests").json()
    return counts


def tell(
    tour: Tour, repo: git.Repo, local: LocalCluster, cluster: Cluster, source: GitSource
) -> None:
    facts = tour.facts
    tour.step("2. Plan against an empty embedded cluster")
    run = tour.runner(cluster, source).plan()
    tour.record("plan", run)
    for entry in run.plan.entries:
        origin = entry.origin
        built = f"  <- {origin}" if origin is not None and origin.via else ""
        tour.say(f"   + {entry.key.ref}{built}")
        if built:
            facts.built[entry.key.ref] = str(origin)
    tour.say(f"   {len(run.plan.entries)} objects to create; nothing is written by a plan.")
    tour.say("   Objects marked <- were built: Kustomize overlays and Helm charts are rendered by")
    tour.say("   the real tools, and each object still names the file it came from.")

    tour.step("3. Apply what is merged on main")
    run = tour.runner(cluster, source).apply()
    tour.record("apply", run)
    facts.created = sum(1 for r in run.results or [] if r.outcome == "created")
    tour.say(f"   created {facts.created} objects (server-side apply, field manager `reconciler`),")
    tour.say(
        "   and recorded them in the inventory: reconciler-system/reconciler-inventory-example."
    )

    tour.step("4. Apply again: nothing changed, so nothing is written")
    httpx.delete(local.url + "/debug/requests")
    run = tour.runner(cluster, source).apply()
    facts.noop_writes = int(requests_at_server(local)["writes"])
    unchanged = run.plan.counts()["unchanged"]
    tour.say(
        f"   {unchanged} unchanged; write requests seen by the API server: {facts.noop_writes}"
    )

    tour.step("5. Two hands change replicas: a person, and the HPA")
    tour.kubectl(local, "scale", "-n", "demo", "deployment/worker", "--replicas=5")
    facts.replicas_after_person = _replicas(cluster, "worker")
    # No metrics server here: the embedded HPA controller reads CPU from an annotation.
    before = _replicas(cluster, "web")
    tour.kubectl(local, "annotate", "-n", "demo", "hpa/web", f"{METRIC}=140", "--overwrite")
    scaled = _wait_for_replicas(cluster, "web", math.ceil(before * 140 / 70))
    facts.hpa_writer = _scale_writer(cluster, "web")
    tour.say("   CPU at 140% of requests, target 70%: the HPA controller scales demo/web")
    tour.say(f"   to ceil({before} x 140 / 70) = {scaled}; replicas written by {facts.hpa_writer}.")
    tour.kubectl(local, "annotate", "-n", "demo", "hpa/web", f"{METRIC}=70", "--overwrite")
    tour.say(f"   Spread over {scaled} pods the load is 70% each: on target, so the HPA holds.")

    tour.step("6. One plan tells them apart")
    run = tour.runner(cluster, source).plan()
    tour.record("person", run)
    facts.drift_reason = next(e for e in run.plan.entries if e.key.ref == WORKER).reason
    facts.override_reason = next(e for e in run.plan.entries if e.key.ref == WEB).reason
    tour.show(run, classes={PlanClass.DRIFT, PlanClass.OVERRIDE})
    tour.say("   worker: drift (git did not change, a person did). web: an override (the HPA owns")
    tour.say("   replicas), preserved and never reported as drift.")

    tour.step("7. Revert the drift: `reconciler apply --drift-mode revert`")
    run = tour.runner(cluster, source, drift="revert").apply()
    tour.record("hpa", run)
    facts.replicas_after_revert = _replicas(cluster, "worker")
    facts.replicas_after_hpa = _replicas(cluster, "web")
    tour.say(f"   demo/worker is back to {facts.replicas_after_revert} replicas, as git says;")
    tour.say(f"   demo/web stays at {facts.replicas_after_hpa}, where the HPA put it.")

    tour.step("8. A commit changes a tool")
    path = tour.work / "specs/tools/prometheus.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("description: ", "description: (v2) ", 1),
        encoding="utf-8",
    )
    tour.commit(repo, "Reword the first Prometheus tool")
    run = tour.runner(cluster, source).apply()
    tour.record("commit", run)
    tour.show(run, classes={PlanClass.UPDATE})

    tour.step("9. A commit breaks a file")
    broken = tour.work / BROKEN_FILE
    broken.write_text(
        broken.read_text(encoding="utf-8") + "  trigger: [unclosed\n", encoding="utf-8"
    )
    tour.commit(repo, "Oops")
    run = tour.runner(cluster, source).apply()
    tour.record("broken", run)
    facts.held = [e.key.ref for e in run.plan.entries if e.cls is PlanClass.HELD]
    tour.show(run, classes={PlanClass.HELD})
    tour.say("   Its objects are held (kept as last applied, never pruned); the rest reconciles.")
