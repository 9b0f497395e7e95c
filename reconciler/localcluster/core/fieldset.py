"""Field sets: which fields of an object a manager owns, encoded as the API server's `fieldsV1`.

A field set is a set of *paths*; a path is a tuple of path elements spelled exactly as in
`fieldsV1`: `f:<field>` for a struct field or map key, `k:<json of the keys>` for an item of a
`map` list, `v:<json value>` for an item of a `set` list. Atomic lists, atomic maps and scalars
are leaves. For example the set

    {("f:spec", "f:replicas"),
     ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"app"}'),
     ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"app"}', "f:image")}

is encoded as (`.` marks a node that is itself a member and also has members below it)

    {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers":
        {"k:{\\"name\\":\\"app\\"}": {".": {}, "f:image": {}}}}}}}

and its paths render in conflict messages as `.spec.replicas` and
`.spec.template.spec.containers[name="app"].image`.

Sets are plain `frozenset`s of paths, so union, difference and intersection are the set
operators. `fields_of` computes the set an apply configuration owns (structured-merge-diff's
`ToFieldSet`); `compare` computes what an update added, modified and removed (SMD's `Compare`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reconciler.localcluster.core.k8sschema import Schema, SchemaRegistry

Path = tuple[str, ...]
FieldSet = frozenset[Path]
EMPTY: FieldSet = frozenset()
_MISSING: Any = object()
# Defaults of list-map key fields, used when an item omits them (SMD reads these from the
# OpenAPI v3 `default`, which kubernetes-validate's schemas do not carry).
_KEY_DEFAULTS: dict[str, Any] = {"protocol": "TCP"}


# -- path elements -------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def item_element(list_type: str, keys: tuple[str, ...], item: Any) -> str:
    """The path element of one item of a `set` or `map` list."""
    if list_type == "map" and isinstance(item, dict):
        picked = {}
        for key in keys:
            value = item.get(key, _KEY_DEFAULTS.get(key, _MISSING))
            if value is not _MISSING:
                picked[key] = value
        return "k:" + _json(picked)
    return "v:" + _json(item)


def render_path(path: Iterable[str]) -> str:
    """A path as the API server prints it: `.spec.containers[name="app"].image`."""
    out = []
    for element in path:
        kind, text = element[:2], element[2:]
        if kind == "f:":
            out.append("." + text)
        elif kind == "k:":
            keys = json.loads(text)
            out.append("[" + ",".join(f"{k}={_scalar(v)}" for k, v in keys.items()) + "]")
        elif kind == "v:":
            out.append(f"[={_scalar(json.loads(text))}]")
        else:
            out.append(f"[{text}]")
    return "".join(out)


def _scalar(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else _json(value)


# -- fieldsV1 encoding ---------------------------------------------------------------------


def to_fields_v1(fields: Iterable[Path]) -> dict[str, Any]:
    """Encode a field set as `fieldsV1` (keys sorted like the API server's serializer)."""
    tree: dict[str, Any] = {}
    for path in fields:
        node = tree
        for element in path:
            node = node.setdefault(element, {})
        node["."] = {}
    return _finish(tree)


def _finish(node: dict[str, Any]) -> dict[str, Any]:
    member = node.pop(".", None) is not None
    out: dict[str, Any] = {".": {}} if member and node else {}
    for key in sorted(node):
        out[key] = _finish(node[key])
    return out


def from_fields_v1(encoded: dict[str, Any] | None) -> FieldSet:
    """Decode `fieldsV1` into a field set."""
    out: set[Path] = set()

    def walk(node: dict[str, Any], prefix: Path) -> None:
        if prefix and (not node or "." in node):
            out.add(prefix)
        for key, child in node.items():
            if key != ".":
                walk(child if isinstance(child, dict) else {}, (*prefix, key))

    walk(encoded or {}, ())
    return frozenset(out)


# -- set helpers ---------------------------------------------------------------------------


def without(
    fields: FieldSet, exact: Iterable[Path] = (), prefixes: Iterable[Path] = ()
) -> FieldSet:
    """`fields` minus the paths in `exact` and every path under one of `prefixes`."""
    drop = set(exact)
    starts = tuple(prefixes)
    return frozenset(
        p for p in fields if p not in drop and not any(p[: len(s)] == s for s in starts)
    )


def only_under(fields: FieldSet, prefix: Path) -> FieldSet:
    """The paths of `fields` at or under `prefix`."""
    return frozenset(p for p in fields if p[: len(prefix)] == prefix)


def ancestors(fields: Iterable[Path]) -> set[Path]:
    """Every proper, non-empty prefix of every path in `fields`."""
    out: set[Path] = set()
    for path in fields:
        for i in range(1, len(path)):
            out.add(path[:i])
    return out


# -- field sets of values ------------------------------------------------------------------


def fields_of(value: dict[str, Any], schema: Schema, registry: SchemaRegistry) -> FieldSet:
    """The field set an apply configuration owns (SMD `ToFieldSet`)."""
    out: set[Path] = set()
    _collect(value, schema, registry, (), out)
    return frozenset(out)


def _collect(value: Any, schema: Schema, reg: SchemaRegistry, path: Path, out: set[Path]) -> None:
    shape = reg.shape(schema)
    if isinstance(value, dict) and shape in ("struct", "map", "any"):
        if reg.is_atomic(schema):
            out.add(path)
            return
        for key, child in value.items():
            declared = shape == "struct" and key in reg.resolve(schema).get("properties", {})
            child_schema = reg.field_schema(schema, key)
            child_path = (*path, "f:" + key)
            _collect(child, child_schema or {}, reg, child_path, out)
            if child is None or child == {} or not declared:
                out.add(child_path)
    elif isinstance(value, list) and shape == "list" and reg.list_type(schema) != "atomic":
        item_schema = reg.item_schema(schema)
        list_type, keys = reg.list_type(schema), reg.list_keys(schema)
        for item in value:
            item_path = (*path, item_element(list_type, keys, item))
            _collect(item, item_schema, reg, item_path, out)
            out.add(item_path)
    else:
        out.add(path)


@dataclass(frozen=True)
class Comparison:
    """What changed between two versions of an object (SMD `typed.Comparison`)."""

    added: FieldSet
    modified: FieldSet
    removed: FieldSet

    @property
    def changed(self) -> FieldSet:
        return self.added | self.modified | self.removed


def compare(
    old: Any, new: Any, schema: Schema, registry: SchemaRegistry, *, struct_members: bool
) -> Comparison:
    """Fields added, modified and removed from `old` to `new`.

    Leaves are compared by value. A map or list item that appears (or disappears) is itself
    added (removed), which puts the `.` marker on labels and list items of Update entries. A
    struct is only marked when `struct_members` is true: kube-apiserver compares Go objects
    whose value-typed structs (spec, template) always exist, whereas for custom resources every
    struct is a map that can appear, so `f:spec` gets a `.` there.
    """
    walker = _Comparer(registry, struct_members)
    walker.walk(old, new, schema, ())
    return Comparison(
        frozenset(walker.added), frozenset(walker.modified), frozenset(walker.removed)
    )


class _Comparer:
    def __init__(self, registry: SchemaRegistry, struct_members: bool) -> None:
        self.reg = registry
        self.struct_members = struct_members
        self.added: set[Path] = set()
        self.modified: set[Path] = set()
        self.removed: set[Path] = set()

    def leaf(self, old: Any, new: Any, path: Path) -> None:
        if old is _MISSING:
            self.added.add(path)
        elif new is _MISSING:
            self.removed.add(path)
        elif old != new:
            self.modified.add(path)

    def walk(self, old: Any, new: Any, schema: Schema, path: Path) -> None:
        reg = self.reg
        shape = reg.shape(schema)
        sample = new if new is not _MISSING else old
        if isinstance(sample, dict) and shape in ("struct", "map", "any"):
            if reg.is_atomic(schema) or _empty(old, new) or not _same_kind(old, new, dict):
                self.leaf(old, new, path)
                return
            self.walk_map(_or(old, {}), _or(new, {}), schema, path)
            if shape != "struct" or self.struct_members:
                self.container_hook(old, new, path)
        elif isinstance(sample, list) and shape == "list" and reg.list_type(schema) != "atomic":
            if _empty(old, new) or not _same_kind(old, new, list):
                self.leaf(old, new, path)
                return
            self.walk_list(_or(old, []), _or(new, []), schema, path)
        else:
            self.leaf(old, new, path)

    def container_hook(self, old: Any, new: Any, path: Path) -> None:
        if path and old is _MISSING:
            self.added.add(path)
        elif path and new is _MISSING:
            self.removed.add(path)

    def walk_map(
        self, old: dict[str, Any], new: dict[str, Any], schema: Schema, path: Path
    ) -> None:
        for key, new_child in new.items():
            old_child = old.get(key, _MISSING)
            if old_child is new_child:
                continue
            child_schema = self.reg.field_schema(schema, key) or {}
            self.walk(old_child, new_child, child_schema, (*path, "f:" + key))
        for key, old_child in old.items():
            if key not in new:
                child_schema = self.reg.field_schema(schema, key) or {}
                self.walk(old_child, _MISSING, child_schema, (*path, "f:" + key))

    def walk_list(self, old: list[Any], new: list[Any], schema: Schema, path: Path) -> None:
        item_schema = self.reg.item_schema(schema)
        list_type, keys = self.reg.list_type(schema), self.reg.list_keys(schema)
        old_items = {item_element(list_type, keys, item): item for item in reversed(old)}
        new_items = {item_element(list_type, keys, item): item for item in reversed(new)}
        for element, new_item in new_items.items():
            old_item = old_items.get(element, _MISSING)
            item_path = (*path, element)
            self.walk(old_item, new_item, item_schema, item_path)
            self.container_hook(old_item, new_item, item_path)
        for element, old_item in old_items.items():
            if element not in new_items:
                item_path = (*path, element)
                self.walk(old_item, _MISSING, item_schema, item_path)
                self.container_hook(old_item, _MISSING, item_path)


def _same_kind(old: Any, new: Any, kind: type) -> bool:
    """Both sides are `kind` (or absent/null): otherwise the value changed type, a leaf."""
    return all(v is _MISSING or v is None or isinstance(v, kind) for v in (old, new))


def _empty(old: Any, new: Any) -> bool:
    """Absent, null or empty on both sides: compared as a leaf, keeping `{}` vs absent apart."""
    return (old is _MISSING or not old) and (new is _MISSING or not new)


def _or(value: Any, empty: Any) -> Any:
    return empty if value is _MISSING or value is None else value
