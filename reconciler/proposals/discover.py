"""Discovery: observability services in the cluster become `Tool` specs, proposed as files.

A Service is recognised as Prometheus, Grafana, Loki, Jaeger, Tempo, Elasticsearch or
Alertmanager by its `reconciler.dev/toolset` annotation, else its `app.kubernetes.io/name` or
`app` label, else its name, and the port that kind of service serves on (the Service's port of
that number, or its first port). For each one no Tool declares yet (by its
`reconciler.dev/discovered-from` annotation or its endpoint), a new file holds a published,
read-only Tool with input and output schemas for that kind; for each discovered Tool whose
Service is gone, its file is proposed for removal. Ready endpoints are counted for the pull
request's body: a service with none is still proposed, and the body says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from reconciler.proposals.model import Proposal, slug
from reconciler.specs.kinds import Tool
from reconciler.specs.loaded import LoadedSpec

DISCOVERED_FROM = "reconciler.dev/discovered-from"
TOOLSET_ANNOTATION = "reconciler.dev/toolset"

# kind -> (tool type, port, path, description, input schema, output schema)
_QUERY = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
KINDS: dict[str, tuple[str, int, str, str, dict[str, Any], dict[str, Any]]] = {
    "prometheus": (
        "prometheus",
        9090,
        "/api/v1/query",
        "Evaluate a PromQL instant query.",
        _QUERY,
        {
            "type": "object",
            "properties": {"resultType": {"type": "string"}, "result": {"type": "array"}},
        },
    ),
    "grafana": (
        "grafana",
        3000,
        "/api/search",
        "Search Grafana dashboards by title.",
        {"type": "object", "properties": {"query": {"type": "string"}}},
        {"type": "array", "items": {"type": "object"}},
    ),
    "loki": (
        "loki",
        3100,
        "/loki/api/v1/query_range",
        "Query logs with LogQL.",
        _QUERY,
        {"type": "object", "properties": {"data": {"type": "object"}}},
    ),
    "jaeger": (
        "jaeger",
        16686,
        "/api/traces",
        "Find traces of a service.",
        {"type": "object", "properties": {"service": {"type": "string"}}, "required": ["service"]},
        {"type": "object", "properties": {"data": {"type": "array"}}},
    ),
    "tempo": (
        "http",
        3200,
        "/api/search",
        "Search traces in Tempo.",
        {"type": "object", "properties": {"q": {"type": "string"}}},
        {"type": "object", "properties": {"traces": {"type": "array"}}},
    ),
    "elasticsearch": (
        "elasticsearch",
        9200,
        "/_search",
        "Search documents in Elasticsearch.",
        _QUERY,
        {"type": "object", "properties": {"hits": {"type": "object"}}},
    ),
    "alertmanager": (
        "alertmanager",
        9093,
        "/api/v2/alerts",
        "List the firing alerts.",
        {"type": "object", "properties": {"filter": {"type": "string"}}},
        {"type": "array", "items": {"type": "object"}},
    ),
}


@dataclass(frozen=True)
class Found:
    kind: str
    namespace: str
    name: str
    port: int

    @property
    def ref(self) -> str:
        return f"Service/{self.namespace}/{self.name}"

    @property
    def endpoint(self) -> str:
        return f"http://{self.name}.{self.namespace}.svc:{self.port}"


def recognise(service: dict[str, Any]) -> Found | None:
    """The observability kind of `service`, or None (see the module docstring)."""
    meta = service.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    candidates = [
        annotations.get(TOOLSET_ANNOTATION),
        labels.get("app.kubernetes.io/name"),
        labels.get("app"),
        meta.get("name"),
    ]
    kind = next(
        (k for c in candidates if isinstance(c, str) for k in KINDS if k in c.lower()), None
    )
    if kind is None:
        return None
    ports = [p.get("port") for p in (service.get("spec") or {}).get("ports") or []]
    ports = [p for p in ports if isinstance(p, int)]
    if not ports:
        return None
    port = KINDS[kind][1] if KINDS[kind][1] in ports else ports[0]
    return Found(kind, str(meta.get("namespace", "default")), str(meta.get("name")), port)


def discover_proposals(
    services: list[dict[str, Any]],
    tools: list[LoadedSpec],
    ready: dict[str, int],
    tools_dir: str,
) -> list[Proposal]:
    """New Tool files for undeclared services; removals for discovered Tools whose Service is
    gone. `ready` counts ready endpoints by Service ref."""
    found = {f.ref: f for s in services if (f := recognise(s)) is not None}
    declared: dict[str, LoadedSpec] = {}
    endpoints = set()
    for loaded in tools:
        if isinstance(loaded.spec, Tool):
            origin = loaded.spec.metadata.annotations.get(DISCOVERED_FROM)
            if origin:
                declared[origin] = loaded
            endpoints.add(str(loaded.spec.spec.config.get("endpoint", "")))
    out = []
    for ref, service in sorted(found.items()):
        if ref in declared or service.endpoint in endpoints:
            continue
        name = slug(f"{service.kind}-{service.namespace}-{service.name}")
        health = ready.get(ref, 0)
        out.append(
            Proposal(
                trigger="discover",
                slug=name,
                title=f"Add {service.kind} at {ref} as a tool",
                summary=f"{ref} looks like {service.kind} and no Tool declares it yet.",
                targets=(),
                changes={f"{tools_dir}/{name}.yaml": _tool_file(service, name)},
                evidence=[
                    f"{ref}: {service.kind}, port {service.port}",
                    f"ready endpoints: {health}" + ("" if health else " (not ready now)"),
                ],
            )
        )
    for ref, loaded in sorted(declared.items()):
        if ref not in found:
            out.append(
                Proposal(
                    trigger="discover",
                    slug=slug(f"remove-{loaded.spec.metadata.name}"),
                    title=f"Remove the tool {loaded.spec.metadata.name}: {ref} is gone",
                    summary=f"{ref}, which {loaded.spec.metadata.name} was discovered from, "
                    "no longer exists in the cluster.",
                    targets=(),
                    changes={loaded.location.file: None},
                    evidence=[f"{ref}: not found"],
                )
            )
    return out


def _tool_file(service: Found, name: str) -> bytes:
    tool_type, _port, path, description, inputs, outputs = KINDS[service.kind]
    document = {
        "apiVersion": "reconciler.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": name, "annotations": {DISCOVERED_FROM: service.ref}},
        "spec": {
            "toolType": tool_type,
            "toolset": service.kind,
            "description": description,
            "status": "published",
            "readOnly": True,
            "config": {"endpoint": service.endpoint, "path": path},
            "inputSchema": inputs,
            "outputSchema": outputs,
        },
    }
    header = f"# Discovered from {service.ref} by the reconciler; review before merging.\n"
    return (header + yaml.safe_dump(document, sort_keys=False)).encode()
