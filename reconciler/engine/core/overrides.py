"""Overrides: live differences that are legitimate and preserved, never reported as drift.

An override is a field someone else is entitled to set:

1. fields owned (managedFields) by a configured override manager, e.g. the HPA controller's
   `/scale` writes (`kube-controller-manager`); a person's `kubectl scale` or `kubectl edit`
   records another manager and stays drift;
2. JSON pointers in the live annotation `reconciler.dev/override-paths` (comma or newline
   separated), for operators who take a field over by hand;
3. admin-owned keys of generated ConfigMaps (`overrides.yaml` of the toolset ConfigMap);
4. `ignoreDifferences` rules of `reconciler.yaml`.

Overridden fields are also left out of what the reconciler applies, so it never fights their
owner for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.engine.core.fieldpaths import ManagerEntry, managers
from reconciler.engine.core.ownership import OVERRIDE_PATHS_ANNOTATION, annotations_of, labels_of
from reconciler.engine.core.pointers import covers, split
from reconciler.engine.core.render import GENERATED_LABEL, OVERRIDES_KEY
from reconciler.specs.config import IgnoreRule
from reconciler.specs.keys import ObjectKey


@dataclass(frozen=True)
class Override:
    pointer: str
    reason: str


def _rule_matches(rule: IgnoreRule, key: ObjectKey) -> bool:
    return (
        (rule.group is None or rule.group == key.group)
        and (rule.kind is None or rule.kind == key.kind)
        and (rule.namespace is None or rule.namespace == key.namespace)
        and (rule.name is None or rule.name == key.name)
    )


def annotation_pointers(live: dict[str, Any]) -> list[str]:
    """The JSON pointers listed in the override-paths annotation (comma or newline separated);
    malformed entries override nothing (`malformed_override_paths` reports them)."""
    return _annotation_parts(live)[0]


def malformed_override_paths(live: dict[str, Any]) -> list[str]:
    """Entries of the override-paths annotation that are not JSON pointers (`spec/replicas`
    without its leading `/`): ignored, and worth telling the person who wrote them."""
    return _annotation_parts(live)[1]


def _annotation_parts(live: dict[str, Any]) -> tuple[list[str], list[str]]:
    raw = annotations_of(live).get(OVERRIDE_PATHS_ANNOTATION, "")
    good, bad = [], []
    for part in str(raw).replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            split(part)
        except ValueError:
            bad.append(part)
            continue
        good.append(part)
    return good, bad


def overrides_for(
    key: ObjectKey,
    live: dict[str, Any],
    *,
    override_managers: frozenset[str],
    ignore_rules: tuple[IgnoreRule, ...],
    entries: list[ManagerEntry] | None = None,
) -> list[Override]:
    """Every override that applies to one live object (`entries`: its decoded managedFields,
    when the caller has them already)."""
    found: list[Override] = []
    for entry in managers(live) if entries is None else entries:
        if entry.manager in override_managers:
            via = f" via /{entry.subresource}" if entry.subresource else ""
            found.extend(
                Override(p, f"owned by override manager {entry.manager}{via}")
                for p in sorted(entry.pointers)
            )
    found.extend(
        Override(p, f"listed in annotation {OVERRIDE_PATHS_ANNOTATION}")
        for p in annotation_pointers(live)
    )
    if labels_of(live).get(GENERATED_LABEL) == "toolsets":
        found.append(Override(f"/data/{OVERRIDES_KEY}", "admin-owned key of a generated ConfigMap"))
    for rule in ignore_rules:
        if _rule_matches(rule, key):
            found.extend(
                Override(p, "ignoreDifferences in reconciler.yaml") for p in rule.json_pointers
            )
    return found


def covering(pointer: str, overrides: list[Override]) -> Override | None:
    """The override that covers a differing pointer, if any."""
    for override in overrides:
        if covers(override.pointer, pointer):
            return override
    return None


def strip(body: dict[str, Any], overrides: list[Override]) -> dict[str, Any]:
    """A copy of `body` without the overridden fields, so applying it leaves their owners be."""
    result: dict[str, Any] = body
    for override in overrides:
        tokens = split(override.pointer)
        if tokens:
            result = _without(result, tokens)
    return result


def _without(node: Any, tokens: list[str]) -> Any:
    head, rest = tokens[0], tokens[1:]
    if isinstance(node, dict) and head in node:
        if not rest:
            return {k: v for k, v in node.items() if k != head}
        return {**node, head: _without(node[head], rest)}
    if isinstance(node, list) and head.isdigit() and int(head) < len(node):
        i = int(head)
        if not rest:
            return node  # removing a list item would shift the others; keep the list whole
        return [*node[:i], _without(node[i], rest), *node[i + 1 :]]
    return node
