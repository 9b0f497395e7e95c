"""End-to-end scenarios: real git, the embedded cluster through the official client, real kubectl.

Each test drives a repo through commits and checks both the plan's classes and what the cluster
holds afterwards.
"""

from __future__ import annotations

from typing import Any

from tests.support.scenario import CRD, TOOL, Harness, SpecRepo, config_map, deployment, seed

WEB = "Deployment/demo/web"


def test_create_then_noop_apply_makes_zero_writes(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    first = harness.run("apply")
    assert set(harness.classes(first).values()) == {"create"}
    assert not first.errors and not first.failed
    harness.reset_requests()
    second = harness.run("apply")
    assert set(harness.classes(second).values()) == {"unchanged"}
    counts = harness.requests()
    assert counts["writes"] == 0, counts
    assert counts["dryRun"] == {}, counts  # nothing even needed a server-side comparison


def test_defaulted_fields_are_not_drift(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    harness.run("apply")
    live = harness.live("apps/v1", "Deployment", "demo", "web")
    assert live["spec"]["strategy"]["type"] == "RollingUpdate"  # the server defaulted it
    assert live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert harness.classes(harness.run())[WEB] == "unchanged"


def test_person_scale_is_drift_hpa_scale_is_override(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    harness.run("apply")
    harness.kubectl("scale", "-n", "demo", "deployment/web", "--replicas=5")
    run = harness.run()
    entry = next(e for e in run.plan.entries if e.key.ref == WEB)
    assert str(entry.cls) == "drift" and "/spec/replicas" in entry.reason
    assert "-  replicas: 5" in entry.diff and "+  replicas: 2" in entry.diff
    # The HPA controller writes /scale as kube-controller-manager: an override, never drift.
    from kubernetes import client

    apps = client.AppsV1Api(harness.cluster.api_client)  # type: ignore[attr-defined]
    apps.patch_namespaced_deployment_scale(
        "web", "demo", {"spec": {"replicas": 4}}, field_manager="kube-controller-manager"
    )
    run = harness.run("apply")
    entry = next(e for e in run.plan.entries if e.key.ref == WEB)
    assert str(entry.cls) == "override" and "kube-controller-manager" in entry.reason
    assert harness.live("apps/v1", "Deployment", "demo", "web")["spec"]["replicas"] == 4
    # A change in git to another field is applied without taking replicas back from the HPA.
    spec_repo.write("app.yaml", [deployment(image="nginx:1.28")])
    spec_repo.commit("bump image")
    run = harness.run("apply")
    assert harness.classes(run)[WEB] == "update"
    live = harness.live("apps/v1", "Deployment", "demo", "web")
    assert live["spec"]["replicas"] == 4
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_drift_revert_restores_git(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    harness.run("apply")
    harness.kubectl("scale", "-n", "demo", "deployment/web", "--replicas=9")
    run = harness.run("apply")  # report mode: nothing written
    assert harness.live("apps/v1", "Deployment", "demo", "web")["spec"]["replicas"] == 9
    run = harness.run("apply", drift_mode="revert")
    assert harness.classes(run)[WEB] == "drift"
    assert harness.live("apps/v1", "Deployment", "demo", "web")["spec"]["replicas"] == 2
    assert harness.classes(harness.run())[WEB] == "unchanged"


def test_override_paths_annotation(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    harness.run("apply")
    harness.kubectl(
        "annotate", "-n", "demo", "configmap/settings", "reconciler.dev/override-paths=/data/a"
    )
    harness.kubectl(
        "patch",
        "-n",
        "demo",
        "configmap/settings",
        "--type",
        "merge",
        "-p",
        '{"data":{"a":"operator"}}',
    )
    run = harness.run("apply")
    assert harness.classes(run)["ConfigMap/demo/settings"] == "override"
    assert harness.live("v1", "ConfigMap", "demo", "settings")["data"]["a"] == "operator"


def test_admin_overrides_yaml_is_preserved(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    harness.run("apply")
    harness.kubectl(
        "patch",
        "-n",
        "ai-ops",
        "configmap/reconciler-toolsets",
        "--type",
        "merge",
        "-p",
        '{"data":{"overrides.yaml":"prom-query:\\n  enabled: false\\n"}}',
    )
    spec_repo.write("tools.yaml", TOOL.replace("Instant PromQL query", "PromQL instant query"))
    spec_repo.commit("reword tool")
    run = harness.run("apply")
    assert harness.classes(run)["ConfigMap/ai-ops/reconciler-toolsets"] == "update"
    data = harness.live("v1", "ConfigMap", "ai-ops", "reconciler-toolsets")["data"]
    assert "PromQL instant query" in data["toolsets.yaml"]
    assert data["overrides.yaml"] == "prom-query:\n  enabled: false\n"
    run = harness.run()
    entry = next(e for e in run.plan.entries if e.key.name == "reconciler-toolsets")
    assert str(entry.cls) == "override" and "overrides.yaml" in entry.reason


def test_foreign_argo_object_is_left_alone(harness: Harness, spec_repo: SpecRepo) -> None:
    harness.kubectl("create", "namespace", "demo")
    harness.kubectl("create", "configmap", "-n", "demo", "settings", "--from-literal=a=argo")
    harness.kubectl(
        "annotate",
        "-n",
        "demo",
        "configmap/settings",
        "argocd.argoproj.io/tracking-id=app:/ConfigMap:demo/settings",
    )
    seed(spec_repo)
    run = harness.run("apply")
    assert harness.classes(run)["ConfigMap/demo/settings"] == "foreign"
    assert harness.live("v1", "ConfigMap", "demo", "settings")["data"] == {"a": "argo"}


def test_held_spec_survives_prune_and_others_reconcile(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seed(spec_repo)
    harness.run("apply")
    spec_repo.write("config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings\n")
    spec_repo.write("app.yaml", [deployment(replicas=3)])
    spec_repo.commit("break one file, change another")
    run = harness.run("apply")
    classes = harness.classes(run)
    assert classes["ConfigMap/demo/settings"] == "held"
    assert classes[WEB] == "update"
    assert run.errors and run.errors[0].file == "config.yaml" and run.errors[0].line is not None
    assert harness.live("v1", "ConfigMap", "demo", "settings") is not None
    assert harness.live("apps/v1", "Deployment", "demo", "web")["spec"]["replicas"] == 3


def test_prune_and_empty_repo_guard(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    harness.run("apply")
    spec_repo.remove("config.yaml")
    spec_repo.commit("drop settings")
    run = harness.run("apply")
    assert harness.classes(run)["ConfigMap/demo/settings"] == "prune"
    assert harness.live("v1", "ConfigMap", "demo", "settings") is None
    for rel in ("app.yaml", "tools.yaml"):
        spec_repo.remove(rel)
    spec_repo.write("README.md", "nothing here\n")
    spec_repo.commit("empty")
    run = harness.run("apply")
    assert set(harness.classes(run).values()) == {"held"}
    assert harness.live("apps/v1", "Deployment", "demo", "web") is not None


def test_deny_policy_stops_the_object(harness: Harness, spec_repo: SpecRepo) -> None:
    spec_repo.write("app.yaml", [deployment(replicas=50)])
    spec_repo.write(
        "policy.yaml",
        """\
apiVersion: reconciler.dev/v1alpha1
kind: Policy
metadata: {name: scaling-constraints}
spec:
  match: {kinds: [Deployment]}
  enforcement: deny
  rule:
    properties:
      spec: {properties: {replicas: {maximum: 20}}}
  message: Deployments may not exceed 20 replicas
""",
    )
    spec_repo.commit("too big")
    run = harness.run("apply")
    assert harness.classes(run)[WEB] == "denied"
    assert harness.live("apps/v1", "Deployment", "demo", "web") is None


def test_one_bad_object_fails_alone(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    bad = deployment()
    bad["metadata"]["name"] = "bad"
    bad["spec"]["template"]["spec"]["containers"][0]["imagee"] = "typo"
    spec_repo.write("bad.yaml", [bad])
    spec_repo.commit("typo")
    run = harness.run("apply")
    outcomes = {r.entry.key.ref: r for r in run.results or []}
    assert str(outcomes["Deployment/demo/bad"].outcome) == "failed"
    assert "imagee" in outcomes["Deployment/demo/bad"].message
    assert str(outcomes[WEB].outcome) == "created"
    # The failed object is not in the inventory and is retried next time.
    assert harness.classes(harness.run())["Deployment/demo/bad"] == "create"


def test_crd_and_its_custom_resource_in_one_apply(harness: Harness, spec_repo: SpecRepo) -> None:
    scaled = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "web"},  # no namespace: the repo namespace is given
        "spec": {"scaleTargetRef": {"name": "web"}, "maxReplicaCount": 5},
    }
    spec_repo.write("keda.yaml", [scaled, CRD])
    spec_repo.commit("keda")
    run = harness.run("apply")
    outcomes = {r.entry.key.ref: str(r.outcome) for r in run.results or []}
    assert outcomes["CustomResourceDefinition/scaledobjects.keda.sh"] == "created"
    assert outcomes["ScaledObject/ai-ops/web"] == "created", run.results
    live = harness.live("keda.sh/v1alpha1", "ScaledObject", "ai-ops", "web")
    assert live["spec"]["maxReplicaCount"] == 5
    assert set(harness.classes(harness.run()).values()) == {"unchanged"}


def test_derived_namespace_is_never_pruned(harness: Harness, spec_repo: SpecRepo) -> None:
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.write("keep.yaml", [config_map("other", {"b": "2"}, namespace="elsewhere")])
    spec_repo.commit("two namespaces")
    harness.run("apply")
    harness.kubectl("create", "configmap", "-n", "demo", "not-ours", "--from-literal=x=1")
    spec_repo.remove("config.yaml")
    spec_repo.commit("nothing left in demo")
    run = harness.run("apply")
    namespace = next(e for e in run.plan.entries if e.key.ref == "Namespace/demo")
    assert str(namespace.cls) == "prune" and namespace.prune_disabled
    assert harness.live("v1", "ConfigMap", "demo", "settings") is None
    assert harness.live("v1", "Namespace", None, "demo") is not None
    assert harness.live("v1", "ConfigMap", "demo", "not-ours") is not None


def test_secret_values_never_appear_in_plans(harness: Harness, spec_repo: SpecRepo) -> None:
    import json

    def secret(password: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db", "namespace": "demo"},
            "stringData": {"password": password, "user": "app"},
        }

    spec_repo.write("secret.yaml", [secret("hunter2-old")])
    spec_repo.commit("secret")
    created = harness.run("apply")
    spec_repo.write("secret.yaml", [secret("hunter2-new")])
    spec_repo.commit("rotate")
    updated = harness.run("apply")
    entry = next(e for e in updated.plan.entries if e.key.kind == "Secret")
    assert str(entry.cls) == "update" and "/data/password" in entry.reason
    for run in (created, updated):
        text = json.dumps(run.to_dict())
        assert "hunter2" not in text
        assert "aHVudGVyMi" not in text  # nor their base64 form
    assert "-  password: '<redacted: old value>'" in entry.diff
    assert "+  password: '<redacted: new value>'" in entry.diff
    changed = [
        line
        for line in entry.diff.splitlines()
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert any("password:" in line for line in changed)
    assert not any("user:" in line for line in changed)  # unchanged value, same mask
    assert "user: <redacted>" in entry.diff


def test_warn_policy_is_reported_and_the_object_proceeds(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    from reconciler.engine.report import render_text

    spec_repo.write("app.yaml", [deployment(replicas=1)])
    spec_repo.write(
        "policy.yaml",
        """\
apiVersion: reconciler.dev/v1alpha1
kind: Policy
metadata: {name: production-update-approval}
spec:
  match: {kinds: [Deployment], namespaces: ["de*"]}
  enforcement: warn
  requiresApproval: true
  rule:
    properties:
      spec: {properties: {replicas: {minimum: 2}}}
  message: Production workloads run at least 2 replicas
""",
    )
    spec_repo.commit("one replica")
    run = harness.run("apply")
    assert harness.classes(run)[WEB] == "create"
    assert harness.live("apps/v1", "Deployment", "demo", "web") is not None
    text = render_text(run)
    assert "policy warn: production-update-approval: Production workloads run at least 2" in text
    assert "/spec/replicas: 1 is less than the minimum of 2" in text
    assert "changes here require approval" in text
    web = next(o for o in run.to_dict()["objects"] if o["kind"] == "Deployment")
    assert web["policies"][0]["passed"] is False and web["policies"][0]["requiresApproval"] is True


def test_an_object_deleted_by_hand_is_drift(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    harness.run("apply")
    harness.kubectl("delete", "-n", "demo", "configmap/settings")
    run = harness.run("apply")  # report mode: reported, not re-created
    entry = next(e for e in run.plan.entries if e.key.ref == "ConfigMap/demo/settings")
    assert (str(entry.cls), entry.drift_mode) == ("drift", "report")
    assert entry.reason == "drift: deleted from the cluster while git is unchanged (mode report)"
    assert harness.live("v1", "ConfigMap", "demo", "settings") is None
    assert harness.classes(harness.run("apply"))["ConfigMap/demo/settings"] == "drift"  # still
    run = harness.run("apply", drift_mode="revert")
    result = next(r for r in run.results or [] if r.entry.key.name == "settings")
    assert str(result.outcome) == "created"
    assert harness.live("v1", "ConfigMap", "demo", "settings")["data"] == {"a": "1"}
    assert harness.classes(harness.run())["ConfigMap/demo/settings"] == "unchanged"


def test_invalid_repo_config_applies_and_prunes_nothing(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seed(spec_repo)
    harness.run("apply")
    spec_repo.write(
        "reconciler.yaml", "apiVersion: reconciler.dev/v1alpha1\nkind: RepoConfig\nnamespce: x\n"
    )
    spec_repo.remove("config.yaml")
    spec_repo.commit("typo in the config, and a removal that must wait")
    harness.reset_requests()
    run = harness.run("apply")
    assert set(harness.classes(run).values()) == {"held"}
    assert run.errors[0].file == "reconciler.yaml" and run.errors[0].field == "namespce"
    assert harness.requests()["writes"] == 0
    assert harness.live("v1", "ConfigMap", "demo", "settings") is not None


def test_a_field_removed_from_git_is_removed_from_the_cluster(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    labelled = config_map("settings", {"a": "1", "b": "2"})
    labelled["metadata"]["labels"] = {"tier": "gold"}
    spec_repo.write("config.yaml", [labelled])
    spec_repo.commit("label and two keys")
    harness.run("apply")
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.commit("drop the label and key b")
    run = harness.run("apply")
    entry = next(e for e in run.plan.entries if e.key.ref == "ConfigMap/demo/settings")
    assert str(entry.cls) == "update", entry.reason
    assert "/data/b" in entry.reason and "/metadata/labels/tier" in entry.reason
    live = harness.live("v1", "ConfigMap", "demo", "settings")
    assert live["data"] == {"a": "1"} and "tier" not in live["metadata"]["labels"]
    assert set(harness.classes(harness.run()).values()) == {"unchanged"}


def test_someone_elses_sidecar_does_not_make_our_container_look_removed(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seed(spec_repo)
    harness.run("apply")
    sidecar = {"name": "mesh-proxy", "image": "envoy:1"}
    harness.cluster.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "demo"},
            "spec": {"template": {"spec": {"containers": [sidecar]}}},
        },
        field_manager="mesh-injector",
    )
    harness.reset_requests()
    run = harness.run()
    assert harness.classes(run)[WEB] == "unchanged"
    assert harness.requests()["dryRun"] == {}  # settled without asking the server


class InventoryUnreachable:
    """The real cluster, except that reading the inventory fails as a 503 would."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Any:
        from reconciler.clients.cluster_api import TransientClusterError

        if name.startswith("reconciler-inventory-"):
            raise TransientClusterError(
                f"ConfigMap/{namespace}/{name}", "service unavailable", status=503
            )
        return self.inner.get(api_version, kind, namespace, name)


def test_unreadable_inventory_is_never_overwritten(harness: Harness, spec_repo: SpecRepo) -> None:
    from reconciler.engine.reconcile import Engine

    seed(spec_repo)
    harness.run("apply")
    spec_repo.remove("config.yaml")
    spec_repo.commit("drop settings")
    revision = harness.source.fetch()
    engine = Engine(InventoryUnreachable(harness.cluster), source="demo")  # type: ignore[arg-type]
    run = engine.apply(harness.source.tree(revision.commit), revision.commit)
    assert "reading the inventory" in run.errors[0].message
    assert "inventory not updated" in run.warnings[-1]
    assert harness.live("v1", "ConfigMap", "demo", "settings") is not None  # nothing pruned
    # Once the inventory can be read again, the removal is pruned as it should be.
    run = harness.run("apply")
    assert harness.classes(run)["ConfigMap/demo/settings"] == "prune"
    assert harness.live("v1", "ConfigMap", "demo", "settings") is None


def test_corrupt_inventory_prunes_nothing_and_is_rewritten(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seed(spec_repo)
    harness.run("apply")
    harness.kubectl(
        "patch", "-n", "reconciler-system", "configmap/reconciler-inventory-demo",
        "--type", "merge", "-p", '{"data":{"inventory.json":"{not json"}}',
    )  # fmt: skip
    spec_repo.remove("config.yaml")
    spec_repo.commit("drop settings")
    run = harness.run("apply")
    assert "unreadable" in run.warnings[0] and "nothing is pruned" in run.warnings[0]
    assert harness.live("v1", "ConfigMap", "demo", "settings") is not None
    assert not harness.run().warnings  # rewritten, readable again
