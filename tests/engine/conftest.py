"""Fixtures for engine scenarios: a real git repo, the embedded cluster, and the real kubectl."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import httpx
import pytest
import yaml

from reconciler.clients.cluster_api import Cluster
from reconciler.clients.git import GitSource
from reconciler.clients.kubeconnect import connect
from reconciler.engine.result import RunResult
from reconciler.localcluster.server import LocalCluster, start_local_cluster
from reconciler.runner import Runner, RunSettings
from reconciler.specs.config import DriftMode

KUBECTL = str(Path(sys.executable).parent / "kubectl")


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


@pytest.fixture
def spec_repo(tmp_path: Path) -> SpecRepo:
    path = tmp_path / "specs-repo"
    path.mkdir()
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
        runner = Runner(self.source, self.cluster, "demo", settings=RunSettings(drift_mode))
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


@pytest.fixture
def harness(tmp_path: Path, spec_repo: SpecRepo) -> Iterator[Harness]:
    local = start_local_cluster(tmp_path / "cluster")
    try:
        with (
            connect("kube", kubeconfig=str(local.kubeconfig_path)) as cluster,
            GitSource(spec_repo.path.as_uri(), cache_dir=tmp_path / "cache") as source,
        ):
            yield Harness(local, cluster, source)
    finally:
        local.stop()
