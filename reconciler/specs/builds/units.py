"""Which paths are builds: kustomizations and charts, found under `reconciler.yaml` `paths` (pure).

Each `paths` entry is rendered by what it holds:

- a directory with a kustomization (`kustomization.yaml`, `.yml` or `Kustomization`) is built
  with Kustomize;
- a directory with a `Chart.yaml` is rendered with Helm, with the entry's `helm` settings;
- anything else is loaded file by file, and the kustomizations below it that no other
  kustomization refers to are built as roots (so `paths: [deploy]` over `base/` and three
  overlays builds the three overlays), as are the charts below it (not subcharts).

A file in a directory that holds a kustomization or a chart, or below it, belongs to that build
and is never loaded as a plain manifest (`claims`): a kustomization is not a broken manifest, a
chart's templates are not YAML, and a base applied raw would be objects no overlay produces.

Every build is a `Unit`, named by its unit file: the kustomization, or the `Chart.yaml`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from reconciler.specs.builds.index import TreeIndex, ancestors
from reconciler.specs.builds.kustomization import Kustomization, read_kustomization
from reconciler.specs.builds.port import BuildKind
from reconciler.specs.config import CONFIG_FILE, PathEntry
from reconciler.specs.errors import SpecError


@dataclass(frozen=True)
class Unit:
    """One build: its kind, its directory, its unit file, and the `paths` entry that asked for
    it (None for one found below a plain directory, which gets default settings)."""

    kind: BuildKind
    root: str
    file: str
    entry: PathEntry | None = None
    entry_index: int | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.root}"


@dataclass
class Discovery:
    index: TreeIndex
    units: list[Unit] = field(default_factory=list)
    build_dirs: set[str] = field(default_factory=set)
    """Directories that hold a kustomization or a chart: their files are builds' files."""
    errors: list[SpecError] = field(default_factory=list)
    kustomizations: dict[str, Kustomization] = field(default_factory=dict)
    """Every kustomization read, by directory (builds read them again from here)."""

    def claims(self, path: str) -> bool:
        """True when the file at `path` belongs to a build (see the module docstring)."""
        return any(d in self.build_dirs for d in ancestors(path))

    def kustomization(self, directory: str) -> Kustomization:
        """The kustomization of `directory`, read once."""
        known = self.kustomizations.get(directory)
        if known is None:
            file = self.index.kustomization_in(directory)
            if file is None:  # not reached: references are to directories that hold one
                return Kustomization(f"{directory}/kustomization.yaml", None)
            data, _why = self.index.data(file)
            known = read_kustomization(file, data, self.index.layout)
            self.kustomizations[directory] = known
        return known


class _Discover:
    def __init__(self, index: TreeIndex) -> None:
        self.index = index
        self.found = Discovery(index)
        self.kustomization = self.found.kustomization
        for path in index.paths:
            directory = posixpath.dirname(path) or "."
            if index.kustomization_in(directory) or index.chart_in(directory):
                self.found.build_dirs.add(directory)

    def entry(self, i: int, entry: PathEntry, line: int | None) -> list[Unit]:
        path = entry.path
        kfile = self.index.kustomization_in(path) if self.index.is_dir(path) else None
        chart = self.index.chart_in(path) if self.index.is_dir(path) else None
        if entry.helm is not None and chart is None:
            msg = f"{path!r} holds no Chart.yaml: helm settings need a chart"
            self.found.errors.append(SpecError(CONFIG_FILE, line, f"paths[{i}].helm", msg))
            return []
        if kfile is not None and entry.helm is None:
            return [Unit("kustomize", path, kfile, entry, i)]
        if chart is not None:
            return [Unit("helm", path, chart, entry, i)]
        return self.nested(path) if self.index.is_dir(path) else []

    def nested(self, top: str) -> list[Unit]:
        """Builds below a plain directory: charts that are not subcharts, and the
        kustomizations no other kustomization below it refers to."""
        inside = [d for d in sorted(self.found.build_dirs) if top == "." or _below(d, top)]
        charts = [
            d
            for d in inside
            if self.index.chart_in(d)
            and not self.index.kustomization_in(d)  # both: Kustomize wins, as for an entry
            and not self._in_build(d, top)
        ]
        kdirs = [
            d
            for d in inside
            if self.index.kustomization_in(d) and not any(_below(d, c) for c in charts)
        ]
        referenced: set[str] = set()
        cyclic: set[str] = set()
        for directory in kdirs:
            reached = self._reach(directory)
            referenced |= reached
            if directory in reached:
                cyclic.add(directory)  # built, so Kustomize reports the cycle (never silent)
        units = [Unit("helm", d, str(self.index.chart_in(d))) for d in charts]
        units += [
            Unit("kustomize", d, str(self.index.kustomization_in(d)))
            for d in kdirs
            if d not in referenced or d in cyclic
        ]
        return units

    def _reach(self, directory: str) -> set[str]:
        """The kustomization directories `directory` refers to, directly or not."""
        reached: set[str] = set()
        stack = list(self.kustomization(directory).directories)
        while stack:
            ref = stack.pop()
            if ref not in reached:
                reached.add(ref)
                stack.extend(self.kustomization(ref).directories)
        return reached

    def _in_build(self, directory: str, top: str) -> bool:
        """True when a directory above `directory`, at or below `top`, holds a build."""
        return any(
            a in self.found.build_dirs and (a == top or _below(a, top))
            for a in ancestors(directory)
            if a != "."
        )


def _below(path: str, directory: str) -> bool:
    return directory == "." or path.startswith(directory + "/")


def discover(
    entries: list[tuple[int, PathEntry]], index: TreeIndex, lines: dict[int, int | None]
) -> Discovery:
    """The builds `entries` ask for, each root once (an explicit entry's settings win over a
    root found below another entry). `lines` gives each entry's line in `reconciler.yaml`."""
    finder = _Discover(index)
    by_root: dict[str, Unit] = {}
    for i, entry in entries:
        for unit in finder.entry(i, entry, lines.get(i)):
            known = by_root.get(unit.root)
            if known is None or (known.entry is None and unit.entry is not None):
                by_root[unit.root] = unit
    finder.found.units = [by_root[root] for root in sorted(by_root)]
    return finder.found
