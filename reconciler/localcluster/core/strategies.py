"""Per-kind strategies: what a write does differently for one kind, in one table.

Like kube-apiserver's registry strategies (`pkg/registry/core/namespace/strategy.go` ...), every
kind-specific rule of the write path is a hook or flag of that kind's `KindStrategy`; the write
path (`api.writepath`, `core.objectmeta`) calls the hooks and never tests kinds itself::

    strategy = strategy_for(rt)
    if strategy.before_store:
        strategy.before_store(cluster, obj, old)

- `("", "Namespace")`: DNS-1123 label names; `kubernetes.io/metadata.name` label,
  `spec.finalizers` and phase `Active`; `metadata.finalizers` do not hold a delete, which
  answers the object (`Terminating`) and removes everything in the namespace at once, unless
  the cluster runs the `namespace` controller: then the object is kept, `Terminating` with a
  `deletionTimestamp`, for that controller to empty and remove (`deferred_delete`);
- `("", "Service")`: DNS-1123 label names; empty `status.loadBalancer`; a `clusterIP` from
  10.96.0.0/12 (10.96.0.1 is the `kubernetes` service's);
- `("", "Secret")`: `stringData` folded into `data`; valid keys (`metavalidation`) and payload
  <= 1 MiB (422);
- `("", "ConfigMap")`: valid keys, none in both `data` and `binaryData`, and payload
  (`data` + `binaryData`) <= 1 MiB (422);
- `("autoscaling", "HorizontalPodAutoscaler")`: a new one's status has `desiredReplicas: 0`
  (a field Go always serializes; the official client requires it);
- `("apiextensions.k8s.io", "CustomResourceDefinition")`: `Established` status on create, kept
  on update; its kinds are served while it exists; a delete removes its custom resources;
- the request kinds of `requestkinds.ANSWERS` (access and token reviews, Binding): a create is
  answered by `answer_create` and nothing is stored.

Built-in kinds not in the table get `BUILTIN`; custom resources always get `CUSTOM_RESOURCE`
(delete answers the deleted object rather than a `Status`). Hooks that need the running
cluster get it as a `Cluster`, which `storage.state.ClusterState` implements, so that this
module stays free of storage.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.localcluster.core.clock import now
from reconciler.localcluster.core.metavalidation import validate_data_keys
from reconciler.localcluster.core.requestkinds import ANSWERS
from reconciler.localcluster.core.resources import CRD_GROUP, ResourceType
from reconciler.localcluster.core.status import ApiError, invalid

Obj = dict[str, Any]
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
MAX_CONFIG_BYTES = 1024 * 1024  # pkg/apis/core/validation: ConfigMap and Secret payloads


class Cluster(Protocol):
    """What strategy hooks may ask of the running cluster."""

    def used_cluster_ips(self) -> set[str]: ...

    def delete_all_in_namespace(self, namespace: str) -> None: ...

    def delete_all_of(self, group: str, resource: str) -> None: ...

    def crd_added(self, crd: Obj) -> None: ...

    def crd_removed(self, crd: Obj) -> None: ...

    def runs_controller(self, name: str) -> bool: ...

    def bind_pod(self, namespace: str, name: str, node: str, *, dry_run: bool) -> None: ...


@dataclass(frozen=True)
class KindStrategy:
    """The kind-specific parts of the write path; `None` hooks do nothing."""

    # Names must be DNS-1123 labels (63 chars, no dots) rather than subdomains.
    dns_label_names: bool = False
    # After the server-owned metadata of a new object is set: per-kind server state.
    prepare_create: Callable[[Obj], None] | None = None
    # After the server-owned metadata is carried over from `old` (second argument).
    prepare_update: Callable[[Obj, Obj], None] | None = None
    # After defaulting, before managedFields, on create (old None) and update: allocations
    # and conversions the server makes.
    before_store: Callable[[Cluster, Obj, Obj | None], None] | None = None
    # Kind-specific validation of the object about to be stored (raises ApiError).
    validate: Callable[[ResourceType, Obj], None] | None = None
    # After the object was created or updated in the store.
    after_write: Callable[[Cluster, Obj], None] | None = None
    # Whether `metadata.finalizers` keep a deleted object (with a deletionTimestamp).
    honours_finalizers: bool = True
    # On the object a delete removes, before it is removed (also for dry runs).
    prepare_delete: Callable[[Obj], None] | None = None
    # After the object is gone: cascades and bookkeeping.
    after_delete: Callable[[Cluster, Obj], None] | None = None
    # True when a controller finishes this object's deletion: a delete then stores the object
    # as `prepare_delete` left it (terminating) instead of removing it, and answers it.
    deferred_delete: Callable[[Cluster, Obj], bool] | None = None
    # A delete answers a `Status` of kind Success (else the deleted object).
    delete_returns_status: bool = True
    # Request kinds (reviews, Binding; `requestkinds`): the create's answer, computed from the
    # validated body (cluster, body, namespace, dry run) instead of storing anything.
    answer_create: Callable[[Cluster, Obj, str | None, bool], Obj] | None = None


# -- Namespace ---------------------------------------------------------------------------


def _namespace_created(obj: Obj) -> None:
    meta = obj["metadata"]
    meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = str(meta["name"])
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj["status"] = {"phase": "Active"}


def _namespace_updated(new: Obj, old: Obj) -> None:
    meta = new["metadata"]
    meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]


def _namespace_deleting(obj: Obj) -> None:
    obj["metadata"]["deletionTimestamp"] = now()
    obj["status"] = {"phase": "Terminating"}


def _namespace_deleted(cluster: Cluster, obj: Obj) -> None:
    cluster.delete_all_in_namespace(str(obj["metadata"]["name"]))


def _namespace_controller_finishes(cluster: Cluster, obj: Obj) -> bool:
    return cluster.runs_controller("namespace")


# -- Service -----------------------------------------------------------------------------


def _service_created(obj: Obj) -> None:
    obj["status"] = {"loadBalancer": {}}


def allocate_cluster_ip(obj: Obj, old: Obj | None, used: set[str]) -> None:
    """Give a Service its clusterIP(s): kept from `old`, else the next free one in the CIDR."""
    spec = obj.setdefault("spec", {})
    if spec.get("type") == "ExternalName":
        return
    old_spec = (old or {}).get("spec") or {}
    ip = spec.get("clusterIP") or old_spec.get("clusterIP")
    if not ip:
        for candidate in SERVICE_CIDR.hosts():
            text = str(candidate)
            if text != "10.96.0.1" and text not in used:
                ip = text
                break
    if ip is None:
        raise ApiError(500, "InternalError", "failed to allocate a serviceIP: range is full")
    spec["clusterIP"] = ip
    spec.setdefault("clusterIPs", old_spec.get("clusterIPs") or [ip])
    if ip != "None":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")


def _service_before_store(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    allocate_cluster_ip(obj, old, cluster.used_cluster_ips())


# -- ConfigMap and Secret ----------------------------------------------------------------


def fold_string_data(secret: Obj) -> None:
    """A Secret's write-only `stringData` is base64-encoded into `data`, as the server does."""
    string_data = secret.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = secret.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _payload_bytes(data: Obj, *, encoded: bool) -> int:
    total = 0
    for key, value in data.items():
        raw = str(value)
        size = len(raw.encode()) if not encoded else (len(raw) * 3) // 4 - raw.count("=")
        total += len(str(key)) + size
    return total


def _too_long(rt: ResourceType, obj: Obj, size: int, field: str) -> None:
    """ConfigMaps and Secrets hold at most 1 MiB of keys and values (422, before etcd's limit)."""
    if size > MAX_CONFIG_BYTES:
        name = str((obj.get("metadata") or {}).get("name", ""))
        message = f"Too long: must have at most {MAX_CONFIG_BYTES} bytes"
        raise invalid(rt, name, [("FieldValueTooLong", field, message)])


def _config_map_valid(rt: ResourceType, obj: Obj) -> None:
    validate_data_keys(rt, obj, ("data", "binaryData"))
    size = _payload_bytes(obj.get("data") or {}, encoded=False)
    size += _payload_bytes(obj.get("binaryData") or {}, encoded=True)
    _too_long(rt, obj, size, "[]")


def _secret_before_store(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    fold_string_data(obj)


def _secret_valid(rt: ResourceType, obj: Obj) -> None:
    validate_data_keys(rt, obj, ("data",))
    _too_long(rt, obj, _payload_bytes(obj.get("data") or {}, encoded=True), "data")


# -- HorizontalPodAutoscaler ------------------------------------------------------------


def _hpa_created(obj: Obj) -> None:
    obj["status"] = {"desiredReplicas": 0}


# -- CustomResourceDefinition ------------------------------------------------------------

_CRD_CONDITIONS = (
    ("NamesAccepted", "NoConflicts", "no conflicts found"),
    ("Established", "InitialNamesAccepted", "the initial names have been accepted"),
)


def _crd_before_store(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    """A new CRD is at once established (no controller to wait for); updates keep status."""
    if old is not None:
        if "status" not in obj:
            obj["status"] = old.get("status")
        return
    spec = obj.get("spec") or {}
    stamp = now()
    obj["status"] = {
        "acceptedNames": spec.get("names") or {},
        "conditions": [
            {"type": t, "status": "True", "reason": r, "message": m, "lastTransitionTime": stamp}
            for t, r, m in _CRD_CONDITIONS
        ],
        "storedVersions": [v["name"] for v in spec.get("versions") or [] if v.get("storage")],
    }


def _crd_written(cluster: Cluster, crd: Obj) -> None:
    cluster.crd_added(crd)


def _crd_deleted(cluster: Cluster, crd: Obj) -> None:
    spec = crd.get("spec") or {}
    plural = (spec.get("names") or {}).get("plural", "")
    cluster.delete_all_of(str(spec.get("group", "")), str(plural))
    cluster.crd_removed(crd)


# -- the table ---------------------------------------------------------------------------

BUILTIN = KindStrategy()
CUSTOM_RESOURCE = KindStrategy(delete_returns_status=False)

STRATEGIES: dict[tuple[str, str], KindStrategy] = {
    ("", "Namespace"): KindStrategy(
        dns_label_names=True,
        prepare_create=_namespace_created,
        prepare_update=_namespace_updated,
        honours_finalizers=False,
        prepare_delete=_namespace_deleting,
        after_delete=_namespace_deleted,
        deferred_delete=_namespace_controller_finishes,
        delete_returns_status=False,
    ),
    ("", "Service"): KindStrategy(
        dns_label_names=True,
        prepare_create=_service_created,
        before_store=_service_before_store,
    ),
    ("", "Secret"): KindStrategy(before_store=_secret_before_store, validate=_secret_valid),
    ("", "ConfigMap"): KindStrategy(validate=_config_map_valid),
    ("autoscaling", "HorizontalPodAutoscaler"): KindStrategy(prepare_create=_hpa_created),
    (CRD_GROUP, "CustomResourceDefinition"): KindStrategy(
        before_store=_crd_before_store,
        after_write=_crd_written,
        after_delete=_crd_deleted,
    ),
}


def strategy_for(rt: ResourceType) -> KindStrategy:
    """The strategy of `rt`'s kind: its table entry, else `BUILTIN` or `CUSTOM_RESOURCE`."""
    if not rt.builtin:
        return CUSTOM_RESOURCE
    return STRATEGIES.get((rt.group, rt.kind), BUILTIN)


STRATEGIES.update({key: KindStrategy(answer_create=answer) for key, answer in ANSWERS.items()})
