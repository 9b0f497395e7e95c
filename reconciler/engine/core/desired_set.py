"""The desired set of a load: render what loaded, then take out keys defined twice (pure).

A conflict fails the files of both definitions, as any error in a file does: their objects are
held, not applied half. Rendering again without those files can only remove objects, so one
more round settles it (the loop is bounded by the number of files anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.pair import Conflict, find_conflicts
from reconciler.engine.core.render import IsNamespaced, render
from reconciler.specs.config import RepoConfig
from reconciler.specs.errors import SpecError
from reconciler.specs.keys import ObjectKey
from reconciler.specs.loader import LoadedManifest, LoadedSpec


@dataclass(frozen=True)
class DesiredSet:
    desired: list[DesiredObject]
    """Each key once, sorted by key."""
    conflicts: tuple[Conflict, ...]
    errors: list[SpecError]
    failed_files: frozenset[str]
    """The files that failed before rendering, and those of every conflicting definition."""


def desired_set(
    specs: list[LoadedSpec],
    manifests: list[LoadedManifest],
    *,
    failed_files: frozenset[str],
    config: RepoConfig,
    source: str,
    is_namespaced: IsNamespaced,
    digest_key: bytes = b"",
) -> DesiredSet:
    """Render the documents of files that did not fail; report and hold keys defined twice."""
    failed = set(failed_files)
    conflicts: dict[ObjectKey, Conflict] = {}
    while True:
        rendered = render(
            [s for s in specs if s.holds not in failed],
            [m for m in manifests if m.holds not in failed],
            config=config,
            source=source,
            is_namespaced=is_namespaced,
            digest_key=digest_key,
        )
        unique, found = find_conflicts(rendered)
        fresh = [c for c in found if c.key not in conflicts]
        for conflict in fresh:
            conflicts[conflict.key] = conflict
            failed.update(conflict.files)
        if not fresh:
            break
    desired = [d for d in unique if d.key not in conflicts]
    ordered = tuple(conflicts[key] for key in sorted(conflicts))
    return DesiredSet(desired, ordered, [c.error() for c in ordered], frozenset(failed))
