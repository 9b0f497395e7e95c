"""Comparing one pair once: which live differences git cares about, and which are overridden.

    comparer = Comparer(CompareOptions.from_config(config))
    comparison = comparer.compare(desired, live)     # the one comparison of this pair
    comparison.uncovered    # differences no override explains: update or drift, unless...
    settled = settle(comparison, dry_run_answer, live)  # ...the server's dry-run says otherwise

The cheap comparison walks only what git sets (`diff.subset_diff`) plus fields the reconciler
applied before and git no longer sets. Only when differences remain does the engine ask the
server for a dry-run of `comparison.apply_body`; `settle` then compares the server's answer with
live, which folds API-server defaults and canonical forms ("500m" vs "0.5") away.
`Comparer.calls` counts comparisons, so a plan can report (and a test can hold) that each object
is compared once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.engine.core.desired import DesiredObject
from reconciler.engine.core.diff import Difference, full_diff, subset_diff
from reconciler.engine.core.fieldpaths import ManagerEntry, managers, unset_in
from reconciler.engine.core.normalize import DEFAULT_NORMALIZERS, Normalizer, normalize
from reconciler.engine.core.overrides import Override, covering, overrides_for, strip
from reconciler.engine.core.ownership import FIELD_MANAGER
from reconciler.engine.core.pointers import MISSING, get
from reconciler.engine.core.render import OVERRIDES_KEY
from reconciler.specs.config import IgnoreRule, RepoConfig


@dataclass(frozen=True)
class CompareOptions:
    """What counts as a difference: override managers, ignore rules and normalizers."""

    override_managers: frozenset[str] = frozenset()
    ignore_rules: tuple[IgnoreRule, ...] = ()
    normalizers: tuple[Normalizer, ...] = DEFAULT_NORMALIZERS

    @classmethod
    def from_config(cls, config: RepoConfig) -> CompareOptions:
        return cls(
            override_managers=frozenset(config.override_managers),
            ignore_rules=tuple(config.ignore_differences),
        )


@dataclass(frozen=True)
class Comparison:
    """What separates live from desired: differences split by whether an override covers them.

    `apply_body` is what apply (and a dry-run) sends: desired without the overridden fields."""

    overrides: tuple[Override, ...]
    uncovered: tuple[Difference, ...]
    covered: tuple[tuple[Difference, Override], ...]
    preserved: tuple[Override, ...]
    apply_body: dict[str, Any] = field(repr=False)
    settled: bool = False
    """True once a dry-run answer replaced `uncovered` (see `settle`)."""


@dataclass
class Comparer:
    options: CompareOptions = field(default_factory=CompareOptions)
    calls: int = 0

    def compare(self, desired: DesiredObject, live: dict[str, Any]) -> Comparison:
        self.calls += 1
        options = self.options
        entries = managers(live)  # decoded once: overrides and removed fields both read them
        overrides = overrides_for(
            desired.key,
            live,
            override_managers=options.override_managers,
            ignore_rules=options.ignore_rules,
            entries=entries,
        )
        want = normalize(desired.body, options.normalizers)
        have = normalize(live, options.normalizers)
        # Ownership is read from the raw object: normalizing drops managedFields.
        removed = [d for d in _removed_fields(want, live, entries) if not server_only(d.pointer)]
        differences = subset_diff(want, have) + removed
        uncovered = [d for d in differences if covering(d.pointer, overrides) is None]
        covered = [(d, o) for d in differences if (o := covering(d.pointer, overrides)) is not None]
        preserved = [
            o
            for o in overrides
            if o.pointer == f"/data/{OVERRIDES_KEY}" and get(live, o.pointer) not in (MISSING, "")
        ]
        return Comparison(
            tuple(overrides),
            tuple(uncovered),
            tuple(covered),
            tuple(preserved),
            strip(desired.body, list(overrides)),
        )


def settle(
    comparison: Comparison,
    answer: dict[str, Any] | None,
    live: dict[str, Any],
    normalizers: tuple[Normalizer, ...] = DEFAULT_NORMALIZERS,
) -> Comparison:
    """The comparison after the server's dry-run answer: what applying would really change."""
    if answer is None or not comparison.uncovered:
        return comparison
    have = normalize(live, normalizers)
    uncovered = [
        d for d in full_diff(normalize(answer, normalizers), have) if not server_only(d.pointer)
    ]
    return replace(comparison, uncovered=tuple(uncovered), settled=True)


def _removed_fields(
    desired: dict[str, Any], live: dict[str, Any], entries: list[ManagerEntry]
) -> list[Difference]:
    """Fields the reconciler applied before that git no longer sets (apply will remove them).
    `live` must be the raw object, `entries` its managedFields: they say what we own."""
    out = []
    for entry in entries:
        if entry.manager != FIELD_MANAGER or entry.operation != "Apply":
            continue
        for pointer in unset_in(entry.fields_v1, live, desired):
            out.append(Difference(pointer, MISSING, get(live, pointer)))
    return out


def server_only(pointer: str) -> bool:
    """Fields only the server writes: never a difference git can cause or fix."""
    return pointer.startswith("/metadata/managedFields") or pointer.startswith("/status")
