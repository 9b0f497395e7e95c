"""Fixtures for the embedded cluster's HTTP tests: one real server per test module.

`cluster` starts `reconciler.localcluster` on a free loopback port in a temporary directory and
yields a `RunningCluster` with the kubeconfig path, an official-client `ApiClient`, a raw
`httpx.Client`, and `kubectl(...)`, which runs the real kubectl binary against it (with its
own HOME so the discovery cache never leaks between modules).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler.localcluster.core.k8sschema import SchemaRegistry
from reconciler.localcluster.server import LocalCluster, start_local_cluster

KUBECTL = str(Path(sys.executable).parent / "kubectl")


@dataclass
class RunningCluster:
    handle: LocalCluster
    api: k8s.ApiClient
    http: httpx.Client
    home: Path

    @property
    def kubeconfig(self) -> Path:
        return self.handle.kubeconfig_path

    @property
    def url(self) -> str:
        return self.handle.url

    def kubectl(
        self, *args: str, input: str | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HOME": str(self.home), "KUBECONFIG": str(self.kubeconfig)}
        env.pop("KUBERNETES_SERVICE_HOST", None)
        return subprocess.run(
            [KUBECTL, *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )

    def kubectl_ok(self, *args: str, input: str | None = None) -> str:
        result = self.kubectl(*args, input=input)
        assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result.stdout

    def new_namespace(self) -> str:
        name = f"t-{uuid.uuid4().hex[:8]}"
        k8s.CoreV1Api(self.api).create_namespace({"metadata": {"name": name}})
        return name


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    root = tmp_path_factory.mktemp("cluster")
    handle = start_local_cluster(root / "state")
    api = k8s_config.new_client_from_config(config_file=str(handle.kubeconfig_path))
    http = httpx.Client(base_url=handle.url, timeout=10)
    home = root / "home"
    home.mkdir()
    try:
        yield RunningCluster(handle, api, http, home)
    finally:
        http.close()
        api.close()
        handle.stop()


@pytest.fixture(scope="session")
def reg() -> SchemaRegistry:
    """The kind schemas, shared: loading them once is what the server does too."""
    return SchemaRegistry()
