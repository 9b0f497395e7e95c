"""Drift adoption: which field of which file to change so that git says what the cluster has (pure).

A drifted field is adopted by writing its live value where git set it, found through provenance:

- a plain manifest: the same path in its document;
- an object Kustomize built from a resource file: the same path in that base document, but only
  when the base's value is the one that was applied (no patch, transformer or replacement of the
  overlay changed it; otherwise writing the base would change nothing, or other overlays too);
- a rendered spec (a Tool's fields in the toolset ConfigMap, a Mapping's content): the YAML
  payload of the data key is compared field by field, and each changed field goes back to the
  spec field provenance maps it to (`/data/toolsets.yaml#/toolsets/x/tools/0/description` ->
  `spec.description` of that Tool's document);
- anything else (a Helm template, a generated ConfigMap) is `skipped` with the reason, never
  guessed.

Only scalars are adopted (a replaced list or mapping, or a field removed live, is skipped): the
edit must be byte-minimal (`specs.yamledit`). The result is data; proposals turn it into a
commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.diff import Difference, full_diff
from reconciler.engine.core.pointers import MISSING
from reconciler.specs.keys import ObjectKey
from reconciler.specs.yamlparse import Path

ReadDocument = Callable[[str, int], Any]
"""(file, document index) -> the document's value as committed (None when unreadable)."""


@dataclass(frozen=True)
class FieldEdit:
    """Set `path` of document `document` of `file` to `value` (the live value at `pointer`)."""

    file: str
    document: int
    path: Path
    value: Any
    pointer: str


@dataclass(frozen=True)
class Skipped:
    pointer: str
    reason: str


@dataclass(frozen=True)
class Adoption:
    key: ObjectKey
    edits: tuple[FieldEdit, ...]
    skipped: tuple[Skipped, ...]


def adoption(
    desired: DesiredObject, differences: Sequence[Difference], read: ReadDocument
) -> Adoption:
    """The edits that make git match the live values of `differences` (see the module doc)."""
    edits: list[FieldEdit] = []
    skipped: list[Skipped] = []
    for difference in differences:
        for found in _payload_edits(desired, difference) or [_edit(desired, difference, read)]:
            if isinstance(found, FieldEdit):
                edits.append(found)
            else:
                skipped.append(found)
    return Adoption(desired.key, tuple(edits), tuple(skipped))


def _edit(desired: DesiredObject, d: Difference, read: ReadDocument) -> FieldEdit | Skipped:
    if d.live is MISSING:
        return Skipped(d.pointer, "removed live: a removal is not adopted, only changed values")
    if isinstance(d.live, dict | list):
        return Skipped(d.pointer, "a list or mapping changed live: only scalars are adopted")
    provenance = desired.provenance
    origin = provenance.origins[0] if provenance.origins else None
    if origin is None or not provenance.identity:
        how = origin.via if origin is not None and origin.via else "generated from specs"
        return Skipped(d.pointer, f"no file holds this field as written ({how})")
    source = provenance.source_of(d.pointer)
    if source is None:
        return Skipped(d.pointer, "no spec field produced it")
    document = read(origin.file, origin.document)
    written = _get(document, source.path)
    if origin.unit is not None and (written is MISSING or not _same(written, d.desired)):
        return Skipped(
            d.pointer,
            f"the build ({origin.via}) sets this field, not {origin.file}: adopting it needs "
            "a patch in the overlay",
        )
    return FieldEdit(origin.file, origin.document, source.path, d.live, d.pointer)


def _payload_edits(desired: DesiredObject, d: Difference) -> list[FieldEdit | Skipped]:
    """Edits for a changed YAML payload of a rendered spec (empty when `d` is not one)."""
    provenance = desired.provenance
    if provenance.identity or not any(f.startswith(d.pointer + "#") for f in provenance.fields):
        return []
    if not isinstance(d.live, str) or not isinstance(d.desired, str):
        return [Skipped(d.pointer, "the rendered payload was removed live")]
    try:
        live, want = yaml.safe_load(d.live), yaml.safe_load(d.desired)
    except yaml.YAMLError:
        return [Skipped(d.pointer, "the live payload is not YAML")]
    out: list[FieldEdit | Skipped] = []
    for inner in full_diff(want, live):
        pointer = f"{d.pointer}#{inner.pointer}"
        source = provenance.source_of(pointer)
        if inner.live is MISSING or isinstance(inner.live, dict | list):
            out.append(Skipped(pointer, "only changed scalars of a rendered spec are adopted"))
        elif source is None or source.path[:2] == ("metadata", "name"):
            out.append(Skipped(pointer, "no spec field holds it (or it would rename a spec)"))
        else:
            origin = source.origin
            out.append(FieldEdit(origin.file, origin.document, source.path, inner.live, pointer))
    return out or [Skipped(d.pointer, "the payload differs only in form")]


def _get(value: Any, path: Path) -> Any:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part, MISSING)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return MISSING
    return value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)
