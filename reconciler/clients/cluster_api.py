"""The engine's view of a cluster: a small protocol and typed errors.

This is the contract the engine codes against; `reconciler.clients.cluster.KubeCluster`
implements it over the official kubernetes client, for a real cluster and for the embedded
`reconciler.localcluster` alike. Objects are plain dicts (the JSON the API server speaks).

Every error names the object and carries the server's own Status message:

    ClusterError                 terminal: 400/422 invalid, 401/403 denied, 404 namespace missing…
    ├── TransientClusterError    429, 5xx, connection failures: retry with backoff
    ├── ConflictError            409: stale resourceVersion, an existing name, or an apply conflict
    ├── WatchExpiredError        410: a watch's resourceVersion is too old; list again
    └── UnknownKindError         discovery knows no resource for this apiVersion/kind

    str(err) == "Deployment/shop/web: Apply failed with 1 conflict: conflict with \"kubectl\"…"

`ref` is `Kind/namespace/name`, `Kind/name` for cluster-scoped objects, and for a list
`Kind/namespace/*` or `Kind/*`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol


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


class WatchExpiredError(ClusterError):
    """410 Gone: the watch's resourceVersion is older than the server keeps; list, then watch
    from the list's resourceVersion."""


WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]


@dataclass(frozen=True)
class WatchEvent:
    """One change seen by a watch; `object` is the object after it (before it, for DELETED).
    A BOOKMARK carries only `metadata.resourceVersion`: where to resume."""

    type: WatchEventType
    object: dict[str, Any]

    @property
    def resource_version(self) -> str:
        return str((self.object.get("metadata") or {}).get("resourceVersion", ""))


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

    def create(self, obj: dict[str, Any], *, field_manager: str) -> dict[str, Any]:
        """Create `obj`; `ConflictError` when the name is taken (a Lease's first holder)."""
        ...

    def replace(self, obj: dict[str, Any], *, field_manager: str) -> dict[str, Any]:
        """Optimistic write: replace the object only if its `metadata.resourceVersion` is still
        the server's; `ConflictError` when someone wrote in between (read again, decide again).
        A body without a resourceVersion is refused: that would be a blind overwrite."""
        ...

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
        """Changes from `resource_version` on (now, when None), until `timeout_seconds` pass or
        the caller stops iterating; bookmarks included. `WatchExpiredError` when too old."""
        ...
