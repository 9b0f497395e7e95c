"""Comparing objects: the differences git cares about, and a readable unified diff.

`subset_diff(desired, live)` walks only what git sets: a field the server defaulted or another
manager added is not a difference. Lists of named items (containers, env, ports, volumes) are
paired by `name`; other lists by position, and a length change is one difference at the list.
`full_diff(a, b)` compares everything, for a server dry-run result against the live object.
Differences are reported at JSON pointers into the live object, so overrides can be matched.

Each walk here recurses once per level, and so does PyYAML's dumper. Desired objects are at most
`yamlparse.MAX_DEPTH` (64) levels deep, but a live object may be deeper (another client wrote
it), so no walk goes past `MAX_DIFF_DEPTH`: below it a subtree is compared whole, without
recursion (one difference at its pointer), and `to_yaml` shows it as a placeholder.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from reconciler.engine.core.pointers import MISSING, join
from reconciler.engine.core.redact import redact_pair


@dataclass(frozen=True)
class Difference:
    """One field that differs: `desired` or `live` is MISSING when absent on that side."""

    pointer: str
    desired: Any
    live: Any


def _equal_scalars(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


MAX_DIFF_DEPTH = 100
"""Levels the diffs and `to_yaml` descend (see the module docstring)."""
CLIPPED = f"<nested deeper than {MAX_DIFF_DEPTH} levels: not shown>"


def _same(a: Any, b: Any) -> bool:
    """`a == b` for JSON-like values, without recursion (`==` recurses in C and raises past
    about 1,000 levels), booleans unequal to numbers as in `_equal_scalars`."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, dict):
            if not isinstance(y, dict) or x.keys() != y.keys():
                return False
            stack.extend((value, y[key]) for key, value in x.items())
        elif isinstance(x, list):
            if not isinstance(y, list) or len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif isinstance(y, dict | list) or not _equal_scalars(x, y):
            return False
    return True


def _named(items: list[Any]) -> bool:
    return all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items)


def subset_diff(desired: Any, live: Any, pointer: str = "", depth: int = 0) -> list[Difference]:
    """Differences on every leaf that `desired` sets; extra live fields are not differences
    (down to `MAX_DIFF_DEPTH`, below which a subtree is compared whole)."""
    if depth >= MAX_DIFF_DEPTH:
        return [] if _same(desired, live) else [Difference(pointer, desired, live)]
    depth += 1
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return [Difference(pointer, desired, live)]
        out: list[Difference] = []
        for key, value in desired.items():
            here = join(pointer, key)
            if key not in live:
                if value is None or value == {} or value == []:
                    continue  # an explicit empty value equals an absent one after the server
                out.append(Difference(here, value, MISSING))
            else:
                out.extend(subset_diff(value, live[key], here, depth))
        return out
    if isinstance(desired, list):
        if not isinstance(live, list):
            return [Difference(pointer, desired, live)]
        if _named(desired) and _named(live):
            by_name = {item["name"]: (i, item) for i, item in enumerate(live)}
            out = []
            for item in desired:
                found = by_name.get(item["name"])
                if found is None:
                    out.append(Difference(join(pointer, len(live)), item, MISSING))
                else:
                    out.extend(subset_diff(item, found[1], join(pointer, found[0]), depth))
            return out
        if len(desired) != len(live):
            return [Difference(pointer, desired, live)]
        out = []
        for i, (d, lv) in enumerate(zip(desired, live, strict=True)):
            out.extend(subset_diff(d, lv, join(pointer, i), depth))
        return out
    return [] if _equal_scalars(desired, live) else [Difference(pointer, desired, live)]


def full_diff(a: Any, b: Any, pointer: str = "", depth: int = 0) -> list[Difference]:
    """Every difference between two whole documents (a = would-be, b = live), down to
    `MAX_DIFF_DEPTH`, below which a subtree is compared whole."""
    if depth >= MAX_DIFF_DEPTH:
        return [] if _same(a, b) else [Difference(pointer, a, b)]
    depth += 1
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Difference] = []
        for key in sorted(set(a) | set(b), key=str):
            out.extend(
                full_diff(a.get(key, MISSING), b.get(key, MISSING), join(pointer, key), depth)
            )
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(full_diff(x, y, join(pointer, i), depth))
        return out
    if a is MISSING and b is MISSING:
        return []
    if a is MISSING or b is MISSING or not _equal_scalars(a, b):
        return [Difference(pointer, a, b)]
    return []


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (ConfigMap payloads) as `|` blocks, so a diff shows changed lines."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(c in value for c in "\t\r") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _clip(value: Any, depth: int) -> Any:
    """`value` with every collection `depth` levels down replaced by `CLIPPED`."""
    if not isinstance(value, dict | list):
        return value
    if depth <= 0:
        return CLIPPED
    if isinstance(value, dict):
        return {key: _clip(item, depth - 1) for key, item in value.items()}
    return [_clip(item, depth - 1) for item in value]


def to_yaml(obj: dict[str, Any] | None) -> str:
    """`obj` as block YAML; collections deeper than `MAX_DIFF_DEPTH` show as `CLIPPED`."""
    if obj is None:
        return ""
    if _deeper_than(obj, MAX_DIFF_DEPTH):
        obj = _clip(obj, MAX_DIFF_DEPTH)
    return yaml.dump(
        obj, Dumper=_BlockDumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )


def unified(live: dict[str, Any] | None, desired: dict[str, Any] | None, ref: str) -> str:
    """A unified diff of the YAML of two objects, `live` first (`---`), `desired` second.
    Secret values are redacted on both sides (see `redact`)."""
    live, desired = redact_pair(live, desired)
    lines = difflib.unified_diff(
        to_yaml(live).splitlines(keepends=True),
        to_yaml(desired).splitlines(keepends=True),
        fromfile=f"live/{ref}",
        tofile=f"desired/{ref}",
    )
    return "".join(lines)
