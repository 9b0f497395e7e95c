"""Intents, offline: a person's words become a pattern applied to the workload they name.

The offline provider is deterministic. It finds the target (`namespace/name`, or a name that
only one rendered Deployment or StatefulSet has) and the `Pattern` whose triggers the text uses
most (whole words or phrases, case-insensitive), then applies what that pattern recommends for
the patterns it knows:

- `zero-downtime-rolling-update`: a RollingUpdate strategy with maxUnavailable 0 and maxSurge
  1, and at least 2 replicas;
- `keda-autoscaling`: a KEDA `ScaledObject` when the cluster serves `keda.sh`, else an
  autoscaling/v2 HPA (CPU at 70%), in a new file beside the target's; the autoscaler's changes
  of replicas are overrides the reconciler preserves;
- `database-ha`: 3 replicas and a PodDisruptionBudget with minAvailable 2 (new file).

Anything else ends `skipped` with what it understood (the target it found, the pattern, or
neither). Nothing in the text is executed or copied into a manifest.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

import yaml

from reconciler.engine.core.plan import PlanEntry
from reconciler.engine.result import RunResult
from reconciler.proposals.model import Proposal, ProposalResult, Status, slug
from reconciler.specs.kinds import Pattern
from reconciler.specs.loaded import LoadedSpec
from reconciler.specs.tree import SourceTree
from reconciler.specs.yamledit import EditError, set_values
from reconciler.specs.yamlparse import Path

WORKLOADS = ("Deployment", "StatefulSet")
HasKind = Callable[[str, str], bool]
"""(apiVersion, kind) -> whether the cluster serves it."""


def intent_proposal(
    text: str, patterns: list[LoadedSpec], run: RunResult, tree: SourceTree, has_kind: HasKind
) -> Proposal | ProposalResult:
    words = text.lower()
    entry = _target(words, run)
    pattern = _pattern(words, patterns)
    understood = f"target: {entry.key.ref if entry else 'none found'}; pattern: "
    understood += pattern.metadata.name if pattern else "none matched"
    title = f"Intent: {text.strip()[:60]}"
    branch = f"reconciler/intent/{slug(text)}"
    if entry is None or pattern is None or pattern.metadata.name not in APPLY:
        return ProposalResult(title, branch, Status.SKIPPED, f"not understood ({understood})")
    assert entry.desired is not None
    origin = entry.desired.provenance.origins[0]
    if not entry.desired.provenance.identity:
        return ProposalResult(title, branch, Status.SKIPPED, f"{entry.key.ref} is generated")
    edits, files = APPLY[pattern.metadata.name](entry.desired.body, has_kind)
    changes: dict[str, bytes | None] = {}
    if edits:
        source = (tree.read(origin.file) or b"").decode("utf-8", "replace")
        try:
            edited = set_values(source, document=origin.document, edits=edits)
            changes[origin.file] = edited.text.encode()
        except EditError as err:
            return ProposalResult(title, branch, Status.SKIPPED, f"cannot edit in place: {err}")
    folder = posixpath.dirname(origin.file)
    for name, body in files.items():
        changes[posixpath.join(folder, name) if folder else name] = body
    return Proposal(
        trigger="intent",
        slug=slug(f"{pattern.metadata.name}-{entry.key.ref}"),
        title=f"{pattern.metadata.name} for {entry.key.ref}",
        summary=f"Asked: {text.strip()[:300]!r}. {pattern.spec.recommendation}",
        targets=(entry.key.ref,),
        changes=changes,
        evidence=[f"understood: {understood}", f"why: {pattern.spec.rationale}"],
    )


def _target(words: str, run: RunResult) -> PlanEntry | None:
    workloads = [e for e in run.plan.entries if e.key.kind in WORKLOADS and e.desired is not None]
    for entry in workloads:
        if f"{entry.key.namespace}/{entry.key.name}" in words:
            return entry
    named = [e for e in workloads if re.search(rf"\b{re.escape(e.key.name)}\b", words)]
    return named[0] if len(named) == 1 else None


def _pattern(words: str, patterns: list[LoadedSpec]) -> Pattern | None:
    scored = []
    for loaded in patterns:
        if isinstance(loaded.spec, Pattern):
            hits = sum(
                1
                for t in loaded.spec.spec.triggers
                if re.search(rf"\b{re.escape(t.lower())}\b", words)
            )
            if hits:
                scored.append((hits, loaded.spec.metadata.name, loaded.spec))
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


Files = dict[str, bytes]
Edits = dict[Path, Any]


def _rolling(body: dict[str, Any], _has: HasKind) -> tuple[Edits, Files]:
    edits: Edits = {
        ("spec", "strategy", "type"): "RollingUpdate",
        ("spec", "strategy", "rollingUpdate", "maxUnavailable"): 0,
        ("spec", "strategy", "rollingUpdate", "maxSurge"): 1,
    }
    if int(body.get("spec", {}).get("replicas", 1)) < 2:
        edits[("spec", "replicas")] = 2
    return edits, {}


def _autoscale(body: dict[str, Any], has_kind: HasKind) -> tuple[Edits, Files]:
    meta = body["metadata"]
    name, namespace = meta["name"], meta.get("namespace")
    replicas = max(int(body.get("spec", {}).get("replicas", 1)), 2)
    target = {"apiVersion": body["apiVersion"], "kind": body["kind"], "name": name}
    if has_kind("keda.sh/v1alpha1", "ScaledObject"):
        doc: dict[str, Any] = {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "scaleTargetRef": {"name": name},
                "minReplicaCount": replicas,
                "maxReplicaCount": replicas * 3,
                "triggers": [
                    {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "70"}}
                ],
            },
        }
        return {}, {f"{name}-scaledobject.yaml": _dump(doc)}
    doc = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "scaleTargetRef": target,
            "minReplicas": replicas,
            "maxReplicas": replicas * 3,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }
    return {}, {f"{name}-hpa.yaml": _dump(doc)}


def _database_ha(body: dict[str, Any], _has: HasKind) -> tuple[Edits, Files]:
    meta = body["metadata"]
    labels = body.get("spec", {}).get("selector", {}).get("matchLabels") or {"app": meta["name"]}
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": meta["name"], "namespace": meta.get("namespace")},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": labels}},
    }
    edits: Edits = {}
    if int(body.get("spec", {}).get("replicas", 1)) < 3:
        edits[("spec", "replicas")] = 3
    return edits, {f"{meta['name']}-pdb.yaml": _dump(pdb)}


def _dump(doc: dict[str, Any]) -> bytes:
    header = "# Proposed by the reconciler for an intent; review before merging.\n"
    return (header + yaml.safe_dump(doc, sort_keys=False)).encode()


APPLY: dict[str, Callable[[dict[str, Any], HasKind], tuple[Edits, Files]]] = {
    "zero-downtime-rolling-update": _rolling,
    "keda-autoscaling": _autoscale,
    "database-ha": _database_ha,
}
