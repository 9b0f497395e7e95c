"""Pairing: each key with what git wants, what is live and what was applied last (pure).

Pairing runs after rendering, so namespaces are defaulted and generated names are known: it is
the one place that decides whether two definitions name the same object. Two documents that
render to one key (a ConfigMap written with the repo's namespace spelled out and again without
it; a manifest named like the toolset ConfigMap) are a `Conflict`: neither is applied, both
files fail (so everything they feed is held), and the error names both places::

    specs/b.yaml:7: metadata.name: ConfigMap/demo/x is defined twice: specs/a.yaml:3 and
    specs/b.yaml:7

    pairing = pair(desired, live, inventory)
    for p in pairing.pairs:  # desired keys in key order, then keys only the inventory has
        p.key, p.desired, p.live, p.recorded
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.inventory import Inventory, InventoryEntry
from reconciler.specs.errors import SpecError
from reconciler.specs.keys import ObjectKey


@dataclass(frozen=True)
class Conflict:
    """Two or more rendered objects with one key, in source order."""

    key: ObjectKey
    definitions: tuple[DesiredObject, ...]

    @property
    def files(self) -> frozenset[str]:
        return frozenset(f for d in self.definitions for f in d.files)

    def places(self) -> list[str]:
        """`file:line` of each definition (a generated object names every document behind it)."""
        out = []
        for d in self.definitions:
            where = d.provenance.where() or "(generated)"
            out.append(where if d.provenance.identity else f"generated from {where}")
        return out

    def reason(self) -> str:
        return f"{self.key.ref} is defined twice: {' and '.join(self.places())}"

    def error(self) -> SpecError:
        """The error, located at the last definition (the one that repeats a key)."""
        last = self.definitions[-1].provenance.origins
        file, line = (last[0].file, last[0].line) if last else ("<render>", None)
        return SpecError(file, line, "metadata.name", self.reason())


@dataclass(frozen=True)
class Pair:
    key: ObjectKey
    desired: DesiredObject | None
    live: dict[str, Any] | None
    recorded: InventoryEntry | None
    conflict: Conflict | None = None


@dataclass(frozen=True)
class Pairing:
    pairs: tuple[Pair, ...]


def _first_position(d: DesiredObject) -> tuple[str, int, int]:
    origins = d.provenance.origins
    return (origins[0].file, origins[0].document, origins[0].line) if origins else ("", 0, 0)


def find_conflicts(
    desired: Iterable[DesiredObject],
) -> tuple[list[DesiredObject], list[Conflict]]:
    """The objects whose key is defined once, and a `Conflict` per key defined more often.
    Derived objects (namespaces created implicitly) never conflict: a declared one wins."""
    by_key: dict[ObjectKey, list[DesiredObject]] = {}
    for d in desired:
        by_key.setdefault(d.key, []).append(d)
    unique: list[DesiredObject] = []
    conflicts: list[Conflict] = []
    for key, found in by_key.items():
        declared = [d for d in found if not d.derived] or found[:1]
        if len(declared) == 1:
            unique.append(declared[0])
        else:
            conflicts.append(Conflict(key, tuple(sorted(declared, key=_first_position))))
    return sorted(unique, key=lambda d: d.key), sorted(conflicts, key=lambda c: c.key)


def pair(
    desired: Iterable[DesiredObject],
    live: Mapping[ObjectKey, dict[str, Any]],
    inventory: Inventory,
    conflicts: Iterable[Conflict] = (),
) -> Pairing:
    """One `Pair` per key: every desired object (keys must be unique: see `find_conflicts`),
    every conflicting key, then every inventory key git no longer wants."""
    pairs: list[Pair] = []
    seen: set[ObjectKey] = set()
    for d in desired:
        if d.key in seen:
            raise ValueError(f"{d.key.ref}: desired twice; call find_conflicts first")
        seen.add(d.key)
        pairs.append(Pair(d.key, d, live.get(d.key), inventory.entries.get(d.key)))
    for c in conflicts:
        seen.add(c.key)
        pairs.append(Pair(c.key, None, live.get(c.key), inventory.entries.get(c.key), c))
    for key, recorded in sorted(inventory.entries.items()):
        if key not in seen:
            pairs.append(Pair(key, None, live.get(key), recorded))
    return Pairing(tuple(pairs))
