"""The steps every write goes through, in the API server's order.

    body -> field validation (Strict/Warn/Ignore) -> prune unknown fields
         -> server-owned metadata (create / update) -> defaulting -> kind strategy
         -> managedFields -> size limit -> store (skipped for dryRun=All) -> after-write hooks

Create, update, patch, apply and the `/status` and `/scale` subresources all end here, so
that each write gets the same managedFields, generation and dry-run treatment. Apply computes
managedFields itself (from the applied configuration, before defaulting), so it passes
`managed=True`. A dry run answers exactly what would have been stored, without a new
resourceVersion (create) or with the current one (update). Whatever one kind does
differently is a hook of its `KindStrategy` (`core.strategies`); nothing here tests kinds but
admission (`core.admission`: the immortal namespaces). Labels are validated for every kind
(`core.metavalidation`, 422), and a `metadata` that is not an object is 400, as the real
server's decoding fails.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.localcluster.api.httputil import WriteOptions
from reconciler.localcluster.core import semantics
from reconciler.localcluster.core.admission import admit_delete
from reconciler.localcluster.core.clock import now
from reconciler.localcluster.core.metavalidation import validate_labels
from reconciler.localcluster.core.objectmeta import (
    prepare_create,
    prepare_update,
    status_only_update,
)
from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import (
    MAX_OBJECT_BYTES,
    ApiError,
    already_exists,
    bad_request,
    conflict,
    namespace_not_found,
    not_found,
    too_large_object,
)
from reconciler.localcluster.core.strategies import strategy_for
from reconciler.localcluster.storage.state import ClusterState
from reconciler.localcluster.storage.store import AlreadyExists, Conflict, NotFound


def check_type(rt: ResourceType, obj: dict[str, Any]) -> None:
    """The body's apiVersion/kind (when given) must be the URL's; fill them in otherwise."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if api_version and api_version != rt.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )
    if kind and kind != rt.kind:
        raise bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
        )
    obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind


def check_metadata(rt: ResourceType, obj: dict[str, Any]) -> None:
    """`metadata` must be an object (or null): anything else fails kube-apiserver's decoding
    of the body into the kind's Go type, a 400 (`transformDecodeError` in
    `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go`)."""
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        what = {str: "string", bool: "bool", list: "array"}.get(type(meta), "number")
        raise bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: json: '
            f"cannot unmarshal {what} into Go struct field {rt.kind}.metadata of type "
            "v1.ObjectMeta"
        )


def check_namespace(
    state: ClusterState, rt: ResourceType, obj: dict[str, Any], namespace: str | None
) -> None:
    if not rt.namespaced:
        return
    given = (obj.get("metadata") or {}).get("namespace")
    if given and given != namespace:
        raise bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    if namespace is None or not state.namespace_exists(namespace):
        raise namespace_not_found(namespace or "")


def _validated(
    state: ClusterState, rt: ResourceType, obj: dict[str, Any], opts: WriteOptions
) -> tuple[dict[str, Any], list[str]]:
    check_type(rt, obj)
    warnings = semantics.validate_fields(rt, obj, opts.validation, state.schemas)
    return semantics.prune_unknown(obj, state.schemas), warnings


def _check_size(obj: dict[str, Any]) -> None:
    if len(json.dumps(obj, separators=(",", ":"))) > MAX_OBJECT_BYTES:
        raise too_large_object()


def _before_store(
    state: ClusterState, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None
) -> None:
    """The kind's own allocations, conversions and validation (`old` None on create)."""
    strategy = strategy_for(rt)
    if strategy.before_store:
        strategy.before_store(state, obj, old)
    validate_labels(rt, obj)
    if strategy.validate:
        strategy.validate(rt, obj)


def _written(state: ClusterState, rt: ResourceType, stored: dict[str, Any]) -> None:
    hook = strategy_for(rt).after_write
    if hook:
        hook(state, stored)


def create(
    state: ClusterState,
    rt: ResourceType,
    obj: dict[str, Any],
    opts: WriteOptions,
    namespace: str | None,
    *,
    managed: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Create `obj`; returns the stored (or dry-run) object and Warning texts."""
    check_metadata(rt, obj)
    check_namespace(state, rt, obj, namespace)
    obj, warnings = _validated(state, rt, obj, opts)
    answer = strategy_for(rt).answer_create
    if answer is not None:  # a review or Binding: answered, nothing stored
        return answer(state, obj, namespace, opts.dry_run), warnings
    obj = prepare_create(rt, obj, namespace, now())
    if rt.namespaced and state.namespace_terminating(str(namespace)):
        raise _namespace_terminating(rt, str(obj["metadata"]["name"]), str(namespace))
    obj = semantics.default(rt, obj)
    _before_store(state, rt, obj, None)
    if not managed:
        obj = semantics.record(None, obj, manager=opts.manager, schemas=state.schemas, now=now())
    _check_size(obj)
    if opts.dry_run:
        return obj, warnings
    name = str(obj["metadata"]["name"])
    try:
        stored = state.store.create(state.key(rt, namespace, name), obj)
    except AlreadyExists as error:
        raise already_exists(rt, name) from error
    _written(state, rt, stored)
    return stored, warnings


def update(
    state: ClusterState,
    rt: ResourceType,
    old: dict[str, Any],
    new: dict[str, Any],
    opts: WriteOptions,
    *,
    subresource: str = "",
    managed: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Replace `old` with `new`; a resourceVersion in `new` must match (else 409).

    A name in `new` that is not the URL's is 400 before any conflict check, as kube-apiserver's
    update handler checks it (`checkName` in `staging/src/k8s.io/apiserver/pkg/endpoints/
    handlers/rest.go`) before the registry compares resourceVersions."""
    meta = old["metadata"]
    name, namespace = str(meta["name"]), meta.get("namespace")
    check_metadata(rt, new)
    new_name = (new.get("metadata") or {}).get("name")
    if new_name and new_name != name:
        raise bad_request(
            f"the name of the object ({new_name}) does not match the name on the URL ({name})"
        )
    check_namespace(state, rt, new, namespace)
    given_rv = (new.get("metadata") or {}).get("resourceVersion")
    if given_rv and given_rv != meta.get("resourceVersion"):
        raise conflict(rt, name)
    new, warnings = _validated(state, rt, new, opts)
    if subresource == "status":
        new = status_only_update(old, new)
    new = prepare_update(rt, old, new, subresource=subresource)
    new = semantics.default(rt, new)
    _before_store(state, rt, new, old)
    if not managed:
        new = semantics.record(
            old,
            new,
            manager=opts.manager,
            schemas=state.schemas,
            now=now(),
            subresource=subresource or None,
        )
    new["metadata"]["resourceVersion"] = meta.get("resourceVersion")
    _check_size(new)
    if _no_op(old, new):
        # kube-apiserver ignores managedFields timestamp-only changes and skips the write of an
        # unchanged object: same resourceVersion, no watch event.
        return old, warnings
    if opts.dry_run:
        return new, warnings
    key = state.key(rt, namespace, name)
    new_meta = new["metadata"]
    try:
        finalized = new_meta.get("deletionTimestamp") and not new_meta.get("finalizers")
        if finalized and strategy_for(rt).honours_finalizers:
            stored = state.store.delete(key, expected_rv=int(meta["resourceVersion"]))
            finish_delete(state, rt, stored)
            return stored, warnings
        stored = state.store.update(key, new, expected_rv=int(meta["resourceVersion"]))
    except Conflict as error:
        raise conflict(rt, name) from error
    except NotFound as error:
        raise not_found(rt, name) from error
    _written(state, rt, stored)
    return stored, warnings


def _namespace_terminating(rt: ResourceType, name: str, namespace: str) -> ApiError:
    """The NamespaceLifecycle admission plugin's answer to a create in a terminating one."""
    why = f"namespace {namespace} is being terminated"
    return ApiError(
        403,
        "Forbidden",
        f'{rt.group_resource} "{name}" is forbidden: unable to create new content in namespace '
        f"{namespace} because it is being terminated",
        details={
            "name": name,
            **({"group": rt.group} if rt.group else {}),
            "kind": rt.plural,
            "causes": [
                {"reason": "NamespaceTerminating", "message": why, "field": "metadata.namespace"}
            ],
        },
    )


def _without_times(obj: dict[str, Any]) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    meta["managedFields"] = [
        {k: v for k, v in entry.items() if k != "time"} for entry in meta.get("managedFields") or []
    ]
    return {**obj, "metadata": meta}


def _no_op(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when `new` differs from `old` in nothing but managedFields timestamps."""
    return _without_times(old) == _without_times(new)


def finish_delete(state: ClusterState, rt: ResourceType, obj: dict[str, Any]) -> None:
    """After an object is gone: the kind's cascades (a namespace's contents, a CRD's objects)."""
    hook = strategy_for(rt).after_delete
    if hook:
        hook(state, obj)


def delete(
    state: ClusterState,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    opts: WriteOptions,
    options: dict[str, Any],
) -> tuple[dict[str, Any], int]:
    """Delete one object; returns (the response body, HTTP status)."""
    key = state.key(rt, namespace, name)
    obj = state.store.get(key)
    if obj is None:
        raise not_found(rt, name)
    meta = obj["metadata"]
    pre = options.get("preconditions") or {}
    if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
        raise conflict(rt, name)
    if pre.get("uid") and pre["uid"] != meta.get("uid"):
        raise ApiError(
            409,
            "Conflict",
            f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: "
            f"{meta.get('uid')}",
        )
    admit_delete(rt, obj)
    strategy = strategy_for(rt)
    if meta.get("finalizers") and strategy.honours_finalizers:
        if not meta.get("deletionTimestamp"):
            obj = json.loads(json.dumps(obj))
            obj["metadata"]["deletionTimestamp"] = now()
            obj["metadata"]["deletionGracePeriodSeconds"] = 0
            if not opts.dry_run:
                obj = state.store.update(key, obj, expected_rv=int(meta["resourceVersion"]))
        return obj, 200 if opts.dry_run else 202
    deferred = strategy.deferred_delete is not None and strategy.deferred_delete(state, obj)
    if deferred and meta.get("deletionTimestamp"):
        return obj, 200  # already terminating; its controller finishes the deletion
    if strategy.prepare_delete:
        strategy.prepare_delete(obj)
    if deferred:  # kept, terminating, for a controller to empty and remove
        if not opts.dry_run:
            obj = state.store.update(key, obj, expected_rv=int(meta["resourceVersion"]))
        return obj, 200
    if not opts.dry_run:
        obj = {**state.store.delete(key), **{k: v for k, v in obj.items() if k != "metadata"}}
        finish_delete(state, rt, obj)
    if strategy.delete_returns_status:
        details: dict[str, Any] = {"name": name, "kind": rt.plural, "uid": meta.get("uid")}
        if rt.group:
            details["group"] = rt.group
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }
        return body, 200
    return obj, 200
