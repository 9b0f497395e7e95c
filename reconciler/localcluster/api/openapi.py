"""`/openapi/v3`: the OpenAPI 3.0 documents kubectl reads, one per group version.

kubectl uses them for client-side `apply` (strategic-merge-patch metadata such as
`x-kubernetes-patch-merge-key`), `explain`, and to decide that the server supports
`fieldValidation` and `dryRun` (it looks for those query parameters on the PATCH operation
whose `x-kubernetes-group-version-kind` names the kind). The index points at each document
with a content hash, as the real server does::

    GET /openapi/v3
    {"paths": {"apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=9F3..."}}}

Schemas come from `SchemaRegistry.definitions()` (kubernetes-validate's JSON Schema `$defs`),
converted to OpenAPI 3.0: refs `#/$defs/X` -> `#/components/schemas/X` (wrapped in `allOf`
when the field has its own description, like the real documents), `"type": ["string", "null"]`
-> `"type": "string", "nullable": true`, and int-or-string / quantity back to
`type: string` with their `format`. CRD kinds get the CRD's `openAPIV3Schema` under the real
server's names (`com.example.v1.Widget`). Operations are only those of the verbs a resource has
(a review has a POST and nothing else).

`/openapi/v2` is a document without paths or definitions (`openapi_v2_stub`). kubectl 1.37 reads
schemas from v3 only, but decides whether a kind takes `fieldValidation` from the PATCH
operation in v3 and, when there is none (create-only reviews, Binding), asks v2: finding the
kind in neither, it validates that object client-side, as it does against a real server. A 404
there would fail `kubectl create -f` of those kinds instead.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

from reconciler.localcluster.core.k8sschema import SchemaRegistry
from reconciler.localcluster.core.resources import ResourceRegistry, ResourceType

REF_PREFIX = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "type": "string",
        "format": "int-or-string",
    },
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string", "format": "quantity"},
}
PATCH_TYPES_BUILTIN = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")
LIST_PARAMS = ("labelSelector", "fieldSelector", "limit", "watch")


def convert(node: Any) -> Any:
    """Convert one JSON Schema node of kubernetes-validate to OpenAPI 3.0, recursively."""
    if isinstance(node, list):
        return [convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            continue
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            if len(types) == 1:
                out["type"] = types[0]
            if "null" in value:
                out["nullable"] = True
        elif key in ("properties", "patternProperties"):
            out[key] = {k: convert(v) for k, v in value.items()}
        else:
            out[key] = convert(value)
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = {"$ref": REF_PREFIX + ref[ref.rfind("/") + 1 :]}
        if not out:
            return target
        return {"allOf": [target], **out}
    return out


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref[ref.rfind("/") + 1 :])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _closure(defs: dict[str, Any], roots: list[str]) -> list[str]:
    seen: set[str] = set()
    todo = [r for r in roots if r in defs]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        refs: set[str] = set()
        _refs(defs[name], refs)
        todo.extend(r for r in refs if r in defs and r not in seen)
    return sorted(seen)


def _crd_schema_name(rt: ResourceType) -> str:
    return ".".join(reversed(rt.group.split("."))) + f".{rt.version}.{rt.kind}"


def _param(name: str, where: str = "query", required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "description": f"{name} parameter",
        "required": required,
        "schema": {"type": "string", "uniqueItems": True},
    }


def _ok(ref: str) -> dict[str, Any]:
    body = {"schema": {"$ref": REF_PREFIX + ref}}
    return {"200": {"description": "OK", "content": {"application/json": body}}}


def _op(
    action: str, rt: ResourceType, ref: str, params: tuple[str, ...], body: tuple[str, ...] = ()
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{action}{rt.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": rt.group,
            "version": rt.version,
            "kind": rt.kind,
        },
        "parameters": [_param(p) for p in params],
        "responses": _ok(ref),
    }
    if body:
        target = META + "Patch" if action == "patch" else ref
        op["requestBody"] = {
            "content": {t: {"schema": {"$ref": REF_PREFIX + target}} for t in body},
            "required": True,
        }
    return op


def _only(
    rt: ResourceType, ops: dict[str, tuple[str, Callable[[], dict[str, Any]]]]
) -> dict[str, Any]:
    """{HTTP method: operation} for the verbs (keys of `ops`) that `rt` serves."""
    return {method: build() for verb, (method, build) in ops.items() if verb in rt.verbs}


def _paths(rt: ResourceType, ref: str, list_ref: str) -> dict[str, Any]:
    root = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
    ns = "/namespaces/{namespace}" if rt.namespaced else ""
    patch_types = PATCH_TYPES_BUILTIN if rt.builtin else PATCH_TYPES_BUILTIN[:3]
    name_params = [_param("name", "path", True)]
    if rt.namespaced:
        name_params.append(_param("namespace", "path", True))
    bodies = ("application/json", "application/yaml")
    # Only the operations of the verbs the resource has (a review is POST only).
    collection = _only(
        rt,
        {
            "list": ("get", lambda: _op("list", rt, list_ref, LIST_PARAMS)),
            "create": ("post", lambda: _op("post", rt, ref, WRITE_PARAMS, bodies)),
            "deletecollection": (
                "delete",
                lambda: _op("deletecollection", rt, META + "Status", ("dryRun",)),
            ),
        },
    )
    item = _only(
        rt,
        {
            "get": ("get", lambda: _op("get", rt, ref, ())),
            "update": ("put", lambda: _op("put", rt, ref, WRITE_PARAMS, bodies)),
            "patch": (
                "patch",
                lambda: _op("patch", rt, ref, (*WRITE_PARAMS, "force"), patch_types),
            ),
            "delete": (
                "delete",
                lambda: _op("delete", rt, META + "Status", ("dryRun", "propagationPolicy")),
            ),
        },
    )
    out: dict[str, Any] = {f"{root}{ns}/{rt.plural}": {**collection, "parameters": name_params[1:]}}
    if item:
        out[f"{root}{ns}/{rt.plural}/{{name}}"] = {**item, "parameters": name_params}
    if rt.namespaced and "get" in collection:
        out[f"{root}/{rt.plural}"] = {"get": collection["get"]}
    for sub in rt.subresources:
        sub_ref = "io.k8s.api.autoscaling.v1.Scale" if sub == "scale" else ref
        out[f"{root}{ns}/{rt.plural}/{{name}}/{sub}"] = {
            "get": _op("get", rt, sub_ref, ()),
            "put": _op("put", rt, sub_ref, WRITE_PARAMS, ("application/json",)),
            "patch": _op("patch", rt, sub_ref, (*WRITE_PARAMS, "force"), patch_types),
            "parameters": name_params,
        }
    return out


# What client-go asks for; the answer is `application/octet-stream` (Go's mime parser, like the
# real server's handler, does not take the `@` of the requested type).
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


def openapi_v2_stub(accept: str) -> tuple[bytes, str]:
    """(body, media type) of an OpenAPI v2 document with no paths: the empty gnostic
    `openapi_v2.Document` message (zero bytes) for the protobuf (`V2_PROTOBUF`) client-go asks
    for, else JSON."""
    if "proto-openapi.spec.v2" in accept:
        return b"", "application/octet-stream"
    doc = {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.37.0"}, "paths": {}}
    return json.dumps(doc).encode(), "application/json"


class OpenAPIBuilder:
    """Builds and caches the v3 documents; rebuilt when the set of served types changes."""

    def __init__(self, resources: ResourceRegistry, schemas: SchemaRegistry) -> None:
        self._resources = resources
        self._schemas = schemas
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str], tuple[bytes, str]] = {}

    def index(self) -> dict[str, Any]:
        paths = {}
        for group, versions in self._resources.group_versions().items():
            for v in versions:
                path = f"api/{v}" if not group else f"apis/{group}/{v}"
                _, digest = self.document(path)
                paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
        return {"paths": paths}

    def document(self, path: str) -> tuple[bytes, str]:
        """(JSON body, hash) of `api/v1` or `apis/<g>/<v>`; KeyError when not served."""
        key = (self._resources.generation, path)
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                doc = self._build(path)
                body = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
                cached = (body, hashlib.sha512(body).hexdigest()[:128].upper())
                self._cache = {k: v for k, v in self._cache.items() if k[0] == key[0]}
                self._cache[key] = cached
            return cached

    def _build(self, path: str) -> dict[str, Any]:
        parts = path.split("/")
        group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
        types = [t for t in self._resources.all() if t.group == group and t.version == version]
        if len(parts) not in (2, 3) or not types:
            raise KeyError(path)
        defs = self._schemas.definitions()
        roots = [META + n for n in ("Status", "DeleteOptions", "Patch", "WatchEvent")]
        extra: dict[str, Any] = {}
        paths: dict[str, Any] = {}
        for rt in types:
            gvk = [{"group": rt.group, "version": rt.version, "kind": rt.kind}]
            name = _builtin_name(defs, rt)
            if name is None or not rt.builtin:
                name = _crd_schema_name(rt)
                root = self._schemas.schema_for(rt.api_version, rt.kind) or {"type": "object"}
                extra[name] = {**root, "x-kubernetes-group-version-kind": gvk}
                extra[name + "List"] = _list_schema(name, rt)
                list_name = name + "List"
            else:
                roots.append(name)
                list_name = name + "List"
                roots.append(list_name)
            if "scale" in rt.subresources:
                roots.append("io.k8s.api.autoscaling.v1.Scale")
            paths.update(_paths(rt, name, list_name))
        for schema in extra.values():
            found: set[str] = set()
            _refs(schema, found)
            roots.extend(found)
        schemas = {
            n: {**SPECIAL[n], "description": defs[n].get("description", "")}
            if n in SPECIAL
            else convert(defs[n])
            for n in _closure(defs, roots)
        }
        schemas.update({n: convert(s) for n, s in extra.items()})
        return {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "v1.37.0"},
            "paths": paths,
            "components": {"schemas": schemas},
        }


def _builtin_name(defs: dict[str, Any], rt: ResourceType) -> str | None:
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            if (gvk.get("group", ""), gvk.get("version"), gvk.get("kind")) == (
                rt.group,
                rt.version,
                rt.kind,
            ) and name.endswith("." + rt.kind):
                return name
    return None


def _list_schema(item: str, rt: ResourceType) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/" + item}},
            "metadata": {"$ref": "#/$defs/" + META + "ListMeta"},
        },
        "x-kubernetes-group-version-kind": [
            {"group": rt.group, "version": rt.version, "kind": rt.kind + "List"}
        ],
    }
