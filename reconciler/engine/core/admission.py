"""ValidatingAdmissionPolicy manifests, enforced at plan time (pure).

A repo that keeps `admissionregistration.k8s.io` ValidatingAdmissionPolicies among its plain
manifests applies them to the cluster like any manifest, and they also gate this plan: an
object they would reject is `denied` before it reaches the API server, and a prune they would
reject (rules naming DELETE) is not done.

What is read of the policy, and how:

- `matchConstraints.resourceRules`: `apiGroups`, `resources`, `operations`, `resourceNames`,
  `scope`. A resource matches a kind by its lower-case plural or singular (`deployments`:
  Deployment, `networkpolicies`: NetworkPolicy, `ingresses`: Ingress); `*` matches every kind,
  a subresource (`deployments/scale`) none, since the plan writes whole objects.
- `matchConstraints.excludeResourceRules`: the same, taking objects out.
- `matchConstraints.objectSelector`: `matchLabels` and `matchExpressions` on the object's labels.
- `matchConstraints.namespaceSelector`: not evaluated (namespace labels are live state), so
  every namespace matches: the policy judges more objects, never fewer.
- `matchConditions`: CEL; all must be true for the policy to apply.
- `variables`, `validations`: CEL, as `validations` runs them (`messageExpression` is not
  evaluated; `message` or the expression is shown).
- `failurePolicy: Ignore` lets an expression that cannot be evaluated pass; default `Fail`.
- `paramKind`: params are not resolved; `params` is null.

Enforcement is `deny`, unless the repo holds bindings (ValidatingAdmissionPolicyBinding) for
the policy and none of them lists `Deny` in `validationActions`: then it is `warn`, as the
cluster would only warn or audit. Bindings' own match and params are not read.

An expression that does not compile is an error on the manifest's file, located at its field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.engine.core.validations import (
    OPERATIONS,
    Check,
    Failure,
    failures,
    request_variables,
    with_variables,
)
from reconciler.specs.cel import compile_cel
from reconciler.specs.errors import SpecError
from reconciler.specs.fielderrors import format_field
from reconciler.specs.keys import ObjectKey
from reconciler.specs.loader import LoadedManifest

GROUP = "admissionregistration.k8s.io"
POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"


@dataclass(frozen=True)
class ResourceRule:
    groups: tuple[str, ...]
    resources: tuple[str, ...]
    operations: tuple[str, ...]
    names: tuple[str, ...] = ()
    scope: str = "*"

    def matches(self, key: ObjectKey, verb: str) -> bool:
        return (
            _any(self.groups, key.group)
            and any(_resource_matches(r, key.kind) for r in self.resources)
            and _any(self.operations, verb)
            and (not self.names or key.name in self.names)
            and self.scope in ("*", "Namespaced" if key.namespace else "Cluster")
        )


@dataclass(frozen=True)
class AdmissionPolicy:
    """One ValidatingAdmissionPolicy, ready to judge objects (see the module docstring)."""

    name: str
    file: str
    enforcement: str
    rules: tuple[ResourceRule, ...]
    excluded: tuple[ResourceRule, ...] = ()
    selector: dict[str, Any] = field(default_factory=dict)
    conditions: tuple[tuple[str, str], ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    checks: tuple[Check, ...] = ()
    ignore_errors: bool = False

    def matches(self, key: ObjectKey, body: dict[str, Any], operation: str) -> bool:
        verb = OPERATIONS.get(operation, operation.upper())
        if not any(r.matches(key, verb) for r in self.rules):
            return False
        if any(r.matches(key, verb) for r in self.excluded):
            return False
        labels = (body.get("metadata") or {}).get("labels") or {}
        return _selects(self.selector, labels)

    def check(
        self, key: ObjectKey, body: dict[str, Any], old: dict[str, Any] | None, operation: str
    ) -> list[Failure] | None:
        """The failed validations (empty: passed), or None when a match condition is false
        (the policy does not apply). Errors fail too, unless `failurePolicy: Ignore`."""
        data, problems = with_variables(
            request_variables(key, body, old, operation), self.variables
        )
        conditions = [Check(expr, f"matchConditions {name}") for name, expr in self.conditions]
        unmet = failures(conditions, data)
        if any(not f.error for f in unmet):
            return None
        found = [*problems, *unmet, *failures(self.checks, data)]
        return [f for f in found if not f.error] if self.ignore_errors else found


def admission_policies(
    manifests: Iterable[LoadedManifest],
) -> tuple[list[AdmissionPolicy], list[SpecError]]:
    """The ValidatingAdmissionPolicies among `manifests`, and an error for each expression of
    theirs that does not compile (its file then fails, and with it the policy)."""
    manifests = list(manifests)
    actions: dict[str, list[str]] = {}
    for m in manifests:
        if _is(m.body, BINDING_KIND):
            spec = _dict(m.body.get("spec"))
            listed = spec.get("validationActions")
            name = str(spec.get("policyName", ""))
            actions.setdefault(name, []).extend(listed if isinstance(listed, list) else ["Deny"])
    policies, errors = [], []
    for m in manifests:
        if not _is(m.body, POLICY_KIND):
            continue
        policy, problems = _parse(m, actions)
        errors.extend(problems)
        if policy is not None and not problems:
            policies.append(policy)
    return policies, errors


def _parse(
    m: LoadedManifest, actions: dict[str, list[str]]
) -> tuple[AdmissionPolicy | None, list[SpecError]]:
    spec = _dict(m.body.get("spec"))
    errors: list[SpecError] = []

    def expressions(name: str, boolean: bool) -> list[tuple[int, dict[str, Any]]]:
        items = spec.get(name) or []
        if not isinstance(items, list):
            errors.append(_error(m, ("spec", name), "expected a list"))
            return []
        out = []
        for i, item in enumerate(items):
            item = _dict(item)
            expression = item.get("expression")
            path = ("spec", name, i, "expression")
            if not isinstance(expression, str) or not expression:
                errors.append(_error(m, path, "expected a CEL expression"))
                continue
            problem = compile_cel(expression, boolean=boolean).error
            if problem:
                errors.append(_error(m, path, f"CEL expression does not compile: {problem}"))
                continue
            out.append((i, item))
        return out

    checks = tuple(
        Check(item["expression"], _text(item.get("message")), _text(item.get("reason")))
        for _i, item in expressions("validations", True)
    )
    conditions = tuple(
        (str(item.get("name", i)), item["expression"])
        for i, item in expressions("matchConditions", True)
    )
    variables = tuple(
        (str(item.get("name", i)), item["expression"])
        for i, item in expressions("variables", False)
    )
    if errors or not checks:
        return None, errors
    constraints = _dict(spec.get("matchConstraints"))
    name = str(_dict(m.body.get("metadata")).get("name", ""))
    bound = actions.get(name)
    policy = AdmissionPolicy(
        name=name,
        file=m.location.file,
        enforcement="warn" if bound and "Deny" not in bound else "deny",
        rules=_rules(constraints.get("resourceRules")),
        excluded=_rules(constraints.get("excludeResourceRules")),
        selector=_dict(constraints.get("objectSelector")),
        conditions=conditions,
        variables=variables,
        checks=checks,
        ignore_errors=spec.get("failurePolicy") == "Ignore",
    )
    return policy, errors


def _rules(value: Any) -> tuple[ResourceRule, ...]:
    out = []
    for item in value if isinstance(value, list) else []:
        item = _dict(item)
        out.append(
            ResourceRule(
                groups=_strings(item.get("apiGroups")),
                resources=_strings(item.get("resources")),
                operations=_strings(item.get("operations")),
                names=_strings(item.get("resourceNames")),
                scope=str(item.get("scope") or "*"),
            )
        )
    return tuple(out)


def _resource_matches(resource: str, kind: str) -> bool:
    if resource in ("*", "*/*"):
        return True
    if "/" in resource:
        return False  # a subresource: this plan writes whole objects
    lower = kind.lower()
    return resource.lower() in (lower, _plural(lower))


def _plural(word: str) -> str:
    """English plural as Kubernetes forms resource names (`ingress`: `ingresses`)."""
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def _selects(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A Kubernetes label selector; an empty one selects everything."""
    wanted = _dict(selector.get("matchLabels"))
    if any(labels.get(k) != v for k, v in wanted.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        expression = _dict(expression)
        key, op = str(expression.get("key")), expression.get("operator")
        values = _strings(expression.get("values"))
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if (op == "Exists") != present and op in ("Exists", "DoesNotExist"):
            return False
    return True


def _is(body: dict[str, Any], kind: str) -> bool:
    api_version = str(body.get("apiVersion", ""))
    return api_version.partition("/")[0] == GROUP and body.get("kind") == kind


def _any(allowed: Sequence[str], value: str) -> bool:
    return "*" in allowed or value in allowed


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _text(value: Any) -> str | None:
    return str(value) if value else None


def _error(m: LoadedManifest, path: tuple[str | int, ...], message: str) -> SpecError:
    return SpecError(m.location.file, m.line_of(path), format_field(path), message)
