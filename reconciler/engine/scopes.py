"""Which kinds are namespaced: asked of the cluster's discovery, or of a CRD in the same repo.

Rendering needs it to give a namespaced manifest without a namespace the repo's namespace, and
to leave cluster-scoped ones alone. A kind the cluster does not know and no CRD of the repo
defines is an error on that manifest (its file is held), not a crash.
"""

from __future__ import annotations

from typing import Any

from reconciler.clients.cluster_api import Cluster, ClusterError, UnknownKindError
from reconciler.engine.core.builtin_scopes import crd_scopes
from reconciler.specs.keys import group_of


class Scopes:
    def __init__(self, cluster: Cluster, manifests: list[dict[str, Any]]) -> None:
        self._cluster = cluster
        self._cache: dict[tuple[str, str], bool | str] = {}
        self._crds = crd_scopes(manifests)

    def _lookup(self, api_version: str, kind: str) -> bool | str:
        cache_key = (api_version, kind)
        if cache_key not in self._cache:
            try:
                found: bool | str = self._cluster.resource_type(api_version, kind).namespaced
            except UnknownKindError:
                crd = self._crds.get((group_of(api_version), kind))
                found = crd if crd is not None else f"unknown kind {kind} in {api_version}"
            except ClusterError as exc:
                found = f"discovery failed for {kind} in {api_version}: {exc.message}"
            self._cache[cache_key] = found
        return self._cache[cache_key]

    def namespaced(self, api_version: str, kind: str) -> bool:
        return self._lookup(api_version, kind) is True

    def check(self, body: dict[str, Any]) -> str | None:
        """A problem with this manifest's kind, or None."""
        found = self._lookup(str(body.get("apiVersion")), str(body.get("kind")))
        if isinstance(found, str):
            name = (body.get("metadata") or {}).get("name")
            return f"{body.get('kind')}/{name}: {found} (no such resource in the cluster)"
        return None
