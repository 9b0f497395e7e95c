"""Putting one object into exactly one plan class (pure), with the reason a person would ask for.

Desired objects, in order of precedence: held (a spec file that fed it last time failed now),
foreign (Argo CD or Flux tracks the live object), denied (a deny policy fails), create (not
live), then by comparison: unchanged, override (differences only on overridden fields), drift
(git unchanged since the last apply, live differs) or update (git changed, or adopting).

Objects only in the inventory: held (their file failed, the repo failed, pruning everything is
refused, or the live object is not labelled as ours), foreign, or prune.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from reconciler.engine.desired import DesiredObject
from reconciler.engine.diff import Difference, full_diff, subset_diff, unified
from reconciler.engine.fieldpaths import managers, unset_in
from reconciler.engine.inventory import InventoryEntry
from reconciler.engine.keys import ObjectKey
from reconciler.engine.normalize import normalize
from reconciler.engine.overrides import Override, covering, overrides_for, strip
from reconciler.engine.ownership import (
    DRIFT_ANNOTATION,
    FIELD_MANAGER,
    annotations_of,
    foreign_owner,
    is_owned_by,
    prune_disabled,
)
from reconciler.engine.patchview import with_values
from reconciler.engine.plantypes import PlanClass, PlanEntry, PlanInputs
from reconciler.engine.pointers import MISSING, get
from reconciler.engine.policies import denial, evaluate
from reconciler.engine.render import OVERRIDES_KEY


@dataclass(frozen=True)
class Comparison:
    """What separates live from desired: differences split by whether an override covers them."""

    overrides: tuple[Override, ...]
    uncovered: tuple[Difference, ...]
    covered: tuple[tuple[Difference, Override], ...]
    preserved: tuple[Override, ...]


def _removed_fields(desired: dict[str, Any], live: dict[str, Any]) -> list[Difference]:
    """Fields the reconciler applied before that git no longer sets (apply will remove them).
    `live` must be the raw object: its managedFields say what the reconciler owns."""
    out = []
    for entry in managers(live):
        if entry.manager != FIELD_MANAGER or entry.operation != "Apply":
            continue
        for pointer in unset_in(entry.fields_v1, live, desired):
            out.append(Difference(pointer, MISSING, get(live, pointer)))
    return out


def compare(desired: DesiredObject, live: dict[str, Any], inputs: PlanInputs) -> Comparison:
    config = inputs.config
    overrides = overrides_for(
        desired.key,
        live,
        override_managers=frozenset(config.override_managers),
        ignore_rules=tuple(config.ignore_differences),
    )
    want, have = normalize(desired.body), normalize(live)
    # Ownership is read from the raw object: normalizing drops managedFields.
    removed = [d for d in _removed_fields(want, live) if not _server_only(d.pointer)]
    differences = subset_diff(want, have) + removed
    uncovered = [d for d in differences if covering(d.pointer, overrides) is None]
    covered = [(d, o) for d in differences if (o := covering(d.pointer, overrides)) is not None]
    dry = inputs.dry_run.get(desired.key)
    if uncovered and dry is not None:
        # The server's answer settles defaults and canonical forms (e.g. "500m" vs "0.5").
        uncovered = [d for d in full_diff(normalize(dry), have) if not _server_only(d.pointer)]
    preserved = [
        o
        for o in overrides
        if o.pointer == f"/data/{OVERRIDES_KEY}" and get(live, o.pointer) not in (MISSING, "")
    ]
    return Comparison(tuple(overrides), tuple(uncovered), tuple(covered), tuple(preserved))


def _server_only(pointer: str) -> bool:
    return pointer.startswith("/metadata/managedFields") or pointer.startswith("/status")


def dry_run_body(
    desired: DesiredObject, live: dict[str, Any] | None, inputs: PlanInputs
) -> dict[str, Any] | None:
    """What to dry-run when the cheap comparison found differences the server should confirm:
    the body apply would send (overridden fields stripped); None when nothing needs asking."""
    if live is None:
        return None
    comparison = compare(desired, live, inputs)
    if not comparison.uncovered:
        return None
    return strip(desired.body, list(comparison.overrides))


def _drift_mode(desired: DesiredObject, inputs: PlanInputs) -> str:
    mode = annotations_of(desired.body).get(DRIFT_ANNOTATION)
    if mode in ("report", "revert", "propose"):
        return mode
    return inputs.config.drift.mode


def _describe(differences: tuple[Difference, ...], limit: int = 3) -> str:
    pointers = [d.pointer or "/" for d in differences]
    more = f" and {len(pointers) - limit} more" if len(pointers) > limit else ""
    return ", ".join(pointers[:limit]) + more


def classify_desired(desired: DesiredObject, inputs: PlanInputs) -> PlanEntry:
    key, body = desired.key, desired.body
    live = inputs.live.get(key)
    recorded = inputs.inventory.entries.get(key)
    base = PlanEntry(key, desired.api_version, PlanClass.UNCHANGED, "", desired=desired, live=live)
    failed = sorted(set(recorded.origins if recorded else ()) & inputs.failed_files)
    if failed and not desired.derived:
        reason = f"held: spec file {', '.join(failed)} failed to load; kept as last applied"
        return replace(base, cls=PlanClass.HELD, reason=reason)
    if live is not None:
        owner = foreign_owner(
            live, argocd_instance_label=inputs.config.foreign.argocd_instance_label
        )
        if owner:
            reason = f"tracked by {owner}: never written here; change it in {owner}'s git"
            return replace(base, cls=PlanClass.FOREIGN, reason=reason)
    operation = "create" if live is None else "update"
    results = tuple(evaluate(inputs.policies, key, body, operation))
    denied = denial(results)
    if denied is not None:
        detail = f" ({denied.details[0]})" if denied.details else ""
        reason = f"denied by policy {denied.policy}: {denied.message}{detail}"
        return replace(base, cls=PlanClass.DENIED, reason=reason, policies=results)
    if live is None:
        diff = unified(None, body, key.ref)
        deleted = recorded is not None and recorded.digest == desired.digest
        return replace(
            base,
            cls=PlanClass.CREATE,
            reason="deleted from the cluster since the last apply"
            if deleted
            else "not in the cluster",
            diff=diff,
            apply_body=body,
            policies=results,
        )
    comparison = compare(desired, live, inputs)
    apply_body = strip(body, list(comparison.overrides))
    base = replace(base, policies=results, overrides=comparison.overrides, apply_body=apply_body)
    if not comparison.uncovered:
        if comparison.covered or comparison.preserved:
            reasons = sorted(
                {f"{d.pointer} {o.reason}" for d, o in comparison.covered}
                | {f"{o.pointer} {o.reason}" for o in comparison.preserved}
            )
            return replace(base, cls=PlanClass.OVERRIDE, reason="overridden: " + "; ".join(reasons))
        return replace(base, cls=PlanClass.UNCHANGED, reason="live matches git")
    expected = inputs.dry_run.get(key) or _expected(live, comparison.uncovered)
    diff = unified(normalize(live), normalize(expected), key.ref)
    changed = _describe(comparison.uncovered)
    if recorded is not None and recorded.digest == desired.digest:
        mode = _drift_mode(desired, inputs)
        reason = f"drift: live differs at {changed} while git is unchanged (mode {mode})"
        return replace(base, cls=PlanClass.DRIFT, reason=reason, diff=diff, drift_mode=mode)
    if recorded is None and not is_owned_by(live, inputs.source):
        reason = f"exists but not managed by this source: will adopt ({changed})"
    else:
        reason = f"git changed: {changed}"
    return replace(base, cls=PlanClass.UPDATE, reason=reason, diff=diff)


def _expected(live: dict[str, Any], differences: tuple[Difference, ...]) -> dict[str, Any]:
    """Live with git's values written in: what the object looks like after apply (for diffs)."""
    return with_values(live, [(d.pointer, d.desired) for d in differences])


def classify_leftover(
    key: ObjectKey, recorded: InventoryEntry, inputs: PlanInputs
) -> PlanEntry | None:
    """Classify an object the inventory has and git no longer wants; None when already gone."""
    live = inputs.live.get(key)
    base = PlanEntry(key, recorded.api_version, PlanClass.PRUNE, "", live=live)
    failed = sorted(set(recorded.origins) & inputs.failed_files)
    if inputs.load_failed:
        return replace(
            base,
            cls=PlanClass.HELD,
            reason="held: the repo failed to load; nothing is pruned",
        )
    if failed:
        reason = f"held: spec file {', '.join(failed)} failed to load; not pruned"
        return replace(base, cls=PlanClass.HELD, reason=reason)
    if live is None:
        return None
    owner = foreign_owner(live, argocd_instance_label=inputs.config.foreign.argocd_instance_label)
    if owner:
        reason = f"tracked by {owner} now: not pruned"
        return replace(base, cls=PlanClass.FOREIGN, reason=reason)
    if not is_owned_by(live, inputs.source):
        reason = "held: not labelled as this source's own; not pruned"
        return replace(base, cls=PlanClass.HELD, reason=reason)
    if not inputs.desired and not inputs.config.prune.allow_empty:
        reason = "held: git renders nothing; refusing to prune everything (prune.allowEmpty)"
        return replace(base, cls=PlanClass.HELD, reason=reason)
    results = tuple(evaluate(inputs.policies, key, live, "delete"))
    denied = denial(results)
    if denied is not None:
        reason = f"denied by policy {denied.policy}: {denied.message}; not pruned"
        return replace(base, cls=PlanClass.DENIED, reason=reason, policies=results)
    diff = unified(normalize(live), None, key.ref)
    if not inputs.config.prune.enabled or prune_disabled(live):
        reason = "gone from git; prune disabled, kept"
        return replace(base, cls=PlanClass.PRUNE, reason=reason, diff=diff, prune_disabled=True)
    return replace(base, cls=PlanClass.PRUNE, reason="gone from git", diff=diff)
