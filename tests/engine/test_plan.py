"""Plan classification from data: every class, each for the reason a person would expect."""

from __future__ import annotations

from typing import Any

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.inventory import Inventory, InventoryEntry
from reconciler.engine.core.ownership import with_ownership
from reconciler.engine.core.plan import PlanClass, PlanInputs, build_plan
from reconciler.specs.config import RepoConfig
from reconciler.specs.keys import ObjectKey
from reconciler.specs.kinds import Policy
from tests.support.builders import desired, recorded

SOURCE = "demo"


def cm(name: str, data: dict[str, str], **meta: Any) -> dict[str, Any]:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "ns", **meta},
        "data": data,
    }
    return with_ownership(body, source=SOURCE, origin=f"{name}.yaml")


def plan(
    wanted: list[DesiredObject],
    live: list[dict[str, Any]],
    inventory: dict[ObjectKey, InventoryEntry] | None = None,
    **kwargs: Any,
) -> dict[str, tuple[PlanClass, str]]:
    from reconciler.specs.keys import key_of

    inputs = PlanInputs(
        source=SOURCE,
        commit="c1",
        desired=wanted,
        live={key_of(o): o for o in live},
        inventory=Inventory(SOURCE, "c0", inventory or {}),
        config=kwargs.pop("config", RepoConfig()),
        **kwargs,
    )
    return {e.key.name: (e.cls, e.reason) for e in build_plan(inputs).entries}


def test_create_unchanged_update_drift() -> None:
    a, b, c, d = (desired(cm(n, {"k": "v"})) for n in "abcd")
    live_b = cm("b", {"k": "v"})
    live_c = cm("c", {"k": "old"})
    live_d = cm("d", {"k": "edited"})
    result = plan(
        [a, b, c, d],
        [live_b, live_c, live_d],
        {b.key: recorded(b), c.key: recorded(c, "older"), d.key: recorded(d)},
    )
    assert result["a"][0] is PlanClass.CREATE
    assert result["b"][0] is PlanClass.UNCHANGED
    assert result["c"] == (PlanClass.UPDATE, "git changed: /data/k")
    assert result["d"][0] is PlanClass.DRIFT and "/data/k" in result["d"][1]


def test_unmanaged_existing_object_is_adopted() -> None:
    a = desired(cm("a", {"k": "v"}))
    live = {**cm("a", {"k": "x"}), "metadata": {"name": "a", "namespace": "ns"}}
    cls, reason = plan([a], [live])["a"]
    assert cls is PlanClass.UPDATE and "will adopt" in reason


def test_override_by_annotation() -> None:
    a = desired(cm("a", {"k": "v"}))
    live = cm("a", {"k": "mine"}, annotations={"reconciler.dev/override-paths": "/data/k"})
    cls, reason = plan([a], [live], {a.key: recorded(a)})["a"]
    assert cls is PlanClass.OVERRIDE and "/data/k" in reason


def test_prune_held_and_empty_guard() -> None:
    kept = desired(cm("kept", {}))
    gone = desired(cm("gone", {}))
    broken = desired(cm("broken", {}), "broken.yaml")
    inventory = {k.key: recorded(k) for k in (kept, gone, broken)}
    live = [cm("kept", {}), cm("gone", {}), cm("broken", {})]
    result = plan([kept], live, inventory, failed_files=frozenset({"broken.yaml"}))
    assert result["gone"] == (PlanClass.PRUNE, "gone from git")
    assert result["broken"][0] is PlanClass.HELD and "broken.yaml" in result["broken"][1]
    empty = plan([], live, inventory)
    assert {c for c, _ in empty.values()} == {PlanClass.HELD}
    allowed = plan(
        [], live, inventory, config=RepoConfig.model_validate({"prune": {"allowEmpty": True}})
    )
    assert allowed["gone"][0] is PlanClass.PRUNE


def test_repo_that_failed_to_load_prunes_nothing() -> None:
    gone = desired(cm("gone", {}))
    result = plan([], [cm("gone", {})], {gone.key: recorded(gone)}, load_failed=True)
    assert result["gone"][0] is PlanClass.HELD


def test_never_prune_unlabelled_or_disabled() -> None:
    a, b = desired(cm("a", {})), desired(cm("b", {}))
    other = desired(cm("other", {}))
    unlabelled = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "a", "namespace": "ns"},
    }
    disabled = cm("b", {}, annotations={"reconciler.dev/prune": "disabled"})
    result = plan([other], [unlabelled, disabled], {a.key: recorded(a), b.key: recorded(b)})
    assert result["a"][0] is PlanClass.HELD
    assert result["b"] == (PlanClass.PRUNE, "gone from git; prune disabled, kept")


def test_foreign_objects_are_never_written_or_pruned() -> None:
    a, b = desired(cm("a", {"k": "v"})), desired(cm("b", {}))
    argo = cm(
        "a", {"k": "x"}, annotations={"argocd.argoproj.io/tracking-id": "app:/ConfigMap:ns/a"}
    )
    flux = cm("b", {}, labels={"kustomize.toolkit.fluxcd.io/name": "apps"})
    result = plan([a, desired(cm("c", {}))], [argo, flux], {b.key: recorded(b)})
    assert result["a"][0] is PlanClass.FOREIGN and "Argo CD" in result["a"][1]
    assert result["b"][0] is PlanClass.FOREIGN and "Flux" in result["b"][1]


def test_deny_policy() -> None:
    policy = Policy.model_validate(
        {
            "apiVersion": "reconciler.dev/v1alpha1",
            "kind": "Policy",
            "metadata": {"name": "no-secrets-in-cm"},
            "spec": {
                "match": {"kinds": ["ConfigMap"], "namespaces": ["n*"]},
                "enforcement": "deny",
                "rule": {"properties": {"data": {"not": {"required": ["password"]}}}},
                "message": "no passwords in ConfigMaps",
            },
        }
    )
    bad, good = desired(cm("bad", {"password": "x"})), desired(cm("good", {"k": "v"}))
    result = plan([bad, good], [], policies=[policy])
    assert result["bad"][0] is PlanClass.DENIED and "no passwords" in result["bad"][1]
    assert result["good"][0] is PlanClass.CREATE


def test_drift_mode_from_annotation_and_config() -> None:
    body = cm("a", {"k": "v"}, annotations={"reconciler.dev/drift": "revert"})
    a = desired(body)
    live = cm("a", {"k": "x"}, annotations={"reconciler.dev/drift": "revert"})
    inputs_plan = plan([a], [live], {a.key: recorded(a)})
    assert "mode revert" in inputs_plan["a"][1]
    b = desired(cm("b", {"k": "v"}))
    proposing = RepoConfig.model_validate({"drift": {"mode": "propose"}})
    assert (
        "mode propose"
        in plan([b], [cm("b", {"k": "x"})], {b.key: recorded(b)}, config=proposing)["b"][1]
    )


def test_dry_run_answer_settles_canonical_forms() -> None:
    a = desired(cm("a", {"cpu": "0.5"}))
    live = cm("a", {"cpu": "500m"})
    assert plan([a], [live], {a.key: recorded(a)})["a"][0] is PlanClass.DRIFT
    from reconciler.specs.keys import key_of

    settled = plan([a], [live], {a.key: recorded(a)}, dry_run={key_of(live): live})
    assert settled["a"][0] is PlanClass.UNCHANGED


def test_every_object_exactly_once() -> None:
    objs = [desired(cm(n, {})) for n in ("x", "y")]
    result = plan(objs, [], {objs[0].key: recorded(objs[0])})
    assert sorted(result) == ["x", "y"]


def test_only_policies_naming_delete_can_stop_a_prune() -> None:
    def policy(name: str, operations: list[str]) -> Policy:
        return Policy.model_validate(
            {
                "apiVersion": "reconciler.dev/v1alpha1",
                "kind": "Policy",
                "metadata": {"name": name},
                "spec": {
                    "match": {"kinds": ["ConfigMap"], "operations": operations},
                    "enforcement": "deny",
                    "rule": {
                        "not": {
                            "properties": {"metadata": {"properties": {"name": {"const": "keep"}}}}
                        }
                    },
                    "message": f"{name} says no",
                },
            }
        )

    keep, other = desired(cm("keep", {})), desired(cm("other", {}))
    inventory = {keep.key: recorded(keep), other.key: recorded(other)}
    live = [cm("keep", {}), cm("other", {})]
    anything = plan([desired(cm("x", {}))], live, inventory, policies=[policy("broad", [])])
    assert (
        anything["keep"][0] is PlanClass.PRUNE
    )  # a rule without operations does not judge deletes
    guarded = plan(
        [desired(cm("x", {}))], live, inventory, policies=[policy("no-prune", ["delete"])]
    )
    assert guarded["keep"] == (
        PlanClass.DENIED,
        "denied by policy no-prune: no-prune says no; not pruned",
    )
    assert guarded["other"][0] is PlanClass.PRUNE


def test_invalid_repo_config_reads_nothing_it_would_apply() -> None:
    gone = desired(cm("gone", {}))
    result = plan([gone], [cm("gone", {})], {gone.key: recorded(gone)}, load_failed=True)
    assert result == {"gone": (PlanClass.HELD, "held: the repo failed to load; nothing is pruned")}


def test_policy_details_never_quote_a_secret() -> None:
    policy = Policy.model_validate(
        {
            "apiVersion": "reconciler.dev/v1alpha1",
            "kind": "Policy",
            "metadata": {"name": "short-keys"},
            "spec": {
                "match": {"kinds": ["Secret", "ConfigMap"]},
                "enforcement": "deny",
                "rule": {"properties": {"data": {"additionalProperties": {"maxLength": 4}}}},
                "message": "values too long",
            },
        }
    )
    from reconciler.engine.core.policies import evaluate

    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"k": "czNjcjN0LXZhbHVl"},
    }
    config = {**secret, "kind": "ConfigMap"}
    key = ObjectKey("", "Secret", "ns", "s")
    (hidden,) = evaluate([policy], key, secret, "create")
    assert hidden.details == ("/data/k: fails 'maxLength' (a Secret's value, not shown)",)
    (shown,) = evaluate([policy], key, config, "create")
    assert "czNjcjN0LXZhbHVl" in shown.details[0]
