"""Offline checks of plain manifests that need no schema files: names, Secret data, and custom
resources against the CRDs of the same repo (pure).

    problems = manifest_problems(body, crd_schemas(manifests))
    -> [(("metadata", "name"), "'Web' is not a valid DNS-1123 subdomain: ..."), ...]

Names follow kube-apiserver's rules: most kinds take a DNS-1123 subdomain; Namespace and Service
a DNS-1123 label; RBAC kinds any path segment (`system:controller:x` is fine, `a/b` is not).
Secret `data` values must be base64. A custom resource whose CRD is in the repo is checked
against that CRD's `openAPIV3Schema` for its version; one whose CRD is not (it may be installed
already) is left to the cluster.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any

import jsonschema

from reconciler.specs.keys import group_of
from reconciler.specs.yamlparse import Path

Problem = tuple[Path, str]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAMED = {("", "Namespace"), ("", "Service")}
PATH_SEGMENT_NAMED = {
    ("rbac.authorization.k8s.io", kind)
    for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
}

CrdSchemas = dict[tuple[str, str, str], dict[str, Any]]
"""(group, version, kind) -> openAPIV3Schema."""


def crd_schemas(manifests: Iterable[dict[str, Any]]) -> CrdSchemas:
    """The schema of every served version of every CustomResourceDefinition in `manifests`."""
    out: CrdSchemas = {}
    for body in manifests:
        if body.get("kind") != "CustomResourceDefinition":
            continue
        spec = _mapping(body.get("spec"))
        group, kind = str(spec.get("group", "")), str(_mapping(spec.get("names")).get("kind", ""))
        versions = spec.get("versions")
        for version in versions if isinstance(versions, list) else []:
            schema = _mapping(_mapping(version).get("schema")).get("openAPIV3Schema")
            if isinstance(schema, dict):
                out[(group, str(_mapping(version).get("name", "")), kind)] = schema
    return out


def _mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one (a malformed CRD is checked elsewhere)."""
    return value if isinstance(value, dict) else {}


def manifest_problems(body: dict[str, Any], crds: CrdSchemas) -> list[Problem]:
    """Every problem found in one manifest (empty when none)."""
    api_version, kind = str(body.get("apiVersion", "")), str(body.get("kind", ""))
    group = group_of(api_version)
    problems = _name_problems(body, (group, kind))
    if (group, kind) == ("", "Secret"):
        problems.extend(_secret_problems(body))
    version = api_version.rsplit("/", 1)[-1]
    schema = crds.get((group, version, kind))
    if schema is not None:
        problems.extend(_schema_problems(body, schema))
    return problems


def _name_problems(body: dict[str, Any], group_kind: tuple[str, str]) -> list[Problem]:
    metadata = body.get("metadata") or {}
    out: list[Problem] = []
    name = metadata.get("name")
    if isinstance(name, str):
        if group_kind in PATH_SEGMENT_NAMED:
            if name in (".", "..") or "/" in name or "%" in name:
                out.append(
                    (("metadata", "name"), f"{name!r} may not be '.', '..' or hold '/' or '%'")
                )
        elif group_kind in LABEL_NAMED:
            if len(name) > 63 or not _LABEL.match(name):
                out.append((("metadata", "name"), _bad(name, "label", 63)))
        elif len(name) > 253 or not _SUBDOMAIN.match(name):
            out.append((("metadata", "name"), _bad(name, "subdomain", 253)))
    namespace = metadata.get("namespace")
    if (
        isinstance(namespace, str)
        and namespace
        and (len(namespace) > 63 or not _LABEL.match(namespace))
    ):
        out.append((("metadata", "namespace"), _bad(namespace, "label", 63)))
    return out


def _bad(value: str, what: str, limit: int) -> str:
    allowed = (
        "lower case letters, digits and '-'"
        if what == "label"
        else ("lower case letters, digits, '-' and '.'")
    )
    return (
        f"{value!r} is not a valid DNS-1123 {what}: {allowed}, starting and ending with a "
        f"letter or digit, at most {limit} characters"
    )


def _secret_problems(body: dict[str, Any]) -> list[Problem]:
    data = body.get("data")
    if not isinstance(data, dict):
        return []
    out: list[Problem] = []
    for key, value in data.items():
        if not isinstance(value, str):
            continue  # the schema check reports the type
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            # Never quote the value: it is meant to be secret.
            out.append((("data", str(key)), "not valid base64 (use stringData for plain text)"))
    return out


def _schema_problems(body: dict[str, Any], schema: dict[str, Any]) -> list[Problem]:
    try:
        validator = jsonschema.Draft7Validator(schema)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        return [
            (tuple(p for p in e.absolute_path if isinstance(p, str | int)), str(e.message))
            for e in errors
        ]
    except (jsonschema.SchemaError, RecursionError, TypeError, ValueError) as exc:
        return [((), f"its CRD's openAPIV3Schema cannot be used: {exc}")]
