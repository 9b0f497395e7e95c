"""Scenario builders: a spec repo driven through commits, and a harness that runs it against the
embedded cluster (through the official client) and the real kubectl.

    spec_repo.write("app.yaml", [deployment()]); spec_repo.commit("seed")
    run = harness.run("apply")
    harness.classes(run) == {"Deployment/demo/web": "create", ...}
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import httpx
import yaml

from reconciler.clients.cluster_api import Cluster
from reconciler.clients.git import GitSource
from reconciler.engine.result import RunResult
from reconciler.localcluster.server import LocalCluster
from reconciler.runner import Runner, RunSettings
from reconciler.specs.config import DriftMode

KUBECTL = str(Path(sys.executable).parent / "kubectl")
SOURCE = "demo"


@dataclass
class SpecRepo:
    """A working repo whose commits the engine fetches over file://."""

    path: Path
    repo: git.Repo

    def write(self, rel: str, content: str | list[dict[str, Any]]) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not isinstance(content, str):
            content = yaml.safe_dump_all(content, sort_keys=False)
        target.write_text(content, encoding="utf-8")

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    def commit(self, message: str = "change") -> str:
        self.repo.git.add(A=True)
        self.repo.index.commit(message)
        return self.repo.head.commit.hexsha


def new_spec_repo(path: Path) -> SpecRepo:
    """An empty git repo at `path` (created), on branch main, ready to commit."""
    path.mkdir(parents=True)
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "test")
        config.set_value("user", "email", "test@example.com")
    return SpecRepo(path, repo)


@dataclass
class Harness:
    local: LocalCluster
    cluster: Cluster
    source: GitSource

    def run(self, mode: str = "plan", drift_mode: DriftMode | None = None) -> RunResult:
        runner = Runner(self.source, self.cluster, SOURCE, settings=RunSettings(drift_mode))
        return runner.apply() if mode == "apply" else runner.plan()

    def classes(self, run: RunResult) -> dict[str, str]:
        return {e.key.ref: str(e.cls) for e in run.plan.entries}

    def requests(self) -> dict[str, Any]:
        counts: dict[str, Any] = httpx.get(self.local.url + "/debug/requests").json()
        return counts

    def reset_requests(self) -> None:
        httpx.delete(self.local.url + "/debug/requests")

    def kubectl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [KUBECTL, "--kubeconfig", str(self.local.kubeconfig_path), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def live(self, api_version: str, kind: str, namespace: str | None, name: str) -> Any:
        return self.cluster.get(api_version, kind, namespace, name)


def deployment(replicas: int = 2, image: str = "nginx:1.27", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "demo", **meta},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": image, "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


def config_map(name: str, data: dict[str, str], namespace: str | None = "demo") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


TOOL = """\
apiVersion: reconciler.dev/v1alpha1
kind: Tool
metadata: {name: prom-query}
spec:
  toolType: prometheus
  description: Instant PromQL query
  readOnly: true
  status: published
"""


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "scaledobjects.keda.sh"},
    "spec": {
        "group": "keda.sh",
        "names": {"kind": "ScaledObject", "plural": "scaledobjects", "singular": "scaledobject"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                        },
                    }
                },
            }
        ],
    },
}


def tool(name: str, description: str = "a tool") -> str:
    return TOOL.replace("prom-query", name).replace("Instant PromQL query", description)


def seed(spec_repo: SpecRepo) -> None:
    spec_repo.write("app.yaml", [deployment()])
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.write("tools.yaml", TOOL)
    spec_repo.commit("seed")
