"""Labels and annotations by which the reconciler marks, and recognises, objects.

Everything the reconciler applies carries `app.kubernetes.io/managed-by: reconciler` and
`reconciler.dev/source: <source>`; only objects carrying both are ever pruned. Objects that Argo CD
or Flux track are `foreign`: never written, never pruned.
"""

from __future__ import annotations

from typing import Any

FIELD_MANAGER = "reconciler"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "reconciler"
SOURCE_LABEL = "reconciler.dev/source"
ORIGIN_ANNOTATION = "reconciler.dev/origin"
PRUNE_ANNOTATION = "reconciler.dev/prune"
DRIFT_ANNOTATION = "reconciler.dev/drift"
OVERRIDE_PATHS_ANNOTATION = "reconciler.dev/override-paths"

ARGOCD_TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"
ARGOCD_INSTANCE_LABEL = "app.kubernetes.io/instance"
FLUX_LABELS = ("kustomize.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/name")


def labels_of(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def annotations_of(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def foreign_owner(obj: dict[str, Any], *, argocd_instance_label: bool) -> str | None:
    """'Argo CD' or 'Flux' when another GitOps tool tracks the object, else None."""
    found_labels = labels_of(obj)
    if ARGOCD_TRACKING_ANNOTATION in annotations_of(obj):
        return "Argo CD"
    if argocd_instance_label and ARGOCD_INSTANCE_LABEL in found_labels:
        return "Argo CD"
    if any(label in found_labels for label in FLUX_LABELS):
        return "Flux"
    return None


def is_owned_by(obj: dict[str, Any], source: str) -> bool:
    """True when the object is labelled as this source's own (the precondition for pruning)."""
    found = labels_of(obj)
    return found.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE and found.get(SOURCE_LABEL) == source


def owning_source(obj: dict[str, Any]) -> str | None:
    """The source an object is labelled as belonging to, when a reconciler manages it."""
    found = labels_of(obj)
    if found.get(MANAGED_BY_LABEL) != MANAGED_BY_VALUE:
        return None
    return found.get(SOURCE_LABEL) or None


def prune_disabled(obj: dict[str, Any]) -> bool:
    return annotations_of(obj).get(PRUNE_ANNOTATION, "").lower() in ("disabled", "false")


def with_ownership(obj: dict[str, Any], *, source: str, origin: str | None) -> dict[str, Any]:
    """A copy of `obj` labelled as this source's, annotated with the file it came from (no
    annotation when `origin` is None: an object no one file defines)."""
    meta = dict(obj.get("metadata") or {})
    meta["labels"] = {
        **(meta.get("labels") or {}),
        MANAGED_BY_LABEL: MANAGED_BY_VALUE,
        SOURCE_LABEL: source,
    }
    if origin is not None:
        meta["annotations"] = {**(meta.get("annotations") or {}), ORIGIN_ANNOTATION: origin}
    return {**obj, "metadata": meta}
