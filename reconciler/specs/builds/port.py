"""The builder port: what a Kustomize or Helm adapter is given and what it answers.

The loader stays pure: it decides what a build reads (`BuildRequest.files`, every byte taken from
the source tree at the commit, never from a working copy), and an adapter in
`reconciler.clients` runs the real tool on exactly those files:

    output = builders["kustomize"].build(request)
    output.rendered    # the YAML the tool printed (Kustomize: one stream; Helm: per template)
    output.error       # the build failed: the tool's own message, temporary paths removed

An adapter never raises for a bad build: a missing file, a template error, a timeout or output
over the limit is an `error`, which holds that path's objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

BuildKind = Literal["kustomize", "helm"]


@dataclass(frozen=True)
class BuildLimits:
    """Bounds every build runs within (from `reconciler.yaml` `render`)."""

    timeout_seconds: float = 60.0
    max_output_bytes: int = 32 * 1024 * 1024
    allow_remote: bool = False
    """Kustomize may fetch remote bases; off, the loader refuses URLs before a build runs."""


@dataclass(frozen=True)
class HelmRelease:
    """What `helm template` needs besides the chart: the release and the user's values (the
    chart's own `values.yaml` is merged by Helm itself)."""

    name: str
    namespace: str
    values: Mapping[str, Any] = field(default_factory=dict)
    include_crds: bool = True


@dataclass(frozen=True)
class BuildRequest:
    """One build: `root` is the repo-relative directory of the kustomization or chart; `files`
    maps repo-relative paths to bytes, everything the build may read (a Kustomize overlay's
    bases are outside its root)."""

    kind: BuildKind
    root: str
    files: Mapping[str, bytes]
    limits: BuildLimits = field(default_factory=BuildLimits)
    release: HelmRelease | None = None


@dataclass(frozen=True)
class RenderedFile:
    """Output YAML. `path` is the repo-relative file a Helm template came from (`crds/` files
    too); None for Kustomize's one stream, whose objects name their origin in an annotation."""

    path: str | None
    text: str


@dataclass(frozen=True)
class ValueProblem:
    """A value that fails the chart's `values.schema.json`: `pointer` is a JSON pointer into
    the merged values (e.g. `/replicaCount`), so the loader can find the line that set it."""

    pointer: str
    message: str


@dataclass(frozen=True)
class BuildOutput:
    rendered: tuple[RenderedFile, ...] = ()
    error: str | None = None
    """Why the build failed (nothing in `rendered` is used then)."""
    value_problems: tuple[ValueProblem, ...] = ()
    """Helm only: the values failed the chart's schema (`error` is set too)."""
    cached: bool = False
    """Answered from the cache of an identical earlier build (see `builds.cache`)."""

    @property
    def ok(self) -> bool:
        return self.error is None


class Builder(Protocol):
    """Runs one kind of build; implementations live in `reconciler.clients`."""

    def build(self, request: BuildRequest) -> BuildOutput:
        """Build `request` within its limits; never raises for a bad build."""
        ...


Builders = Mapping[BuildKind, Builder]
"""The builder of each kind; a kind without one fails its paths with a clear error."""
