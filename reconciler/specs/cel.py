"""CEL and RE2 for policies, run in-process by Google's C++ runtime (`cel-expr-python`).

CEL (the Common Expression Language) is what Kubernetes' ValidatingAdmissionPolicy is written
in, so a policy can carry the expressions people already have. An expression sees the
variables of an admission request, declared dynamic (any JSON value):

| variable | value |
|---|---|
| `object` | the object as git will write it; null on DELETE |
| `oldObject` | the live object; null on CREATE |
| `request` | `operation` (CREATE, UPDATE or DELETE), `name`, `namespace`, `kind` |
| `params` | always null: parameter resources are not resolved |
| `variables` | a ValidatingAdmissionPolicy's `spec.variables`, by name |

The strings (`lowerAscii`, `split`...), optional (`object.?spec.?replicas.orValue(1)`),
`cel.bind` and `math` extensions are on; Kubernetes' own libraries (quantity, url, authorizer)
are not. Compiling is the costly part: each expression text is compiled once per process and
the result (program or error) is cached by that text.

The same runtime carries RE2, whose matching is linear in the length of the text whatever the
pattern (CEL's `matches` is RE2). `re2_search` uses it for JSON Schema `pattern`s, so no
pattern in a policy rule, `^(a+)+$` included, can make a plan take exponential time.
RE2 has no backreferences and no lookaround; those patterns are refused when a policy loads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cel_expr_python import cel  # type: ignore[import-untyped]
from cel_expr_python.ext import (  # type: ignore[import-untyped]
    ext_bindings,
    ext_math,
    ext_optional,
    ext_strings,
)

VARIABLES = ("object", "oldObject", "request", "params", "variables")

_ENV = cel.NewEnv(
    variables={name: cel.Type.DYN for name in VARIABLES},
    extensions=[
        ext_strings.ExtStrings(),
        ext_optional.ExtOptional(),
        ext_bindings.ExtBindings(),
        ext_math.ExtMath(),
    ],
)
_REGEX_ENV = cel.NewEnv(variables={"text": cel.Type.STRING, "pattern": cel.Type.STRING})
_SEARCH = _REGEX_ENV.compile("text.matches(pattern)")
_LOCATED = re.compile(r"<input>:(\d+):(\d+): (.*)")
_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Compiled:
    """A compiled expression, or why it does not compile (`error`)."""

    expression: str
    program: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What evaluating an expression gave: a plain value, or the evaluation error."""

    value: Any = None
    error: str | None = None


@functools.lru_cache(maxsize=4096)
def compile_cel(expression: str, *, boolean: bool = True) -> Compiled:
    """Compile once per text. With `boolean`, an expression whose type is known and is not a
    bool (`object.spec.replicas + 1`) is refused, as Kubernetes refuses it."""
    try:
        program = _ENV.compile(expression)
    except RuntimeError as exc:
        return Compiled(expression, error=_tidy(str(exc)))
    returns = program.return_type()
    if boolean and returns not in (cel.Type.BOOL, cel.Type.DYN):
        return Compiled(expression, error=f"must evaluate to a bool, not {returns.name().lower()}")
    return Compiled(expression, program)


def cel_problem(expression: str) -> str | None:
    """Why `expression` is not a valid validation expression, or None."""
    error = compile_cel(expression).error
    return None if error is None else f"CEL expression does not compile: {error}"


def activation(data: Mapping[str, Any]) -> Any:
    """The variables of one request, converted once for every expression evaluated on them;
    unset ones are null. Values the runtime cannot take give an `Outcome` error instead, which
    `run` returns for every expression."""
    try:
        return _ENV.Activation({name: data.get(name) for name in VARIABLES})
    except Exception as exc:
        return Outcome(error=_tidy(str(exc)))


def run(compiled: Compiled, bound: Any) -> Outcome:
    """Evaluate a compiled expression on an `activation`; never raises."""
    if compiled.program is None:
        return Outcome(error=compiled.error)
    if isinstance(bound, Outcome):
        return bound
    try:
        value = compiled.program.eval(bound)
        if value.type() == cel.Type.ERROR:
            return Outcome(error=_tidy(str(value.value())))
        return Outcome(value.plain_value())
    except Exception as exc:  # the runtime's conversions: report, never crash a plan
        return Outcome(error=_tidy(str(exc)))


class RegexError(ValueError):
    """A pattern RE2 cannot compile or run."""


def re2_search(pattern: str, text: str) -> bool:
    """True when `pattern` (RE2 syntax; `\\uXXXX` escapes accepted) matches anywhere in `text`,
    as JSON Schema's `pattern` does; in time linear in `len(text)`."""
    try:
        value = _SEARCH.eval(data={"text": text, "pattern": _re2_syntax(pattern)})
    except Exception as exc:  # a string the runtime cannot take (lone surrogates)
        raise RegexError(_tidy(str(exc))) from None
    if value.type() != cel.Type.BOOL:
        raise RegexError(_tidy(str(value.value())))
    return bool(value.value())


def re2_problem(pattern: str) -> str | None:
    """Why RE2 refuses `pattern`, or None."""
    try:
        re2_search(pattern, "")
    except RegexError as exc:
        return str(exc)
    return None


def schema_patterns(schema: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(location, pattern) of every regular expression in a JSON Schema: `pattern` values and
    `patternProperties` keys, in every subschema."""
    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("pattern"), str):
        yield f"{where}/pattern", schema["pattern"]
    for keyword, value in schema.items():
        here = f"{where}/{keyword}"
        if keyword in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                if keyword == "patternProperties":
                    yield f"{here}/{name}", name
                yield from schema_patterns(sub, f"{here}/{name}")
        elif keyword in _SCHEMA_LISTS and isinstance(value, list):
            for i, sub in enumerate(value):
                yield from schema_patterns(sub, f"{here}/{i}")
        elif keyword in _SCHEMA_ONE:
            yield from schema_patterns(value, here)


_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems", "items"}
_SCHEMA_ONE = {
    "not",
    "if",
    "then",
    "else",
    "items",
    "additionalItems",
    "contains",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "propertyNames",
}


def _re2_syntax(pattern: str) -> str:
    """ECMA-262 and Python write a code point as `\\u00e9`; RE2 as `\\x{00e9}`."""
    return _UNICODE_ESCAPE.sub(r"\1\\x{\2}", pattern)


def _tidy(message: str) -> str:
    """The runtime's message on one line: `INVALID_ARGUMENT: ERROR: <input>:1:25: Syntax
    error: ...` (with a caret drawing) becomes `column 25: Syntax error: ...`."""
    located = _LOCATED.findall(message)
    if located:
        parts = [
            f"column {col}: {text.strip()}" if line == "1" else f"line {line} column {col}: {text}"
            for line, col, text in located
        ]
        return "; ".join(parts).replace(" (in container '')", "")
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    for prefix in ("INVALID_ARGUMENT: ", "NOT_FOUND: ", "UNKNOWN: "):
        first = first.removeprefix(prefix)
    return first
