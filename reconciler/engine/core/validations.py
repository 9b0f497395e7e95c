"""Running CEL validations on one object, as a Kubernetes admission request would (pure).

A `Policy`'s `validations` and a ValidatingAdmissionPolicy's run the same way. The request
is built from the planned operation: create and update judge the object git will write
(`object`, with the live one as `oldObject` on update); delete judges the live object, which
then is `oldObject` while `object` is null, as in Kubernetes. A validation fails when its
expression is false, does not give a bool, or cannot be evaluated (Kubernetes'
`failurePolicy: Fail`); each failure says which validation and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.specs.cel import activation, compile_cel, run
from reconciler.specs.keys import ObjectKey

OPERATIONS = {"create": "CREATE", "update": "UPDATE", "scale": "UPDATE", "delete": "DELETE"}


@dataclass(frozen=True)
class Check:
    """One validation: a CEL expression that must be true, and what to say when it is not."""

    expression: str
    message: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Failure:
    """A failed check: the message for people, the detail (which check, and why), and whether
    it failed by an error (could not be evaluated, or gave no bool) rather than by being false."""

    message: str
    detail: str
    error: bool = False


def request_variables(
    key: ObjectKey, body: dict[str, Any], old: dict[str, Any] | None, operation: str
) -> dict[str, Any]:
    """`object`, `oldObject` and `request` of the admission request for `operation`."""
    verb = OPERATIONS.get(operation, operation.upper())
    obj, previous = (None, body) if verb == "DELETE" else (body, old)
    api_version = str(body.get("apiVersion", ""))
    request = {
        "operation": verb,
        "name": key.name,
        "namespace": key.namespace or "",
        "kind": {"group": key.group, "version": api_version.rpartition("/")[2], "kind": key.kind},
    }
    return {"object": obj, "oldObject": previous, "request": request}


def with_variables(
    data: Mapping[str, Any], variables: Sequence[tuple[str, str]]
) -> tuple[dict[str, Any], list[Failure]]:
    """`data` plus `variables` (name, expression), each evaluated in order and seeing those
    before it. One that cannot be evaluated is left out (a check that uses it then fails on
    the missing key) and reported."""
    values: dict[str, Any] = {}
    failures = []
    for name, expression in variables:
        outcome = run(
            compile_cel(expression, boolean=False), activation({**data, "variables": values})
        )
        if outcome.error is None:
            values[name] = outcome.value
        else:
            detail = f"variables.{name}: {expression}: {outcome.error}"
            failures.append(Failure(f"variable {name} cannot be evaluated", detail))
    return {**data, "variables": values}, failures


def failures(checks: Sequence[Check], data: Mapping[str, Any]) -> list[Failure]:
    """The checks that fail on `data` (the variables of one request)."""
    bound = activation(data)
    out = []
    for i, check in enumerate(checks):
        outcome = run(compile_cel(check.expression), bound)
        message = check.message or f"failed expression: {check.expression}"
        where = f"validations[{i}]" + (f" ({check.reason})" if check.reason else "")
        if outcome.error is not None:
            detail = f"{where}: {check.expression}: {outcome.error}"
            out.append(Failure(message, detail, error=True))
        elif outcome.value is False:
            out.append(Failure(message, f"{where}: {check.expression} is false"))
        elif outcome.value is not True:
            detail = f"{where}: {check.expression} gave {outcome.value!r}, not a bool"
            out.append(Failure(message, detail, error=True))
    return out
