"""Schemas of Kubernetes kinds: built-ins from `kubernetes-validate`, plus kinds added by CRDs.

STUB: owned by the merge-logic helper. Signatures here are the contract with the server layer.
"""

from __future__ import annotations

from typing import Any


class SchemaRegistry:
    """Looks up the OpenAPI schema of a kind by (apiVersion, kind), following `$ref`s.

    Built-in kinds come from kubernetes-validate's v1.37 definitions; `register_crd` adds the
    `openAPIV3Schema` of each served version of a CRD (and `unregister_crd` removes them).
    """

    def schema_for(self, api_version: str, kind: str) -> dict[str, Any] | None:
        """The resolved root schema of a kind, or None when the kind has no known schema."""
        raise NotImplementedError

    def definitions(self) -> dict[str, Any]:
        """All raw built-in definitions, keyed like `io.k8s.api.apps.v1.Deployment`."""
        raise NotImplementedError

    def register_crd(self, crd: dict[str, Any]) -> None:
        raise NotImplementedError

    def unregister_crd(self, crd: dict[str, Any]) -> None:
        raise NotImplementedError
