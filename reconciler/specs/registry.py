"""Which model validates a document, chosen by its `apiVersion` and `kind`.

Documents of `reconciler.dev/v1alpha1` must be one of the spec kinds. Any other apiVersion is a
plain Kubernetes manifest (desired state as it is), checked for the identity fields only here.
"""

from __future__ import annotations

from typing import Any

from reconciler.specs.base import API_GROUP, API_VERSION, SpecBase
from reconciler.specs.keys import group_of
from reconciler.specs.kinds import Mapping, Pattern, Policy, Tool
from reconciler.specs.remediation import Remediation

Spec = Tool | Mapping | Remediation | Pattern | Policy

SPEC_KINDS: dict[str, type[SpecBase]] = {
    "Tool": Tool,
    "Mapping": Mapping,
    "Remediation": Remediation,
    "Pattern": Pattern,
    "Policy": Policy,
}


class DocumentKindError(ValueError):
    """A document whose apiVersion/kind pair names no known model; `field` says which key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def model_for(document: dict[str, Any]) -> type[SpecBase] | None:
    """The spec model for a document, None for a plain manifest; raises DocumentKindError."""
    api_version = document.get("apiVersion")
    kind = document.get("kind")
    if not isinstance(api_version, str) or not api_version:
        raise DocumentKindError("apiVersion", "apiVersion is required and must be a string")
    if not isinstance(kind, str) or not kind:
        raise DocumentKindError("kind", "kind is required and must be a string")
    if group_of(api_version) == API_GROUP:
        if api_version != API_VERSION:
            raise DocumentKindError(
                "apiVersion", f"unknown apiVersion {api_version!r}: expected {API_VERSION}"
            )
        model = SPEC_KINDS.get(kind)
        if model is None:
            known = ", ".join(SPEC_KINDS)
            raise DocumentKindError("kind", f"unknown kind {kind!r}: expected one of {known}")
        return model
    return None
