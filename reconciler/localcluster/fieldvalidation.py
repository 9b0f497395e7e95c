"""Server-side field validation (`fieldValidation=Strict|Warn|Ignore`) against kind schemas.

STUB: owned by the merge-logic helper. Signatures here are the contract with the server layer.
"""

from __future__ import annotations

from typing import Any

from reconciler.localcluster.errors import FieldError
from reconciler.localcluster.k8sschema import SchemaRegistry


def unknown_and_invalid_fields(
    obj: dict[str, Any], *, schemas: SchemaRegistry
) -> tuple[list[FieldError], list[FieldError]]:
    """Return (unknown fields, invalid-type fields) of `obj` against its kind's schema.

    Unknown fields are reported as the API server does under Strict (rejected, 400 BadRequest,
    `strict decoding error: unknown field "spec.foo"`) and Warn (a `Warning` header each).
    Type errors are always rejected (the real server fails to decode them).
    """
    raise NotImplementedError
