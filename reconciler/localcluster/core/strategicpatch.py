"""Strategic merge patch (`application/strategic-merge-patch+json`), as kube-apiserver applies it.

Like a JSON merge patch (maps merge, `null` deletes a key), except for lists whose schema says
`x-kubernetes-patch-strategy: merge`: those merge item by item on `x-kubernetes-patch-merge-key`
(lists of scalars become a union). Other lists are replaced. Directives:

    containers:                          # merge key "name"
    - name: app
      image: app:2                       # merged into the live item named "app"
    - name: old
      $patch: delete                     # removes the live item named "old"
    $setElementOrder/containers: [{name: app}, {name: side}]     # final order
    $deleteFromPrimitiveList/finalizers: [example.com/x]         # removes scalars
    strategy: {$retainKeys: [type], type: Recreate}              # drops other keys
    selector: {$patch: replace, matchLabels: {a: b}}             # no merge, replace

`{"$patch": "replace"}` as a list item replaces the whole list with the other items; on a map,
`$patch: delete` empties it. kube-apiserver serves strategic merge patches only for built-in
kinds: for custom resources it answers 415 Unsupported Media Type, which this module reports
as `StrategicMergePatchUnsupported` (a `PatchError` with status 415). Malformed directives are
400 and content that contradicts `$retainKeys` is 422, as `interpretStrategicMergePatchError` in
kube-apiserver's `endpoints/handlers/patch.go` maps them.
"""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.core.errors import PatchError
from reconciler.localcluster.core.k8sschema import Schema, SchemaRegistry
from reconciler.localcluster.core.structmerge import clone

_PATCH = "$patch"
_RETAIN = "$retainKeys"
_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


class StrategicMergePatchUnsupported(PatchError):
    """The kind has no built-in schema (a custom resource): the API server answers 415."""

    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(
            f"{kind}.{api_version}: the body of the request was in an unknown format - accepted "
            "media types include: application/json-patch+json, application/merge-patch+json, "
            "application/apply-patch+yaml",
            status=415,
        )


def strategic_merge_patch(
    target: dict[str, Any], patch: dict[str, Any], *, schemas: SchemaRegistry
) -> dict[str, Any]:
    """Strategic merge patch: lists with a patch merge key merge by it; `$patch` directives.

    Raises `StrategicMergePatchUnsupported` (415) for kinds that are not built in.
    """
    if not isinstance(patch, dict):
        raise PatchError("json: cannot unmarshal into Go value of type map", status=400)
    api_version, kind = str(target.get("apiVersion", "")), str(target.get("kind", ""))
    schema = schemas.schema_for(api_version, kind)
    if schema is None or not schemas.is_builtin(api_version, kind):
        raise StrategicMergePatchUnsupported(api_version, kind)
    out = _Patcher(schemas).merge_map(clone(target), patch, schema)
    return out


class _Patcher:
    def __init__(self, registry: SchemaRegistry) -> None:
        self.reg = registry

    def child(self, schema: Schema | None, key: str) -> Schema | None:
        return None if schema is None else self.reg.field_schema(schema, key)

    def merge_map(
        self, original: dict[str, Any], patch: dict[str, Any], schema: Schema | None
    ) -> dict[str, Any]:
        """Merge `patch` into `original` (which this call owns and may mutate)."""
        directive = patch.get(_PATCH)
        if directive == "replace":
            replaced: dict[str, Any] = _strip({k: v for k, v in patch.items() if k != _PATCH})
            return replaced
        if directive == "delete":
            return {}
        if directive not in (None, "merge"):
            raise PatchError(f"Unknown patch type: {directive} in map: {patch}", status=400)
        self.retain_keys(original, patch)
        server_order = {
            key[len(_ORDER) :]: list(original.get(key[len(_ORDER) :]) or [])
            for key in patch
            if key.startswith(_ORDER)
        }
        for key, value in patch.items():
            if key.startswith(_DELETE_FROM):
                field = key[len(_DELETE_FROM) :]
                if not isinstance(value, list):
                    raise PatchError("invalid patch format for primitive list", status=400)
                current = original.get(field)
                if isinstance(current, list):
                    original[field] = [x for x in current if x not in value]
        for key, value in patch.items():
            if key.startswith("$"):
                continue
            if value is None:
                original.pop(key, None)
                continue
            child = self.child(schema, key)
            current = original.get(key)
            if isinstance(value, dict) and isinstance(current, dict):
                if child is not None and "replace" in self.reg.patch_strategy(child):
                    original[key] = _strip(value)
                else:
                    original[key] = self.merge_map(current, value, child)
            elif isinstance(value, list) and isinstance(current, list):
                original[key] = self.merge_list(current, value, child)
            else:
                original[key] = _strip(value)
        for key, order in patch.items():
            if key.startswith(_ORDER):
                field = key[len(_ORDER) :]
                if not isinstance(order, list):
                    raise PatchError("invalid patch format for $setElementOrder list", status=400)
                current = original.get(field)
                if isinstance(current, list):
                    list_schema = self.child(schema, field)
                    merge_key = (
                        None if list_schema is None else self.reg.patch_merge_key(list_schema)
                    )
                    original[field] = _reorder(current, server_order[field], order, merge_key)
        return original

    def retain_keys(self, original: dict[str, Any], patch: dict[str, Any]) -> None:
        if _RETAIN not in patch:
            return
        retain = patch[_RETAIN]
        if not isinstance(retain, list):
            raise PatchError("invalid patch format for $retainKeys", status=400)
        for key in patch:
            if not key.startswith("$") and key not in retain:
                raise PatchError("$retainKeys doesn't match the patch content", status=422)
        for key in list(original):
            if key not in retain:
                del original[key]

    def merge_list(self, original: list[Any], patch: list[Any], schema: Schema | None) -> list[Any]:
        strategy = frozenset() if schema is None else self.reg.patch_strategy(schema)
        if "merge" not in strategy:
            return _strip(patch)  # type: ignore[no-any-return]
        if any(isinstance(i, dict) and i.get(_PATCH) == "replace" for i in patch):
            return [_strip(i) for i in patch if not (isinstance(i, dict) and _PATCH in i)]
        if not any(isinstance(item, dict) for item in patch + original):
            merged = list(original)
            merged.extend(item for item in patch if item not in merged)
            return merged
        merge_key = self.reg.patch_merge_key(schema) if schema is not None else None
        if merge_key is None:
            return _strip(patch)  # type: ignore[no-any-return]
        items = self.reg.item_schema(schema) if schema is not None else None
        out = list(original)
        for item in patch:
            if not isinstance(item, dict):
                raise PatchError("cannot merge a scalar into a list of maps", status=422)
            if merge_key not in item:
                raise PatchError(f"map: {item} does not contain declared merge key: {merge_key}")
            at = next(
                (
                    i
                    for i, o in enumerate(out)
                    if isinstance(o, dict) and o.get(merge_key) == item[merge_key]
                ),
                None,
            )
            if item.get(_PATCH) == "delete":
                out = [
                    o
                    for o in out
                    if not (isinstance(o, dict) and o.get(merge_key) == item[merge_key])
                ]
            elif at is None:
                out.append(_strip(item))
            else:
                out[at] = self.merge_map(out[at], item, items)
        return out


def _reorder(
    merged: list[Any], original: list[Any], order: list[Any], key: str | None
) -> list[Any]:
    """Apply `$setElementOrder`: listed items in that order, server-only items where they were.

    Mirrors `normalizeElementOrder`/`mergeSortedSlice` in apimachinery's strategicpatch.
    """

    def ident(item: Any) -> Any:
        return repr(item.get(key)) if key is not None and isinstance(item, dict) else repr(item)

    wanted = [ident(o) for o in order]
    rank = {w: i for i, w in enumerate(wanted)}
    server_rank = {ident(o): i for i, o in enumerate(original)}
    listed = sorted((m for m in merged if ident(m) in rank), key=lambda m: rank[ident(m)])
    server_only = [m for m in merged if ident(m) not in rank]
    out: list[Any] = []
    i = j = 0
    while i < len(listed) and j < len(server_only):
        left, right = ident(listed[i]), ident(server_only[j])
        if left in server_rank and right in server_rank and server_rank[right] < server_rank[left]:
            out.append(server_only[j])
            j += 1
        else:
            out.append(listed[i])
            i += 1
    return out + listed[i:] + server_only[j:]


def _strip(value: Any) -> Any:
    """A copy of a patch value without directives or nulls (what a new value becomes)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$") and v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value if not (isinstance(v, dict) and v.get(_PATCH) == "delete")]
    return value
