"""Benchmark: plan and apply of N rendered objects against the embedded cluster.

    .venv/bin/python bench/bench_engine.py [N]

Prints seconds for the first apply (all creates), a no-op plan (with how many comparisons and
dry-runs it made: one comparison per object, no dry-run), a no-op apply, and a plan after one
object drifted, plus requests counted at the API server. A no-op apply must send 0 writes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import yaml

from reconciler.clients.dirtree import DirectoryTree
from reconciler.clients.kubeconnect import connect
from reconciler.engine.core.plan import PlanClass
from reconciler.engine.reconcile import Engine
from reconciler.localcluster.server import start_local_cluster

T = TypeVar("T")


def write_repo(root: Path, n: int) -> None:
    (root / "specs").mkdir(parents=True)
    for i in range(n):
        doc = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i:05d}", "namespace": f"bench-{i % 10}"},
            "data": {"index": str(i), "payload": "x" * 200},
        }
        (root / "specs" / f"cm-{i:05d}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def timed(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<28} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root / "repo", n)
        tree = DirectoryTree(root / "repo")
        with (
            start_local_cluster(root / "cluster") as local,
            connect("kube", kubeconfig=str(local.kubeconfig_path)) as cluster,
        ):
            engine = Engine(cluster, source="bench")
            counts = local.url + "/debug/requests"
            print(f"objects: {n} ConfigMaps in 10 namespaces")
            timed("first apply (creates)", lambda: engine.apply(tree))
            httpx.delete(counts)
            noop = timed("no-op plan", lambda: engine.plan(tree))
            stats = noop.plan.stats
            print(f"  compared {stats.compared} objects once each, dry-ran {stats.dry_runs}")
            timed("no-op apply", lambda: engine.apply(tree))
            requests = httpx.get(counts).json()
            print(f"requests for plan+apply: {requests['total']} (writes {requests['writes']})")
            cluster.apply(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "cm-00000", "namespace": "bench-0"},
                    "data": {"index": "edited"},
                },
                field_manager="kubectl-edit",
                force=True,
            )
            run = timed("plan with one drifted", lambda: engine.plan(tree))
            drifted = [e.key.ref for e in (e for e in run.plan.entries if e.cls is PlanClass.DRIFT)]
            print(f"drift found: {drifted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
