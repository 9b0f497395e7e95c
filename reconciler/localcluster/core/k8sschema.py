"""Schemas of Kubernetes kinds: built-ins from `kubernetes-validate`, plus kinds added by CRDs.

The built-in schemas are the API server's own OpenAPI definitions as shipped in the
`kubernetes-validate` package (`kubernetes-json-schema/v1.37.0-local/_definitions.json`, one
JSON file of ~860 `$defs`, parsed once per process in about 10 ms). A kind's schema is the
definition whose `x-kubernetes-group-version-kind` names it; fields point at other definitions
with `$ref`, which this module follows lazily, one level at a time:

    registry = SchemaRegistry()
    root = registry.schema_for("apps/v1", "Deployment")
    spec = registry.field_schema(root, "spec")                  # DeploymentSpec
    containers = registry.field_schema(
        registry.field_schema(registry.field_schema(spec, "template"), "spec"), "containers")
    registry.list_type(containers), registry.list_keys(containers)   # ("map", ("name",))

Every node is classified by `shape`: a *struct* (declared `properties`), a *map* (only
`additionalProperties`, e.g. `metadata.labels`), a *list*, a *scalar* (including int-or-string
and quantities), or *any* (no schema to speak of: `x-kubernetes-preserve-unknown-fields`,
`RawExtension`), which the merge code treats like structured-merge-diff's "deduced" type: maps
recurse, lists are atomic.

CRDs add the `openAPIV3Schema` of each served version; the API server always gives custom
resources `apiVersion`, `kind` and a full `ObjectMeta` `metadata`, so the registry does too, and
likewise inside `x-kubernetes-embedded-resource` nodes.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import threading
from pathlib import Path
from typing import Any, Literal

Schema = dict[str, Any]
Shape = Literal["struct", "map", "list", "scalar", "any"]
ListType = Literal["atomic", "set", "map"]

SCHEMA_VERSION = "v1.37.0-local"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_DEFS_PREFIX = "#/$defs/"
# A schema that accepts anything (structured-merge-diff's "deduced" type).
ANY_SCHEMA: Schema = {"x-kubernetes-preserve-unknown-fields": True}
_TYPE_META_PROPERTIES: Schema = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"$ref": _DEFS_PREFIX + OBJECT_META},
}
_load_lock = threading.Lock()


@functools.cache
def _builtin_defs() -> dict[str, Schema]:
    """Parse `_definitions.json` of kubernetes-validate once per process."""
    # find_spec locates the package without importing it (its import pulls in jsonschema and
    # costs ~60 ms; reading and parsing the 1.8 MB file takes ~10 ms).
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kubernetes_validate is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    with _load_lock:
        text = (
            package / "kubernetes-json-schema" / SCHEMA_VERSION / "_definitions.json"
        ).read_text(encoding="utf-8")
        defs: dict[str, Schema] = json.loads(text)["$defs"]
        return defs


@functools.cache
def _gvk_index() -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> definition name, from `x-kubernetes-group-version-kind`."""
    index: dict[tuple[str, str], str] = {}
    for name, schema in _builtin_defs().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            group, version, kind = gvk.get("group", ""), gvk["version"], gvk["kind"]
            api_version = f"{group}/{version}" if group else version
            # Shared types (DeleteOptions, WatchEvent) list many GVKs; the kind's own wins.
            if (api_version, kind) not in index or name.endswith("." + kind):
                index[(api_version, kind)] = name
    return index


@functools.cache
def builtin_kinds() -> tuple[tuple[str, str, str, Schema], ...]:
    """(group, version, kind, root definition) of every built-in kind that is an object.

    An object is a definition of its own kind (`io.k8s.api.apps.v1.Deployment` for
    `apps/v1 Deployment`) whose `metadata` is an `ObjectMeta`: this leaves out List kinds
    (`ListMeta`) and the shared types every group version names (DeleteOptions, WatchEvent).
    Alpha and beta versions are included; which are served is the caller's choice.
    """
    out = []
    for name, schema in _builtin_defs().items():
        metadata = schema.get("properties", {}).get("metadata", {})
        if metadata.get("$ref") != _DEFS_PREFIX + OBJECT_META:
            continue
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            if name.endswith("." + gvk["kind"]):
                out.append((gvk.get("group", ""), gvk["version"], gvk["kind"], schema))
    return tuple(out)


def _types(node: Schema) -> set[str]:
    declared = node.get("type")
    if declared is None:
        return set()
    return {declared} if isinstance(declared, str) else set(declared)


class SchemaRegistry:
    """Looks up the OpenAPI schema of a kind by (apiVersion, kind), following `$ref`s.

    Built-in kinds come from kubernetes-validate's v1.37 definitions; `register_crd` adds the
    `openAPIV3Schema` of each served version of a CRD (and `unregister_crd` removes them).
    Instances are cheap: the built-in definitions are parsed once per process and shared.
    """

    def __init__(self) -> None:
        self._crds: dict[tuple[str, str], Schema] = {}
        self._crd_status: set[tuple[str, str]] = set()
        self._resolved: dict[int, tuple[Schema, Schema]] = {}

    # -- kinds -------------------------------------------------------------------------------

    def schema_for(self, api_version: str, kind: str) -> dict[str, Any] | None:
        """The resolved root schema of a kind, or None when the kind has no known schema.

        Nested `$ref`s are left in place; walk them with `field_schema` / `item_schema`.
        """
        crd = self._crds.get((api_version, kind))
        if crd is not None:
            return self.resolve(crd)
        name = _gvk_index().get((api_version, kind))
        return None if name is None else self.resolve(_builtin_defs()[name])

    def is_builtin(self, api_version: str, kind: str) -> bool:
        """True for kinds compiled into kube-apiserver (as opposed to CRDs or unknown kinds)."""
        return (api_version, kind) in _gvk_index() and (api_version, kind) not in self._crds

    def has_status_subresource(self, api_version: str, kind: str) -> bool:
        """Whether `status` is written only through `/status` (built-ins with a status field)."""
        if (api_version, kind) in self._crds:
            return (api_version, kind) in self._crd_status
        root = self.schema_for(api_version, kind)
        return root is not None and "status" in root.get("properties", {})

    def definitions(self) -> dict[str, Any]:
        """All raw built-in definitions, keyed like `io.k8s.api.apps.v1.Deployment`."""
        return _builtin_defs()

    def register_crd(self, crd: dict[str, Any]) -> None:
        """Add the schema of every served version of an apiextensions.k8s.io/v1 CRD."""
        spec = crd.get("spec") or {}
        group, kind = spec.get("group", ""), (spec.get("names") or {}).get("kind", "")
        for version in spec.get("versions") or ():
            key = (f"{group}/{version['name']}", kind)
            if not version.get("served", True):
                self._forget(key)
                continue
            schema = ((version.get("schema") or {}).get("openAPIV3Schema")) or dict(ANY_SCHEMA)
            self._crds[key] = _with_type_meta(schema)
            if "status" in (version.get("subresources") or {}):
                self._crd_status.add(key)
            else:
                self._crd_status.discard(key)

    def unregister_crd(self, crd: dict[str, Any]) -> None:
        """Forget every version of a CRD (served or not)."""
        spec = crd.get("spec") or {}
        group, kind = spec.get("group", ""), (spec.get("names") or {}).get("kind", "")
        for version in spec.get("versions") or ():
            self._forget((f"{group}/{version['name']}", kind))

    def _forget(self, key: tuple[str, str]) -> None:
        self._crds.pop(key, None)
        self._crd_status.discard(key)

    # -- navigation --------------------------------------------------------------------------

    def resolve(self, node: Schema) -> Schema:
        """Follow a `$ref` (keeping sibling keys, which win) and expand embedded resources."""
        cached = self._resolved.get(id(node))
        if cached is not None and cached[0] is node:
            return cached[1]
        resolved = node
        seen = 0
        while "$ref" in resolved and seen < 32:
            ref: str = resolved["$ref"]
            target = _builtin_defs().get(ref[ref.rfind("/") + 1 :], ANY_SCHEMA)
            siblings = {k: v for k, v in resolved.items() if k not in ("$ref", "description")}
            resolved = {**target, **siblings} if siblings else target
            seen += 1
        if resolved.get("x-kubernetes-embedded-resource"):
            resolved = _with_type_meta(resolved)
        self._resolved[id(node)] = (node, resolved)
        return resolved

    def shape(self, node: Schema) -> Shape:
        """How a value of this schema is merged and tracked (see the module docstring)."""
        node = self.resolve(node)
        if "properties" in node:
            return "struct"
        if node.get("x-kubernetes-int-or-string") or "oneOf" in node or "anyOf" in node:
            return "scalar"
        types = _types(node)
        if "array" in types or "items" in node:
            return "list"
        additional = node.get("additionalProperties")
        if isinstance(additional, dict) or additional is True:
            return "map"
        if types & {"string", "integer", "number", "boolean"}:
            return "scalar"
        return "any"

    def field_schema(self, node: Schema, name: str) -> Schema | None:
        """Schema of field `name` of a struct or map node; None when the field is unknown."""
        node = self.resolve(node)
        child = node.get("properties", {}).get(name)
        if child is not None:
            return self.resolve(child)
        additional = node.get("additionalProperties")
        if isinstance(additional, dict):
            return self.resolve(additional)
        if additional is True or self.preserves_unknown(node):
            return ANY_SCHEMA
        return None

    def item_schema(self, node: Schema) -> Schema:
        """Schema of the items of a list node (ANY_SCHEMA when undeclared)."""
        items = self.resolve(node).get("items")
        return self.resolve(items) if isinstance(items, dict) else ANY_SCHEMA

    def preserves_unknown(self, node: Schema) -> bool:
        """Whether unknown fields are kept (and not reported) under this node."""
        node = self.resolve(node)
        return bool(node.get("x-kubernetes-preserve-unknown-fields")) or (
            "properties" not in node
            and "additionalProperties" not in node
            and not (_types(node) - {"object", "null"})
            and "items" not in node
        )

    def is_atomic(self, node: Schema) -> bool:
        """Whether a struct or map is replaced and owned as a whole (`x-kubernetes-map-type`)."""
        return self.resolve(node).get("x-kubernetes-map-type") == "atomic"

    def list_type(self, node: Schema) -> ListType:
        """`x-kubernetes-list-type` of a list node; undeclared lists are atomic, like in SMD."""
        declared = self.resolve(node).get("x-kubernetes-list-type")
        if declared in ("set", "map"):
            return "set" if declared == "set" else "map"
        return "atomic"

    def list_keys(self, node: Schema) -> tuple[str, ...]:
        """`x-kubernetes-list-map-keys` of a `map` list node."""
        return tuple(self.resolve(node).get("x-kubernetes-list-map-keys") or ())

    def patch_strategy(self, node: Schema) -> frozenset[str]:
        """The comma-separated `x-kubernetes-patch-strategy` of a node, as a set."""
        declared = self.resolve(node).get("x-kubernetes-patch-strategy") or ""
        return frozenset(part for part in declared.split(",") if part)

    def patch_merge_key(self, node: Schema) -> str | None:
        """`x-kubernetes-patch-merge-key` of a list node (strategic merge patch)."""
        key = self.resolve(node).get("x-kubernetes-patch-merge-key")
        return key if isinstance(key, str) else None


def _with_type_meta(schema: Schema) -> Schema:
    """A copy of an object schema whose apiVersion/kind/metadata are the API server's own."""
    properties = {**schema.get("properties", {}), **_TYPE_META_PROPERTIES}
    return {**schema, "properties": properties}
