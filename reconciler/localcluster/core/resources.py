"""The resource types the embedded cluster serves: built-in kinds plus kinds added by CRDs.

A *resource type* is what discovery lists and what a URL names: `apps/v1` `deployments` serves
kind `Deployment`. Built-ins are a fixed table; each served version of a
`CustomResourceDefinition` adds one type while the CRD exists::

    spec:
      group: example.com
      names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wg]}
      scope: Namespaced
      versions: [{name: v1, served: true, storage: true, subresources: {status: {}}}]

becomes `ResourceType(group="example.com", version="v1", kind="Widget", plural="widgets", ...)`.
The registry is thread-safe: CRDs come and go while requests are served.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = {"status": ("get", "patch", "update"), "scale": ("get", "patch", "update")}
# Where CustomResourceDefinitions themselves are served.
CRD_GROUP, CRD_RESOURCE = "apiextensions.k8s.io", "customresourcedefinitions"


@dataclass(frozen=True)
class ResourceType:
    """One servable (group, version, plural) and the kind it holds."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    # Built-in kinds have Go types: strategic merge patch, decode errors are 400 not 422.
    builtin: bool = True
    # The API server sets metadata.generation only for kinds whose strategy tracks it.
    has_generation: bool = False
    # CRD-defined printer columns, as (name, type, jsonPath) for the table view.
    printer_columns: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, as in error messages; plain `configmaps` for the core group."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"


def _b(
    group: str,
    version: str,
    kind: str,
    plural: str,
    *,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    sub: tuple[str, ...] = (),
    cats: tuple[str, ...] = (),
    generation: bool = False,
) -> ResourceType:
    return ResourceType(
        group=group,
        version=version,
        kind=kind,
        plural=plural,
        singular=kind.lower(),
        namespaced=namespaced,
        short_names=short,
        subresources=sub,
        categories=cats,
        has_generation=generation,
    )


BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _b("", "v1", "Namespace", "namespaces", namespaced=False, short=("ns",), sub=("status",)),
    _b("", "v1", "ConfigMap", "configmaps", short=("cm",)),
    _b("", "v1", "Secret", "secrets"),
    _b("", "v1", "Service", "services", short=("svc",), sub=("status",), cats=("all",)),
    _b("", "v1", "ServiceAccount", "serviceaccounts", short=("sa",)),
    _b("", "v1", "Event", "events", short=("ev",)),
    _b(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        short=("deploy",),
        sub=("scale", "status"),
        cats=("all",),
        generation=True,
    ),
    _b(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        short=("sts",),
        sub=("scale", "status"),
        cats=("all",),
        generation=True,
    ),
    _b(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        short=("ds",),
        sub=("status",),
        cats=("all",),
        generation=True,
    ),
    _b("batch", "v1", "Job", "jobs", sub=("status",), cats=("all",), generation=True),
    _b(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        short=("cj",),
        sub=("status",),
        cats=("all",),
        generation=True,
    ),
    _b(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short=("hpa",),
        sub=("status",),
        cats=("all",),
        generation=True,
    ),
    _b(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        short=("pdb",),
        sub=("status",),
        generation=True,
    ),
    _b("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    _b("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    _b("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced=False),
    _b(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        namespaced=False,
    ),
    _b("coordination.k8s.io", "v1", "Lease", "leases"),
    _b("events.k8s.io", "v1", "Event", "events", short=("ev",)),
    _b(
        CRD_GROUP,
        "v1",
        "CustomResourceDefinition",
        CRD_RESOURCE,
        namespaced=False,
        short=("crd", "crds"),
        sub=("status",),
        cats=("api-extensions",),
        generation=True,
    ),
)

# The order kubectl sees groups in discovery (the real server orders by priority, core first).
GROUP_ORDER = (
    "",
    "apps",
    "events.k8s.io",
    "autoscaling",
    "batch",
    "policy",
    "rbac.authorization.k8s.io",
    "coordination.k8s.io",
    "apiextensions.k8s.io",
)


def types_from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    """The resource types one CRD serves (one per served version)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = str(spec.get("group", ""))
    kind = str(names.get("kind", ""))
    plural = str(names.get("plural", ""))
    if not (group and kind and plural):
        return []
    out = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subs = tuple(sorted((version.get("subresources") or {}).keys()))
        columns = tuple(
            (str(c.get("name", "")), str(c.get("type", "string")), str(c.get("jsonPath", "")))
            for c in version.get("additionalPrinterColumns") or []
        )
        out.append(
            ResourceType(
                group=group,
                version=str(version.get("name", "")),
                kind=kind,
                plural=plural,
                singular=str(names.get("singular") or kind.lower()),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                subresources=subs,
                categories=tuple(names.get("categories") or ()),
                builtin=False,
                has_generation=True,
                printer_columns=columns,
            )
        )
    return out


class ResourceRegistry:
    """Every resource type currently served; CRD types are added and removed at runtime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._crd_types: dict[str, list[ResourceType]] = {}  # CRD name -> its types
        self._generation = 0

    @property
    def generation(self) -> int:
        """Changes whenever the set of types changes (discovery/openapi caches key on it)."""
        return self._generation

    def all(self) -> list[ResourceType]:
        with self._lock:
            extra = [t for types in self._crd_types.values() for t in types]
        return [*BUILTIN_TYPES, *extra]

    def add_crd(self, crd: dict[str, Any]) -> None:
        name = str((crd.get("metadata") or {}).get("name", ""))
        with self._lock:
            self._crd_types[name] = types_from_crd(crd)
            self._generation += 1

    def remove_crd(self, name: str) -> None:
        with self._lock:
            if self._crd_types.pop(name, None) is not None:
                self._generation += 1

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        for t in self.all():
            if t.group == group and t.version == version and t.plural == plural:
                return t
        return None

    def group_versions(self) -> dict[str, list[str]]:
        """Group -> served versions, core group under "" and groups in discovery order."""
        out: dict[str, list[str]] = {g: [] for g in GROUP_ORDER}
        for t in self.all():
            versions = out.setdefault(t.group, [])
            if t.version not in versions:
                versions.append(t.version)
        return {g: sorted(v, key=_version_priority) for g, v in out.items() if v}


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version order: GA before beta before alpha, higher numbers first."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0)
    stability = {"": 0, "beta": 1, "alpha": 2}[m.group(2) or ""]
    return (stability, -int(m.group(1)), -int(m.group(3) or 0))
