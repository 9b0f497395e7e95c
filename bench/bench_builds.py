"""Benchmark: Kustomize builds, cold and from the input-keyed cache, on the podinfo-shaped repo.

    .venv/bin/python bench/bench_builds.py [--rounds N]

Loads `tests/data/render/podinfo` (three overlays over three bases and a component) with the
real builders: a cold load runs `kubectl kustomize` once per overlay; a warm load with the same
builders answers every build from the cache; an edit to one overlay rebuilds that one only.
Prints one JSON line per figure. A benchmark, not a test: figures vary by machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from reconciler.clients.builders import default_builders
from reconciler.clients.dirtree import DirectoryTree
from reconciler.specs.loader import load_tree

PODINFO = Path(__file__).resolve().parents[1] / "tests" / "data" / "render" / "podinfo"


def _timed(tree: DirectoryTree, builders: object) -> tuple[float, int, int]:
    start = time.perf_counter()
    result = load_tree(tree, builders=builders)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    return seconds, len(result.builds), sum(b.cached for b in result.builds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(PODINFO, root)
        tree = DirectoryTree(root)
        cold, warm, one = [], [], []
        for i in range(rounds):
            builders = default_builders()
            seconds, builds, _ = _timed(tree, builders)
            cold.append(seconds)
            warm.append(_timed(tree, builders)[0])
            patch = root / "deploy/overlays/production/frontend-replicas.yaml"
            patch.write_text(patch.read_text().replace("replicas: ", f"replicas: 1{i}", 1))
            one.append(_timed(tree, builders)[0])
        for name, values in (("cold", cold), ("warm", warm), ("one-overlay-changed", one)):
            value = statistics.median(values)
            line = {"name": f"load podinfo ({builds} builds), {name}", "value": round(value, 4)}
            line |= {"unit": "s", "ratio_to_cold": round(value / statistics.median(cold), 3)}
            print(json.dumps(line))


if __name__ == "__main__":
    main()
