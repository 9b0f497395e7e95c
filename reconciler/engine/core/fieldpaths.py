"""Reading `metadata.managedFields`: which JSON pointers of a live object each manager owns.

The API server records ownership as `fieldsV1` trees::

    {"f:spec": {"f:replicas": {}},
     "f:template": {"f:spec": {"f:containers": {"k:{\\"name\\":\\"app\\"}": {"f:image": {}}}}}}

`f:x` is a field, `k:{...}` a list item identified by its keys, `v:...` a set item by value, and
`.` the node itself. Decoding resolves items against the live object, so `k:{"name":"app"}`
becomes the item's index: `/spec/template/spec/containers/0/image`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reconciler.engine.core.pointers import join


@dataclass(frozen=True)
class ManagerEntry:
    manager: str
    operation: str
    subresource: str
    pointers: frozenset[str]
    fields_v1: dict[str, Any]


def _item_index(items: list[Any], token: str, *, lenient: bool = False) -> int | None:
    """The index of the item a `k:`/`v:`/`i:` token names. `lenient` matches a `k:` item on the
    key fields it sets (git often leaves out a defaulted key such as a port's `protocol`)."""
    kind, _, raw = token.partition(":")
    try:
        wanted = json.loads(raw)
    except ValueError:
        return None
    for i, item in enumerate(items):
        if kind == "k" and isinstance(item, dict) and isinstance(wanted, dict):
            present = {k: v for k, v in wanted.items() if not lenient or k in item}
            if present and all(item.get(k) == v for k, v in present.items()):
                return i
        elif (kind == "v" and item == wanted) or (kind == "i" and wanted == i):
            return i
    return None


def _decode(tree: dict[str, Any], live: Any, pointer: str, out: set[str]) -> None:
    if not tree or set(tree) == {"."}:
        out.add(pointer)
        return
    for token, sub in tree.items():
        if token == ".":
            continue
        if token.startswith("f:"):
            name = token[2:]
            child = live.get(name) if isinstance(live, dict) else None
            _decode(sub or {}, child, join(pointer, name), out)
        elif isinstance(live, list):
            index = _item_index(live, token)
            if index is not None:
                _decode(sub or {}, live[index], join(pointer, index), out)


def owned_pointers(fields_v1: dict[str, Any], live: dict[str, Any]) -> frozenset[str]:
    """Leaf pointers (and whole list items) owned in `live` per one fieldsV1 tree."""
    out: set[str] = set()
    _decode(fields_v1, live, "", out)
    return frozenset(out)


def _unset(tree: dict[str, Any], live: Any, desired: Any, pointer: str, out: list[str]) -> None:
    for token, sub in tree.items():
        if token == ".":
            continue
        if token.startswith("f:"):
            name = token[2:]
            if not isinstance(live, dict) or name not in live:
                continue
            here = join(pointer, name)
            if not isinstance(desired, dict) or name not in desired:
                out.append(here)
            else:
                _unset(sub or {}, live[name], desired[name], here, out)
        elif isinstance(live, list):
            index = _item_index(live, token)
            if index is None:
                continue
            here = join(pointer, index)
            match = _item_index(desired, token, lenient=True) if isinstance(desired, list) else None
            if match is None:
                out.append(here)
            else:
                _unset(sub or {}, live[index], desired[match], here, out)


def unset_in(fields_v1: dict[str, Any], live: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """Pointers (into `live`) of owned fields and list items that `desired` no longer sets.

    Items are matched by their keys on both sides, not by position, so another manager's item
    ahead of ours (a sidecar container) does not make ours look removed."""
    out: list[str] = []
    _unset(fields_v1, live, desired, "", out)
    return out


def managers(live: dict[str, Any]) -> list[ManagerEntry]:
    """Every managedFields entry of a live object, decoded to pointers."""
    entries = []
    for raw in (live.get("metadata") or {}).get("managedFields") or []:
        fields = raw.get("fieldsV1") or {}
        entries.append(
            ManagerEntry(
                manager=str(raw.get("manager", "")),
                operation=str(raw.get("operation", "")),
                subresource=str(raw.get("subresource", "")),
                pointers=owned_pointers(fields, live),
                fields_v1=fields,
            )
        )
    return entries
