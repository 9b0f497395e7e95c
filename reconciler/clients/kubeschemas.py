"""The built-in kinds' JSON Schemas (shipped by `kubernetes-validate`), for offline validation.

`reconciler validate` has no cluster to ask, yet a typo in a Deployment (`imagee`,
`replicas: "two"`, `kind: Deploymnet`) should fail there, at its line, not in `apply`. The
strict schemas of the newest Kubernetes release `kubernetes-validate` carries (unknown fields are
errors, as with `kubectl apply --validate=strict`) are read once; a validator is compiled once
per kind and reused, so checking a manifest costs about a millisecond, not the ~10 ms that
`kubernetes_validate.validate()` spends re-reading its schema files on every call.

    schemas = BuiltinSchemas()
    schemas.check({"apiVersion": "apps/v1", "kind": "Deployment", ...})
    -> [(("spec", "replicas"), "'two' is not of type 'integer', 'null'")]   # or None: not built-in
"""

from __future__ import annotations

import difflib
import json
from importlib import resources
from typing import Any

import jsonschema
import kubernetes_validate

from reconciler.specs.yamlparse import Path

Problem = tuple[Path, str]


class BuiltinSchemas:
    """Strict schemas of every built-in kind, loaded on first use."""

    def __init__(self, version: str | None = None) -> None:
        self.version = version or kubernetes_validate.latest_version()
        self._defs: dict[str, Any] | None = None
        self._by_gvk: dict[tuple[str, str], str] = {}
        self._kinds: dict[str, list[str]] = {}
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    def check(self, body: dict[str, Any]) -> list[Problem] | None:
        """Problems of a built-in object (path inside it, message); an empty list when it is
        valid; None when its apiVersion is not a built-in one (a custom resource)."""
        self._load()
        api_version, kind = str(body.get("apiVersion", "")), str(body.get("kind", ""))
        if api_version not in self._kinds:
            return None
        name = self._by_gvk.get((api_version, kind))
        if name is None:
            near = difflib.get_close_matches(kind, self._kinds[api_version], n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            return [(("kind",), f"unknown kind {kind!r} in {api_version}{hint}")]
        validator = self._validator(name)
        problems = []
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
            path = tuple(p for p in error.absolute_path if isinstance(p, str | int))
            message, field = _message(error)
            problems.append(((*path, field) if field is not None else path, message))
        return problems

    def _validator(self, name: str) -> jsonschema.protocols.Validator:
        if name not in self._validators:
            schema = {"$ref": f"#/$defs/{name}", "$defs": self._defs}
            self._validators[name] = jsonschema.Draft202012Validator(schema)
        return self._validators[name]

    def _load(self) -> None:
        if self._defs is not None:
            return
        folder = resources.files("kubernetes_validate") / "kubernetes-json-schema"
        text = (folder / f"v{self.version}-local-strict" / "_definitions.json").read_text("utf-8")
        self._defs = json.loads(text)["$defs"]
        for name, definition in self._defs.items():
            for gvk in definition.get("x-kubernetes-group-version-kind") or []:
                group, version = gvk.get("group", ""), gvk.get("version", "")
                api_version = f"{group}/{version}" if group else version
                if gvk.get("kind") in ("DeleteOptions", "WatchEvent", "Status"):
                    continue  # meta kinds listed under every group: not objects one writes
                self._by_gvk.setdefault((api_version, gvk["kind"]), name)
                self._kinds.setdefault(api_version, []).append(gvk["kind"])


def _message(error: jsonschema.ValidationError) -> tuple[str, str | None]:
    """The message, and the unknown key to point at (the error itself is on its parent)."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = set((schema.get("properties") or {}).keys())
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        if extra:
            near = difflib.get_close_matches(extra[0], sorted(allowed), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            return f"unknown field (typo?){hint}", extra[0]
    return str(error.message), None
