"""Kinds that are requests rather than objects: answered on create, never stored.

kube-apiserver serves these create-only (`+genclient:onlyVerbs=create`); a POST returns the
request with its `status` filled in, and nothing can be read back later::

    POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews
      {"spec": {"resourceAttributes": {"verb": "create", "resource": "deployments"}}}
    201  {..., "status": {"allowed": true, "reason": "..."}}

The embedded cluster has no authorization (every client may do everything; an optional
bearer token is all or nothing), so access reviews allow everything and rules reviews list
`*`; `SelfSubjectReview` (`kubectl auth whoami`) names one administrator; `TokenReview` does
not authenticate tokens and says so. `Binding` (what a scheduler posts) assigns a pod to a
node: the pod's `spec.nodeName` and a `PodScheduled` condition, answered with a `Status`.

`ANSWERS` maps (group, kind) to the answer; `strategies` turns each into the kind's
`answer_create` hook, which the write path calls instead of storing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from reconciler.localcluster.core.status import ApiError

Obj = dict[str, Any]
AUTHZ, AUTHN = "authorization.k8s.io", "authentication.k8s.io"
ADMIN_USER = {
    "username": "localcluster-admin",
    "groups": ["system:masters", "system:authenticated"],
}
ALLOWED_REASON = "the embedded cluster authorizes every request"


class Binder(Protocol):
    """What answering a Binding needs of the cluster."""

    def bind_pod(self, namespace: str, name: str, node: str, *, dry_run: bool) -> None: ...


Answer = Callable[[Binder, Obj, str | None, bool], Obj]


def _review(obj: Obj, status: Obj) -> Obj:
    """The request as sent (metadata included, as the real server echoes it) plus `status`."""
    return {**obj, "metadata": obj.get("metadata") or {}, "status": status}


def _access_review(cluster: Binder, obj: Obj, namespace: str | None, dry_run: bool) -> Obj:
    return _review(obj, {"allowed": True, "reason": ALLOWED_REASON})


def _rules_review(cluster: Binder, obj: Obj, namespace: str | None, dry_run: bool) -> Obj:
    status = {
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
        "incomplete": False,
    }
    return _review(obj, status)


def _self_subject_review(cluster: Binder, obj: Obj, namespace: str | None, dry_run: bool) -> Obj:
    return _review(obj, {"userInfo": ADMIN_USER})


def _token_review(cluster: Binder, obj: Obj, namespace: str | None, dry_run: bool) -> Obj:
    status = {
        "authenticated": False,
        "user": {},
        "error": "the embedded cluster does not authenticate tokens",
    }
    return _review(obj, status)


def _binding(cluster: Binder, obj: Obj, namespace: str | None, dry_run: bool) -> Obj:
    """Assign the pod named like the Binding to `target.name` (a Node)."""
    name = str((obj.get("metadata") or {}).get("name") or "")
    target = obj.get("target") or {}
    if target.get("kind", "Node") != "Node" or not target.get("name"):
        message = "must be a Node" if target.get("name") else "Required value"
        raise ApiError(
            422,
            "Invalid",
            f'Binding "{name}" is invalid: target: {message}',
            details={"name": name, "kind": "Binding"},
        )
    cluster.bind_pod(str(namespace or ""), name, str(target["name"]), dry_run=dry_run)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


ANSWERS: dict[tuple[str, str], Answer] = {
    ("", "Binding"): _binding,
    (AUTHN, "SelfSubjectReview"): _self_subject_review,
    (AUTHN, "TokenReview"): _token_review,
    (AUTHZ, "LocalSubjectAccessReview"): _access_review,
    (AUTHZ, "SelfSubjectAccessReview"): _access_review,
    (AUTHZ, "SelfSubjectRulesReview"): _rules_review,
    (AUTHZ, "SubjectAccessReview"): _access_review,
}


def schedule(pod: Obj, node: str, now: str) -> Obj:
    """`pod` assigned to `node` as a Binding does it (409 when it is bound or going away)."""
    meta, spec = pod.get("metadata") or {}, pod.setdefault("spec", {})
    name = meta.get("name", "")
    if meta.get("deletionTimestamp"):
        raise _binding_conflict(name, f"pod {name} is being deleted, cannot be assigned to a host")
    if spec.get("nodeName"):
        raise _binding_conflict(
            name, f'pod {name} is already assigned to node "{spec["nodeName"]}"'
        )
    spec["nodeName"] = node
    status = pod.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    scheduled = {"type": "PodScheduled", "status": "True", "lastTransitionTime": now}
    status["conditions"] = [*conditions, scheduled]
    return pod


def _binding_conflict(name: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on pods/binding "{name}": {why}',
        details={"name": name, "kind": "pods/binding"},
    )
