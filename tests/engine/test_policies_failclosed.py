"""Policies fail closed: while a policy file fails to load, nothing is written.

A broken policy file used to be dropped by the loader, and what it denied was applied: a
50-replica Deployment was created, and a prune its delete policy forbade went ahead."""

from __future__ import annotations

from typing import Any

import yaml

from reconciler.engine.core.inventory import Inventory
from reconciler.engine.core.ownership import DRIFT_ANNOTATION, with_ownership
from reconciler.engine.core.plan import PlanClass, PlanEntry, PlanInputs, build_plan
from reconciler.engine.core.policies import failed_policy_files
from reconciler.specs.config import RepoConfig
from reconciler.specs.keys import key_of
from tests.support.builders import desired, recorded
from tests.support.scenario import Harness, SpecRepo, config_map, deployment

SOURCE = "demo"
BROKEN = ("policies/limits.yaml",)


def cm(name: str, value: str, **annotations: str) -> dict[str, Any]:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "ns", "annotations": annotations},
        "data": {"k": value},
    }
    return with_ownership(body, source=SOURCE, origin=f"{name}.yaml")


def plan(policies_failed: tuple[str, ...], **config: Any) -> dict[str, PlanEntry]:
    """One object of each class that writes, and of each that does not."""
    git = {
        "new": cm("new", "1"),
        "changed": cm("changed", "2"),
        "reverted": cm("reverted", "1", **{DRIFT_ANNOTATION: "revert"}),
        "reported": cm("reported", "1"),
        "same": cm("same", "1"),
    }
    live = {
        "changed": cm("changed", "1"),
        "reverted": cm("reverted", "edited", **{DRIFT_ANNOTATION: "revert"}),
        "reported": cm("reported", "edited"),
        "same": cm("same", "1"),
        "gone": cm("gone", "1"),
    }
    wanted = {name: desired(body) for name, body in git.items()}
    inventory = {d.key: recorded(d) for name, d in wanted.items() if name != "new"}
    inventory[wanted["changed"].key] = recorded(wanted["changed"], "0" * 20)  # git changed
    inventory[key_of(live["gone"])] = recorded(desired(live["gone"]))
    inputs = PlanInputs(
        source=SOURCE,
        commit="c1",
        desired=list(wanted.values()),
        live={key_of(b): b for b in live.values()},
        inventory=Inventory(SOURCE, "c0", inventory),
        config=RepoConfig.model_validate(config),
        policies_failed=policies_failed,
    )
    return {e.key.name: e for e in build_plan(inputs).entries}


def test_a_failed_policy_file_holds_every_write_and_nothing_else() -> None:
    trusted = {name: str(e.cls) for name, e in plan(()).items()}
    assert trusted == {
        "new": "create",
        "changed": "update",
        "reverted": "drift",
        "reported": "drift",
        "same": "unchanged",
        "gone": "prune",
    }
    held = plan(BROKEN)
    for name in ("new", "changed", "reverted", "gone"):
        assert held[name].cls is PlanClass.HELD, (name, held[name].reason)
        assert held[name].reason.startswith(
            "held: policy file policies/limits.yaml failed to load, so no policy can be trusted"
        )
        assert not held[name].writes
    assert held["new"].reason.endswith("(would be create: not in the cluster)")
    assert held["reported"].cls is PlanClass.DRIFT  # reported drift writes nothing anyway
    assert held["same"].cls is PlanClass.UNCHANGED
    kept = plan(BROKEN, prune={"enabled": False})["gone"]
    assert (kept.cls, kept.prune_disabled) == (PlanClass.PRUNE, True)  # writes nothing either


def test_which_failed_files_are_policy_files() -> None:
    files = {
        "policies/limits.yaml": b"kind: Policy\nspec: [unclosed\n",
        "policies/binary.yaml": b"\xff\xfe not text at all",
        "checks/vap.yaml": b"apiVersion: admissionregistration.k8s.io/v1\n"
        b"kind: ValidatingAdmissionPolicy\nspec: {: bad\n",
        "checks/flow.json.yaml": b'{"apiVersion": "reconciler.dev/v1alpha1", "kind": "Policy",',
        "checks/quoted.yaml": b"- kind: 'Policy'\n  oops: [\n",
        "manifests/net.yaml": b"kind: NetworkPolicy\nspec: [unclosed\n",
        "manifests/binding.yaml": b"kind: ValidatingAdmissionPolicyBinding\nspec: [\n",
        "tools/a.yaml": b"kind: Tool\nspec: [unclosed\n",
        "tools/link.yaml": b"",
    }
    found = failed_policy_files(files, lambda path: files[path] or None)
    assert found == (
        "checks/flow.json.yaml",
        "checks/quoted.yaml",
        "checks/vap.yaml",
        "policies/binary.yaml",
        "policies/limits.yaml",
    )


LIMITS = [
    {
        "apiVersion": "reconciler.dev/v1alpha1",
        "kind": "Policy",
        "metadata": {"name": "scaling"},
        "spec": {
            "match": {"kinds": ["Deployment"]},
            "enforcement": "deny",
            "message": "Deployment replicas must be <= 20.",
            "rule": {"properties": {"spec": {"properties": {"replicas": {"maximum": 20}}}}},
        },
    },
    {
        "apiVersion": "reconciler.dev/v1alpha1",
        "kind": "Policy",
        "metadata": {"name": "keep-settings"},
        "spec": {
            "match": {"kinds": ["ConfigMap"], "operations": ["delete"]},
            "enforcement": "deny",
            "validations": [
                {
                    "expression": "oldObject.metadata.name != 'settings'",
                    "message": "settings is never pruned",
                }
            ],
        },
    },
]


def test_a_broken_policy_file_neither_scales_up_nor_prunes(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("policies/limits.yaml", LIMITS)
    spec_repo.write("app.yaml", [deployment(replicas=2)])
    spec_repo.write("config.yaml", [config_map("settings", {"a": "1"})])
    spec_repo.commit("seed")
    assert set(harness.classes(harness.run("apply")).values()) == {"create"}

    good = yaml.safe_dump_all(LIMITS, sort_keys=False)
    broken = good.replace("enforcement: deny", "enforcement: [deny", 1)
    spec_repo.write("policies/limits.yaml", broken)
    spec_repo.write("app.yaml", [deployment(replicas=50)])
    spec_repo.remove("config.yaml")
    spec_repo.commit("break the policies, scale up, drop the settings")
    run = harness.run("apply")
    classes = harness.classes(run)
    for ref in ("Deployment/demo/web", "ConfigMap/demo/settings"):
        entry = next(e for e in run.plan.entries if e.key.ref == ref)
        assert classes[ref] == "held", entry.reason
        assert "policy file policies/limits.yaml failed to load" in entry.reason
    assert any(getattr(e, "file", None) == "policies/limits.yaml" for e in run.errors)
    assert harness.live("apps/v1", "Deployment", "demo", "web")["spec"]["replicas"] == 2
    assert harness.live("v1", "ConfigMap", "demo", "settings") is not None

    spec_repo.write("policies/limits.yaml", good)
    spec_repo.commit("fix the policies")
    classes = harness.classes(harness.run("apply"))
    assert classes["Deployment/demo/web"] == "denied"
    assert classes["ConfigMap/demo/settings"] == "denied"
    assert harness.live("v1", "ConfigMap", "demo", "settings") is not None
