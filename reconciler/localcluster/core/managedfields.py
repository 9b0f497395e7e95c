"""`metadata.managedFields` bookkeeping and server-side apply, as the API server does it.

`server_side_apply` follows structured-merge-diff's `Updater.Apply`:

1. merge the apply configuration into the live object (`structmerge.merge`);
2. every field whose value that merge adds or changes, and that another manager owns, is a
   conflict; without `force` the apply fails (409), with `force` the field changes hands;
3. the applier now owns exactly the field set of its configuration (`fieldset.fields_of`);
4. fields it applied last time, left out now and owned by nobody else, are removed.

Applying the value another manager already set changes nothing, so there is no conflict and
both own the field. For example, after `kubectl apply --server-side` (manager `kubectl`) set
`replicas: 3` and `kubectl scale --replicas=5` (manager `kubectl`, subresource `scale`,
operation Update) took `.spec.replicas`, applying `replicas: 3` again fails with
`conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas`.

`record_update` follows `Updater.Update` for create/update/patch and subresource writes: the
fields added or modified go to (manager, Update, subresource) and are taken from every other
manager; removed fields leave every set; the entry's time moves only when it gained fields.
"""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.core import fieldset as fs
from reconciler.localcluster.core.errors import ApplyConflict, ConflictCause
from reconciler.localcluster.core.k8sschema import SchemaRegistry
from reconciler.localcluster.core.managedentries import (
    BEFORE_FIRST_APPLY,
    Entry,
    Kind,
    Managers,
    decode_managed_fields,
    with_managed_fields,
    without_managed_fields,
)
from reconciler.localcluster.core.structmerge import clone, merge, remove_paths


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
    Defaulting is NOT done here (the caller defaults the result). `status` of kinds with a
    status subresource is kept from `live` (dropped on create), like the API server's strategies.
    """
    kind = Kind(applied, schemas)
    config = without_managed_fields(applied)
    base = without_managed_fields(live) if live is not None else {}
    managers = _managers_for_apply(live, base, kind)
    me = (manager, "Apply", None)
    last = managers[me].fields if me in managers else fs.EMPTY

    merged = merge(base, config, kind.schema, schemas)
    if kind.status_subresource:
        merged.pop("status", None)
        if "status" in base:
            merged["status"] = clone(base["status"])
    cmp = kind.compare(base, merged, None)
    _take_or_conflict(managers, me, cmp, force)
    applied_set = kind.tracked(fs.fields_of(config, kind.schema, schemas), None)
    previous = managers.get(me)
    managers[me] = Entry(manager, "Apply", None, kind.api_version, now, applied_set)
    if last:
        pruned = _prune(merged, managers, last, kind)
        if pruned is not merged:
            merged = pruned
            cmp = kind.compare(base, merged, None)
            _drop_from_others(managers, me, cmp.changed)
    if previous is not None and previous.fields == applied_set and merged == base:
        managers[me] = Entry(manager, "Apply", None, kind.api_version, previous.time, applied_set)
    return with_managed_fields(merged, _nonempty(managers))


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
    The starting entries are those `new` carries (a client may rewrite managedFields; `[{}]`
    resets them), else those of `old`; subresource writes always start from `old`'s.
    """
    kind = Kind(new, schemas)
    managers = _managers_for_update(old, new, subresource)
    base = without_managed_fields(old) if old is not None else {}
    cmp = kind.compare(base, without_managed_fields(new), subresource)
    me = (manager, "Update", subresource)
    _drop_from_others(managers, me, cmp.changed)
    gained = cmp.added | cmp.modified
    previous = managers.get(me)
    fields = ((previous.fields - cmp.removed) if previous else fs.EMPTY) | gained
    time = now if gained or previous is None else previous.time
    managers[me] = Entry(manager, "Update", subresource, kind.api_version, time, fields)
    return with_managed_fields(new, _nonempty(managers))


def _managers_for_apply(live: dict[str, Any] | None, base: dict[str, Any], kind: Kind) -> Managers:
    """Live entries; an object that has none is first adopted by `before-first-apply`."""
    if live is None:
        return {}
    entries = decode_managed_fields((live.get("metadata") or {}).get("managedFields"))
    if entries:
        return {e.key: e for e in entries}
    owned = kind.compare({}, base, None).added
    adopted = Entry(BEFORE_FIRST_APPLY, "Update", None, kind.api_version, None, owned)
    return {adopted.key: adopted} if owned else {}


def _managers_for_update(
    old: dict[str, Any] | None, new: dict[str, Any], subresource: str | None
) -> Managers:
    """kube-apiserver's `decodeLiveOrNew`."""
    sent = (new.get("metadata") or {}).get("managedFields")
    if subresource is None and sent == [{}]:
        return {}
    entries = [] if subresource is not None else decode_managed_fields(sent)
    if not entries and old is not None:
        entries = decode_managed_fields((old.get("metadata") or {}).get("managedFields"))
    return {e.key: e for e in entries}


def _take_or_conflict(
    managers: Managers, me: tuple[str, str, str | None], cmp: fs.Comparison, force: bool
) -> None:
    """Raise for fields other managers own that the apply changes; with force, take them."""
    changing = cmp.added | cmp.modified
    causes: list[ConflictCause] = []
    for key, entry in managers.items():
        if key == me:
            continue
        for path in sorted(entry.fields & changing):
            causes.append(
                ConflictCause(
                    manager=entry.manager,
                    field=fs.render_path(path),
                    operation=entry.operation,
                    subresource=entry.subresource,
                    api_version=entry.api_version,
                    time=entry.time,
                )
            )
    if causes and not force:
        causes.sort(key=lambda c: (c.manager, c.subresource or "", c.field))
        raise ApplyConflict(causes)
    _drop_from_others(managers, me, cmp.changed)


def _drop_from_others(
    managers: Managers, me: tuple[str, str, str | None], fields: fs.FieldSet
) -> None:
    if not fields:
        return
    for key, entry in list(managers.items()):
        if key != me and entry.fields & fields:
            managers[key] = Entry(
                entry.manager,
                entry.operation,
                entry.subresource,
                entry.api_version,
                entry.time,
                entry.fields - fields,
            )


def _prune(merged: dict[str, Any], managers: Managers, last: fs.FieldSet, kind: Kind) -> Any:
    """Remove what the applier owned last time, owns no more, and nobody else owns."""
    owned: set[fs.Path] = set()
    for entry in managers.values():
        owned |= entry.fields
    under_owned = fs.ancestors(owned)
    doomed = [p for p in last if p not in owned and p not in under_owned]
    if not doomed:
        return merged
    return remove_paths(merged, doomed, kind.schema, kind.registry)


def _nonempty(managers: Managers) -> Managers:
    return {key: entry for key, entry in managers.items() if entry.fields}
