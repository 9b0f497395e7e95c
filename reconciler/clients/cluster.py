"""`KubeCluster`: the `Cluster` protocol over the official kubernetes client.

One code path for every cluster: a real one through a kubeconfig or the in-cluster service
account, and the embedded `reconciler.localcluster` (see `connect()` at the end). Kinds
are resolved through `kubernetes.dynamic` discovery, cached in memory for the life of the
object (never in a shared file under /tmp); a kind the cache does not know triggers one
rediscovery, so a CRD created a moment ago is found.

Writes are server-side apply only: `PATCH` with `application/apply-patch+yaml`, a named
`fieldManager`, `force=true` when asked (take ownership of conflicting fields) and
`dryRun=All` for a dry run (the server runs admission and defaulting, persists nothing):

    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "tools", "namespace": "ops"}, "data": {...}},
                  field_manager="reconciler")

Every failure is a typed `ClusterError` naming the object (see `cluster_api`). Transient ones
(429, 5xx, connection) are retried by the `RetryPolicy` given to the constructor.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import urllib3
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient, LazyDiscoverer
from kubernetes.dynamic.exceptions import ResourceNotFoundError, ResourceNotUniqueError

from reconciler.clients.cluster_api import (
    ClusterError,
    ResourceType,
    UnknownKindError,
    WatchEvent,
    WatchExpiredError,
)
from reconciler.clients.kubeerrors import mapped, status_message, watch_error
from reconciler.clients.retry import RetryPolicy

T = TypeVar("T")

# A name or namespace ends up in a URL path: refuse what would change the path.
_SAFE_NAME = re.compile(r"^(?!\.\.?$)[^/?#%\s]+$")


class _MemoryDiscoverer(LazyDiscoverer):
    """LazyDiscoverer that keeps its cache in memory: the stock one shares a JSON file in the
    system temp dir between processes, keyed only by the server URL."""

    def _write_cache(self) -> None:
        pass


def object_ref(kind: str, namespace: str | None, name: str | None) -> str:
    """`Kind/namespace/name`, `Kind/name` (cluster-scoped) or `Kind/namespace/*` (a list)."""
    return "/".join(part for part in (kind, namespace, name or "*") if part)


class KubeCluster:
    """A cluster reached through `api_client` (which the caller owns and closes)."""

    def __init__(self, api_client: ApiClient, *, retry: RetryPolicy | None = None) -> None:
        self.api_client = api_client
        self.retry = retry or RetryPolicy()
        self._lock = threading.RLock()
        self._dynamic: Any = None  # DynamicClient: untyped
        self._types: dict[tuple[str, str], Any] = {}

    def __repr__(self) -> str:
        return f"KubeCluster({self.api_client.configuration.host!r})"

    # -- discovery --------------------------------------------------------------------------

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        """What discovery says about `kind`; raises `UnknownKindError`."""
        resource = self._resource(api_version, kind, kind)
        return ResourceType(
            api_version=resource.group_version,
            kind=resource.kind,
            plural=resource.name,
            namespaced=bool(resource.namespaced),
        )

    def _resource(self, api_version: str, kind: str, ref: str) -> Any:
        key = (api_version, kind)
        with self._lock:
            if key not in self._types:
                self._types[key] = self.retry.call(lambda: self._discover(api_version, kind, ref))
            return self._types[key]

    def _discover(self, api_version: str, kind: str, ref: str) -> Any:
        """One lookup; the lazy discoverer rediscovers everything once on a miss."""
        group, _, version = api_version.rpartition("/")
        prefix = "apis" if group else "api"
        client = self._client(ref)
        try:
            resource = client.resources.get(
                prefix=prefix, group=group or None, api_version=version, kind=kind
            )
        except (ResourceNotFoundError, ResourceNotUniqueError):
            resource = None
        except (ApiException, urllib3.exceptions.HTTPError) as err:
            raise mapped(err, ref, discovery=True) from err
        if resource is None or resource.group_version != api_version:
            raise UnknownKindError(ref, f"no resource for apiVersion {api_version!r} kind {kind!r}")
        return resource

    # -- verbs ------------------------------------------------------------------------------

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        ref = object_ref(kind, namespace, name)
        resource = self._resource(api_version, kind, ref)
        ns = _scope(resource, namespace, ref)
        _check_name(name, ref)
        try:
            found: dict[str, Any] = self._call(
                ref, lambda d: d.get(resource, name=name, namespace=ns, serializer=_raw)
            )
            return found
        except ClusterError as err:
            if err.status == 404 and not isinstance(err, UnknownKindError):
                return None
            raise

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of `kind` in `namespace` (all namespaces when None), filtered by a label
        selector (`app=web,tier!=db`). Items carry their `apiVersion` and `kind`."""
        ref = object_ref(kind, namespace, None)
        resource = self._resource(api_version, kind, ref)
        ns = _scope(resource, namespace, ref) if namespace else None
        items: list[dict[str, Any]] = []
        token: str | None = None

        def page_of(client: Any) -> dict[str, Any]:
            page: dict[str, Any] = client.get(
                resource,
                namespace=ns,
                label_selector=label_selector,
                _continue=token,
                serializer=_raw,
            )
            return page

        while True:
            page = self._call(ref, page_of)
            for item in page.get("items") or []:
                items.append({"apiVersion": api_version, "kind": kind, **item})
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items

    def apply(
        self,
        obj: dict[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Server-side apply `obj`; returns the object as the server has it (or would have it,
        with `dry_run`). A field owned by another manager is a `ConflictError` unless `force`."""
        resource, ns, ref = self._target(obj)
        name = obj["metadata"]["name"]
        return self._call(
            ref,
            lambda d: d.server_side_apply(
                resource,
                body=obj,
                name=name,
                namespace=ns,
                field_manager=field_manager,
                force_conflicts=True if force else None,
                dry_run="All" if dry_run else None,
                # As kubectl does: a typo in a field is an error, not silently dropped.
                query_params=[("fieldValidation", "Strict")],
                serializer=_raw,
            ),
        )

    def delete(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        *,
        dry_run: bool = False,
    ) -> bool:
        """Delete in the background (dependents are garbage-collected by the cluster);
        False when it was already gone."""
        ref = object_ref(kind, namespace, name)
        resource = self._resource(api_version, kind, ref)
        ns = _scope(resource, namespace, ref)
        _check_name(name, ref)
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": "Background",
        }
        if dry_run:
            body["dryRun"] = ["All"]
        try:
            self._call(
                ref,
                lambda d: d.delete(
                    resource,
                    name=name,
                    namespace=ns,
                    body=body,
                    propagation_policy="Background",
                    dry_run="All" if dry_run else None,
                    serializer=_raw,
                ),
            )
        except ClusterError as err:
            if err.status == 404 and not isinstance(err, UnknownKindError):
                return False
            raise
        return True

    def create(self, obj: dict[str, Any], *, field_manager: str) -> dict[str, Any]:
        """POST `obj`; `ConflictError` (409 AlreadyExists) when the name is taken."""
        resource, ns, ref = self._target(obj)
        return self._call(
            ref,
            lambda d: d.create(
                resource, body=obj, namespace=ns, field_manager=field_manager, serializer=_raw
            ),
        )

    def replace(self, obj: dict[str, Any], *, field_manager: str) -> dict[str, Any]:
        """PUT `obj` guarded by its resourceVersion; `ConflictError` when it is stale."""
        resource, ns, ref = self._target(obj)
        if not (obj.get("metadata") or {}).get("resourceVersion"):
            raise ClusterError(ref, "replace needs metadata.resourceVersion (no blind overwrite)")
        name = obj["metadata"]["name"]
        return self._call(
            ref,
            lambda d: d.replace(
                resource,
                body=obj,
                name=name,
                namespace=ns,
                field_manager=field_manager,
                serializer=_raw,
            ),
        )

    def watch(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
    ) -> Iterator[WatchEvent]:
        """Stream changes (see `Cluster.watch`); not retried: a caller resumes from the last
        event's resourceVersion, or lists again after `WatchExpiredError`."""
        ref = object_ref(kind, namespace, None)
        resource = self._resource(api_version, kind, ref)
        ns = _scope(resource, namespace, ref) if namespace else None
        stream = self._client(ref).watch(
            resource,
            namespace=ns,
            label_selector=label_selector,
            resource_version=resource_version,
            timeout=timeout_seconds,
            allow_watch_bookmarks=True,
        )
        try:
            for event in stream:
                raw = event.get("raw_object") or {}
                if event.get("type") == "ERROR":
                    raise watch_error(raw, ref)
                yield WatchEvent(event["type"], {"apiVersion": api_version, "kind": kind, **raw})
        except (ApiException, urllib3.exceptions.HTTPError) as err:
            if isinstance(err, ApiException) and err.status == 410:
                raise WatchExpiredError(ref, status_message(err), status=410) from err
            raise mapped(err, ref) from err

    def _target(self, obj: dict[str, Any]) -> tuple[Any, str | None, str]:
        """The resource, URL namespace and ref of a body that names its object."""
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        metadata = obj.get("metadata") or {}
        name, namespace = metadata.get("name"), metadata.get("namespace")
        ref = object_ref(kind or "?", namespace, name)
        if not api_version or not kind or not name:
            raise ClusterError(ref, "apiVersion, kind and metadata.name are required")
        resource = self._resource(api_version, kind, ref)
        ns = _scope(resource, namespace, ref)
        _check_name(str(name), ref)
        return resource, ns, ref

    # -- transport --------------------------------------------------------------------------

    def _call(self, ref: str, fn: Callable[[Any], T]) -> T:
        """`fn(dynamic_client)`, with errors typed and transient ones retried."""

        def attempt() -> T:
            try:
                return fn(self._client(ref))
            except (ApiException, urllib3.exceptions.HTTPError) as err:
                raise mapped(err, ref) from err

        return self.retry.call(attempt)

    def _client(self, ref: str) -> Any:
        """The dynamic client, created on first use: its constructor already talks to the
        server (version and group discovery), which must not happen in `__init__`."""
        with self._lock:
            if self._dynamic is not None:
                return self._dynamic
            try:
                self._dynamic = DynamicClient(  # type: ignore[no-untyped-call]
                    self.api_client,
                    cache_file=f"/nonexistent/reconciler-discovery-{uuid.uuid4()}",
                    discoverer=_MemoryDiscoverer,
                )
            except (ApiException, urllib3.exceptions.HTTPError) as err:
                raise mapped(err, ref) from err
        return self._dynamic


def _raw(_client: object, data: dict[str, Any]) -> dict[str, Any]:
    """A DynamicClient serializer that keeps the server's JSON as a plain dict."""
    return data


def _scope(resource: Any, namespace: str | None, ref: str) -> str | None:
    """The namespace for the URL: required for namespaced kinds, dropped for cluster-scoped."""
    if not resource.namespaced:
        return None
    if not namespace:
        raise ClusterError(ref, f"{resource.kind} is namespaced: metadata.namespace is required")
    _check_name(namespace, ref)
    return namespace


def _check_name(name: str, ref: str) -> None:
    if not _SAFE_NAME.match(name):
        raise ClusterError(ref, f"invalid name {name!r}")
