"""Reading what the plan compares against: the source's inventory and the live objects.

Reads never raise: a failure becomes a typed error (`InventoryReadError`, `ObjectError`) in the
run, and what it touches is held. Live objects of desired keys are listed once per kind and
namespace; objects only the inventory has are fetched one by one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reconciler.clients.cluster_api import Cluster, ClusterError, UnknownKindError
from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.inventory import Inventory, InventoryError, config_map_name
from reconciler.engine.errors import InventoryReadError, ObjectError, RunError, blame
from reconciler.specs.keys import ObjectKey, key_of


def read_inventory(
    cluster: Cluster, source: str, namespace: str, errors: list[RunError], warnings: list[str]
) -> Inventory | None:
    """The stored inventory; an empty one for a corrupt body (it gets rewritten, and nothing is
    pruned meanwhile); None when the cluster could not be asked (it must not be overwritten)."""
    name = config_map_name(source)
    try:
        return Inventory.from_config_map(source, cluster.get("v1", "ConfigMap", namespace, name))
    except InventoryError as exc:
        warnings.append(f"{exc}; it will be rewritten, and nothing is pruned until then")
        return Inventory(source)
    except ClusterError as exc:
        errors.append(InventoryReadError(f"ConfigMap/{namespace}/{name}", exc))
        return None


def read_live(
    cluster: Cluster,
    desired: list[DesiredObject],
    inventory: Inventory,
    errors: list[RunError],
    failed_files: set[str],
) -> dict[ObjectKey, dict[str, Any]]:
    """Live objects for every desired key and every inventory key. An object that cannot be
    read fails its files, so it is held rather than judged on a guess."""
    live: dict[ObjectKey, dict[str, Any]] = {}
    groups: dict[tuple[str, str, str | None], list[DesiredObject]] = defaultdict(list)
    for d in desired:
        groups[(d.api_version, d.key.kind, d.key.namespace)].append(d)
    for (api_version, kind, namespace), members in groups.items():
        try:
            wanted = {d.key for d in members}
            for found in cluster.list(api_version, kind, namespace=namespace):
                key = key_of(found)
                if key in wanted:
                    live[key] = found
        except UnknownKindError:
            continue  # a CRD in this same plan defines it; nothing of it is live yet
        except ClusterError as exc:
            for d in members:
                errors.append(ObjectError(d.key, "read", exc, blame(d)))
                failed_files.update(d.files)
    desired_keys = {d.key for d in desired}
    for key, entry in inventory.entries.items():
        if key in desired_keys:
            continue
        obj: dict[str, Any] | None
        try:
            obj = cluster.get(entry.api_version, key.kind, key.namespace, key.name)
        except UnknownKindError:
            obj = None
        except ClusterError as exc:
            errors.append(ObjectError(key, "read", exc))
            failed_files.update(entry.origins)
            continue
        if obj is not None:
            live[key] = obj
    return live
