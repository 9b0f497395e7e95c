"""The engine's view of a cluster: a small protocol and typed errors.

This is the contract the engine codes against; `reconciler.clients.cluster.KubeCluster`
implements it over the official kubernetes client, for a real cluster and for the embedded
`reconciler.localcluster` alike. Objects are plain dicts (the JSON the API server speaks).

Every error names the object and carries the server's own Status message:

    ClusterError                 terminal: 400/422 invalid, 401/403 denied, 404 namespace missing…
    ├── TransientClusterError    429, 5xx, connection failures: retry with backoff
    ├── ConflictError            409: stale resourceVersion or a server-side apply field conflict
    └── UnknownKindError         discovery knows no resource for this apiVersion/kind

    str(err) == "Deployment/shop/web: Apply failed with 1 conflict: conflict with \"kubectl\"…"

`ref` is `Kind/namespace/name`, `Kind/name` for cluster-scoped objects, and for a list
`Kind/namespace/*` or `Kind/*`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ResourceType:
    """What discovery says about a kind."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool


class ClusterError(Exception):
    """A request about one object failed. `ref` is `Kind/namespace/name` (or `Kind/name`)."""

    def __init__(self, ref: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{ref}: {message}")
        self.ref = ref
        self.message = message
        self.status = status


class TransientClusterError(ClusterError):
    """429, 5xx or a connection failure: worth retrying with backoff.

    `retry_after` is the server's `Retry-After` in seconds, when it sent one."""

    def __init__(
        self,
        ref: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(ref, message, status=status)
        self.retry_after = retry_after


class ConflictError(ClusterError):
    """409: a stale resourceVersion or a server-side apply field conflict."""


class UnknownKindError(ClusterError):
    """Discovery knows no resource for this apiVersion/kind."""


class Cluster(Protocol):
    """The operations the engine needs; implemented over the official kubernetes client."""

    def resource_type(self, api_version: str, kind: str) -> ResourceType: ...

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None: ...

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def apply(
        self,
        obj: dict[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
    ) -> dict[str, Any]: ...

    def delete(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        *,
        dry_run: bool = False,
    ) -> bool: ...
