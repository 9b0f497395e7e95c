"""Turn pydantic validation errors into located, human `SpecError`s.

pydantic reports a `loc` such as `("spec", "actions", 0, "scale", "replicas")`: the YAML keys and
list indexes, plus the tags of unions it tried (`scale` is the action type, not a key; a value
that may be a mapping, a list or a string reports `dict[str,any]`, `list[any]` and `str`). We walk
the loc along the actual document, keeping only the components that exist in the data (or the
last one, for a missing or unknown field), which gives the field as the author wrote it,
`spec.actions[0].replicas`, and the line of its deepest existing part.

Messages say what is wrong in the author's words: "unknown field (typo?); did you mean
'description'?", "required field missing", "expected an integer, got the string 'lots'",
"must be 'draft' or 'published'; got 'publish'; did you mean 'published'?".
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.specs.errors import SpecError
from reconciler.specs.yamlparse import ParsedDocument, Path

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_QUOTED = re.compile(r"'([^']*)'")

_EXPECTED = {
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "a boolean (true or false)",
    "bool_parsing": "a boolean (true or false)",
    "float_type": "a number",
    "float_parsing": "a number",
}


def format_field(path: Path) -> str:
    """`("spec", "actions", 0, "replicas")` -> `spec.actions[0].replicas`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def describe(value: Any) -> str:
    """A short description of a YAML value, for "got ..." in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - YAML builds nothing else


def validation_errors(
    exc: ValidationError, model: type[BaseModel], document: ParsedDocument, file: str
) -> list[SpecError]:
    """One `SpecError` per problem in `exc`, raised validating `document` with `model`."""
    grouped: dict[Path, list[ErrorDetails]] = {}
    for detail in exc.errors(include_url=False):
        path = resolve_path(detail["loc"], document.value)
        if detail["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path = (*path, _discriminator(detail))
        grouped.setdefault(path, []).append(detail)
    out: list[SpecError] = []
    for path, details in grouped.items():
        line = document.line_of(path)
        field = format_field(path) or None
        types_only = all(d["type"] in _EXPECTED for d in details)
        if len(details) > 1 and types_only:
            out.append(SpecError(file, line, field, _union_message(details)))
            continue
        for detail in details:
            out.append(SpecError(file, line, field, _message(detail, model)))
    return out


def resolve_path(loc: Sequence[str | int], data: Any) -> Path:
    """The part of a pydantic `loc` that names keys and indexes of `data` (see module doc)."""
    path: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str):
            if part in current:
                path.append(part)
                current = current[part]
            elif last and part != current.get("type"):
                path.append(part)  # a missing or unknown field: name it
            # else: a union tag (`scale` of `type: scale`)
        # else: a union member's name on a scalar: not a key
    return tuple(path)


def _discriminator(detail: ErrorDetails) -> str:
    ctx = detail.get("ctx") or {}
    return str(ctx.get("discriminator", "type")).strip("'")


def _union_message(details: list[ErrorDetails]) -> str:
    wanted = list(dict.fromkeys(_EXPECTED[d["type"]] for d in details))
    choices = ", ".join(wanted[:-1]) + f" or {wanted[-1]}"
    return f"expected {choices}, got {describe(details[0]['input'])}"


def _message(detail: ErrorDetails, model: type[BaseModel]) -> str:
    kind, msg, value = detail["type"], detail["msg"], detail["input"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        known = field_names(model, detail["loc"][:-1])
        return "unknown field (typo?)" + _suggest(str(detail["loc"][-1]), known)
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {describe(value)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        return f"must be {expected}; got {describe(value)}" + _suggest(
            value, _QUOTED.findall(expected)
        )
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", ""))
        tag = ctx.get("tag")
        return f"unknown {_discriminator(detail)} {tag!r}: must be one of {tags}" + _suggest(
            tag, _QUOTED.findall(tags)
        )
    if kind == "union_tag_not_found":
        return "required field missing (it selects the kind of item)"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return f"{describe(value)} does not match the pattern {ctx.get('pattern')}"
    text = msg.replace("Input should", "should", 1)
    text = text[:1].lower() + text[1:]
    if not isinstance(value, dict | list):
        text += f"; got {describe(value)}"
    return text


def _suggest(word: Any, candidates: Sequence[str]) -> str:
    if not isinstance(word, str) or not candidates:
        return ""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def field_names(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The YAML field names accepted at `loc` inside `model` (empty when unknown)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, info in tp.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin = get_origin(tp)
    if origin is list and isinstance(part, int):
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    if origin in (Union, types.UnionType):
        for member in get_args(tp):
            member = _unwrap(member)
            if isinstance(member, type) and issubclass(member, BaseModel):
                tag = member.model_fields.get("type")
                if tag is not None and part in get_args(tag.annotation):
                    return member
    return None


def _unwrap(tp: Any) -> Any:
    """Strip `Annotated[...]` and `X | None` down to X."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        if get_origin(tp) in (Union, types.UnionType):
            members = [m for m in get_args(tp) if m is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp
