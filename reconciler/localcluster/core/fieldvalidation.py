"""Server-side field validation (`fieldValidation=Strict|Warn|Ignore`) against kind schemas.

kube-apiserver decodes a request strictly and reports every field the kind does not declare:

    spec:
      replicass: 3                 -> unknown field "spec.replicass"
      template:
        spec:
          containers:
          - name: app
            imagee: nginx          -> unknown field "spec.template.spec.containers[0].imagee"
      replicas: "3"                -> .spec.replicas: Invalid value: "string": spec.replicas in
                                      body must be of type integer: "string"

Unknown fields are fields outside `properties` of a struct that neither allows
`additionalProperties` nor says `x-kubernetes-preserve-unknown-fields`. Type errors compare the
JSON type against the schema's `type` (int-or-string and quantities accept both; `format:
int32`/`int64` are range-checked; `format: byte` strings, Go `[]byte` fields such as a Secret's
`data`, must be base64 as Go's decoder reads them, else `illegal base64 data at input byte N`).
`metadata` is checked as ObjectMeta. Kinds without a known schema yield no findings.
"""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.core.bodydecode import base64_error
from reconciler.localcluster.core.errors import FieldError
from reconciler.localcluster.core.k8sschema import Schema, SchemaRegistry

_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def unknown_and_invalid_fields(
    obj: dict[str, Any], *, schemas: SchemaRegistry
) -> tuple[list[FieldError], list[FieldError]]:
    """Return (unknown fields, invalid-type fields) of `obj` against its kind's schema.

    Unknown fields are reported as the API server does under Strict (rejected, 400 BadRequest,
    `strict decoding error: unknown field "spec.foo"`) and Warn (a `Warning` header each).
    Type errors are always rejected (the real server fails to decode them).
    """
    schema = schemas.schema_for(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    unknown: list[FieldError] = []
    invalid: list[FieldError] = []
    if schema is not None:
        _Walker(schemas, unknown, invalid).walk(obj, schema, "")
    return unknown, invalid


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _allowed_types(schema: Schema) -> set[str] | None:
    """The JSON types a schema accepts, or None for anything."""
    if schema.get("x-kubernetes-int-or-string"):
        return {"integer", "string", "null"}
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        out: set[str] = set()
        for alternative in alternatives:
            allowed = _allowed_types(alternative)
            if allowed is None:
                return None
            out |= allowed
        return out
    declared = schema.get("type")
    if declared is None:
        return None
    allowed = {declared} if isinstance(declared, str) else set(declared)
    if "number" in allowed:
        allowed.add("integer")
    return allowed


class _Walker:
    def __init__(
        self, registry: SchemaRegistry, unknown: list[FieldError], invalid: list[FieldError]
    ) -> None:
        self.reg = registry
        self.unknown = unknown
        self.invalid = invalid

    def walk(self, value: Any, schema: Schema, path: str) -> None:
        schema = self.reg.resolve(schema)
        if value is None:
            return
        if not self.type_ok(value, schema, path):
            return
        shape = self.reg.shape(schema)
        if isinstance(value, dict) and shape in ("struct", "map"):
            for key, child in value.items():
                child_path = f"{path}.{key}"
                child_schema = self.reg.field_schema(schema, key)
                if child_schema is None:
                    self.unknown.append(FieldError(child_path, "unknown"))
                else:
                    self.walk(child, child_schema, child_path)
        elif isinstance(value, list) and shape == "list":
            items = self.reg.item_schema(schema)
            for index, item in enumerate(value):
                self.walk(item, items, f"{path}[{index}]")

    def type_ok(self, value: Any, schema: Schema, path: str) -> bool:
        allowed = _allowed_types(schema)
        actual = _json_type(value)
        integral = actual == "number" and float(value).is_integer()
        if (
            allowed is not None
            and actual not in allowed
            and not (integral and "integer" in allowed)
        ):
            expected = " or ".join(sorted(allowed - {"null"}))
            self.invalid.append(FieldError(path, _invalid(path, actual, expected)))
            return False
        bounds = _RANGES.get(str(schema.get("format")))
        if bounds is not None and actual == "integer" and not bounds[0] <= value <= bounds[1]:
            detail = f"Invalid value: {value}: {path.lstrip('.')} in body must be of type " + str(
                schema.get("format")
            )
            self.invalid.append(FieldError(path, detail))
            return False
        if schema.get("format") == "byte" and actual == "string":
            problem = base64_error(value)  # a Go []byte: base64 in JSON
            if problem is not None:
                self.invalid.append(FieldError(path, problem, decoding=True))
                return False
        return True


def _invalid(path: str, actual: str, expected: str) -> str:
    """The message of an apiextensions type error (`... in body must be of type integer`)."""
    where = path.lstrip(".")
    return f'Invalid value: "{actual}": {where} in body must be of type {expected}: "{actual}"'
