"""Provenance: every rendered value leads back to its file, document, line and spec field."""

from __future__ import annotations

from pathlib import Path

import yaml

from reconciler.clients.dirtree import DirectoryTree
from reconciler.engine.core.pointers import get
from reconciler.engine.core.render import render
from reconciler.specs.loader import load_tree

TOOLS = """\
# two tools, one file
apiVersion: reconciler.dev/v1alpha1
kind: Tool
metadata: {name: prom-query}
spec:
  toolType: prometheus
  description: Instant PromQL query
  status: published
  config:
    url: http://prometheus:9090
---
apiVersion: reconciler.dev/v1alpha1
kind: Tool
metadata: {name: loki-query}
spec:
  toolType: loki
  description: LogQL query
  status: published
"""
MAPPING = """\
apiVersion: reconciler.dev/v1alpha1
kind: Mapping
metadata: {name: aliases}
spec:
  mappingType: metric_aliases
  scope: planner
  description: d
  status: published
  content:
    cpu: container_cpu_usage_seconds_total
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def rendered(tmp_path: Path) -> dict[str, object]:
    for name, text in {
        "tools.yaml": TOOLS,
        "mapping.yaml": MAPPING,
        "web.yaml": DEPLOYMENT,
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    loaded = load_tree(DirectoryTree(tmp_path))
    assert loaded.errors == []
    out = render(
        loaded.specs,
        loaded.manifests,
        config=loaded.config,
        source="s",
        is_namespaced=lambda v, k: True,
    )
    return {d.key.name: d for d in out}


def test_toolset_entries_lead_to_their_tool_document_and_field(tmp_path: Path) -> None:
    toolset = rendered(tmp_path)["reconciler-toolsets"]
    provenance = toolset.provenance  # type: ignore[attr-defined]
    assert [(o.file, o.document, o.line) for o in provenance.origins] == [
        ("tools.yaml", 0, 2),
        ("tools.yaml", 1, 12),
    ]
    document = yaml.safe_load(toolset.body["data"]["toolsets.yaml"])  # type: ignore[attr-defined]
    assert get(document, "/toolsets/prometheus/tools/0/config/url") == "http://prometheus:9090"
    found = provenance.source_of("/data/toolsets.yaml#/toolsets/prometheus/tools/0/description")
    assert (found.origin.file, found.origin.document, found.field, found.line) == (
        "tools.yaml",
        0,
        "spec.description",
        7,
    )
    url = provenance.source_of("/data/toolsets.yaml#/toolsets/prometheus/tools/0/config/url")
    assert (url.field, url.line) == ("spec.config.url", 10)
    loki = provenance.source_of("/data/toolsets.yaml#/toolsets/loki/tools/0/type")
    assert (loki.origin.document, loki.field, loki.line) == (1, "spec.toolType", 16)
    assert provenance.source_of("/metadata/labels") is None  # the reconciler's, not a spec's


def test_mapping_keys_lead_to_their_mapping(tmp_path: Path) -> None:
    mapping = rendered(tmp_path)["mappings-planner"]
    found = mapping.provenance.source_of("/data/aliases.yaml#/content/cpu")  # type: ignore[attr-defined]
    assert (found.origin.file, found.field, found.line) == ("mapping.yaml", "spec.content.cpu", 10)


def test_a_manifest_is_its_own_source(tmp_path: Path) -> None:
    web = rendered(tmp_path)["web"]
    provenance = web.provenance  # type: ignore[attr-defined]
    replicas = provenance.source_of("/spec/replicas")
    assert (replicas.origin.file, replicas.field, replicas.line) == ("web.yaml", "spec.replicas", 6)
    image = provenance.source_of("/spec/template/spec/containers/0/image")
    assert (image.field, image.line) == ("spec.template.spec.containers[0].image", 11)
    namespace = provenance.source_of("/metadata/namespace")  # defaulted: not in the file
    assert (namespace.field, namespace.line) == ("metadata.namespace", 3)  # where it would go
