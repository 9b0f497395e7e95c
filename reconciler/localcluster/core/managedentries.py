"""Entries of `metadata.managedFields`: decoding, encoding, and what a write may record.

One entry per (manager, operation, subresource), encoded exactly like the API server:

    {"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1",
     "time": "2024-05-01T10:00:00Z", "fieldsType": "FieldsV1",
     "fieldsV1": {"f:spec": {"f:replicas": {}}}}

plus `"subresource": "scale"` for writes through a subresource. Entries are sorted like
kube-apiserver's `sortEncodedManagedFields`: operation, time, manager, apiVersion, subresource.

Never tracked (kube-apiserver's `stripMeta` and reset fields): `apiVersion`, `kind`, `metadata`
itself and its system fields (name, namespace, uid, resourceVersion, generation,
creationTimestamp, selfLink, managedFields), and `status` on main-resource writes of kinds with
a status subresource; writes to `/status` track only `status`, writes to `/scale` only
`spec.replicas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.localcluster.core import fieldset as fs
from reconciler.localcluster.core.k8sschema import ANY_SCHEMA, Schema, SchemaRegistry

_META = "f:metadata"
_STRIPPED: frozenset[fs.Path] = frozenset(
    {("f:apiVersion",), ("f:kind",), (_META,)}
    | {
        (_META, "f:" + name)
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        )
    }
)
_REPLICAS: fs.Path = ("f:spec", "f:replicas")
BEFORE_FIRST_APPLY = "before-first-apply"


@dataclass(frozen=True)
class Entry:
    manager: str
    operation: str
    subresource: str | None
    api_version: str
    time: str | None
    fields: fs.FieldSet

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.manager, self.operation, self.subresource)


Managers = dict[tuple[str, str, str | None], Entry]


def decode_managed_fields(entries: list[dict[str, Any]] | None) -> list[Entry]:
    """Parse `metadata.managedFields` (entries of other `fieldsType`s are ignored)."""
    out = []
    for raw in entries or ():
        if raw.get("fieldsType", "FieldsV1") != "FieldsV1" or "manager" not in raw:
            continue
        out.append(
            Entry(
                manager=raw["manager"],
                operation=raw.get("operation", "Update"),
                subresource=raw.get("subresource") or None,
                api_version=raw.get("apiVersion", ""),
                time=raw.get("time"),
                fields=fs.from_fields_v1(raw.get("fieldsV1")),
            )
        )
    return out


def encode_managed_fields(managers: Managers) -> list[dict[str, Any]]:
    """Entries in the API server's order: operation, time, manager, apiVersion, subresource."""
    ordered = sorted(
        (e for e in managers.values() if e.fields),
        key=lambda e: (e.operation, e.time or "", e.manager, e.api_version, e.subresource or ""),
    )
    out = []
    for e in ordered:
        raw: dict[str, Any] = {"manager": e.manager, "operation": e.operation}
        raw["apiVersion"] = e.api_version
        if e.time is not None:
            raw["time"] = e.time
        raw["fieldsType"] = "FieldsV1"
        raw["fieldsV1"] = fs.to_fields_v1(e.fields)
        if e.subresource:
            raw["subresource"] = e.subresource
        out.append(raw)
    return out


def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of `obj` whose metadata lacks `managedFields`."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def with_managed_fields(obj: dict[str, Any], managers: Managers) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    encoded = encode_managed_fields(managers)
    if encoded:
        meta["managedFields"] = encoded
    else:
        meta.pop("managedFields", None)
    return {**obj, "metadata": meta}


class Kind:
    """What the bookkeeping needs to know about the kind of the object being written."""

    def __init__(self, obj: dict[str, Any], schemas: SchemaRegistry) -> None:
        self.registry = schemas
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        self.api_version = api_version
        self.schema: Schema = schemas.schema_for(api_version, kind) or ANY_SCHEMA
        self.builtin = schemas.is_builtin(api_version, kind)
        self.status_subresource = schemas.has_status_subresource(api_version, kind)

    def tracked(self, fields: fs.FieldSet, subresource: str | None) -> fs.FieldSet:
        """The part of `fields` a write to `subresource` (None: the main resource) records."""
        if subresource == "status":
            return fs.only_under(fields, ("f:status",))
        if subresource == "scale":
            return fs.only_under(fields, _REPLICAS)
        resets = [("f:status",)] if self.status_subresource else []
        return fs.without(fields, _STRIPPED, resets)

    def compare(self, old: dict[str, Any], new: dict[str, Any], sub: str | None) -> fs.Comparison:
        cmp = fs.compare(old, new, self.schema, self.registry, struct_members=not self.builtin)
        return fs.Comparison(
            self.tracked(cmp.added, sub),
            self.tracked(cmp.modified, sub),
            self.tracked(cmp.removed, sub),
        )
