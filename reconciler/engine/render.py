"""Rendering: spec kinds and plain manifests into the Kubernetes objects git wants (pure).

| kind | renders to |
|---|---|
| Tool (published) | the toolset ConfigMap: key `toolsets.yaml` (generated); `overrides.yaml` |
|  | in it is admin-owned and never written |
| Mapping (published) | ConfigMap `mappings-<scope>`, a key `<name>.yaml` per mapping |
| Remediation | ConfigMap `remediation-<name>`, key `remediation.yaml` |
| Pattern, Policy | nothing (AI context and gates) |
| plain manifest | itself; a namespaced object without a namespace gets the repo namespace |

Every rendered object is labelled as the source's own, and every namespace rendered into is
itself rendered (the reconciler creates the namespaces it renders into).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from reconciler.engine.desired import DesiredObject
from reconciler.engine.ownership import PRUNE_ANNOTATION, with_ownership
from reconciler.specs.config import RepoConfig
from reconciler.specs.kinds import Mapping, Tool
from reconciler.specs.registry import Spec
from reconciler.specs.remediation import Remediation

TOOLSETS_KEY = "toolsets.yaml"
OVERRIDES_KEY = "overrides.yaml"
GENERATED_LABEL = "reconciler.dev/generated"

IsNamespaced = Callable[[str, str], bool]


@dataclass(frozen=True)
class SourcedSpec:
    spec: Spec
    file: str


@dataclass(frozen=True)
class SourcedManifest:
    body: dict[str, Any]
    file: str


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _config_map(name: str, namespace: str, data: dict[str, str], generated: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {GENERATED_LABEL: generated}},
        "data": data,
    }


def _tool_entry(tool: Tool) -> dict[str, Any]:
    spec = tool.spec
    entry: dict[str, Any] = {
        "name": tool.metadata.name,
        "type": spec.tool_type,
        "description": spec.description,
        "readOnly": spec.read_only,
    }
    if spec.config:
        entry["config"] = spec.config
    if spec.input_schema is not None:
        entry["inputSchema"] = spec.input_schema
    if spec.output_schema is not None:
        entry["outputSchema"] = spec.output_schema
    return entry


def render_toolsets(tools: list[SourcedSpec], config: RepoConfig) -> DesiredObject | None:
    """The toolset ConfigMap of every published tool, grouped by toolset, sorted by name."""
    published = sorted(
        (s.spec for s in tools if isinstance(s.spec, Tool) and s.spec.spec.status == "published"),
        key=lambda tool: tool.metadata.name,
    )
    if not published:
        return None
    toolsets: dict[str, list[dict[str, Any]]] = {}
    for tool in published:
        toolsets.setdefault(tool.spec.toolset or tool.spec.tool_type, []).append(_tool_entry(tool))
    document = {
        "toolsets": {
            name: {"enabled": True, "tools": entries} for name, entries in sorted(toolsets.items())
        }
    }
    body = _config_map(
        config.toolset_config_map, config.namespace, {TOOLSETS_KEY: _dump(document)}, "toolsets"
    )
    return DesiredObject(body, tuple(sorted({s.file for s in tools})))


def render_mappings(mappings: list[SourcedSpec], config: RepoConfig) -> list[DesiredObject]:
    """One ConfigMap per scope of published mappings, one key per mapping."""
    by_scope: dict[str, list[tuple[Mapping, str]]] = {}
    for sourced in mappings:
        if isinstance(sourced.spec, Mapping):
            by_scope.setdefault(sourced.spec.spec.scope, []).append((sourced.spec, sourced.file))
    out = []
    for scope, members in sorted(by_scope.items()):
        data = {}
        for mapping, _file in sorted(members, key=lambda m: m[0].metadata.name):
            if mapping.spec.status != "published":
                continue
            data[f"{mapping.metadata.name}.yaml"] = _dump(
                {
                    "name": mapping.metadata.name,
                    "mappingType": mapping.spec.mapping_type,
                    "description": mapping.spec.description,
                    "content": mapping.spec.content,
                }
            )
        if data:
            body = _config_map(f"mappings-{scope}", config.namespace, data, "mappings")
            out.append(DesiredObject(body, tuple(sorted({file for _m, file in members}))))
    return out


def render_remediation(remediation: Remediation, file: str, config: RepoConfig) -> DesiredObject:
    document = remediation.model_dump(mode="json", by_alias=True, exclude_none=True)
    name = remediation.metadata.name
    data = {"remediation.yaml": _dump(document)}
    body = _config_map(f"remediation-{name}", config.namespace, data, "remediation")
    return DesiredObject(body, (file,))


def _scoped(
    body: dict[str, Any], config: RepoConfig, is_namespaced: IsNamespaced
) -> dict[str, Any]:
    """A namespaced object without a namespace gets the repo's; a cluster-scoped one loses its
    namespace, as the API server would ignore it."""
    meta = dict(body.get("metadata") or {})
    if is_namespaced(str(body.get("apiVersion")), str(body.get("kind"))):
        if not meta.get("namespace"):
            meta["namespace"] = config.namespace
    else:
        meta.pop("namespace", None)
    return {**body, "metadata": meta}


def _namespace(name: str, origins: Iterable[str]) -> DesiredObject:
    """A namespace created because objects render into it. It is never pruned: deleting a
    namespace deletes everything in it, including objects the reconciler never owned."""
    body = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "annotations": {PRUNE_ANNOTATION: "disabled"}},
    }
    return DesiredObject(body, tuple(sorted(set(origins))), derived=True)


def render(
    specs: Iterable[SourcedSpec],
    manifests: Iterable[SourcedManifest],
    *,
    config: RepoConfig,
    source: str,
    is_namespaced: IsNamespaced,
) -> list[DesiredObject]:
    """Every object git wants, labelled with ownership, sorted by key."""
    spec_list = list(specs)
    rendered: list[DesiredObject] = []
    tools = [s for s in spec_list if isinstance(s.spec, Tool)]
    toolset = render_toolsets(tools, config)
    if toolset is not None:
        rendered.append(toolset)
    rendered.extend(render_mappings([s for s in spec_list if isinstance(s.spec, Mapping)], config))
    rendered.extend(
        render_remediation(s.spec, s.file, config)
        for s in spec_list
        if isinstance(s.spec, Remediation)
    )
    for manifest in manifests:
        rendered.append(
            DesiredObject(_scoped(manifest.body, config, is_namespaced), (manifest.file,))
        )
    namespaces_declared = {d.key.name for d in rendered if d.key.kind == "Namespace"}
    needed: dict[str, list[str]] = {}
    for d in rendered:
        if d.key.namespace and d.key.namespace not in namespaces_declared:
            needed.setdefault(d.key.namespace, []).extend(d.origins)
    rendered.extend(_namespace(ns, origins) for ns, origins in needed.items())
    owned = [
        DesiredObject(
            with_ownership(d.body, source=source, origin=d.origins[0]), d.origins, d.derived
        )
        for d in rendered
    ]
    return sorted(owned, key=lambda d: d.key)
