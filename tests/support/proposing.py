"""Helpers for proposal scenarios: the CLI against a bare repo and an embedded cluster."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git

from reconciler.cli import main
from reconciler.localcluster.server import LocalCluster
from tests.support.scenario import KUBECTL, new_spec_repo


def cli(local: LocalCluster, bare: Path, cache: Path, *args: str) -> int:
    """A `reconciler` command against the bare repo and the embedded cluster."""
    kube = ["--cluster", "kube", "--kubeconfig", str(local.kubeconfig_path)]
    return main([*args, "--repo", str(bare), *kube, "--cache-dir", str(cache), "--source", "demo"])


def kubectl(local: LocalCluster, *args: str) -> None:
    command = [KUBECTL, "--kubeconfig", str(local.kubeconfig_path), *args]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def bare_repo(tmp_path: Path, files: dict[str, str], message: str = "specs") -> tuple[Path, Path]:
    """A spec repo with `files` committed, cloned bare (the remote, and the local forge);
    returns it and a cache directory for the reconciler's git cache."""
    work = new_spec_repo(tmp_path / "work")
    for path, text in files.items():
        work.write(path, text)
    work.commit(message)
    bare = tmp_path / "specs.git"
    git.Repo.clone_from(str(work.path), str(bare), bare=True)
    return bare, tmp_path / "cache"
