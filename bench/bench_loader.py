"""Benchmark: load a spec repo of N one-spec files (default 10,000) and print the figures.

    .venv/bin/python bench/bench_loader.py [--files N]

Prints the time to walk and read the tree, to parse it (libyaml compose + our value builder,
compared with PyYAML's pure-Python `safe_load`), and the whole `load_tree` (read, parse,
validate, duplicate check). A benchmark, not a test: figures vary by machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from reconciler.clients.dirtree import DirectoryTree
from reconciler.specs.loader import load_tree
from reconciler.specs.yamlparse import parse_yaml

TEMPLATES = (
    """apiVersion: reconciler.dev/v1alpha1
kind: Mapping
metadata:
  name: mapping-{i}
  labels: {{team: sre}}
spec:
  mappingType: metric_aliases
  scope: planner
  status: published
  description: Aliases number {i}.
  content:
    cpu: container_cpu_usage_seconds_total
    memory: container_memory_working_set_bytes
    restarts: kube_pod_container_status_restarts_total
""",
    """apiVersion: reconciler.dev/v1alpha1
kind: Remediation
metadata:
  name: remediation-{i}
spec:
  trigger:
    alertName: HighLatency{i}
    matchers: [{{label: severity, op: "=", value: critical}}]
  target: {{kind: Deployment, namespace: shop, name: web-{i}}}
  actions:
    - type: scale
      delta: 1
  safety: {{minReplicas: 2, maxReplicas: 10, cooldown: 10m}}
""",
    """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: demo
spec:
  replicas: 2
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
""",
)


def generate(root: Path, count: int) -> None:
    for i in range(count):
        directory = root / "specs" / f"d{i // 500:03d}"
        directory.mkdir(parents=True, exist_ok=True)
        text = TEMPLATES[i % len(TEMPLATES)].format(i=i)
        (directory / f"spec-{i:05d}.yaml").write_text(text, encoding="utf-8")


def _timed(label: str, count: int, seconds: float) -> None:
    print(f"{label:<38} {seconds:7.3f} s  {count / seconds:9,.0f} files/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.files)
        tree = DirectoryTree(root)

        start = time.perf_counter()
        texts = [f.data.decode() for f in tree.iter_files(max_size=1 << 20) if f.data]
        _timed("walk + read", len(texts), time.perf_counter() - start)

        start = time.perf_counter()
        for text in texts:
            parse_yaml(text)
        _timed("parse (libyaml compose + lines)", len(texts), time.perf_counter() - start)

        start = time.perf_counter()
        for text in texts:
            list(yaml.load_all(text, Loader=yaml.SafeLoader))
        _timed("parse (pure-Python yaml.safe_load)", len(texts), time.perf_counter() - start)

        start = time.perf_counter()
        result = load_tree(tree)
        seconds = time.perf_counter() - start
        _timed("load_tree (read, parse, validate)", len(result.files), seconds)
        print(
            f"loaded {len(result.specs)} specs and {len(result.manifests)} manifests from "
            f"{len(result.files)} files in {seconds:.2f} s, {len(result.errors)} errors"
        )


if __name__ == "__main__":
    main()
