"""Fields the API server owns: set on create, carried over on update, never taken from clients.

On create: `metadata.uid`, `creationTimestamp`, `generation` (kinds whose strategy tracks it:
workloads, HPA, PDB, CRDs and custom resources; not ConfigMap, Secret, Service, Namespace...),
`name` from `generateName`; kinds with a `/status` subresource start with an empty status; then
the kind's strategy adds its own server state (`strategies`: a Namespace's
`kubernetes.io/metadata.name` label and phase, a Service's empty load balancer status).

On update: uid, creationTimestamp and deletionTimestamp are kept; status is kept when the kind
has a `/status` subresource (writes to the main resource ignore it); `generation` goes up by one
when the spec changes (for custom resources: anything but metadata and status); then the
kind's strategy carries over its own (a Namespace's name label).
"""

from __future__ import annotations

import random
import re
import string
import uuid
from typing import Any

from reconciler.localcluster.core.resources import ResourceType
from reconciler.localcluster.core.status import bad_request, invalid
from reconciler.localcluster.core.strategies import strategy_for

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
        obj["metadata"] = meta
    return meta


def validate_name(rt: ResourceType, name: str) -> None:
    """422 Invalid for names the real server rejects (DNS-1123 label or subdomain)."""
    if strategy_for(rt).dns_label_names:
        ok, what = bool(_DNS1123_LABEL.match(name)) and len(name) <= 63, "label"
        hint = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or"
    else:
        ok, what = bool(_DNS1123_SUBDOMAIN.match(name)) and len(name) <= 253, "subdomain"
        hint = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters,"
    if not ok:
        tail = (
            " '-' or '.', and must start and end with an alphanumeric character"
            if what == "subdomain"
            else " '-', and must start and end with an alphanumeric character"
        )
        raise invalid(
            rt,
            name,
            [("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": {hint}{tail}')],
        )


def prepare_create(
    rt: ResourceType, obj: dict[str, Any], namespace: str | None, now: str
) -> dict[str, Any]:
    """Stamp server-owned fields onto a new object (in place) and return it."""
    meta = _meta(obj)
    if meta.get("resourceVersion"):
        raise bad_request("resourceVersion should not be set on objects to be created")
    obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
    if not meta.get("name") and meta.get("generateName"):
        suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
        meta["name"] = f"{meta['generateName']}{suffix}"
    name = str(meta.get("name") or "")
    if not name:
        raise invalid(
            rt,
            "",
            [
                (
                    "FieldValueRequired",
                    "metadata.name",
                    "Required value: name or generateName is required",
                )
            ],
        )
    validate_name(rt, name)
    if rt.namespaced:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now
    for key in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
        meta.pop(key, None)
    if rt.has_generation:
        meta["generation"] = 1
    else:
        meta.pop("generation", None)
    if rt.builtin and "status" in rt.subresources:
        obj["status"] = {}
    elif "status" in rt.subresources:
        obj.pop("status", None)
    hook = strategy_for(rt).prepare_create
    if hook:
        hook(obj)
    return obj


def _generation_basis(rt: ResourceType, obj: dict[str, Any]) -> Any:
    if rt.builtin:
        return obj.get("spec")
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def prepare_update(
    rt: ResourceType, old: dict[str, Any], new: dict[str, Any], *, subresource: str = ""
) -> dict[str, Any]:
    """Carry server-owned fields from `old` into `new` (in place) and return it."""
    meta, old_meta = _meta(new), _meta(old)
    new["apiVersion"], new["kind"] = rt.api_version, rt.kind
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    meta["name"] = old_meta.get("name")
    if rt.namespaced:
        meta["namespace"] = old_meta.get("namespace")
    if "status" in rt.subresources and subresource != "status":
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    if rt.has_generation:
        generation = int(old_meta.get("generation") or 1)
        if _generation_basis(rt, new) != _generation_basis(rt, old):
            generation += 1
        meta["generation"] = generation
    else:
        meta.pop("generation", None)
    hook = strategy_for(rt).prepare_update
    if hook:
        hook(new, old)
    return new


def status_only_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A write through `/status`: everything but `status` comes from the stored object."""
    out = dict(old)
    out["metadata"] = dict(old.get("metadata") or {})
    if "managedFields" in (new.get("metadata") or {}):
        out["metadata"]["managedFields"] = new["metadata"]["managedFields"]
    if "status" in new:
        out["status"] = new["status"]
    else:
        out.pop("status", None)
    return out
