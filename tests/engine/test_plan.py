"""Plan classification from data: policies, and every object exactly once. The cases of each
class live as YAML fixtures under `tests/data/classify/` (see `test_classify_fixtures.py`)."""

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
