"""Drift becomes a verified pull request on the local forge; merge, apply, and the drift is gone."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from reconciler.cli import main
from reconciler.clients.kubeconnect import connect
from reconciler.clients.localforge import LocalForge
from reconciler.localcluster.server import LocalCluster
from reconciler.support.asgithread import start_in_thread
from tests.support.fakegithub import FakeGitHub
from tests.support.proposing import bare_repo, cli, kubectl
from tests.support.scenario import TOOL, new_spec_repo

WEB = """# The web tier: tuned by hand, see the runbook.
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo, labels: {app: 'web'}}   # flow style, kept
spec:
  replicas: 2          # how many
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: 'nginx:1.27'   # pinned
"""


def test_drift_becomes_one_minimal_pull_request_that_merges_clean(
    tmp_path: Path, local: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    bare, cache = bare_repo(tmp_path, {"apps/web.yaml": WEB}, "web")
    assert cli(local, bare, cache, "apply") == 0
    kubectl(local, "scale", "-n", "demo", "deployment/web", "--replicas=5")
    capsys.readouterr()

    assert cli(local, bare, cache, "propose", "--trigger", "drift", "-o", "json") == 0
    (opened,) = json.loads(capsys.readouterr().out)["proposals"]
    assert (opened["status"], opened["id"], opened["branch"]) == (
        "opened",
        1,
        "reconciler/drift/deployment-demo-web",
    )
    assert opened["files"] == ["apps/web.yaml"]
    repo = git.Repo(bare)
    proposed = (repo.commit(opened["branch"]).tree / "apps/web.yaml").data_stream.read().decode()
    changed = [
        (a, b) for a, b in zip(WEB.splitlines(), proposed.splitlines(), strict=True) if a != b
    ]
    assert changed == [("  replicas: 2          # how many", "  replicas: 5          # how many")]
    pull = LocalForge(bare).get(1)
    assert "/spec/replicas: live value 5" in pull.body
    assert "plans cleanly" in pull.body and pull.fingerprint is not None

    # The same drift again: the open pull request is the record, nothing new is opened.
    assert cli(local, bare, cache, "propose", "--trigger", "drift", "-o", "json") == 0
    assert json.loads(capsys.readouterr().out)["proposals"][0]["status"] == "unchanged"
    assert len(LocalForge(bare).find()) == 1

    # Merge it, apply (git now says what live has), plan: nothing drifts.
    assert main(["pr", "merge", "1", "--repo", str(bare)]) == 0
    capsys.readouterr()
    assert cli(local, bare, cache, "apply") == 0
    capsys.readouterr()
    assert cli(local, bare, cache, "plan", "-o", "json") == 0
    plan = json.loads(capsys.readouterr().out)
    classes = {f"{o['kind']}/{o['namespace']}/{o['name']}": o["class"] for o in plan["objects"]}
    assert classes["Deployment/demo/web"] == "unchanged"

    # A drift proposal closed without merging is never proposed again.
    kubectl(local, "scale", "-n", "demo", "deployment/web", "--replicas=7")
    assert cli(local, bare, cache, "propose", "--trigger", "drift", "-o", "json") == 0
    second = json.loads(capsys.readouterr().out)["proposals"][0]
    assert (second["status"], second["id"]) == ("opened", 2)
    assert main(["pr", "close", "2", "--repo", str(bare)]) == 0
    capsys.readouterr()
    assert cli(local, bare, cache, "propose", "--trigger", "drift", "-o", "json") == 0
    again = json.loads(capsys.readouterr().out)["proposals"][0]
    assert again["status"] == "skipped" and "closed without merging" in again["reason"]


POLICY = """apiVersion: reconciler.dev/v1alpha1
kind: Policy
metadata: {name: replica-cap}
spec:
  match: {kinds: [Deployment]}
  enforcement: deny
  message: at most 4 replicas
  rule:
    type: object
    properties:
      spec: {type: object, properties: {replicas: {type: integer, maximum: 4}}}
"""


def test_a_deny_policy_blocks_the_proposal_and_nothing_is_pushed(
    tmp_path: Path, local: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    bare, cache = bare_repo(
        tmp_path, {"apps/web.yaml": WEB, "policies/cap.yaml": POLICY}, "web, capped"
    )
    assert cli(local, bare, cache, "apply") == 0
    kubectl(local, "scale", "-n", "demo", "deployment/web", "--replicas=5")
    capsys.readouterr()
    assert cli(local, bare, cache, "propose", "--trigger", "drift", "-o", "json") == 1
    (blocked,) = json.loads(capsys.readouterr().out)["proposals"]
    assert blocked["status"] == "blocked" and "at most 4 replicas" in blocked["reason"]
    assert LocalForge(bare).find() == []
    assert [h.name for h in git.Repo(bare).heads] == ["main"]  # no branch was pushed


def test_apply_in_propose_mode_leaves_drift_live_and_opens_its_pull_request(
    tmp_path: Path, local: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    bare, cache = bare_repo(tmp_path, {"apps/web.yaml": WEB}, "web")
    assert cli(local, bare, cache, "apply") == 0
    kubectl(local, "scale", "-n", "demo", "deployment/web", "--replicas=5")
    capsys.readouterr()
    assert cli(local, bare, cache, "apply", "--drift-mode", "propose", "-o", "json") == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["status"] for p in out["proposals"]] == ["opened"]
    web = next(o for o in out["objects"] if o["name"] == "web" and o["kind"] == "Deployment")
    assert (web["class"], web["result"]) == ("drift", "skipped")  # not reverted
    assert LocalForge(bare).get(1).head == "reconciler/drift/deployment-demo-web"


CANARY = "canary-7f3a9c"


def test_a_credential_set_live_never_reaches_a_commit_a_body_or_the_output(
    tmp_path: Path, local: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    work = new_spec_repo(tmp_path / "work")
    work.write(
        "apps/web.yaml",
        WEB.replace(
            "          image: 'nginx:1.27'   # pinned\n",
            "          image: 'nginx:1.27'   # pinned\n"
            "          env:\n            - {name: DB_PASSWORD, value: old}\n",
        ),
    )
    work.commit("web with env")
    bare = tmp_path / "specs.git"
    git.Repo.clone_from(str(work.path), str(bare), bare=True)
    cache = tmp_path / "cache"
    assert cli(local, bare, cache, "apply") == 0
    kubectl(local, "set", "env", "-n", "demo", "deployment/web", f"DB_PASSWORD={CANARY}")
    kubectl(local, "scale", "-n", "demo", "deployment/web", "--replicas=3")
    capsys.readouterr()
    assert cli(local, bare, cache, "propose", "--trigger", "drift", "-o", "json") == 0
    printed = capsys.readouterr()
    (opened,) = json.loads(printed.out)["proposals"]
    assert opened["status"] == "opened"
    repo = git.Repo(bare)
    proposed = (repo.commit(opened["branch"]).tree / "apps/web.yaml").data_stream.read().decode()
    assert "replicas: 3" in proposed and "value: old" in proposed  # replicas adopted, not the env
    body = LocalForge(bare).get(opened["id"]).body
    assert "looks like a credential" in body
    everything = printed.out + printed.err + body + proposed + opened["branch"]
    everything += repo.git.log("--all", "-p")
    assert CANARY not in everything


def test_a_tool_described_differently_live_is_adopted_into_its_spec_field(
    tmp_path: Path, local: LocalCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    bare, cache = bare_repo(tmp_path, {"tools/prom.yaml": TOOL}, "a tool")
    assert cli(local, bare, cache, "apply") == 0
    with connect("kube", kubeconfig=str(local.kubeconfig_path)) as cluster:
        live = cluster.get("v1", "ConfigMap", "ai-ops", "reconciler-toolsets")
        assert live is not None
        text = live["data"]["toolsets.yaml"].replace("Instant PromQL query", "Instant PromQL")
        patch = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "reconciler-toolsets", "namespace": "ai-ops"},
            "data": {"toolsets.yaml": text},
        }
        cluster.apply(patch, field_manager="kubectl-edit", force=True)
    capsys.readouterr()
    assert cli(local, bare, cache, "propose", "--trigger", "drift", "-o", "json") == 0
    (opened,) = json.loads(capsys.readouterr().out)["proposals"]
    assert opened["status"] == "opened" and opened["files"] == ["tools/prom.yaml"]
    proposed = (git.Repo(bare).commit(opened["branch"]).tree / "tools/prom.yaml").data_stream.read()
    changed = [
        (a, b)
        for a, b in zip(TOOL.splitlines(), proposed.decode().splitlines(), strict=True)
        if a != b
    ]
    assert changed == [("  description: Instant PromQL query", "  description: Instant PromQL")]


def test_a_drift_proposal_opens_on_github(
    tmp_path: Path,
    local: LocalCluster,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bare, cache = bare_repo(tmp_path, {"apps/web.yaml": WEB}, "web")
    assert cli(local, bare, cache, "apply") == 0
    kubectl(local, "scale", "-n", "demo", "deployment/web", "--replicas=4")
    fake = FakeGitHub("ghp_test")
    with start_in_thread(fake.app(), "127.0.0.1", 0, name="fake-github") as server:
        fake.base = server.url
        monkeypatch.setenv("GITHUB_TOKEN", "ghp_test")
        capsys.readouterr()
        github = ("--forge", "github", "--github-repo", "org/specs", "--github-api", server.url)
        assert cli(local, bare, cache, "propose", "--trigger", "drift", *github, "-o", "json") == 0
    (opened,) = json.loads(capsys.readouterr().out)["proposals"]
    assert (opened["status"], opened["url"]) == ("opened", "https://github.example/pulls/1")
    assert fake.pulls[1]["head"] == "reconciler/drift/deployment-demo-web"
    assert "<!-- reconciler:fingerprint=" in fake.pulls[1]["body"]
    assert git.Repo(bare).commit("reconciler/drift/deployment-demo-web")  # pushed to the remote
