"""What the engine keeps in the cluster: the inventory ConfigMap of each source, and the key
that makes Secret digests unguessable.

Both live in the reconciler's namespace (`reconciler-system` by default), so replicas stay
stateless. Writes are server-side applies with the reconciler's field manager; a write that
fails is reported, never retried blindly.

    reconciler-system/reconciler-inventory-<source>   ConfigMap: what was applied, from where
    reconciler-system/reconciler-digest-key           Secret: 32 random bytes (see digest())
"""

from __future__ import annotations

import base64
import secrets

from reconciler.clients.cluster_api import Cluster, ClusterError, ConflictError
from reconciler.engine.core.inventory import Inventory
from reconciler.engine.core.ownership import FIELD_MANAGER

DIGEST_KEY_SECRET = "reconciler-digest-key"
DIGEST_KEY_FIELD = "key"


def read_digest_key(cluster: Cluster, namespace: str, *, create: bool) -> bytes | None:
    """The per-cluster key of Secret digests; created (once, race-safe) when `create` and
    missing. None when there is none yet and `create` is False."""
    found = cluster.get("v1", "Secret", namespace, DIGEST_KEY_SECRET)
    if found is None and create:
        ensure_namespace(cluster, namespace)
        key = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": DIGEST_KEY_SECRET, "namespace": namespace},
            "type": "Opaque",
            "data": {DIGEST_KEY_FIELD: key},
        }
        try:
            found = cluster.create(body, field_manager=FIELD_MANAGER)
        except ConflictError:  # another replica made it first: use theirs
            found = cluster.get("v1", "Secret", namespace, DIGEST_KEY_SECRET)
    if found is None:
        return None
    value = (found.get("data") or {}).get(DIGEST_KEY_FIELD, "")
    return base64.b64decode(value) if value else None


def ensure_namespace(cluster: Cluster, namespace: str) -> None:
    if cluster.get("v1", "Namespace", None, namespace) is None:
        cluster.apply(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
            field_manager=FIELD_MANAGER,
        )


def write_inventory(cluster: Cluster, inventory: Inventory, namespace: str) -> str | None:
    """Save the inventory; the problem as text when it could not be saved."""
    try:
        ensure_namespace(cluster, namespace)
        cluster.apply(inventory.to_config_map(namespace), field_manager=FIELD_MANAGER, force=True)
    except ClusterError as exc:
        return str(exc)
    return None
