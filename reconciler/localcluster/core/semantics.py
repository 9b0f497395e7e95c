"""Adapter between the HTTP layer and the pure semantics cores (apply, patch, defaults, fields).

The cores raise their own errors (`ApplyConflict`, `PatchError`) and report `FieldError`s; this
module turns them into the `Status` answers of the real API server:

- apply conflicts -> 409 Conflict whose message names each manager as the server prints it
  (`"kubectl-scale" with subresource "scale" using apps/v1` for an Update entry, plain
  `"mgr"` for an Apply entry) and whose causes are `FieldManagerConflict`s;
- unknown fields -> per `fieldValidation`: Strict 400 `strict decoding error: unknown field
  "spec.foo"`, Warn a `Warning` header each, Ignore nothing; either way they are dropped from
  the stored object (built-in kinds have no place for them; custom resources are pruned by
  their structural schema unless it preserves unknown fields);
- type errors -> 400 BadRequest for built-in kinds (the Go decoder fails) and 422 Invalid for
  custom resources (schema validation), with the real message prefixes.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.localcluster.core import defaults, fieldvalidation, managedfields, patch
from reconciler.localcluster.core.errors import ApplyConflict, FieldError, PatchError
from reconciler.localcluster.core.k8sschema import Schema, SchemaRegistry
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import ApiError, bad_request, invalid

VALIDATION_MODES = ("Strict", "Warn", "Ignore")


def default(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """The API server's defaults for built-in kinds (custom resources are left as they are)."""
    return defaults.apply_defaults(obj) if rt.builtin else obj


def validate_fields(
    rt: ResourceType, obj: dict[str, Any], mode: str, schemas: SchemaRegistry
) -> list[str]:
    """Check `obj` against its schema; return Warning texts, raise ApiError when rejected."""
    if mode not in VALIDATION_MODES:
        raise bad_request(
            f"fieldValidation parameter unsupported: {mode}, expected one of Ignore, Warn, Strict"
        )
    unknown, wrong = fieldvalidation.unknown_and_invalid_fields(obj, schemas=schemas)
    name = str((obj.get("metadata") or {}).get("name", ""))
    if wrong:
        _type_error(rt, name, wrong)
    texts = [str(f) for f in unknown]
    if texts and mode == "Strict":
        prefix = f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
        raise bad_request(prefix + "strict decoding error: " + ", ".join(texts))
    return texts if mode == "Warn" else []


def _type_error(rt: ResourceType, name: str, wrong: list[FieldError]) -> None:
    if rt.builtin:
        detail = "; ".join(str(f) for f in wrong)
        raise bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {detail}'
        )
    raise invalid(
        rt,
        name,
        [
            ("FieldValueTypeInvalid", f.path.lstrip("."), f"Invalid value: {f.detail}")
            for f in wrong
        ],
    )


def prune_unknown(obj: dict[str, Any], schemas: SchemaRegistry) -> dict[str, Any]:
    """Drop fields the kind's schema does not declare, as decoding does on the real server."""
    root = schemas.schema_for(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    if root is None:
        return obj
    pruned = _prune(obj, root, schemas)
    return pruned if isinstance(pruned, dict) else obj


def _prune(value: Any, node: Schema, schemas: SchemaRegistry) -> Any:
    shape = schemas.shape(node)
    if isinstance(value, dict) and shape in ("struct", "map"):
        out = {}
        for key, child in value.items():
            sub = schemas.field_schema(node, key)
            if sub is not None:
                out[key] = _prune(child, sub, schemas)
        return out
    if isinstance(value, list) and shape == "list":
        item = schemas.item_schema(node)
        return [_prune(v, item, schemas) for v in value]
    return value


def _print_manager(manager: str, live: dict[str, Any] | None) -> str:
    """How the API server names a conflicting manager (see fieldmanager's printManager)."""
    for entry in ((live or {}).get("metadata") or {}).get("managedFields") or []:
        if entry.get("manager") != manager:
            continue
        text = json.dumps(manager)
        if entry.get("subresource"):
            text += f' with subresource "{entry["subresource"]}"'
        if entry.get("operation") == "Update":
            # The identifier the server prints never includes the entry's time.
            text += f" using {entry.get('apiVersion', '')}"
        return text
    return json.dumps(manager)


def conflict_error(error: ApplyConflict, live: dict[str, Any] | None) -> ApiError:
    """409 with the real message and `FieldManagerConflict` causes."""
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {_print_manager(c.manager, live)}",
            "field": c.field,
        }
        for c in error.conflicts
    ]
    if len(error.conflicts) == 1:
        c = error.conflicts[0]
        who = _print_manager(c.manager, live)
        message = f"Apply failed with 1 conflict: conflict with {who}: {c.field}"
    else:
        lines: list[str] = []
        for manager in sorted({c.manager for c in error.conflicts}):
            lines.append(f"conflicts with {_print_manager(manager, live)}:")
            lines.extend(f"- {c.field}" for c in error.conflicts if c.manager == manager)
        message = f"Apply failed with {len(error.conflicts)} conflicts: " + "\n".join(lines)
    return ApiError(409, "Conflict", message, details={"causes": causes})


def apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    schemas: SchemaRegistry,
    now: str,
) -> dict[str, Any]:
    try:
        return managedfields.server_side_apply(
            live, applied, manager=manager, force=force, schemas=schemas, now=now
        )
    except ApplyConflict as error:
        raise conflict_error(error, live) from error


def record(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    schemas: SchemaRegistry,
    now: str,
    subresource: str | None = None,
) -> dict[str, Any]:
    return managedfields.record_update(
        old, new, manager=manager, schemas=schemas, now=now, subresource=subresource
    )


def patched(
    target: dict[str, Any], body: Any, content_type: str, schemas: SchemaRegistry
) -> dict[str, Any]:
    """Apply a merge, JSON or strategic merge patch body; malformed patches -> 400/422."""
    try:
        if content_type == "application/json-patch+json":
            if not isinstance(body, list):
                raise bad_request(
                    "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
                )
            return patch.json_patch(target, body)
        if not isinstance(body, dict):
            raise bad_request(
                "json: cannot unmarshal array into Go value of type map[string]interface {}"
            )
        if content_type == "application/merge-patch+json":
            return patch.json_merge_patch(target, body)
        return patch.strategic_merge_patch(target, body, schemas=schemas)
    except PatchError as error:
        if error.status == 400:
            raise bad_request(str(error)) from error
        if error.status == 413:
            raise ApiError(
                413, "RequestEntityTooLarge", f"Request entity too large: {error}"
            ) from error
        # The real server's generic 422 hides the cause; it is kept here as a Status cause.
        raise ApiError(
            422,
            "Invalid",
            "the server rejected our request due to an error in our request",
            details={"causes": [{"message": str(error)}]},
        ) from error
