"""Verify a proposal in code before anything is pushed: plan the proposed tree.

The proposed files are laid over the commit (`OverlayTree`) and planned against the live
cluster exactly as a merge would be: load (schema, duplicates), policies, render, pairing and
the server's dry-run. The proposal passes when the plan has no error the commit did not already
have, no target is denied by a policy, and each target no longer drifts (beyond the fields
the proposal said it could not adopt). A model's or anyone's claim is never taken instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.engine.core.plan import PlanClass, PlanEntry
from reconciler.engine.reconcile import Engine
from reconciler.engine.result import RunResult
from reconciler.proposals.model import Proposal, holds_credentials
from reconciler.specs.overlay import OverlayTree
from reconciler.specs.tree import SourceTree


def _shown(entry: PlanEntry) -> str:
    """The entry's diff, unless either side holds credential-like values (then a note)."""
    if holds_credentials(entry.live) or holds_credentials(
        entry.desired.body if entry.desired else None
    ):
        return "(diff not shown: the object holds credential-like values)"
    return mask_annotations(entry.diff)


def mask_annotations(diff: str) -> str:
    """The diff with every annotation value shown as `<redacted>`: annotations carry free text
    (tokens, or words meant for a model) that a pull request must not repeat."""
    out = []
    block: int | None = None  # the indentation of the `annotations:` key we are under
    for line in diff.splitlines():
        mark, body = (line[:1], line[1:]) if line[:1] in " +-" else ("", line)
        indent = len(body) - len(body.lstrip(" "))
        if block is not None and indent <= block:
            block = None
        if block is not None and ":" in body and not line.startswith(("+++", "---")):
            line = f"{mark}{body.split(':', 1)[0]}: <redacted>"
        elif body.strip() == "annotations:":
            block = indent
        out.append(line)
    return "\n".join(out) + ("\n" if diff.endswith("\n") else "")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    blocked: bool = False
    """A `deny` policy refused a target: the proposal ends `blocked`, never pushed."""
    messages: list[str] = field(default_factory=list)
    preview: list[tuple[str, str]] = field(default_factory=list)
    """What a merge would do, per object that changes: (`class Kind/ns/name`, its diff)."""


def verify(
    engine: Engine, tree: SourceTree, commit: str | None, before: RunResult, proposal: Proposal
) -> Verdict:
    after = engine.plan(OverlayTree(tree, proposal.changes), commit)
    known = {str(e) for e in before.errors}
    new_errors = [str(e) for e in after.errors if str(e) not in known]
    classes = {e.key.ref: e for e in after.plan.entries}
    messages = [f"error: {e}" for e in new_errors]
    was_denied = {e.key.ref for e in before.plan.entries if e.cls is PlanClass.DENIED}
    denied = [
        e for e in after.plan.entries if e.cls is PlanClass.DENIED and e.key.ref not in was_denied
    ]
    blocked = bool(denied)
    messages += [f"{e.key.ref}: denied by policy: {e.reason}" for e in denied]
    for target in proposal.targets:
        entry = classes.get(target)
        if entry is None:
            messages.append(f"{target}: no longer rendered by the proposed tree")
        elif entry.cls is PlanClass.DRIFT and not proposal.skipped:
            messages.append(f"{target}: still drifts after the change: {entry.reason}")
    if not messages:
        before_classes = {e.key.ref: e.cls for e in before.plan.entries}
        moved = [
            f"{e.key.ref}: {e.cls}"
            for e in after.plan.entries
            if e.key.ref in proposal.targets or e.cls is not before_classes.get(e.key.ref)
        ]
        messages = [f"the proposed tree plans cleanly ({', '.join(moved) or 'no change'})"]
        changing = [
            e
            for e in after.plan.entries
            if e.key.ref in proposal.targets or e.cls is not before_classes.get(e.key.ref)
        ]
        messages += sorted(
            {
                f"policy {p.policy}: changes to {e.key.ref} require approval"
                for e in changing
                for p in e.policies
                if p.requires_approval
            }
        )
        messages += sorted(
            {
                f"policy {p.policy} warns about {e.key.ref}: {p.message}"
                for e in changing
                for p in e.policies
                if not p.passed and p.enforcement == "warn"
            }
        )
        preview = [
            (f"{e.cls} {e.key.ref}", _shown(e))
            for e in after.plan.entries
            if e.diff
            and (e.key.ref in proposal.targets or e.cls is not before_classes.get(e.key.ref))
        ]
        return Verdict(True, False, messages, preview)
    return Verdict(False, blocked, messages)
