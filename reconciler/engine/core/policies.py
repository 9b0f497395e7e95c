"""Policy evaluation: does a rendered object satisfy every `Policy` that matches it? (pure)

A policy matches by kind, namespace (exact or glob), labels and operation; its `rule` is a JSON
Schema the whole rendered object must satisfy. A failed `deny` policy stops the object (plan
class `denied`); a failed `warn` policy is reported and the object proceeds. `requiresApproval`
is carried into proposals.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError, validators

from reconciler.specs.keys import ObjectKey
from reconciler.specs.kinds import Policy


@dataclass(frozen=True)
class PolicyResult:
    policy: str
    enforcement: str
    passed: bool
    message: str
    requires_approval: bool
    details: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "enforcement": self.enforcement,
            "passed": self.passed,
            "message": self.message,
            "requiresApproval": self.requires_approval,
            "details": list(self.details),
        }


def matches(policy: Policy, key: ObjectKey, body: dict[str, Any], operation: str) -> bool:
    match = policy.spec.match
    if match.kinds and key.kind not in match.kinds:
        return False
    if match.namespaces and not any(
        fnmatch.fnmatchcase(key.namespace or "", pattern) for pattern in match.namespaces
    ):
        return False
    labels = (body.get("metadata") or {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in match.labels.items()):
        return False
    if operation == "delete":
        # A rule describes objects as they should exist; only policies that name `delete`
        # judge a deletion (e.g. "never prune in prod*").
        return "delete" in match.operations
    return not (match.operations and operation not in match.operations)


def evaluate(
    policies: Iterable[Policy], key: ObjectKey, body: dict[str, Any], operation: str
) -> list[PolicyResult]:
    """Results of every policy that matches; the body is checked against each rule."""
    results = []
    for policy in policies:
        if not matches(policy, key, body, operation):
            continue
        validator_cls = validators.validator_for(policy.spec.rule)
        errors = sorted(validator_cls(policy.spec.rule).iter_errors(body), key=lambda e: e.path)
        details = tuple(_detail(error, secret=body.get("kind") == "Secret") for error in errors)
        results.append(
            PolicyResult(
                policy=policy.metadata.name,
                enforcement=policy.spec.enforcement,
                passed=not errors,
                message=policy.spec.message,
                requires_approval=policy.spec.requires_approval,
                details=details,
            )
        )
    return results


def _detail(error: ValidationError, *, secret: bool) -> str:
    """Where and why a rule failed. jsonschema's message quotes the value, which for a Secret
    must not be shown: then only the failed keyword is named."""
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    if secret:
        return f"{where}: fails {error.validator!r} (a Secret's value, not shown)"
    return f"{where}: {error.message}"


def denial(results: Iterable[PolicyResult]) -> PolicyResult | None:
    """The first failed deny policy, if any."""
    return next((r for r in results if not r.passed and r.enforcement == "deny"), None)
