"""Helpers for proposal scenarios: the CLI against a bare repo and an embedded cluster."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reconciler.cli import main
from reconciler.localcluster.server import LocalCluster
from tests.support.scenario import KUBECTL


def cli(local: LocalCluster, bare: Path, cache: Path, *args: str) -> int:
    """A `reconciler` command against the bare repo and the embedded cluster."""
    kube = ["--cluster", "kube", "--kubeconfig", str(local.kubeconfig_path)]
    return main([*args, "--repo", str(bare), *kube, "--cache-dir", str(cache), "--source", "demo"])


def kubectl(local: LocalCluster, *args: str) -> None:
    command = [KUBECTL, "--kubeconfig", str(local.kubeconfig_path), *args]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
