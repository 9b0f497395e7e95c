"""The resource types the embedded cluster serves: built-in kinds plus kinds added by CRDs.

A *resource type* is what discovery lists and what a URL names: `apps/v1` `deployments` serves
kind `Deployment`. Built-ins are every GA kind of kubernetes-validate's 1.37 schemas, with what
the schemas do not say (scope, names, verbs, subresources) from `kindtable`
(`builtin_types`); each served version of a `CustomResourceDefinition` adds one type while
the CRD exists::

    spec:
      group: example.com
      names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wg]}
      scope: Namespaced
      versions: [{name: v1, served: true, storage: true, subresources: {status: {}}}]

becomes `ResourceType(group="example.com", version="v1", kind="Widget", plural="widgets", ...)`.
The registry is thread-safe: CRDs come and go while requests are served.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from reconciler.localcluster.core import kindtable
from reconciler.localcluster.core.k8sschema import builtin_kinds
from reconciler.localcluster.core.kindtable import GROUP_ORDER, STANDARD_VERBS

__all__ = ["GROUP_ORDER", "STANDARD_VERBS", "ResourceRegistry", "ResourceType", "builtin_types"]
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


@functools.cache
def builtin_types() -> tuple[ResourceType, ...]:
    """Every built-in resource type a default 1.37 kube-apiserver serves: by group, preferred
    version first (autoscaling/v2 before v1), then by plural as discovery lists them.

    The kinds and versions are those of kubernetes-validate's schemas (`k8sschema.
    builtin_kinds`), GA versions only; scope, names, verbs and subresources come from
    `kindtable`. `/status` is served for kinds whose schema has a `status` field and that can
    be updated; `/scale` for the kinds `kindtable.SCALE` names.
    """
    out = []
    for group, version, kind, schema in builtin_kinds():
        key = (group, kind)
        if not kindtable.served_version(version) or key in kindtable.NOT_RESOURCES:
            continue
        plural, singular = kindtable.resource_names(group, kind)
        verbs = kindtable.VERBS.get(key, STANDARD_VERBS)
        subresources = []
        if key in kindtable.SCALE:
            subresources.append("scale")
        if "status" in schema.get("properties", {}) and "update" in verbs:
            subresources.append("status")
        out.append(
            ResourceType(
                group=group,
                version=version,
                kind=kind,
                plural=plural,
                singular=singular,
                namespaced=key not in kindtable.CLUSTER_SCOPED,
                short_names=kindtable.SHORT_NAMES.get(key, ()),
                subresources=tuple(subresources),
                categories=kindtable.CATEGORIES.get(key, ()),
                verbs=verbs,
                has_generation=key in kindtable.GENERATION,
            )
        )
    return tuple(sorted(out, key=lambda t: (t.group, _version_priority(t.version), t.plural)))


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
        return [*builtin_types(), *extra]

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
        builtin = _builtin_index().get((group, version, plural))
        if builtin is not None:
            return builtin
        with self._lock:
            for types in self._crd_types.values():
                for t in types:
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


@functools.cache
def _builtin_index() -> dict[tuple[str, str, str], ResourceType]:
    return {(t.group, t.version, t.plural): t for t in builtin_types()}


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version order: GA before beta before alpha, higher numbers first."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0)
    stability = {"": 0, "beta": 1, "alpha": 2}[m.group(2) or ""]
    return (stability, -int(m.group(1)), -int(m.group(3) or 0))
