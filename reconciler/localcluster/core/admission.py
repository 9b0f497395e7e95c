"""Admission rules that refuse a request outright (not kind strategies: they test kinds, as
kube-apiserver's admission plugins do).

- NamespaceLifecycle's immortal namespaces: deleting `default`, `kube-system` or `kube-public`
  is 403 Forbidden, `namespaces "default" is forbidden: this namespace may not be deleted`
  (`staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go`:
  `NewLifecycle(sets.NewString(metav1.NamespaceDefault, metav1.NamespaceSystem,
  metav1.NamespacePublic))`, `errors.NewForbidden(...)`). `kube-node-lease` is not immortal
  there: a real cluster deletes it and its system-namespaces controller
  (`pkg/controlplane/controller/systemnamespaces`) makes it again within a minute; here it comes
  back at the next start (`storage.state` creates every system namespace).
"""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import ApiError

IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")


def admit_delete(rt: ResourceType, obj: dict[str, Any]) -> None:
    """Raise the 403 that admission answers a delete of `obj`, if it refuses one."""
    name = str((obj.get("metadata") or {}).get("name", ""))
    if rt.group == "" and rt.kind == "Namespace" and name in IMMORTAL_NAMESPACES:
        raise ApiError(
            403,
            "Forbidden",
            f'namespaces "{name}" is forbidden: this namespace may not be deleted',
            details={"name": name, "kind": "namespaces"},
        )
