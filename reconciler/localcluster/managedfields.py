"""`metadata.managedFields` bookkeeping and server-side apply, as the API server does it.

STUB: owned by the merge-logic helper. Signatures here are the contract with the server layer.
"""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.k8sschema import SchemaRegistry


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    schemas: SchemaRegistry,
    now: str,
) -> dict[str, Any]:
    """Merge an apply configuration into `live` (None = create) and return the new object.

    The result carries updated `metadata.managedFields` (operation Apply, this manager, the
    applied field set). Fields the manager applied before and no longer applies are removed when
    no other manager owns them. Raises `ApplyConflict` when, without `force`, a field owned by
    another manager would change value; with `force`, ownership moves to `manager`.
    Defaulting is NOT done here (the caller defaults the result).
    """
    raise NotImplementedError


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    schemas: SchemaRegistry,
    now: str,
    subresource: str | None = None,
) -> dict[str, Any]:
    """Return `new` with managedFields updated for a non-apply write (create/update/patch).

    Fields whose value changed (or appeared) are recorded under (manager, Update, subresource)
    and removed from every other manager's set; `old` None means a create. `new` is the object
    after defaulting, like the API server's decoded object. Entries left empty are dropped.
    """
    raise NotImplementedError
