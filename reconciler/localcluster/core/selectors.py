"""Label and field selectors of list and watch requests.

Label selector grammar (comma = AND)::

    app=web, tier==front, env!=prod, zone in (a,b), zone notin (c), canary, !legacy

Field selectors support `metadata.name` and `metadata.namespace` with `=`, `==`, `!=`, which is
what every kind offers on a real server (kinds add a few more, e.g. `status.phase`; unsupported
labels get the same 400 `field label not supported: X` as there). Label selector keys must be
qualified names and values label values (`core.metavalidation`), else 400 as `labels.Parse`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reconciler.localcluster.core.metavalidation import (
    label_value_problems,
    qualified_name_problems,
)
from reconciler.localcluster.core.status import bad_request

Predicate = Callable[[dict[str, Any]], bool]

_SET_EXPR = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_EXPR = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|!=|=)\s*([A-Za-z0-9_.-]*)\s*$")
_EXISTS_EXPR = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*$")
FIELD_LABELS = ("metadata.name", "metadata.namespace")


def _split_top(selector: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()}


def _requirement(key: str, op: str, values: frozenset[str]) -> Predicate:
    def test(obj: dict[str, Any]) -> bool:
        labels = _labels(obj)
        if op in ("=", "==", "in"):
            return labels.get(key) in values
        if op in ("!=", "notin"):
            return labels.get(key) not in values
        return (key in labels) == (op == "exists")

    return test


def _checked(key: str, values: list[str]) -> tuple[str, frozenset[str]]:
    """The key and values of a requirement, refused (400) as `labels.NewRequirement` refuses
    keys that are not qualified names and values that are not label values."""
    for msg in qualified_name_problems(key):
        raise bad_request(f'unable to parse requirement: key: Invalid value: "{key}": {msg}')
    for i, value in enumerate(values):
        for msg in label_value_problems(value):
            raise bad_request(
                f'unable to parse requirement: values[{i}][{key}]: Invalid value: "{value}": {msg}'
            )
    return key, frozenset(values)


def parse_label_selector(selector: str) -> Predicate:
    """A predicate over objects; raises ApiError 400 on a malformed selector."""
    tests: list[Predicate] = []
    for term in _split_top(selector):
        if m := _SET_EXPR.match(term):
            values = [v.strip() for v in m.group(3).split(",") if v.strip()]
            key, checked = _checked(m.group(1), values)
            tests.append(_requirement(key, m.group(2), checked))
        elif m := _EQ_EXPR.match(term):
            key, checked = _checked(m.group(1), [m.group(3)])
            tests.append(_requirement(key, m.group(2), checked))
        elif m := _EXISTS_EXPR.match(term):
            op = "!exists" if m.group(1) == "!" else "exists"
            key, _ = _checked(m.group(2), [])
            tests.append(_requirement(key, op, frozenset()))
        else:
            raise bad_request(f"unable to parse requirement: {term.strip()!r}")
    return lambda obj: all(t(obj) for t in tests)


def parse_field_selector(selector: str) -> Predicate:
    tests: list[Predicate] = []
    for term in _split_top(selector):
        m = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*$", term)
        if not m:
            raise bad_request(f"invalid selector: '{selector}'; can't understand '{term}'")
        field, op, value = m.group(1), m.group(2), m.group(3)
        if field not in FIELD_LABELS:
            raise bad_request(f"field label not supported: {field}")
        attr = field.split(".", 1)[1]

        def test(o: dict[str, Any], a: str = attr, v: str = value, neg: bool = op == "!=") -> bool:
            return (str((o.get("metadata") or {}).get(a, "")) == v) != neg

        tests.append(test)
    return lambda obj: all(t(obj) for t in tests)


def selector_predicate(label_selector: str | None, field_selector: str | None) -> Predicate:
    label = parse_label_selector(label_selector) if label_selector else None
    fields = parse_field_selector(field_selector) if field_selector else None
    return lambda o: (label is None or label(o)) and (fields is None or fields(o))
