"""The plan: every object in exactly one class, with a reason and a diff (pure).

| class | meaning | apply does |
|---|---|---|
| create / update | git wants it created or changed since the last apply | server-side apply |
| unchanged | live matches desired after normalization | nothing, not even a request |
| drift | git did not change, live diverged on fields git sets | report, revert or propose |
| override | differences only on overridden fields | nothing |
| prune | in the inventory, gone from git | delete, unless prune is disabled |
| held | its spec file failed to load, it is defined twice, or pruning it is unsafe | nothing |
| denied | a deny policy rejects it | nothing |
| foreign | Argo CD or Flux tracks it | nothing |

Planning is three pure steps around one question to the server:

    assessments = assess(inputs, comparer)   # pair, pre-classify, compare each pair once
    asks = dry_run_requests(assessments)      # only pairs whose comparison still differs
    plan = decide(assessments, inputs, answers)   # settle with the answers, classify

`build_plan(inputs)` runs all three with `inputs.dry_run` as the answers (tests, offline use).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.engine.core.classify import (
    classify_compared,
    classify_conflict,
    classify_leftover,
    precheck,
    refused,
)
from reconciler.engine.core.compare import CompareOptions, Comparer, Comparison, settle
from reconciler.engine.core.pair import Pair, pair
from reconciler.engine.core.plantypes import PlanClass, PlanEntry, PlanInputs, PlanStats
from reconciler.engine.core.policies import PolicyResult
from reconciler.specs.keys import ObjectKey

__all__ = [
    "Assessment",
    "Plan",
    "PlanClass",
    "PlanEntry",
    "PlanInputs",
    "PlanStats",
    "assess",
    "build_plan",
    "decide",
    "dry_run_requests",
]


@dataclass(frozen=True)
class Plan:
    source: str
    commit: str | None
    entries: tuple[PlanEntry, ...]
    stats: PlanStats = field(default_factory=PlanStats)

    def counts(self) -> dict[str, int]:
        out = {str(c): 0 for c in PlanClass}
        for entry in self.entries:
            out[str(entry.cls)] += 1
        return out

    def has_changes(self) -> bool:
        return any(e.writes for e in self.entries)


@dataclass(frozen=True)
class Assessment:
    """One pair before the server is asked: decided already (`entry`), or compared."""

    pair: Pair
    entry: PlanEntry | None = None
    comparison: Comparison | None = None
    policies: tuple[PolicyResult, ...] = ()


def assess(inputs: PlanInputs, comparer: Comparer) -> list[Assessment]:
    """Pair every key, decide what needs no comparison, and compare the rest once each."""
    desired = [] if inputs.load_failed else inputs.desired
    pairing = pair(desired, inputs.live, inputs.inventory, inputs.conflicts)
    out: list[Assessment] = []
    for p in pairing.pairs:
        if inputs.refusal is not None:
            out.append(Assessment(p, refused(p, inputs.refusal)))
        elif p.conflict is not None:
            out.append(Assessment(p, classify_conflict(p)))
        elif p.desired is None:
            out.append(Assessment(p, classify_leftover(p, inputs)))
        else:
            entry, policies = precheck(p, inputs)
            if entry is not None or p.live is None:
                out.append(Assessment(p, entry, policies=policies))
            else:
                comparison = comparer.compare(p.desired, p.live)
                out.append(Assessment(p, None, comparison, policies))
    return out


def dry_run_requests(assessments: list[Assessment]) -> list[tuple[ObjectKey, dict[str, Any]]]:
    """(key, body) of what the server should check before anything is written: every compared
    pair whose differences remain, and every object to be created (so a typo, a wrong type or
    a bad name fails in the plan, not in the apply). A create is not asked about when its
    namespace or its kind's CRD is itself created by this plan: the server cannot know yet."""
    creating = [a.entry for a in assessments if a.entry is not None and _creates(a.entry)]
    new_namespaces = {e.key.name for e in creating if e.key.kind == "Namespace" and not e.key.group}
    new_kinds = {crd_kind(e.desired.body) for e in creating if e.desired is not None}
    asks = []
    for a in assessments:
        if a.comparison is not None and a.comparison.uncovered:
            asks.append((a.pair.key, a.comparison.apply_body))
        elif a.entry is not None and _creates(a.entry) and a.entry.apply_body is not None:
            key = a.pair.key
            if key.namespace in new_namespaces or (key.group, key.kind) in new_kinds:
                continue
            asks.append((key, a.entry.apply_body))
    return asks


def _creates(entry: PlanEntry) -> bool:
    return entry.writes and entry.live is None and entry.cls is not PlanClass.PRUNE


def crd_kind(body: dict[str, Any]) -> tuple[str, str] | None:
    """(group, kind) a CustomResourceDefinition body defines; None for any other body."""
    if body.get("kind") != "CustomResourceDefinition":
        return None
    spec = body.get("spec") or {}
    return str(spec.get("group", "")), str((spec.get("names") or {}).get("kind", ""))


def decide(
    assessments: list[Assessment],
    inputs: PlanInputs,
    answers: Mapping[ObjectKey, dict[str, Any]],
    *,
    compared: int = 0,
) -> Plan:
    """The plan, from the assessments and the server's dry-run answers."""
    entries: list[PlanEntry] = []
    for a in assessments:
        entry = a.entry
        if a.comparison is not None:
            live = a.pair.live
            assert live is not None
            answer = answers.get(a.pair.key)
            settled = settle(a.comparison, answer, live)
            entry = classify_compared(a.pair, settled, a.policies, answer, inputs)
        if entry is not None:
            entries.append(entry)
    stats = PlanStats(compared=compared, dry_runs=len(answers))
    return Plan(inputs.source, inputs.commit, tuple(entries), stats)


def build_plan(inputs: PlanInputs, comparer: Comparer | None = None) -> Plan:
    """The whole plan from data alone, with `inputs.dry_run` as the server's answers."""
    comparer = comparer or Comparer(CompareOptions.from_config(inputs.config))
    assessments = assess(inputs, comparer)
    asked = {key for key, _body in dry_run_requests(assessments)}
    answers = {k: v for k, v in inputs.dry_run.items() if k in asked}
    return decide(assessments, inputs, answers, compared=comparer.calls)
