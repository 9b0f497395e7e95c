"""Policies people already write: CEL `validations` on a Policy, in the shape of a Kubernetes
ValidatingAdmissionPolicy, and ValidatingAdmissionPolicy manifests themselves, at plan time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.clients.dirtree import DirectoryTree
from reconciler.engine.core.admission import admission_policies
from reconciler.engine.core.inventory import Inventory
from reconciler.engine.core.ownership import with_ownership
from reconciler.engine.core.plan import PlanClass, PlanEntry, PlanInputs, build_plan
from reconciler.engine.core.policies import AnyPolicy, evaluate
from reconciler.specs.cel import compile_cel
from reconciler.specs.config import RepoConfig
from reconciler.specs.keys import ObjectKey, key_of
from reconciler.specs.kinds import Policy
from reconciler.specs.loader import load_tree
from tests.support.builders import desired, loaded_manifest, recorded

SOURCE = "demo"
KEY = ObjectKey("apps", "Deployment", "demo", "web")


def deployment(replicas: int, name: str = "web", **labels: str) -> dict[str, Any]:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "demo", "labels": labels},
        "spec": {"replicas": replicas},
    }
    return with_ownership(body, source=SOURCE, origin=f"{name}.yaml")


def policy(validations: list[dict[str, Any]], **spec: Any) -> Policy:
    return Policy.model_validate(
        {
            "apiVersion": "reconciler.dev/v1alpha1",
            "kind": "Policy",
            "metadata": {"name": "replica-limits"},
            "spec": {"match": {"kinds": ["Deployment"]}, "enforcement": "deny"}
            | spec
            | {"validations": validations},
        }
    )


def plan(
    wanted: list[dict[str, Any]],
    live: list[dict[str, Any]],
    policies: list[AnyPolicy],
    *,
    gone: list[dict[str, Any]] | None = None,
) -> dict[str, PlanEntry]:
    """Plan `wanted` against `live` (git changed since it was applied); `gone` are live objects
    the inventory has and git no longer wants."""
    gone = gone or []
    objs = [desired(b) for b in wanted]
    inventory = {d.key: recorded(d, "0" * 20) for d in objs if key_of(d.body) in map(key_of, live)}
    inventory |= {key_of(b): recorded(desired(b)) for b in gone}
    inputs = PlanInputs(
        source=SOURCE,
        commit="c1",
        desired=objs,
        live={key_of(b): b for b in [*live, *gone]},
        inventory=Inventory(SOURCE, "c0", inventory),
        config=RepoConfig(),
        policies=policies,
    )
    return {e.key.name: e for e in build_plan(inputs).entries}


LIMIT = {
    "expression": "object.spec.replicas <= 20",
    "message": "Deployment replicas must be <= 20.",
}


def test_a_false_validation_denies_with_its_message_and_expression() -> None:
    got = plan([deployment(50), deployment(3, "small")], [], [policy([LIMIT])])
    assert got["web"].cls is PlanClass.DENIED
    assert got["web"].reason == (
        "denied by policy replica-limits: Deployment replicas must be <= 20. "
        "(validations[0]: object.spec.replicas <= 20 is false)"
    )
    assert got["small"].cls is PlanClass.CREATE


def test_old_object_and_request_operation_are_those_of_kubernetes_admission() -> None:
    halving = {
        "expression": "request.operation == 'CREATE' ? oldObject == null"
        " : object.spec.replicas * 2 >= oldObject.spec.replicas",
        "message": "Do not cut replicas by more than half at once.",
        "reason": "Forbidden",
    }
    rule = policy([halving])
    cut = plan([deployment(2)], [deployment(10)], [rule])["web"]
    assert cut.cls is PlanClass.DENIED, cut.reason
    assert "(validations[0] (Forbidden): " in cut.reason
    assert plan([deployment(6)], [deployment(10)], [rule])["web"].cls is PlanClass.UPDATE
    assert plan([deployment(2)], [], [rule])["web"].cls is PlanClass.CREATE


def test_on_delete_object_is_null_and_old_object_the_live_one() -> None:
    unlabelled = "oldObject.metadata.?labels.?keep.orValue('') != 'true'"
    keep = policy(
        [{"expression": f"{unlabelled} && object == null"}],
        match={"kinds": ["Deployment"], "operations": ["delete"]},
    )
    gone = [deployment(1, "kept", keep="true"), deployment(1, "old")]
    got = plan([deployment(1, "other")], [], [keep], gone=gone)
    assert got["kept"].cls is PlanClass.DENIED
    assert "failed expression: oldObject" in got["kept"].reason  # no message: the expression
    assert got["old"].cls is PlanClass.PRUNE


def test_an_evaluation_error_fails_the_validation_with_the_error() -> None:
    missing = {"expression": "object.spec.template.spec.hostNetwork == false", "message": "no"}
    entry = plan([deployment(1)], [], [policy([missing])])["web"]
    assert entry.cls is PlanClass.DENIED
    assert "object.spec.template.spec.hostNetwork == false: " in entry.reason
    assert "template" in entry.reason.rsplit(":", 1)[1]  # the runtime's "no such key" error


def test_string_extensions_and_optionals_are_on() -> None:
    checks = [
        {"expression": "object.metadata.name.lowerAscii().startsWith('web')"},
        {"expression": "object.?spec.?paused.orValue(false) == false"},
        {"expression": "'a,b'.split(',').size() == 2 && cel.bind(r, object.spec.replicas, r < 5)"},
    ]
    assert plan([deployment(1)], [], [policy(checks)])["web"].cls is PlanClass.CREATE
    assert plan([deployment(9)], [], [policy(checks)])["web"].cls is PlanClass.DENIED


def test_expressions_are_compiled_once_per_text() -> None:
    text = "object.spec.replicas <= 7"
    assert compile_cel(text) is compile_cel(text)
    before = compile_cel.cache_info().misses
    for _ in range(3):
        evaluate([policy([{"expression": text}])], KEY, deployment(1), "create")
    assert compile_cel.cache_info().misses == before


def test_an_expression_that_does_not_compile_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "limits.yaml").write_text(
        "apiVersion: reconciler.dev/v1alpha1\n"
        "kind: Policy\n"
        "metadata: {name: limits}\n"
        "spec:\n"
        "  validations:\n"
        "    - expression: object.spec.replicas <= 20\n"
        "    - expression: object.spec.replicas <=\n"
        "    - expression: object.spec.replicas + 1\n",
        encoding="utf-8",
    )
    result = load_tree(DirectoryTree(tmp_path))
    located = [(e.file, e.line, e.field) for e in result.errors]
    assert located == [
        ("policies/limits.yaml", 7, "spec.validations[1].expression"),
        ("policies/limits.yaml", 8, "spec.validations[2].expression"),
    ]
    assert result.errors[0].message.startswith("CEL expression does not compile: column ")
    assert result.errors[1].message.endswith("must evaluate to a bool, not int")
    assert result.failed_files == {"policies/limits.yaml"}


def test_a_policy_needs_a_check_and_a_rule_needs_a_message() -> None:
    with pytest.raises(ValueError, match="needs a `rule`, `validations` or both"):
        policy([])
    with pytest.raises(ValueError, match="`message` is required with a `rule`"):
        policy([], rule={"type": "object"})


VAP = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE, UPDATE, DELETE]
        resources: [deployments]
    objectSelector:
      matchExpressions: [{key: tier, operator: NotIn, values: [batch]}]
  matchConditions:
    - name: not-a-canary
      expression: "object == null || !object.metadata.name.endsWith('-canary')"
  variables:
    - name: replicas
      expression: "object == null ? 0 : object.spec.replicas"
  validations:
    - expression: variables.replicas <= 5
      message: at most 5 replicas
      reason: Invalid
    - expression: request.operation != 'DELETE'
      message: deployments are never pruned
"""


def admission(text: str, *more: dict[str, Any]) -> list[AnyPolicy]:
    docs = [loaded_manifest(d, "manifests/vap.yaml") for d in yaml.safe_load_all(text)]
    found, errors = admission_policies([*docs, *(loaded_manifest(m, "b.yaml") for m in more)])
    assert errors == []
    return list(found)


def test_a_validating_admission_policy_manifest_is_enforced_as_deny() -> None:
    vap = admission(VAP)
    got = plan(
        [deployment(9), deployment(9, "batch", tier="batch"), deployment(9, "web-canary")],
        [],
        vap,
        gone=[deployment(1, "old")],
    )
    assert got["web"].cls is PlanClass.DENIED
    assert got["web"].reason == (
        "denied by policy replica-limit (ValidatingAdmissionPolicy): at most 5 replicas "
        "(validations[0] (Invalid): variables.replicas <= 5 is false)"
    )
    assert got["batch"].cls is PlanClass.CREATE  # objectSelector leaves it out
    assert got["web-canary"].cls is PlanClass.CREATE  # a match condition is false
    assert got["old"].cls is PlanClass.DENIED  # DELETE is in its rules: the prune is judged
    assert "deployments are never pruned" in got["old"].reason
    assert plan([deployment(5)], [], vap)["web"].cls is PlanClass.CREATE


def test_resources_match_kinds_by_lower_case_plural() -> None:
    vap = admission(
        VAP.replace("[apps]", '["", networking.k8s.io]').replace(
            "[deployments]", "[configmaps, networkpolicies, ingresses/status]"
        )
    )
    body = {"metadata": {"name": "x"}, "spec": {"replicas": 9}}

    def judged(group: str, kind: str) -> bool:
        return bool(evaluate(vap, ObjectKey(group, kind, "demo", "x"), body, "create"))

    assert judged("networking.k8s.io", "NetworkPolicy")
    assert judged("", "ConfigMap")
    assert not judged("networking.k8s.io", "Ingress")  # only its status subresource is named
    assert not judged("apps", "Deployment")  # apps is not among its apiGroups


def test_bindings_that_only_warn_make_it_warn() -> None:
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": "replica-limit-binding"},
        "spec": {"policyName": "replica-limit", "validationActions": ["Warn", "Audit"]},
    }
    entry = plan([deployment(9)], [], admission(VAP, binding))["web"]
    assert entry.cls is PlanClass.CREATE
    (result,) = entry.policies
    assert (result.enforcement, result.passed) == ("warn", False)
    denying = {**binding, "spec": {**binding["spec"], "validationActions": ["Deny"]}}
    assert plan([deployment(9)], [], admission(VAP, denying))["web"].cls is PlanClass.DENIED


def test_failure_policy_ignore_lets_an_error_pass() -> None:
    erring = VAP.replace("variables.replicas <= 5", "object.spec.missing <= 5")
    assert plan([deployment(1)], [], admission(erring))["web"].cls is PlanClass.DENIED
    ignoring = erring.replace("failurePolicy: Fail", "failurePolicy: Ignore")
    assert plan([deployment(1)], [], admission(ignoring))["web"].cls is PlanClass.CREATE


def test_an_admission_policy_expression_that_does_not_compile_is_located(tmp_path: Path) -> None:
    (tmp_path / "vap.yaml").write_text(
        VAP.replace("variables.replicas <= 5", "variables.replicas <="), encoding="utf-8"
    )
    result = load_tree(DirectoryTree(tmp_path))
    found, errors = admission_policies(result.manifests)
    assert found == []
    assert [(e.file, e.line, e.field) for e in errors] == [
        ("vap.yaml", 21, "spec.validations[0].expression")
    ]
    assert errors[0].message.startswith("CEL expression does not compile: column ")


def test_the_documented_example_loads_and_judges() -> None:
    example = yaml.safe_load((Policy.__doc__ or "").split("::", 1)[1])
    documented = Policy.model_validate(example)
    labelled = deployment(25, team="a")
    assert "Deployment replicas must be <= 20." in plan([labelled], [], [documented])["web"].reason
    assert plan([deployment(5)], [], [documented])["web"].reason.startswith(
        "denied by policy replica-limits: Deployments need a team label."
    )
    assert plan([deployment(5, team="a")], [], [documented])["web"].cls is PlanClass.CREATE
