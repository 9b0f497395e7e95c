"""Provenance: which file, document, line and spec field produced each rendered value.

Drift adoption writes a live value back to git, so it must know where the value came from; a
proposal's validation must name the line it broke. Every `DesiredObject` carries a `Provenance`:

- `origins`: the documents that fed it (one for a manifest; every Tool document for the
  toolset ConfigMap), each an `Origin(file, document, line)`;
- `fields`: for rendered aggregates, a map from a pointer in the rendered object to the spec
  document and field it came from. A pointer into a generated YAML payload is written
  `<pointer to the key>#<pointer inside the payload>`::

      /data/toolsets.yaml#/toolsets/prometheus/tools/0/description
          -> specs/tools/prometheus.yaml (document 0) spec.description, line 9
      /data/web.yaml#/content  -> specs/mappings/web.yaml (document 1) spec.content, line 30

A plain manifest is its own source: `/spec/replicas` comes from `spec.replicas` of its document.
`source_of(pointer)` answers both, using the longest recorded prefix and appending the rest.

An object a build produced (Kustomize, Helm) names its origin file (a base's `deploy.yaml`, a
chart's template) and the build's `unit` file: the inventory records the unit, so a failing build
holds exactly its own objects. A Kustomize resource keeps `identity` (a field of the built object
sits at the same path in its base document, unless a patch changed it); generated objects and
Helm templates do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.engine.core.pointers import split
from reconciler.specs.loader import LoadedManifest, LoadedSpec
from reconciler.specs.yamlparse import Path, line_in


@dataclass(frozen=True)
class Origin:
    """One source document: its file, its index in the file, and the line it starts on."""

    file: str
    document: int
    line: int
    lines: Mapping[Path, int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    unit: str | None = None
    """The build that produced the object from this document (its kustomization or
    Chart.yaml); None for a plain file."""
    via: str | None = field(default=None, compare=False, hash=False)
    """How, for people: `kustomize deploy/overlays/production`."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (f" ({self.via})" if self.via else "")

    def line_of(self, path: Path) -> int:
        """The line of a field of this document (or of its deepest existing ancestor)."""
        return line_in(self.lines, path, self.line)

    def path_of(self, pointer: str, below: Path = ()) -> Path:
        """`pointer`'s tokens as a document path below `below`: a digit token is a list index
        unless the document has a mapping key of that text there."""
        out = list(below)
        for token in split(pointer) if pointer else []:
            as_key = (*out, token)
            out.append(int(token) if token.isdigit() and as_key not in self.lines else token)
        return tuple(out)

    @classmethod
    def of(cls, loaded: LoadedSpec | LoadedManifest) -> Origin:
        built = loaded.built
        return cls(
            loaded.location.file,
            loaded.document,
            loaded.location.line,
            loaded.lines,
            built.unit if built else None,
            built.via if built else None,
        )


@dataclass(frozen=True)
class FieldSource:
    """The spec field a rendered value came from: `path` inside `origin`'s document."""

    origin: Origin
    path: Path

    @property
    def line(self) -> int:
        return self.origin.line_of(self.path)

    @property
    def field(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out

    def __str__(self) -> str:
        return f"{self.origin.file}:{self.line}: {self.field or '(document)'}"


@dataclass(frozen=True)
class Provenance:
    origins: tuple[Origin, ...]
    fields: Mapping[str, FieldSource] = field(default_factory=dict, compare=False, hash=False)
    identity: bool = False
    """True for a plain manifest: every pointer maps to the same path in its one document."""

    @property
    def files(self) -> tuple[str, ...]:
        """The files that fed the object, sorted, each once (what the inventory records): a
        build counts as its unit file."""
        return tuple(sorted({o.unit or o.file for o in self.origins}))

    def where(self) -> str:
        """`file:line` of every origin, for messages."""
        return ", ".join(str(o) for o in self.origins)

    def source_of(self, pointer: str) -> FieldSource | None:
        """Where the value at `pointer` (optionally `key#inner`) of the rendered object came
        from; None when no spec field produced it (e.g. labels the reconciler adds)."""
        if self.identity and self.origins:
            return FieldSource(self.origins[0], self.origins[0].path_of(pointer))
        best: str | None = None
        for prefix in self.fields:
            if (pointer == prefix or pointer.startswith(prefix + "/")) and (
                best is None or len(prefix) > len(best)
            ):
                best = prefix
        if best is None:
            return None
        found = self.fields[best]
        return FieldSource(found.origin, found.origin.path_of(pointer[len(best) :], found.path))


def manifest_provenance(loaded: LoadedManifest) -> Provenance:
    return Provenance(
        (Origin.of(loaded),), identity=loaded.built.identity if loaded.built else True
    )
