"""Which kinds are namespaced, known without a cluster: for `reconciler validate` offline.

The engine asks the cluster's discovery (`reconciler.engine.scopes`); validation runs where
there is no cluster (an editor, pre-commit, CI), so it needs the same answer from data: the
cluster-scoped built-in kinds of Kubernetes, and the scope each CustomResourceDefinition of the
repo declares. Any other kind is taken as namespaced, which is what almost every CRD is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.specs.keys import group_of

CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    [
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
    ]
)


def crd_scopes(manifests: Iterable[dict[str, Any]]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced, for every CustomResourceDefinition among `manifests`."""
    out: dict[tuple[str, str], bool] = {}
    for body in manifests:
        if body.get("kind") == "CustomResourceDefinition":
            spec = body.get("spec") or {}
            names = spec.get("names") or {}
            namespaced = spec.get("scope") == "Namespaced"
            out[(str(spec.get("group", "")), str(names.get("kind", "")))] = namespaced
    return out


class StaticScopes:
    """`is_namespaced` from the built-in table and the repo's own CRDs."""

    def __init__(self, manifests: Iterable[dict[str, Any]]) -> None:
        self._crds = crd_scopes(manifests)

    def namespaced(self, api_version: str, kind: str) -> bool:
        key = (group_of(api_version), kind)
        if key in self._crds:
            return self._crds[key]
        return key not in CLUSTER_SCOPED
