"""Alerts: a firing alert that matches a `Remediation` becomes the remediation's change in git.

The input is Alertmanager's webhook payload (version 4): every alert in it is considered, not
just the first; resolved ones are ignored. An alert matches a remediation when its `alertname`
is the trigger's and every matcher holds (`=`, `!=`, `=~`, `!~`, regexes anchored as in
Alertmanager). The target is the remediation's `name`, or the alert label `nameFromLabel`
names, in the fixed namespace or the alert's `namespace` label. Its actions become field edits
of the manifest git renders it from:

- `scale`: `spec.replicas`, absolute or git's value plus `delta`, within `minReplicas` and
  `maxReplicas`;
- `setImage`, `setResources`: the named container's `image` and resources;
- `restart`: the pod template annotation `kubectl.kubernetes.io/restartedAt` (the alert's
  `startsAt`), as `kubectl rollout restart` sets it;
- `patch` (merge): each scalar of the patch;
- `rollback`: the target's file as it was before the last commit that changed it (`history`
  answers that; a file other objects share is rolled back whole, as a `git revert` of that
  file would).

At most `limit` proposals per payload (a storm guard); one alert for the same target and change
again is the same pull request (its fingerprint).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from reconciler.engine.core.plan import PlanEntry
from reconciler.engine.result import RunResult
from reconciler.proposals.model import Proposal, ProposalResult, Status, seconds, slug
from reconciler.specs.loaded import LoadedSpec
from reconciler.specs.remediation import (
    LabelMatcher,
    PatchAction,
    Remediation,
    RestartAction,
    RollbackAction,
    ScaleAction,
    SetImageAction,
    SetResourcesAction,
)
from reconciler.specs.tree import SourceTree
from reconciler.specs.yamledit import EditError, set_values
from reconciler.specs.yamlparse import Path

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
History = Callable[[str], "tuple[str, bytes | None] | None"]
"""A source file -> the last commit that changed it and the file before it (see git)."""


class PayloadError(ValueError):
    """Not an Alertmanager webhook payload."""


def firing_alerts(data: bytes) -> list[dict[str, Any]]:
    """The firing alerts of an Alertmanager webhook payload (version 4)."""
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise PayloadError(f"not JSON: {err}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise PayloadError("not an Alertmanager webhook payload: no `alerts` list")
    if str(payload.get("version", "4")) != "4":
        raise PayloadError(f"payload version {payload.get('version')!r}: only 4 is understood")
    return [
        a
        for a in payload["alerts"]
        if isinstance(a, dict)
        and a.get("status", "firing") == "firing"
        and isinstance(a.get("labels"), dict)
    ]


def matches(remediation: Remediation, alert: dict[str, Any]) -> bool:
    labels = {str(k): str(v) for k, v in alert["labels"].items()}
    trigger = remediation.spec.trigger
    return labels.get("alertname") == trigger.alert_name and all(
        _holds(m, labels.get(m.label, "")) for m in trigger.matchers
    )


def _holds(matcher: LabelMatcher, value: str) -> bool:
    if matcher.op == "=":
        return value == matcher.value
    if matcher.op == "!=":
        return value != matcher.value
    found = re.fullmatch(matcher.value, value) is not None
    return found if matcher.op == "=~" else not found


def alert_proposals(
    alerts: list[dict[str, Any]],
    remediations: list[LoadedSpec],
    run: RunResult,
    tree: SourceTree,
    *,
    limit: int,
    history: History | None = None,
) -> tuple[list[Proposal], list[ProposalResult]]:
    proposals: dict[str, Proposal] = {}
    results: list[ProposalResult] = []
    for alert in alerts:
        for loaded in remediations:
            remediation = loaded.spec
            if not isinstance(remediation, Remediation) or not matches(remediation, alert):
                continue
            found = _proposal(remediation, alert, run, tree, history)
            if isinstance(found, ProposalResult):
                results.append(found)
            elif found.branch not in proposals:
                if len(proposals) >= limit:
                    reason = f"storm guard: at most {limit} proposals per payload"
                    results.append(
                        ProposalResult(found.title, found.branch, Status.SKIPPED, reason)
                    )
                else:
                    proposals[found.branch] = found
    return list(proposals.values()), results


def _proposal(
    remediation: Remediation,
    alert: dict[str, Any],
    run: RunResult,
    tree: SourceTree,
    history: History | None,
) -> Proposal | ProposalResult:
    labels = {str(k): str(v) for k, v in alert["labels"].items()}
    target = remediation.spec.target
    name = target.name or (labels.get(target.name_from_label) if target.name_from_label else None)
    namespace = target.namespace or labels.get("namespace")
    ref = f"{target.kind}/{namespace}/{name}"
    title = f"Remediate {labels['alertname']} on {ref} ({remediation.metadata.name})"
    branch = f"reconciler/alert/{slug(remediation.metadata.name + '-' + ref)}"
    entry = next((e for e in run.plan.entries if e.key.ref == ref), None)
    if not name or not namespace or entry is None or entry.desired is None:
        why = "a selector target" if target.selector else f"{ref} is not rendered by this source"
        return ProposalResult(title, branch, Status.SKIPPED, f"no target in git: {why}")
    origin = entry.desired.provenance.origins[0] if entry.desired.provenance.origins else None
    if origin is None or not entry.desired.provenance.identity:
        return ProposalResult(title, branch, Status.SKIPPED, f"{ref} is generated, not written")
    if any(isinstance(a, RollbackAction) for a in remediation.spec.actions):
        found = history(origin.file) if history else None
        if found is None or found[1] is None:
            why = "no earlier version of its file" if history else "no history available"
            return ProposalResult(title, branch, Status.SKIPPED, f"rollback: {why}")
        sha, before = found
        return Proposal(
            trigger="alert",
            slug=slug(remediation.metadata.name + "-" + ref),
            title=title,
            summary=f"The alert {labels['alertname']} fires for {ref}; the remediation "
            f"{remediation.metadata.name} rolls back {origin.file} to before {sha[:12]}.",
            targets=(ref,),
            changes={origin.file: before},
            evidence=[
                f"alert {labels['alertname']} firing since {alert.get('startsAt', '?')}",
                f"{origin.file} as it was before commit {sha[:12]}",
            ],
            cooldown=seconds(remediation.spec.safety.cooldown),
        )
    try:
        edits = _edits(remediation, alert, entry)
    except ValueError as err:
        return ProposalResult(title, branch, Status.SKIPPED, str(err))
    text = (tree.read(origin.file) or b"").decode("utf-8", "replace")
    paths = {entry.desired.provenance.origins[0].path_of(_pointer(p)): v for p, v in edits.items()}
    try:
        new = set_values(text, document=origin.document, edits=paths).text
    except EditError as err:
        return ProposalResult(title, branch, Status.SKIPPED, f"cannot edit in place: {err}")
    description = (alert.get("annotations") or {}).get("summary", "")
    return Proposal(
        trigger="alert",
        slug=slug(remediation.metadata.name + "-" + ref),
        title=title,
        summary=f"The alert {labels['alertname']} fires for {ref}; the remediation "
        f"{remediation.metadata.name} says what to do, as a reviewed change in git.",
        targets=(ref,),
        changes={origin.file: new.encode()},
        evidence=[
            f"alert {labels['alertname']} firing since {alert.get('startsAt', '?')}",
            *(f"{_dotted(p)} -> {v!r}" for p, v in edits.items()),
        ]
        + ([f"alert summary (untrusted text): {description[:200]!r}"] if description else []),
        cooldown=seconds(remediation.spec.safety.cooldown),
    )


def _edits(remediation: Remediation, alert: dict[str, Any], entry: PlanEntry) -> dict[Path, Any]:
    assert entry.desired is not None
    body = entry.desired.body
    safety = remediation.spec.safety
    containers = body.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    out: dict[Path, Any] = {}
    for action in remediation.spec.actions:
        if isinstance(action, ScaleAction):
            current = int(body.get("spec", {}).get("replicas", 1))
            wanted = (
                action.replicas if action.replicas is not None else current + (action.delta or 0)
            )
            low = safety.min_replicas if safety.min_replicas is not None else 0
            high = safety.max_replicas if safety.max_replicas is not None else wanted
            out[("spec", "replicas")] = max(low, min(high, wanted))
        elif isinstance(action, SetImageAction | SetResourcesAction):
            index = _container(containers, action.container)
            at: Path = ("spec", "template", "spec", "containers", index)
            if isinstance(action, SetImageAction):
                out[(*at, "image")] = action.image
            else:
                for part, values in (("requests", action.requests), ("limits", action.limits)):
                    for key, value in values.items():
                        out[(*at, "resources", part, key)] = value
        elif isinstance(action, RestartAction):
            stamp = str(alert.get("startsAt") or "restart")
            out[("spec", "template", "metadata", "annotations", RESTARTED_AT)] = stamp
        elif isinstance(action, PatchAction):
            if action.patch_type != "merge" or not isinstance(action.patch, dict):
                raise ValueError("only merge patches are proposed so far")
            out.update(_leaves(action.patch, ()))
    if not out:
        raise ValueError("the remediation changes nothing")
    return out


def _container(containers: list[Any], name: str) -> int:
    for i, container in enumerate(containers):
        if isinstance(container, dict) and container.get("name") == name:
            return i
    raise ValueError(f"no container {name!r} in the target")


def _leaves(value: dict[str, Any], at: Path) -> dict[Path, Any]:
    out: dict[Path, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            out.update(_leaves(item, (*at, key)))
        elif isinstance(item, list):
            raise ValueError("a merge patch that sets a list is not proposed in place")
        else:
            out[(*at, key)] = item
    return out


def _pointer(path: Path) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _dotted(path: Path) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
