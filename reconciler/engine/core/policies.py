"""Policy evaluation: does a rendered object satisfy every policy that matches it? (pure)

Two kinds of policy judge objects:

- a `Policy` spec matches by kind, namespace (exact or glob), labels and operation; its `rule`
  is a JSON Schema the whole rendered object must satisfy (patterns on RE2, `schemarule`), and
  its `validations` are CEL expressions run as an admission request (`validations`);
- a ValidatingAdmissionPolicy among the plain manifests matches and validates as Kubernetes
  would (`admission`).

A failed `deny` policy stops the object (plan class `denied`); a failed `warn` policy is
reported and the object proceeds. `requiresApproval` is carried into proposals.

Policies fail closed: a policy file that fails to load may have been the one that denied a
change, so the set that did load can no longer be trusted to. `failed_policy_files` names the
failed files that are (or look like) policy files; while there are any, classification holds
every write (create, update, drift revert, prune). A failed file is a policy file when its
raw text, read as committed, has a `kind: Policy` or `kind: ValidatingAdmissionPolicy` line
(block or flow YAML, or JSON; quotes and case aside), or when it lies in a directory named
`policies`: its text may be unreadable, and that is where policies are kept.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError

from reconciler.engine.core.admission import AdmissionPolicy, admission_policies
from reconciler.engine.core.schemarule import rule_errors
from reconciler.engine.core.validations import Check, Failure, failures, request_variables
from reconciler.specs.errors import SpecError
from reconciler.specs.keys import ObjectKey
from reconciler.specs.kinds import Policy
from reconciler.specs.loader import LoadedManifest, LoadedSpec

AnyPolicy = Policy | AdmissionPolicy

_POLICY_KIND = re.compile(
    rb"""\bkind["']?\s*:\s*["']?(?:ValidatingAdmission)?Policy\b""", re.IGNORECASE
)


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
    policies: Iterable[AnyPolicy],
    key: ObjectKey,
    body: dict[str, Any],
    operation: str,
    old: dict[str, Any] | None = None,
) -> list[PolicyResult]:
    """Results of every policy that matches. `body` is the object git will write (for delete:
    the live object); `old` is the live object an update replaces."""
    results = []
    for policy in policies:
        if isinstance(policy, AdmissionPolicy):
            result = _admission(policy, key, body, old, operation)
            if result is not None:
                results.append(result)
            continue
        if not matches(policy, key, body, operation):
            continue
        spec = policy.spec
        errors = rule_errors(spec.rule, body) if spec.rule is not None else []
        secret = body.get("kind") == "Secret"
        details = [_detail(error, secret=secret) for error in errors]
        failed: list[Failure] = []
        if spec.validations:
            checks = [
                Check(v.expression, v.message or spec.message, v.reason) for v in spec.validations
            ]
            failed = failures(checks, request_variables(key, body, old, operation))
            details += [f.detail for f in failed]
        # The rule's message when it failed, else that of the first failed validation.
        message = (spec.message if errors else None) or (failed[0].message if failed else "")
        results.append(
            PolicyResult(
                policy=policy.metadata.name,
                enforcement=spec.enforcement,
                passed=not details,
                message=message,
                requires_approval=spec.requires_approval,
                details=tuple(details),
            )
        )
    return results


def _admission(
    policy: AdmissionPolicy,
    key: ObjectKey,
    body: dict[str, Any],
    old: dict[str, Any] | None,
    operation: str,
) -> PolicyResult | None:
    if not policy.matches(key, body, operation):
        return None
    failed = policy.check(key, body, old, operation)
    if failed is None:
        return None
    return PolicyResult(
        policy=f"{policy.name} (ValidatingAdmissionPolicy)",
        enforcement=policy.enforcement,
        passed=not failed,
        message=failed[0].message if failed else "",
        requires_approval=False,
        details=tuple(f.detail for f in failed),
    )


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


@dataclass(frozen=True)
class PolicySet:
    """The policies of one load, and the policy files that failed (see the module docstring)."""

    policies: tuple[AnyPolicy, ...]
    failed: tuple[str, ...]
    """Failed policy files: while any, every write is held."""
    errors: tuple[SpecError, ...]
    """ValidatingAdmissionPolicy expressions that do not compile; their files fail."""


def policy_set(
    specs: Iterable[LoadedSpec],
    manifests: Iterable[LoadedManifest],
    failed_files: Iterable[str],
    read: Callable[[str], bytes | None],
) -> PolicySet:
    """Every `Policy` spec and ValidatingAdmissionPolicy manifest of files that did not fail;
    `read` gives a file's committed bytes (to tell whether a failed file was a policy)."""
    failed = set(failed_files)
    admission, errors = admission_policies(m for m in manifests if m.holds not in failed)
    failed |= {e.file for e in errors}
    policies: list[AnyPolicy] = [
        s.spec for s in specs if isinstance(s.spec, Policy) and s.holds not in failed
    ]
    policies += [a for a in admission if a.file not in failed]
    return PolicySet(tuple(policies), failed_policy_files(failed, read), tuple(errors))


def failed_policy_files(
    failed: Iterable[str], read: Callable[[str], bytes | None]
) -> tuple[str, ...]:
    """The failed files that are, or look like, policy files (rule in the module docstring)."""
    return tuple(
        sorted(
            file
            for file in set(failed)
            if "policies" in file.split("/")[:-1] or _POLICY_KIND.search(read(file) or b"")
        )
    )
