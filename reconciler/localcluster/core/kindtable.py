"""What kube-apiserver 1.37 says about its built-in resources that the OpenAPI schemas do not.

The kinds themselves, their versions and their fields come from kubernetes-validate's schemas
(`resources.builtin_types` reads every `x-kubernetes-group-version-kind` whose definition has
object metadata). This table adds the rest, keyed by (group, kind) and shared by all versions
of a kind (HorizontalPodAutoscaler's autoscaling/v1 and v2):

- scope: `CLUSTER_SCOPED` (everything else is namespaced);
- names: the plural is the API server's guess from the kind (`Ingress` -> `ingresses`,
  `NetworkPolicy` -> `networkpolicies`) except `IRREGULAR_NAMES`; `SHORT_NAMES`; `CATEGORIES`;
- verbs: the eight standard ones except `VERBS` (create-only request kinds, ComponentStatus's
  get/list, Namespace without deletecollection);
- subresources: `/status` for kinds whose schema has a `status` field and that can be updated
  (every such built-in has one in 1.37), `/scale` for `SCALE`;
- `GENERATION`: kinds whose strategy sets `metadata.generation` (PrepareForCreate
  `Generation = 1`);
- `NOT_RESOURCES`: kinds with a group-version-kind that only travel through another resource's
  subresource (`Scale`, `Eviction`, `TokenRequest`).

Versions: only GA versions (`v1`, `v2`) are served. Since KEP-3136 (1.24) new beta APIs are off
by default, and the last beta resources that were on (flowcontrol v1beta3) went in 1.32, so a
default 1.37 kube-apiserver serves exactly its GA group versions; every GA kind in the 1.37
schemas is on by default (those introduced in 1.37, e.g. DeviceTaintRule, ClusterTrustBundle,
PodCertificateRequest, StorageVersionMigration, graduated with their feature gates on).

Sources, kubernetes/kubernetes at v1.37: `api/discovery/*.json` (the discovery documents the
API server serves, checked in by `hack/update-openapi-spec.sh`), `pkg/registry/**/storage/
storage.go` (`ShortNames()`, `Categories()`, `NewStatusREST`/`ScaleREST`),
`pkg/registry/**/strategy.go` (generation), `staging/src/k8s.io/api/**/types.go`
(`+genclient:nonNamespaced`, `+genclient:onlyVerbs=create`), and
`pkg/controlplane/apiserver/aggregator.go` plus `pkg/controlplane/instance.go` for
`GROUP_ORDER` (APIService group priorities, highest first).
"""

from __future__ import annotations

import re

Key = tuple[str, str]  # (group, kind)

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
CREATE_ONLY = ("create",)

_AUTHN, _AUTHZ = "authentication.k8s.io", "authorization.k8s.io"
_ADMISSION, _RBAC = "admissionregistration.k8s.io", "rbac.authorization.k8s.io"
_CERTS, _NET, _STORAGE = "certificates.k8s.io", "networking.k8s.io", "storage.k8s.io"
_FLOW, _DRA = "flowcontrol.apiserver.k8s.io", "resource.k8s.io"

NOT_RESOURCES: frozenset[Key] = frozenset(
    {("autoscaling", "Scale"), ("policy", "Eviction"), (_AUTHN, "TokenRequest")}
)

CLUSTER_SCOPED: frozenset[Key] = frozenset(
    {
        ("", "ComponentStatus"),
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        (_ADMISSION, "MutatingAdmissionPolicy"),
        (_ADMISSION, "MutatingAdmissionPolicyBinding"),
        (_ADMISSION, "MutatingWebhookConfiguration"),
        (_ADMISSION, "ValidatingAdmissionPolicy"),
        (_ADMISSION, "ValidatingAdmissionPolicyBinding"),
        (_ADMISSION, "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        (_AUTHN, "SelfSubjectReview"),
        (_AUTHN, "TokenReview"),
        (_AUTHZ, "SelfSubjectAccessReview"),
        (_AUTHZ, "SelfSubjectRulesReview"),
        (_AUTHZ, "SubjectAccessReview"),
        (_CERTS, "CertificateSigningRequest"),
        (_CERTS, "ClusterTrustBundle"),
        (_FLOW, "FlowSchema"),
        (_FLOW, "PriorityLevelConfiguration"),
        (_NET, "IngressClass"),
        (_NET, "IPAddress"),
        (_NET, "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        (_RBAC, "ClusterRole"),
        (_RBAC, "ClusterRoleBinding"),
        (_DRA, "DeviceClass"),
        (_DRA, "DeviceTaintRule"),
        (_DRA, "ResourceSlice"),
        ("scheduling.k8s.io", "PriorityClass"),
        (_STORAGE, "CSIDriver"),
        (_STORAGE, "CSINode"),
        (_STORAGE, "StorageClass"),
        (_STORAGE, "VolumeAttachment"),
        (_STORAGE, "VolumeAttributesClass"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
    }
)

# (plural, singular) where the API server's registry does not use the guessed names.
IRREGULAR_NAMES: dict[Key, tuple[str, str]] = {("", "Endpoints"): ("endpoints", "endpoints")}

SHORT_NAMES: dict[Key, tuple[str, ...]] = {
    ("", "ComponentStatus"): ("cs",),
    ("", "ConfigMap"): ("cm",),
    ("", "Endpoints"): ("ep",),
    ("", "Event"): ("ev",),
    ("", "LimitRange"): ("limits",),
    ("", "Namespace"): ("ns",),
    ("", "Node"): ("no",),
    ("", "PersistentVolumeClaim"): ("pvc",),
    ("", "PersistentVolume"): ("pv",),
    ("", "Pod"): ("po",),
    ("", "ReplicationController"): ("rc",),
    ("", "ResourceQuota"): ("quota",),
    ("", "ServiceAccount"): ("sa",),
    ("", "Service"): ("svc",),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): ("crd", "crds"),
    ("apps", "DaemonSet"): ("ds",),
    ("apps", "Deployment"): ("deploy",),
    ("apps", "ReplicaSet"): ("rs",),
    ("apps", "StatefulSet"): ("sts",),
    ("autoscaling", "HorizontalPodAutoscaler"): ("hpa",),
    ("batch", "CronJob"): ("cj",),
    (_CERTS, "CertificateSigningRequest"): ("csr",),
    ("events.k8s.io", "Event"): ("ev",),
    (_NET, "Ingress"): ("ing",),
    (_NET, "IPAddress"): ("ip",),
    (_NET, "NetworkPolicy"): ("netpol",),
    ("policy", "PodDisruptionBudget"): ("pdb",),
    ("scheduling.k8s.io", "PriorityClass"): ("pc",),
    (_STORAGE, "StorageClass"): ("sc",),
    (_STORAGE, "VolumeAttributesClass"): ("vac",),
}

_ALL = ("all",)
_EXTENSIONS = ("api-extensions",)
CATEGORIES: dict[Key, tuple[str, ...]] = {
    ("", "Pod"): _ALL,
    ("", "ReplicationController"): _ALL,
    ("", "Service"): _ALL,
    ("apps", "DaemonSet"): _ALL,
    ("apps", "Deployment"): _ALL,
    ("apps", "ReplicaSet"): _ALL,
    ("apps", "StatefulSet"): _ALL,
    ("autoscaling", "HorizontalPodAutoscaler"): _ALL,
    ("batch", "CronJob"): _ALL,
    ("batch", "Job"): _ALL,
    (_ADMISSION, "MutatingAdmissionPolicy"): _EXTENSIONS,
    (_ADMISSION, "MutatingAdmissionPolicyBinding"): _EXTENSIONS,
    (_ADMISSION, "MutatingWebhookConfiguration"): _EXTENSIONS,
    (_ADMISSION, "ValidatingAdmissionPolicy"): _EXTENSIONS,
    (_ADMISSION, "ValidatingAdmissionPolicyBinding"): _EXTENSIONS,
    (_ADMISSION, "ValidatingWebhookConfiguration"): _EXTENSIONS,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _EXTENSIONS,
    ("apiregistration.k8s.io", "APIService"): _EXTENSIONS,
}

VERBS: dict[Key, tuple[str, ...]] = {
    ("", "Binding"): CREATE_ONLY,
    ("", "ComponentStatus"): ("get", "list"),
    ("", "Namespace"): tuple(v for v in STANDARD_VERBS if v != "deletecollection"),
    (_AUTHN, "SelfSubjectReview"): CREATE_ONLY,
    (_AUTHN, "TokenReview"): CREATE_ONLY,
    (_AUTHZ, "LocalSubjectAccessReview"): CREATE_ONLY,
    (_AUTHZ, "SelfSubjectAccessReview"): CREATE_ONLY,
    (_AUTHZ, "SelfSubjectRulesReview"): CREATE_ONLY,
    (_AUTHZ, "SubjectAccessReview"): CREATE_ONLY,
}

SCALE: frozenset[Key] = frozenset(
    {
        ("", "ReplicationController"),
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
    }
)

GENERATION: frozenset[Key] = frozenset(
    {
        ("", "Pod"),
        ("", "PodTemplate"),
        ("", "ReplicationController"),
        (_ADMISSION, "MutatingAdmissionPolicy"),
        (_ADMISSION, "MutatingAdmissionPolicyBinding"),
        (_ADMISSION, "MutatingWebhookConfiguration"),
        (_ADMISSION, "ValidatingAdmissionPolicy"),
        (_ADMISSION, "ValidatingAdmissionPolicyBinding"),
        (_ADMISSION, "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apps", "DaemonSet"),
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("batch", "CronJob"),
        ("batch", "Job"),
        ("discovery.k8s.io", "EndpointSlice"),
        (_FLOW, "FlowSchema"),
        (_FLOW, "PriorityLevelConfiguration"),
        (_NET, "Ingress"),
        (_NET, "IngressClass"),
        (_NET, "NetworkPolicy"),
        ("policy", "PodDisruptionBudget"),
        (_DRA, "DeviceClass"),
        (_DRA, "DeviceTaintRule"),
        (_DRA, "ResourceSlice"),
    }
)

# Discovery order of the groups: kube-apiserver's APIService group priorities, highest first
# (the aggregator's own apiregistration.k8s.io leads `/apis`). Unknown groups (CRDs) follow.
GROUP_ORDER = (
    "",
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    _AUTHN,
    _AUTHZ,
    "autoscaling",
    "batch",
    _CERTS,
    _NET,
    "policy",
    _RBAC,
    _STORAGE,
    _ADMISSION,
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    _FLOW,
    _DRA,
    "storagemigration.k8s.io",
)


def served_version(version: str) -> bool:
    """Whether a default 1.37 API server serves this version of a built-in group: GA only."""
    return re.fullmatch(r"v\d+", version) is not None


def resource_names(group: str, kind: str) -> tuple[str, str]:
    """(plural, singular): the API server's guess from the kind unless `IRREGULAR_NAMES`.

    As apimachinery's `UnsafeGuessKindToResource`: lower-case, then `s` -> `ses`, `y` -> `ies`,
    anything else + `s`.
    """
    irregular = IRREGULAR_NAMES.get((group, kind))
    if irregular:
        return irregular
    singular = kind.lower()
    if singular.endswith("s"):
        return singular + "es", singular
    if singular.endswith("y"):
        return singular[:-1] + "ies", singular
    return singular + "s", singular
