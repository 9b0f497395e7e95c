"""The proposals part of the `make run` tour: drift, an intent and a discovered service become
pull requests on the local forge; one is merged and applied (see `reconciler.tour`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.clients.cluster_api import Cluster
from reconciler.clients.gitwrite import GitRepository
from reconciler.clients.localforge import LocalForge
from reconciler.localcluster.server import LocalCluster
from reconciler.proposals.model import ProposalResult
from reconciler.proposals.pipeline import propose_discover, propose_drift, propose_intent

if TYPE_CHECKING:
    from reconciler.tour import Tour

WORKER = "Deployment/demo/worker"
PROMETHEUS = """apiVersion: v1
kind: Service
metadata:
  name: prometheus-server
  namespace: demo
  labels: {app.kubernetes.io/name: prometheus}
spec:
  ports: [{port: 9090}]
  selector: {app: prometheus}
"""


def propose(tour: Tour, local: LocalCluster, cluster: Cluster) -> None:
    facts = tour.facts
    forge = LocalForge(tour.bare)
    with GitRepository(tour.bare.as_uri(), cache_dir=tour.workdir / "cache-proposals") as repo:

        def run(trigger: object, **extra: object) -> list[ProposalResult]:
            revision = repo.fetch()
            tree = repo.tree(revision.commit)
            engine = tour.runner(cluster, repo).engine
            results: list[ProposalResult] = trigger(  # type: ignore[operator]
                engine, tree, revision.commit, repo=repo, forge=forge, base_branch="main", **extra
            )
            for r in results:
                where = f" -> pull request #{r.number}" if r.number else f" ({r.reason})"
                tour.say(f"   {r.status}: {r.title}{where}")
            return results

        tour.step("10. Keep a person's change instead of reverting it: a pull request")
        tour.kubectl(local, "scale", "-n", "demo", "deployment/worker", "--replicas=3")
        (drift,) = run(propose_drift)
        facts.proposals["drift"] = str(drift.status)
        assert drift.number is not None
        changed = [
            line for line in forge.get(drift.number).body.splitlines() if "live value" in line
        ]
        tour.say("   " + changed[0].strip("- `"))
        merged = forge.merge(drift.number)
        tour.say(
            f"   $ reconciler pr merge {drift.number}   # a merge commit {merged[:12]} on main"
        )
        tour.runner(cluster, repo).apply()
        plan = tour.runner(cluster, repo).plan()
        facts.worker_after_merge = next(
            str(e.cls) for e in plan.plan.entries if e.key.ref == WORKER
        )
        tour.say(f"   apply, then plan: {WORKER} is {facts.worker_after_merge}: git says 3 too.")

        tour.step("11. An intent, carried out by the offline provider")
        tour.say('   $ reconciler propose --trigger intent --intent "autoscale demo/worker"')
        (intent,) = run(propose_intent, text="autoscale demo/worker")
        facts.proposals["intent"] = str(intent.status)

        tour.step("12. A Prometheus appears in the cluster: a Tool pull request")
        manifest = tour.workdir / "prometheus.yaml"
        manifest.write_text(PROMETHEUS, encoding="utf-8")
        tour.kubectl(local, "apply", "-f", str(manifest))
        found = run(propose_discover)
        facts.proposals["discover"] = ",".join(str(r.status) for r in found)
        tour.say("   Every proposal was planned against the cluster before it was pushed;")
        tour.say(f"   `reconciler pr list --repo {tour.bare}` lists them.")
