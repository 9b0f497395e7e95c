"""Builders for the engine's data: loaded specs and manifests, desired objects, inventory rows.

They build what the loader and render would, with real provenance, so pure tests read like the
YAML they stand for:

    desired(cm("web", {"a": "1"}))                 # a manifest from web.yaml, document 0, line 1
    loaded_spec("Tool", "prom", {...})             # as if loaded from specs/prom.yaml
"""

from __future__ import annotations

from typing import Any

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.inventory import InventoryEntry
from reconciler.engine.core.provenance import Origin, Provenance
from reconciler.specs.loader import LoadedManifest, LoadedSpec, SourceLocation
from reconciler.specs.registry import SPEC_KINDS, Spec


def loaded_spec(
    kind: str, name: str, spec: dict[str, Any], *, file: str | None = None, line: int = 1
) -> LoadedSpec:
    doc = {"apiVersion": "reconciler.dev/v1alpha1", "kind": kind, "metadata": {"name": name}}
    model: Spec = SPEC_KINDS[kind].model_validate({**doc, "spec": spec})  # type: ignore[assignment]
    return LoadedSpec(SourceLocation(file or f"specs/{name}.yaml", line), 0, {}, model)


def loaded_manifest(
    body: dict[str, Any], file: str, *, line: int = 1, document: int = 0
) -> LoadedManifest:
    return LoadedManifest(SourceLocation(file, line), document, {}, body)


def desired(body: dict[str, Any], file: str | None = None, **extra: Any) -> DesiredObject:
    """A plain manifest's desired object, from `file` (default `<name>.yaml`)."""
    origin = Origin(file or f"{body['metadata']['name']}.yaml", 0, 1)
    return DesiredObject(body, Provenance((origin,), identity=True), **extra)


def recorded(d: DesiredObject, digest: str | None = None) -> InventoryEntry:
    """The inventory row an apply of `d` leaves."""
    return InventoryEntry(d.api_version, digest or d.digest, d.files)
