"""What a provider is told about an intent: embedded up front, redacted, as data.

As seed 003 does, the context is given whole in the first message instead of being discovered
turn by turn: the intent, the patterns and policies, the cluster's capabilities (which API
kinds it serves among those the patterns use), and the workloads git renders with their spec
file location and live state. Nothing secret is in it:

- a Secret's `data` and `stringData` values are `<redacted>`;
- an env value whose variable is named like a credential (`DB_PASSWORD`, `API_KEY`) is too;
- (published `Mapping` keyword tables ride along: the words people use, and what they mean);
- every annotation value is (annotations carry free text: tokens, or instructions meant for a
  model); `managedFields` and `status` are left out.

The provider returns edits (data); it never sees or writes anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.engine.result import RunResult
from reconciler.proposals.model import CREDENTIAL_NAME
from reconciler.specs.kinds import Mapping, Pattern, Policy
from reconciler.specs.loaded import LoadedSpec

REDACTED = "<redacted>"
WORKLOADS = ("Deployment", "StatefulSet")
CAPABILITIES = (("keda.sh/v1alpha1", "ScaledObject"), ("autoscaling/v2", "HorizontalPodAutoscaler"))


def redact(obj: Any) -> Any:
    """A copy of a Kubernetes object with nothing secret in it (see the module docstring)."""
    if not isinstance(obj, dict):
        return obj
    out = {k: _redact_value(k, v) for k, v in obj.items() if k != "status"}
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta = {k: v for k, v in meta.items() if k != "managedFields"}
        for key in ("annotations",):
            if isinstance(meta.get(key), dict):
                meta[key] = {k: REDACTED for k in meta[key]}
        out["metadata"] = meta
    if obj.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if isinstance(out.get(key), dict):
                out[key] = {k: REDACTED for k in out[key]}
    return out


def _redact_value(key: str, value: Any) -> Any:
    if key == "env" and isinstance(value, list):
        return [
            {**e, "value": REDACTED}
            if isinstance(e, dict)
            and "value" in e
            and CREDENTIAL_NAME.search(str(e.get("name", "")))
            else e
            for e in value
        ]
    if isinstance(value, dict):
        return {k: _redact_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value("", v) for v in value]
    return value


def intent_context(
    text: str,
    specs: list[LoadedSpec],
    run: RunResult,
    has_kind: Callable[[str, str], bool],
    crds: list[str] | None = None,
) -> dict[str, Any]:
    """The context of an intent (see the module docstring), JSON-serialisable."""
    workloads = []
    for entry in run.plan.entries:
        desired = entry.desired
        if entry.key.kind not in WORKLOADS or desired is None or not desired.provenance.origins:
            continue
        origin = desired.provenance.origins[0]
        workloads.append(
            {
                "ref": entry.key.ref,
                "file": origin.file,
                "document": origin.document,
                "editable": desired.provenance.identity,
                "desired": redact(desired.body),
                "live": redact(entry.live) if entry.live else None,
            }
        )
    return {
        "intent": text,
        "patterns": [
            {"name": s.spec.metadata.name, **s.spec.spec.model_dump(mode="json")}
            for s in specs
            if isinstance(s.spec, Pattern)
        ],
        "policies": [
            {
                "name": s.spec.metadata.name,
                "enforcement": s.spec.spec.enforcement,
                "message": s.spec.spec.message,
            }
            for s in specs
            if isinstance(s.spec, Policy)
        ],
        "keywords": {
            str(k).lower(): v
            for s in specs
            if isinstance(s.spec, Mapping)
            and s.spec.spec.status == "published"
            and isinstance(s.spec.spec.content, dict)
            for k, v in s.spec.spec.content.items()
            if isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        },
        "capabilities": [f"{k} ({v})" for v, k in CAPABILITIES if has_kind(v, k)],
        "crds": sorted(crds or []),
        "workloads": workloads,
    }
