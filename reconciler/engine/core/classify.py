"""Putting one object into exactly one plan class (pure), with the reason a person would ask for.

Desired objects, in order of precedence: held (a spec file that fed it last time failed now),
foreign (Argo CD or Flux tracks the live object), denied (a deny policy fails), create (not
live), then by comparison: unchanged, override (differences only on overridden fields), drift
(git unchanged since the last apply, live differs) or update (git changed, or adopting).

A key that two documents define is held (see `pair`), whatever else is true of it.
Objects only in the inventory: held (their file failed, the repo failed, pruning everything is
refused, or the live object is not labelled as ours), foreign, or prune.

Policies fail closed: while a policy file fails to load (`PlanInputs.policies_failed`), every
entry that would write (create, update, drift revert, prune) is held with a reason naming it;
what writes nothing (unchanged, override, reported drift) stays as it is.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.engine.core.compare import Comparison
from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.diff import Difference, unified
from reconciler.engine.core.normalize import normalize
from reconciler.engine.core.ownership import (
    DRIFT_ANNOTATION,
    annotations_of,
    foreign_owner,
    is_owned_by,
    owning_source,
    prune_disabled,
)
from reconciler.engine.core.pair import Pair
from reconciler.engine.core.patchview import with_values
from reconciler.engine.core.plantypes import PlanClass, PlanEntry, PlanInputs
from reconciler.engine.core.policies import PolicyResult, denial, evaluate


def _drift_mode(desired: DesiredObject, inputs: PlanInputs) -> str:
    mode = annotations_of(desired.body).get(DRIFT_ANNOTATION)
    if mode in ("report", "revert", "propose"):
        return mode
    return inputs.config.drift.mode


def _describe(differences: tuple[Difference, ...], limit: int = 3) -> str:
    pointers = [d.pointer or "/" for d in differences]
    more = f" and {len(pointers) - limit} more" if len(pointers) > limit else ""
    return ", ".join(pointers[:limit]) + more


def classify_conflict(pair: Pair) -> PlanEntry:
    """A key defined twice: nothing is applied or pruned until one definition goes."""
    assert pair.conflict is not None
    first = pair.conflict.definitions[0]
    reason = f"held: {pair.conflict.reason()}; nothing applied until one is removed"
    api_version = pair.recorded.api_version if pair.recorded else first.api_version
    return PlanEntry(pair.key, api_version, PlanClass.HELD, reason, live=pair.live)


def refused(pair: Pair, why: str) -> PlanEntry:
    """Held because the whole run may write nothing (see `PlanInputs.refusal`)."""
    desired = pair.desired
    api_version = (
        desired.api_version if desired else pair.recorded.api_version if pair.recorded else ""
    )
    return PlanEntry(
        pair.key, api_version, PlanClass.HELD, f"held: {why}", desired=desired, live=pair.live
    )


def precheck(pair: Pair, inputs: PlanInputs) -> tuple[PlanEntry | None, tuple[PolicyResult, ...]]:
    """The class of a desired object when it needs no comparison (held, foreign, denied,
    create), else None; with the policy results for its operation either way."""
    desired = pair.desired
    assert desired is not None
    key, body, live, recorded = pair.key, desired.body, pair.live, pair.recorded
    base = PlanEntry(key, desired.api_version, PlanClass.UNCHANGED, "", desired=desired, live=live)
    failed = sorted(set(recorded.origins if recorded else ()) & inputs.failed_files)
    if failed and not desired.derived:
        reason = f"held: spec file {', '.join(failed)} failed to load; kept as last applied"
        return replace(base, cls=PlanClass.HELD, reason=reason), ()
    if live is not None:
        owner = foreign_owner(
            live, argocd_instance_label=inputs.config.foreign.argocd_instance_label
        )
        if owner:
            reason = f"tracked by {owner}: never written here; change it in {owner}'s git"
            return replace(base, cls=PlanClass.FOREIGN, reason=reason), ()
        if desired.derived and recorded is None and not is_owned_by(live, inputs.source):
            reason = "exists and is not this source's: left as it is (never labelled or pruned)"
            return replace(base, reason=reason, record=False), ()
        other = owning_source(live)
        if (
            key.kind == "Namespace"
            and not key.group
            and other is None
            and recorded is None
            and not inputs.adopt
        ):
            reason = (
                "held: the namespace exists and no source manages it; adopting it would let a"
                " later prune delete everything in it (run with --adopt to take it over)"
            )
            return replace(base, cls=PlanClass.HELD, reason=reason), ()
        if other is not None and other != inputs.source and not inputs.adopt:
            reason = (
                f"held: owned by source {other!r}; source {inputs.source!r} would take it over"
                " (run with --adopt to take it over on purpose)"
            )
            return replace(base, cls=PlanClass.HELD, reason=reason), ()
    operation = "create" if live is None else "update"
    results = tuple(evaluate(inputs.policies, key, body, operation, old=live))
    denied = denial(results)
    if denied is not None:
        detail = f" ({denied.details[0]})" if denied.details else ""
        reason = f"denied by policy {denied.policy}: {denied.message}{detail}"
        return replace(base, cls=PlanClass.DENIED, reason=reason, policies=results), results
    if live is None:
        diff = unified(None, body, key.ref)
        entry = replace(base, diff=diff, apply_body=body, policies=results)
        if recorded is not None and not recorded.pending and recorded.digest == desired.digest:
            mode = _drift_mode(desired, inputs)
            reason = f"drift: deleted from the cluster while git is unchanged (mode {mode})"
            drift = replace(entry, cls=PlanClass.DRIFT, reason=reason, drift_mode=mode)
            return _untrusted(drift, inputs), results
        created = replace(entry, cls=PlanClass.CREATE, reason="not in the cluster")
        return _untrusted(created, inputs), results
    return None, results


def classify_compared(
    pair: Pair,
    comparison: Comparison,
    policies: tuple[PolicyResult, ...],
    answer: dict[str, Any] | None,
    inputs: PlanInputs,
) -> PlanEntry:
    """Unchanged, override, drift or update, from the (settled) comparison of a live object."""
    desired, live, recorded, key = pair.desired, pair.live, pair.recorded, pair.key
    assert desired is not None and live is not None
    base = PlanEntry(
        key,
        desired.api_version,
        PlanClass.UNCHANGED,
        "",
        desired=desired,
        live=live,
        policies=policies,
        overrides=comparison.overrides,
        apply_body=comparison.apply_body,
    )
    if not comparison.uncovered:
        if comparison.covered or comparison.preserved:
            reasons = sorted(
                {f"{d.pointer} {o.reason}" for d, o in comparison.covered}
                | {f"{o.pointer} {o.reason}" for o in comparison.preserved}
            )
            reason = "overridden: " + "; ".join(reasons)
            if recorded is not None and recorded.digest != desired.digest:
                reason += "; git changed, but only overridden fields differ: not applied there"
            return replace(base, cls=PlanClass.OVERRIDE, reason=reason)
        return replace(base, cls=PlanClass.UNCHANGED, reason="live matches git")
    expected = answer or _expected(live, comparison.uncovered)
    diff = unified(normalize(live), normalize(expected), key.ref)
    changed = _describe(comparison.uncovered) + _overridden_note(comparison)
    if recorded is not None and recorded.digest == desired.digest:
        mode = _drift_mode(desired, inputs)
        reason = f"drift: live differs at {changed} while git is unchanged (mode {mode})"
        drift = replace(base, cls=PlanClass.DRIFT, reason=reason, diff=diff, drift_mode=mode)
        return _untrusted(drift, inputs)
    if recorded is None and not is_owned_by(live, inputs.source):
        reason = f"exists but not managed by this source: will adopt ({changed})"
    else:
        reason = f"git changed: {changed}"
    return _untrusted(replace(base, cls=PlanClass.UPDATE, reason=reason, diff=diff), inputs)


def _overridden_note(comparison: Comparison) -> str:
    """Overridden fields git sets differently: they are left out of the apply, so say so."""
    if not comparison.covered:
        return ""
    pointers = sorted({d.pointer for d, _o in comparison.covered})
    return f"; overridden, not applied: {', '.join(pointers)}"


def _expected(live: dict[str, Any], differences: tuple[Difference, ...]) -> dict[str, Any]:
    """Live with git's values written in: what the object looks like after apply (for diffs)."""
    return with_values(live, [(d.pointer, d.desired) for d in differences])


def classify_leftover(pair: Pair, inputs: PlanInputs) -> PlanEntry | None:
    """Classify an object the inventory has and git no longer wants; None when already gone."""
    key, live, recorded = pair.key, pair.live, pair.recorded
    assert recorded is not None
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
    return _untrusted(replace(base, cls=PlanClass.PRUNE, reason="gone from git", diff=diff), inputs)


def _untrusted(entry: PlanEntry, inputs: PlanInputs) -> PlanEntry:
    """Policies fail closed: while a policy file fails to load, what it denied is unknown, so
    an entry that would write (create, update, drift revert, prune) is held instead."""
    if not inputs.policies_failed or not entry.writes:
        return entry
    files = ", ".join(inputs.policies_failed)
    reason = (
        f"held: policy file {files} failed to load, so no policy can be trusted; nothing is "
        f"written until it loads (would be {entry.cls}: {entry.reason})"
    )
    return replace(entry, cls=PlanClass.HELD, reason=reason)
