"""Writing values at JSON pointers into a copy of a document (for showing what apply would do)."""

from __future__ import annotations

import copy
from typing import Any

from reconciler.engine.core.pointers import MISSING, split


def with_values(document: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    """A deep copy of `document` with each (pointer, value) set; MISSING removes the field."""
    result = copy.deepcopy(document)
    for pointer, value in changes:
        tokens = split(pointer)
        if not tokens:
            continue
        node: Any = result
        for token in tokens[:-1]:
            if isinstance(node, dict):
                node = node.setdefault(token, {})
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                node = None
                break
        last = tokens[-1]
        if isinstance(node, dict):
            if value is MISSING:
                node.pop(last, None)
            else:
                node[last] = copy.deepcopy(value)
        elif isinstance(node, list) and last.isdigit():
            index = int(last)
            if value is MISSING and index < len(node):
                del node[index]
            elif index < len(node):
                node[index] = copy.deepcopy(value)
            elif value is not MISSING:
                node.append(copy.deepcopy(value))
    return result
