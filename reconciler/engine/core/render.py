"""Rendering: spec kinds and plain manifests into the Kubernetes objects git wants (pure).

| kind | renders to |
|---|---|
| Tool (published) | the toolset ConfigMap: key `toolsets.yaml` (generated); `overrides.yaml` |
|  | in it is admin-owned and never written |
| Mapping (published) | ConfigMap `mappings-<scope>`, a key `<name>.yaml` per mapping |
| Remediation | ConfigMap `remediation-<name>`, key `remediation.yaml` |
| Pattern, Policy | nothing (AI context and gates) |
| plain manifest | itself; a namespaced object without a namespace gets the repo namespace |
| built (Kustomize, Helm) | as a plain manifest; the namespace default is the build's if set |

Every rendered object is labelled as the source's own, and every namespace rendered into is
itself rendered (the reconciler creates the namespaces it renders into).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import yaml

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.ownership import PRUNE_ANNOTATION, with_ownership
from reconciler.engine.core.pointers import escape
from reconciler.engine.core.provenance import FieldSource, Origin, Provenance, manifest_provenance
from reconciler.specs.config import RepoConfig
from reconciler.specs.kinds import Mapping, Tool
from reconciler.specs.loader import LoadedManifest, LoadedSpec
from reconciler.specs.remediation import Remediation
from reconciler.specs.toolset import ENTRY_FIELDS, ToolsetDocument

TOOLSETS_KEY = "toolsets.yaml"
OVERRIDES_KEY = "overrides.yaml"
GENERATED_LABEL = "reconciler.dev/generated"

IsNamespaced = Callable[[str, str], bool]


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _config_map(name: str, namespace: str, data: dict[str, str], generated: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {GENERATED_LABEL: generated}},
        "data": data,
    }


def _data(key: str, inner: str = "") -> str:
    """The provenance pointer of a data key, or of a path inside its YAML payload."""
    pointer = f"/data/{escape(key)}"
    return f"{pointer}#{inner}" if inner else pointer


def render_toolsets(tools: list[LoadedSpec], config: RepoConfig) -> DesiredObject | None:
    """The toolset ConfigMap of every published tool, grouped by toolset, sorted by name."""
    by_name = {s.spec.metadata.name: s for s in tools if isinstance(s.spec, Tool)}
    document = ToolsetDocument.from_tools(
        s.spec for s in by_name.values() if isinstance(s.spec, Tool)
    )
    if not document.toolsets:
        return None
    fields: dict[str, FieldSource] = {}
    for set_name, toolset in document.toolsets.items():
        for i, entry in enumerate(toolset.tools):
            origin = Origin.of(by_name[entry.name])
            at = f"/toolsets/{escape(set_name)}/tools/{i}"
            fields[_data(TOOLSETS_KEY, at)] = FieldSource(origin, ())
            for name, path in ENTRY_FIELDS.items():
                fields[_data(TOOLSETS_KEY, f"{at}/{name}")] = FieldSource(origin, path)
    body = _config_map(
        config.toolset_config_map,
        config.namespace,
        {TOOLSETS_KEY: _dump(document.dump())},
        "toolsets",
    )
    origins = tuple(Origin.of(s) for s in sorted(tools, key=_position))
    return DesiredObject(body, Provenance(origins, fields))


MAPPING_FIELDS = {
    "name": ("metadata", "name"),
    "mappingType": ("spec", "mappingType"),
    "description": ("spec", "description"),
    "content": ("spec", "content"),
}
"""Field of a rendered mapping key -> the Mapping spec field it comes from."""


def render_mappings(mappings: list[LoadedSpec], config: RepoConfig) -> list[DesiredObject]:
    """One ConfigMap per scope of published mappings, one key per mapping."""
    by_scope: dict[str, list[LoadedSpec]] = {}
    for loaded in mappings:
        if isinstance(loaded.spec, Mapping):
            by_scope.setdefault(loaded.spec.spec.scope, []).append(loaded)
    out = []
    for scope, members in sorted(by_scope.items()):
        data: dict[str, str] = {}
        fields: dict[str, FieldSource] = {}
        for loaded in sorted(members, key=lambda m: m.spec.metadata.name):
            mapping = loaded.spec
            if not isinstance(mapping, Mapping) or mapping.spec.status != "published":
                continue
            key = f"{mapping.metadata.name}.yaml"
            data[key] = _dump(
                {
                    "name": mapping.metadata.name,
                    "mappingType": mapping.spec.mapping_type,
                    "description": mapping.spec.description,
                    "content": mapping.spec.content,
                }
            )
            origin = Origin.of(loaded)
            fields[_data(key)] = FieldSource(origin, ())
            for name, path in MAPPING_FIELDS.items():
                fields[_data(key, f"/{name}")] = FieldSource(origin, path)
        if data:
            body = _config_map(f"mappings-{scope}", config.namespace, data, "mappings")
            origins = tuple(Origin.of(m) for m in sorted(members, key=_position))
            out.append(DesiredObject(body, Provenance(origins, fields)))
    return out


def render_remediation(loaded: LoadedSpec, config: RepoConfig) -> DesiredObject:
    """A ConfigMap per remediation, key `remediation.yaml` holding the whole spec document (so a
    path inside the payload is the same path in the source document)."""
    remediation = loaded.spec
    document = remediation.model_dump(mode="json", by_alias=True, exclude_none=True)
    name = remediation.metadata.name
    data = {"remediation.yaml": _dump(document)}
    body = _config_map(f"remediation-{name}", config.namespace, data, "remediation")
    origin = Origin.of(loaded)
    fields = {_data("remediation.yaml"): FieldSource(origin, ())}
    return DesiredObject(body, Provenance((origin,), fields))


def _position(loaded: LoadedSpec) -> tuple[str, int]:
    return loaded.location.file, loaded.document


def _scoped(body: dict[str, Any], namespace: str, is_namespaced: IsNamespaced) -> dict[str, Any]:
    """A namespaced object without a namespace gets `namespace` (the repo's, or its build's);
    a cluster-scoped one loses its namespace, as the API server would ignore it."""
    meta = dict(body.get("metadata") or {})
    if is_namespaced(str(body.get("apiVersion")), str(body.get("kind"))):
        if not meta.get("namespace"):
            meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    return {**body, "metadata": meta}


def _namespace(name: str, origins: Iterable[Origin]) -> DesiredObject:
    """A namespace created because objects render into it. It is never pruned: deleting a
    namespace deletes everything in it, including objects the reconciler never owned."""
    body = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "annotations": {PRUNE_ANNOTATION: "disabled"}},
    }
    unique = sorted(set(origins), key=lambda o: (o.file, o.document))
    return DesiredObject(body, Provenance(tuple(unique)), derived=True)


def render(
    specs: Iterable[LoadedSpec],
    manifests: Iterable[LoadedManifest],
    *,
    config: RepoConfig,
    source: str,
    is_namespaced: IsNamespaced,
    digest_key: bytes = b"",
) -> list[DesiredObject]:
    """Every object git wants, labelled with ownership, sorted by key. Two definitions of one
    key both stay in the result: pairing (`pair.find_conflicts`) reports them. `digest_key`
    keys the digests of Secrets (see `desired.digest`)."""
    spec_list = list(specs)
    rendered: list[DesiredObject] = []
    toolset = render_toolsets([s for s in spec_list if isinstance(s.spec, Tool)], config)
    if toolset is not None:
        rendered.append(toolset)
    rendered.extend(render_mappings([s for s in spec_list if isinstance(s.spec, Mapping)], config))
    rendered.extend(
        render_remediation(s, config) for s in spec_list if isinstance(s.spec, Remediation)
    )
    for manifest in manifests:
        built = manifest.built
        namespace = built.namespace if built and built.namespace else config.namespace
        body = _scoped(manifest.body, namespace, is_namespaced)
        rendered.append(DesiredObject(body, manifest_provenance(manifest)))
    namespaces_declared = {d.key.name for d in rendered if d.key.kind == "Namespace"}
    needed: dict[str, list[Origin]] = {}
    for d in rendered:
        if d.key.namespace and d.key.namespace not in namespaces_declared:
            needed.setdefault(d.key.namespace, []).extend(d.provenance.origins)
    rendered.extend(_namespace(ns, origins) for ns, origins in needed.items())
    owned = [
        DesiredObject(
            # A namespace made for others has no one origin: renaming a file must not churn it.
            with_ownership(
                d.body,
                source=source,
                origin=None if d.derived else d.provenance.origins[0].file,
            ),
            d.provenance,
            d.derived,
            digest_key,
        )
        for d in rendered
    ]
    return sorted(owned, key=lambda d: d.key)
