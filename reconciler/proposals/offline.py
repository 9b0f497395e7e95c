"""The offline provider: deterministic, no network; the embedded default and the fallback.

It implements the provider port (`clients.llm_api.LLMProvider`) like a model would: it reads
the context of the first message (`proposals.context`) and answers with a `propose_edits` tool
call, or with text saying what it understood when it has nothing to propose. It finds the
target (`namespace/name`, or a name only one workload has) and the `Pattern` whose triggers the
text uses most (whole words or phrases, case-insensitive), then applies the patterns it knows:

- `zero-downtime-rolling-update`: a RollingUpdate strategy with maxUnavailable 0 and maxSurge
  1, and at least 2 replicas;
- `keda-autoscaling`: a KEDA `ScaledObject` when the cluster serves `keda.sh`, else an
  autoscaling/v2 HPA (CPU at 70%), in a new file beside the target's; the autoscaler's changes
  of replicas are overrides the reconciler preserves;
- `database-ha`: 3 replicas and a PodDisruptionBudget with minAvailable 2 (new file).

Published `Mapping` keyword tables (a phrase -> what it means) expand the words first, so a team
can teach it its own vocabulary ("keep serving during deploys" -> "zero downtime").

Nothing in the intent's words is executed or copied into a manifest.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Any

import yaml

from reconciler.clients.llm_api import Completion, Message, ToolCall, ToolDefinition
from reconciler.specs.yamlparse import Path

PROPOSE_EDITS = ToolDefinition(
    name="propose_edits",
    description="Propose edits to spec files; the reconciler applies and validates them.",
    input_schema={
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "understood": {"type": "string"},
            "edits": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string"},
                        "document": {"type": "integer"},
                        "path": {"type": "array", "items": {"type": ["string", "integer"]}},
                        "value": {},
                    },
                    "required": ["file", "document", "path", "value"],
                },
            },
            "files": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["title", "edits", "files"],
    },
)
HasKind = Callable[[str, str], bool]


class OfflineProvider:
    """`LLMProvider` without a model (see the module docstring)."""

    @property
    def name(self) -> str:
        return "offline"

    def complete(
        self,
        *,
        system: str,
        messages: Sequence[Message],
        tools: Sequence[ToolDefinition],
        max_tokens: int,
    ) -> Completion:
        context = json.loads(messages[0].text)
        words = _expanded(str(context["intent"]).lower(), context.get("keywords", {}))
        target = _target(words, context["workloads"])
        pattern = _pattern(words, context["patterns"])
        understood = f"target: {target['ref'] if target else 'none found'}; pattern: "
        understood += pattern["name"] if pattern else "none matched"
        if target is None or pattern is None or pattern["name"] not in APPLY:
            return Completion(text=f"not understood ({understood})", model="offline")
        if not target["editable"]:
            return Completion(text=f"{target['ref']} is generated, not written", model="offline")
        capabilities = set(context["capabilities"])

        def has_kind(api_version: str, kind: str) -> bool:
            return f"{kind} ({api_version})" in capabilities

        edits, files = APPLY[pattern["name"]](target["desired"], has_kind)
        folder = posixpath.dirname(target["file"])
        files = {posixpath.join(folder, n) if folder else n: t for n, t in files.items()}
        arguments = {
            "title": f"{pattern['name']} for {target['ref']}",
            "summary": pattern["recommendation"],
            "understood": understood,
            "rationale": pattern["rationale"],
            "edits": [
                {
                    "file": target["file"],
                    "document": target["document"],
                    "path": list(p),
                    "value": v,
                }
                for p, v in edits.items()
            ],
            "files": files,
            "targets": [target["ref"]],
            "pattern": pattern["name"],
        }
        call = ToolCall("offline-1", PROPOSE_EDITS.name, arguments)
        return Completion(text="", tool_calls=(call,), stop_reason="tool_use", model="offline")


def _expanded(words: str, keywords: dict[str, Any]) -> str:
    """`words` plus what the Mapping keyword tables say the phrases in them mean."""
    extra: list[Any] = []
    for phrase, meaning in keywords.items():
        if re.search(rf"\b{re.escape(phrase)}\b", words):
            extra.extend([meaning] if isinstance(meaning, str) else meaning)
    return " ".join([words, *(str(m).lower() for m in extra)])


def _target(words: str, workloads: list[dict[str, Any]]) -> dict[str, Any] | None:
    for workload in workloads:
        namespaced = workload["ref"].split("/", 1)[1]
        if namespaced in words:
            return workload
    named = [
        w for w in workloads if re.search(rf"\b{re.escape(w['ref'].rsplit('/', 1)[1])}\b", words)
    ]
    return named[0] if len(named) == 1 else None


def _pattern(words: str, patterns: list[dict[str, Any]]) -> dict[str, Any] | None:
    scored = []
    for pattern in patterns:
        triggers = [str(t).lower() for t in pattern.get("triggers", [])]
        hits = sum(1 for t in triggers if re.search(rf"\b{re.escape(t)}\b", words))
        if hits:
            scored.append((hits, pattern["name"], pattern))
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


Files = dict[str, str]
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


def _dump(doc: dict[str, Any]) -> str:
    header = "# Proposed by the reconciler for an intent; review before merging.\n"
    return header + yaml.safe_dump(doc, sort_keys=False)


APPLY: dict[str, Callable[[dict[str, Any], HasKind], tuple[Edits, Files]]] = {
    "zero-downtime-rolling-update": _rolling,
    "keda-autoscaling": _autoscale,
    "database-ha": _database_ha,
}
