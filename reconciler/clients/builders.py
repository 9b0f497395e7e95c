"""The builders a runner uses: the real Kustomize (`kubectl kustomize`) and Helm (its Go SDK),
each behind a cache keyed by its inputs (see `specs.builds.cache`)."""

from __future__ import annotations

from reconciler.clients.helmchart import HelmBuilder
from reconciler.clients.kustomize import KustomizeBuilder
from reconciler.specs.builds.cache import cached
from reconciler.specs.builds.port import Builder, BuildKind


def default_builders(cache_size: int = 64) -> dict[BuildKind, Builder]:
    """Kustomize and Helm with a fresh cache of `cache_size` outputs each."""
    return cached({"kustomize": KustomizeBuilder(), "helm": HelmBuilder()}, cache_size)
