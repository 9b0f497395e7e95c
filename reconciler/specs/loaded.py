"""What a load produces: validated specs and plain manifests, each with where it came from.

A document read from a plain file is its own origin. A document a build produced (Kustomize,
Helm) also names its `unit`: the file that stands for the whole build (the kustomization or
`Chart.yaml`). A build is held or applied as one, like a file: an error in any of its objects
fails the unit, and the inventory records the unit, so a failing build holds exactly its own
objects. `location` and `lines` still point into the file the object came from (a base's
`deployment.yaml`, a chart's template), for messages and for writing a value back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.specs.base import API_GROUP
from reconciler.specs.keys import ObjectKey, key_of
from reconciler.specs.registry import Spec
from reconciler.specs.yamlparse import Path, line_in


@dataclass(frozen=True)
class SourceLocation:
    """Where a document starts: its file (relative to the tree root) and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Built:
    """How a rendered document was made: the build's `unit` file (what holds and is recorded)
    and a human label, e.g. `kustomize deploy/overlays/production`."""

    unit: str
    via: str
    identity: bool = True
    """True when each field of the object sits at the same path of its origin document (a
    Kustomize resource file); False for generated objects and Helm templates."""
    namespace: str | None = None
    """The namespace of namespaced objects that name none (a chart's release namespace)."""


@dataclass(frozen=True)
class _Loaded:
    location: SourceLocation
    document: int
    lines: Mapping[Path, int]
    """The line of every key and list item of the document, by path (see `yamlparse`)."""

    def line_of(self, path: Path) -> int:
        """The line of `path` in this document, or of its deepest existing ancestor."""
        return line_in(self.lines, path, self.location.line)


@dataclass(frozen=True)
class LoadedSpec(_Loaded):
    """A validated spec, where it came from, and its index among its file's documents."""

    spec: Spec
    built: Built | None = field(default=None, compare=False)

    @property
    def key(self) -> ObjectKey:
        """The spec's identity: no two specs may share a kind and name."""
        return ObjectKey(API_GROUP, self.spec.kind, None, self.spec.metadata.name)

    @property
    def holds(self) -> str:
        """The file whose failure holds this document: its build's unit, or its own file."""
        return self.built.unit if self.built else self.location.file


@dataclass(frozen=True)
class LoadedManifest(_Loaded):
    """A plain Kubernetes manifest (as parsed), where it came from, and its document index."""

    body: dict[str, Any]
    built: Built | None = field(default=None, compare=False)

    @property
    def key(self) -> ObjectKey:
        """The object's key as written (namespace not yet defaulted)."""
        return key_of(self.body)

    @property
    def holds(self) -> str:
        """The file whose failure holds this document: its build's unit, or its own file."""
        return self.built.unit if self.built else self.location.file
