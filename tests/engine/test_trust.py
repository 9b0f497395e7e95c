"""Trust: what must never happen to another team's objects, whatever the input or the crash."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reconciler.clients.cluster_api import Cluster
from reconciler.engine.core.desired import digest
from reconciler.runner import Runner, RunSettings, SourceSettings
from tests.support.scenario import Harness, SpecRepo, config_map


def test_default_names_come_from_the_url_and_path_not_the_directory(tmp_path: Path) -> None:
    a, b = tmp_path / "team-a" / "specs", tmp_path / "team-b" / "specs"
    for repo in (a, b):
        repo.mkdir(parents=True)
    name_a = SourceSettings(repo=str(a)).source
    assert name_a != SourceSettings(repo=str(b)).source
    assert name_a.startswith("specs-") and len(name_a) <= 63
    assert SourceSettings(repo=a.as_uri()).source == name_a  # file:// and a path: one repo
    assert SourceSettings(repo=str(a / ".." / "specs")).source == name_a
    assert SourceSettings(repo=str(a), path="apps").source != name_a  # another source
    assert (
        SourceSettings(repo="https://Git.example.com/org/specs.git/").source
        == SourceSettings(repo="https://user:token@git.example.com/org/specs").source
    )


@dataclass
class Dying:
    """The cluster port over a real cluster that stops the process (as SIGKILL would) after
    `after` creates: nothing after that point runs, not even the final inventory write."""

    inner: Cluster
    after: int
    creates: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def apply(self, obj: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"].startswith("cm-"):
            if not kwargs.get("dry_run") and len(self.creates) == self.after:
                raise SystemExit("killed mid-apply")
            if not kwargs.get("dry_run"):
                self.creates.append(obj["metadata"]["name"])
        return self.inner.apply(obj, **kwargs)


def test_an_apply_killed_mid_create_orphans_nothing(harness: Harness, spec_repo: SpecRepo) -> None:
    spec_repo.write("keep.yaml", [config_map("keep", {"k": "v"})])
    spec_repo.commit("keep")
    harness.run("apply")
    spec_repo.write("many.yaml", [config_map(f"cm-{i:02d}", {"i": str(i)}) for i in range(20)])
    spec_repo.commit("twenty more")
    dying = Dying(harness.cluster, after=7)
    with pytest.raises(SystemExit):
        Runner(harness.source, dying, "demo").apply()  # type: ignore[arg-type]
    assert len(dying.creates) == 7
    spec_repo.remove("many.yaml")
    spec_repo.commit("revert")
    run = harness.run("apply")
    pruned = sorted(r.entry.key.name for r in run.results or [] if str(r.outcome) == "deleted")
    assert pruned == dying.creates  # all seven, though the crash never recorded them as done
    assert [
        o["metadata"]["name"]
        for o in harness.cluster.list("v1", "ConfigMap", namespace="demo")
        if o["metadata"]["name"].startswith("cm-")
    ] == []


def test_an_interrupted_apply_finishes_the_creates_next_time(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("many.yaml", [config_map(f"cm-{i:02d}", {"i": str(i)}) for i in range(5)])
    spec_repo.commit("five")
    with pytest.raises(SystemExit):
        Runner(harness.source, Dying(harness.cluster, after=2), "demo").apply()  # type: ignore[arg-type]
    classes = harness.classes(harness.run("apply"))
    assert (
        sorted(c for k, c in classes.items() if "/cm-" in k) == ["create"] * 3 + ["unchanged"] * 2
    )
    assert set(harness.classes(harness.run()).values()) == {"unchanged"}


def test_a_secret_cannot_be_recovered_from_the_inventory(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    pin = "4821"
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "pin", "namespace": "demo"},
        "stringData": {"pin": pin},
    }
    spec_repo.write("secret.yaml", [secret])
    spec_repo.commit("a pin")
    run = harness.run("apply")
    stored = harness.live("v1", "ConfigMap", "reconciler-system", "reconciler-inventory-demo")
    rows = json.loads(stored["data"]["inventory.json"])["entries"]
    recorded = next(v["d"] for k, v in rows.items() if k.endswith("|pin"))
    body = next(e.desired.body for e in run.plan.entries if e.key.name == "pin")
    guesses = {digest({**body, "stringData": {"pin": f"{n:04d}"}}, b"") for n in range(10_000)}
    assert recorded not in guesses  # an unkeyed hash of every PIN: none matches
    plain = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    assert recorded != plain.hexdigest()[:20]
    key = harness.live("v1", "Secret", "reconciler-system", "reconciler-digest-key")
    assert len(base64.b64decode(key["data"]["key"])) == 32
    assert harness.classes(harness.run())["Secret/demo/pin"] == "unchanged"  # stable digests
    spec_repo.write("secret.yaml", [{**secret, "stringData": {"pin": "0000"}}])
    spec_repo.commit("new pin")
    assert harness.classes(harness.run())["Secret/demo/pin"] == "update"  # git change, not drift


def test_another_sources_objects_are_held_unless_adopted(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.commit("seed")
    harness.run("apply")
    other = Runner(harness.source, harness.cluster, "other")
    run = other.apply()
    entry = next(e for e in run.plan.entries if e.key.name == "settings")
    assert str(entry.cls) == "held"
    assert "owned by source 'demo'; source 'other' would take it over" in entry.reason
    live = harness.live("v1", "ConfigMap", "demo", "settings")
    assert live["metadata"]["labels"]["reconciler.dev/source"] == "demo"
    assert harness.classes(harness.run("apply"))["ConfigMap/demo/settings"] == "unchanged"
    adopting = Runner(harness.source, harness.cluster, "other", settings=RunSettings(adopt=True))
    adopting.apply()
    live = harness.live("v1", "ConfigMap", "demo", "settings")
    assert live["metadata"]["labels"]["reconciler.dev/source"] == "other"


def test_a_namespace_that_existed_and_is_not_ours_is_left_alone(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"}, "default")])
    spec_repo.commit("into default")
    run = harness.run("apply")
    entry = next(e for e in run.plan.entries if e.key.ref == "Namespace/default")
    assert str(entry.cls) == "unchanged" and "not this source's" in entry.reason
    live = harness.live("v1", "Namespace", None, "default")
    assert "reconciler.dev/source" not in (live["metadata"].get("labels") or {})
    stored = harness.live("v1", "ConfigMap", "reconciler-system", "reconciler-inventory-demo")
    assert "|Namespace||default" not in stored["data"]["inventory.json"]


def test_renaming_a_file_does_not_churn_its_namespace(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("a.yaml", [config_map("settings", {"a": "1"}, "fresh")])
    spec_repo.commit("one")
    harness.run("apply")
    spec_repo.remove("a.yaml")
    spec_repo.write("z.yaml", [config_map("settings", {"a": "1"}, "fresh")])
    spec_repo.commit("renamed")
    classes = harness.classes(harness.run())
    assert classes["Namespace/fresh"] == "unchanged"


def test_git_changing_a_field_an_override_owns_is_said_not_dropped(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    from kubernetes import client

    from tests.support.scenario import deployment

    spec_repo.write("app.yaml", [deployment(replicas=2)])
    spec_repo.commit("web")
    harness.run("apply")
    apps = client.AppsV1Api(harness.cluster.api_client)  # type: ignore[attr-defined]
    apps.patch_namespaced_deployment_scale(
        "web", "demo", {"spec": {"replicas": 4}}, field_manager="kube-controller-manager"
    )
    spec_repo.write("app.yaml", [deployment(replicas=3)])  # git wants 3; the HPA owns replicas
    spec_repo.commit("three replicas")
    entry = next(e for e in harness.run().plan.entries if e.key.name == "web")
    assert str(entry.cls) == "override"
    assert "git changed, but only overridden fields differ: not applied there" in entry.reason
    spec_repo.write("app.yaml", [deployment(replicas=5, image="nginx:1.28")])
    spec_repo.commit("five replicas and an image")
    entry = next(e for e in harness.run().plan.entries if e.key.name == "web")
    assert str(entry.cls) == "update"
    assert "overridden, not applied: /spec/replicas" in entry.reason


@dataclass
class DyingPrune:
    """Stops the process (as SIGKILL would) after `after` deletes."""

    inner: Cluster
    after: int
    deletes: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def delete(self, api_version: str, kind: str, *args: Any, **kwargs: Any) -> bool:
        if len(self.deletes) == self.after:
            raise SystemExit("killed mid-prune")
        self.deletes.append(args[1])
        return bool(self.inner.delete(api_version, kind, *args, **kwargs))


def test_a_prune_killed_midway_then_reverted_recreates_not_drift(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("keep.yaml", [config_map("keep", {"k": "v"})])
    spec_repo.write("many.yaml", [config_map(f"cm-{i:02d}", {"i": str(i)}) for i in range(10)])
    spec_repo.commit("ten")
    harness.run("apply")
    spec_repo.remove("many.yaml")
    spec_repo.commit("drop them")
    with pytest.raises(SystemExit):
        Runner(harness.source, DyingPrune(harness.cluster, after=4), "demo").apply()  # type: ignore[arg-type]
    spec_repo.write("many.yaml", [config_map(f"cm-{i:02d}", {"i": str(i)}) for i in range(10)])
    spec_repo.commit("bring them back")
    run = harness.run("apply")
    classes = [c for k, c in harness.classes(run).items() if "/cm-" in k]
    assert sorted(classes) == ["create"] * 4 + ["unchanged"] * 6  # not "drift: deleted"
    assert set(harness.classes(harness.run()).values()) == {"unchanged"}


def test_an_existing_namespace_is_not_adopted_without_asking(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    harness.kubectl("create", "namespace", "monitoring")
    harness.kubectl("-n", "monitoring", "create", "configmap", "precious")
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}}
    spec_repo.write("ns.yaml", [namespace])
    spec_repo.write("keep.yaml", [config_map("keep", {"k": "v"})])
    spec_repo.commit("claim monitoring")
    entry = next(e for e in harness.run("apply").plan.entries if e.key.name == "monitoring")
    assert str(entry.cls) == "held" and "--adopt" in entry.reason
    spec_repo.remove("ns.yaml")
    spec_repo.commit("let it go")
    harness.run("apply")
    assert harness.live("v1", "ConfigMap", "monitoring", "precious") is not None


def test_a_repo_cannot_define_the_reconcilers_bookkeeping(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("keep.yaml", [config_map("keep", {"k": "v"})])
    spec_repo.commit("keep")
    harness.run("apply")
    forged = config_map("reconciler-inventory-demo", {"inventory.json": "{}"}, "reconciler-system")
    key = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "reconciler-digest-key", "namespace": "reconciler-system"},
        "stringData": {"key": "known"},
    }
    spec_repo.write("evil.yaml", [forged, key])
    spec_repo.commit("forge")
    run = harness.run("apply")
    assert sum("reconciler's own bookkeeping" in str(e) for e in run.errors) == 2
    stored = harness.live("v1", "ConfigMap", "reconciler-system", "reconciler-inventory-demo")
    assert "ConfigMap|demo|keep" in stored["data"]["inventory.json"]
    assert harness.classes(harness.run())["ConfigMap/demo/keep"] == "unchanged"
