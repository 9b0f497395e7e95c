"""Checking an object against a policy's JSON Schema `rule`, in bounded time (pure).

jsonschema matches `pattern` and `patternProperties` with Python's `re`, which backtracks:
`^(a+)+$` against forty `a`s and a `!` takes longer than anyone waits. Here those keywords (and
`additionalProperties`, which consults `patternProperties`) match with RE2 instead, whose time is
linear in the text (`reconciler.specs.cel.re2_search`). A pattern RE2 cannot run (refused at
load, so only a rule that slipped past it) is a failed check saying so, never a hang or a crash.

Not covered: `unevaluatedProperties` beside `patternProperties` still matches names with `re`
inside jsonschema; property names are short, but a rule should prefer `additionalProperties`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, cast

from jsonschema import ValidationError, validators
from jsonschema.protocols import Validator

from reconciler.specs.cel import RegexError, re2_search


def rule_errors(rule: dict[str, Any], body: dict[str, Any]) -> list[ValidationError]:
    """Every way `body` fails `rule`, sorted by where."""
    validator = _bounded(validators.validator_for(rule))(rule)
    return sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.path])


@functools.cache
def _bounded(cls: type[Validator]) -> type[Validator]:
    """`cls` (one JSON Schema draft's validator) with its regex keywords on RE2."""
    keywords = {"pattern": _pattern, "patternProperties": _pattern_properties}
    if "additionalProperties" in cls.VALIDATORS:
        keywords["additionalProperties"] = _additional_properties
    return cast(type[Validator], validators.extend(cls, keywords))  # type: ignore[no-untyped-call]


def _search(pattern: str, text: str) -> bool | ValidationError:
    try:
        return re2_search(pattern, text)
    except RegexError as exc:
        return ValidationError(f"pattern {pattern!r} cannot be run (RE2): {exc}")


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    found = _search(pattern, instance)
    if isinstance(found, ValidationError):
        yield found
    elif not found:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            found = _search(pattern, name)
            if isinstance(found, ValidationError):
                yield found
                break
            if found:
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = []
    for name in instance:
        if name in known:
            continue
        hits = [_search(p, name) for p in patterns]
        errors = [h for h in hits if isinstance(h, ValidationError)]
        if errors:
            yield errors[0]
            return
        if not any(hits):
            extras.append(name)
    if validator.is_type(additional, "object"):
        for name in extras:
            yield from validator.descend(instance[name], additional, path=name)
    elif additional is False and extras:
        listed = ", ".join(repr(name) for name in sorted(extras))
        yield ValidationError(f"additional properties are not allowed ({listed} unexpected)")
