"""Human-readable plan and apply reports (the JSON form is `RunResult.to_dict`)."""

from __future__ import annotations

from reconciler.engine.core.plan import PlanClass, PlanEntry
from reconciler.engine.result import RunResult

MARKS = {
    PlanClass.CREATE: "+",
    PlanClass.UPDATE: "~",
    PlanClass.UNCHANGED: "=",
    PlanClass.DRIFT: "!",
    PlanClass.OVERRIDE: "o",
    PlanClass.PRUNE: "-",
    PlanClass.HELD: "h",
    PlanClass.DENIED: "x",
    PlanClass.FOREIGN: "f",
}
SHOW_DIFF = {PlanClass.CREATE, PlanClass.UPDATE, PlanClass.DRIFT, PlanClass.PRUNE}


def entry_lines(entry: PlanEntry, outcome: str = "") -> list[str]:
    """An entry's headline, its policy findings, and its diff (for classes that change)."""
    lines = [f"{MARKS[entry.cls]} {entry.cls:<9} {entry.key.ref}: {entry.reason}{outcome}"]
    origin = entry.origin
    if origin is not None and origin.via and entry.cls in SHOW_DIFF:
        lines.append(f"    from {origin}")  # a built object: which file, which build
    for policy in entry.policies:
        if not policy.passed:
            detail = f" ({policy.details[0]})" if policy.details else ""
            lines.append(
                f"    policy {policy.enforcement}: {policy.policy}: {policy.message}{detail}"
            )
        if policy.requires_approval:
            lines.append(f"    policy {policy.policy}: changes here require approval")
    if entry.diff and entry.cls in SHOW_DIFF:
        lines.extend("    " + line for line in entry.diff.rstrip("\n").splitlines())
    return lines


def render_text(run: RunResult, *, classes: set[PlanClass] | None = None) -> str:
    """The plan (or apply) as text; unchanged objects are left out unless `classes` asks."""
    lines = [f"source {run.source} @ {run.commit[:12] if run.commit else 'working tree'}"]
    outcomes = {r.entry.key: r for r in run.results or []}
    for entry in run.plan.entries:
        if classes is not None and entry.cls not in classes:
            continue
        if entry.cls is PlanClass.UNCHANGED and classes is None:
            continue
        result = outcomes.get(entry.key)
        outcome = f" -> {result.outcome}" if result else ""
        if result and result.message:
            outcome += f" ({result.message})"
        lines.extend(entry_lines(entry, outcome))
    for error in run.errors:
        lines.append(f"error: {error}")
    for warning in run.warnings:
        lines.append(f"warning: {warning}")
    counts = run.plan.counts()
    summary = ", ".join(f"{n} {c}" for c, n in counts.items() if n)
    lines.append(f"{len(run.plan.entries)} objects: {summary or 'none'}")
    if run.results is not None:
        done: dict[str, int] = {}
        for result in run.results:
            done[str(result.outcome)] = done.get(str(result.outcome), 0) + 1
        lines.append("applied: " + ", ".join(f"{n} {o}" for o, n in sorted(done.items())))
    return "\n".join(lines) + "\n"
