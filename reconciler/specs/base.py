"""Common parts of every spec kind: strict camelCase models, metadata, and field types.

Every spec is a Kubernetes-shaped document::

    apiVersion: reconciler.dev/v1alpha1
    kind: Tool
    metadata:
      name: prometheus-query        # DNS-1123 subdomain
      labels: {team: sre}
    spec: {...}

Models are frozen and forbid unknown fields, so a typo (`descripton:`) is an error, not a silently
ignored key. YAML field names are camelCase; Python attributes are snake_case.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from jsonschema import exceptions as jsonschema_exceptions
from jsonschema import validators
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

API_VERSION = "reconciler.dev/v1alpha1"
API_GROUP = "reconciler.dev"

_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _dns1123_subdomain(value: str) -> str:
    if len(value) > 253 or not _DNS1123_SUBDOMAIN.match(value):
        raise ValueError(
            f"{value!r} is not a valid DNS-1123 name: lower case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit, at most 253 characters"
        )
    return value


def _dns1123_label(value: str) -> str:
    if len(value) > 63 or not _DNS1123_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a valid DNS-1123 label: lower case letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters"
        )
    return value


def _json_schema(value: dict[str, Any]) -> dict[str, Any]:
    """Accept only a valid JSON Schema (checked against its declared or the latest meta-schema).

    Any input is a located error, never an exception: `$schema` must be a string (jsonschema
    looks it up in a dict, so a list or mapping raises TypeError, and a number AttributeError),
    and a failure inside jsonschema itself (a RecursionError on a schema nested past Python's
    limit, or anything else its meta-schema walk raises on hostile input) is reported as "not a
    valid JSON Schema" too. The loader bounds nesting (`yamlparse.MAX_DEPTH`), so from a file
    the recursion cannot happen; the catch is for values built in code."""
    dialect = value.get("$schema")
    if "$schema" in value and not isinstance(dialect, str):
        got = "a list" if isinstance(dialect, list) else f"{dialect!r:.40}"
        got = "a mapping" if isinstance(dialect, dict) else got
        raise ValueError(f"not a valid JSON Schema at $schema: must be a string, got {got}")
    try:
        cls = validators.validator_for(value, default=validators.Draft202012Validator)
        cls.check_schema(value)
    except jsonschema_exceptions.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        at = f" at {where}" if where else ""
        raise ValueError(f"not a valid JSON Schema{at}: {exc.message}") from None
    except RecursionError:
        raise ValueError("not a valid JSON Schema: nested too deeply to check") from None
    except Exception as exc:  # jsonschema's walk of hostile input: a located error, not a crash
        raise ValueError(f"not a valid JSON Schema: {type(exc).__name__}: {exc!s:.200}") from None
    return value


DnsName = Annotated[
    str,
    AfterValidator(_dns1123_subdomain),
    Field(json_schema_extra={"pattern": _DNS1123_SUBDOMAIN.pattern, "maxLength": 253}),
]
DnsLabel = Annotated[
    str,
    AfterValidator(_dns1123_label),
    Field(json_schema_extra={"pattern": _DNS1123_LABEL.pattern, "maxLength": 63}),
]
JsonSchema = Annotated[
    dict[str, Any],
    AfterValidator(_json_schema),
    Field(json_schema_extra={"description": "A JSON Schema (draft 2020-12 unless $schema says)"}),
]
LifecycleStatus = Literal["draft", "published"]


class StrictModel(BaseModel):
    """Frozen, camelCase in YAML, unknown fields rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        str_strip_whitespace=False,
    )


class Metadata(StrictModel):
    """Identity of a spec. Specs are repo-level: they carry no namespace of their own."""

    name: DnsName
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class SpecBase(StrictModel):
    """Fields shared by every kind; subclasses narrow `kind` and define `spec`."""

    api_version: Literal["reconciler.dev/v1alpha1"]
    metadata: Metadata
