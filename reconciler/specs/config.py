"""`reconciler.yaml`: the settings of one spec repo, kept at its root.

Without the file, defaults apply and every YAML file in the repo is loaded. Example::

    apiVersion: reconciler.dev/v1alpha1
    kind: RepoConfig
    namespace: ai-ops                 # where rendered ConfigMaps go
    paths:                            # what to load (default: the whole repo)
      - specs
      - deploy/overlays/production    # a kustomization: built with Kustomize
      - path: charts/web              # a chart: rendered with Helm
        namespace: shop
        helm: {releaseName: web, values: {replicaCount: 2}, valuesFiles: [env/web.yaml]}
    drift: {mode: report}
    overrideManagers: [kube-controller-manager]
    ignoreDifferences:
      - kind: Deployment
        jsonPointers: [/spec/template/metadata/annotations]
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from reconciler.specs.base import DnsLabel, DnsName, StrictModel

DriftMode = Literal["report", "revert", "propose"]
CONFIG_FILE = "reconciler.yaml"
DEFAULT_MAX_FILE_SIZE = 1024 * 1024


class DriftSettings(StrictModel):
    mode: DriftMode = Field(
        default="report",
        description="report: show it; revert: re-apply with force; propose: open a PR adopting it",
    )


class IgnoreRule(StrictModel):
    """Differences at these JSON pointers never count, on objects matching the selectors."""

    group: str | None = Field(default=None, description="API group; '' for the core group")
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    json_pointers: list[str] = Field(min_length=1, description="RFC 6901 pointers, e.g. /data/x")


class PruneSettings(StrictModel):
    enabled: bool = Field(default=True, description="Delete objects that left git")
    allow_empty: bool = Field(
        default=False,
        description="Allow an empty desired set to prune a non-empty inventory (off: a broken "
        "checkout must not wipe the cluster)",
    )


class ProposalLimits(StrictModel):
    max_open: int = Field(default=5, ge=0, description="Open reconciler PRs at once, per repo")
    max_per_hour: int = Field(default=3, ge=0, description="New PRs per hour, per repo")


class ForeignSettings(StrictModel):
    argocd_instance_label: bool = Field(
        default=False,
        description="Treat `app.kubernetes.io/instance` as Argo CD tracking (its legacy mode)",
    )


HookMode = Literal["skip", "render"]


class HelmSettings(StrictModel):
    """How a chart is rendered (`helm template` semantics, offline)."""

    release_name: DnsLabel | None = Field(
        default=None, description="Release name; default: the chart directory's name"
    )
    values: dict[str, Any] = Field(
        default_factory=dict, description="Values, merged over the valuesFiles (these win)"
    )
    values_files: list[str] = Field(
        default_factory=list,
        description="Repo-relative YAML files merged in order over the chart's values.yaml; "
        "never from outside the repo",
    )
    hooks: HookMode = Field(
        default="skip",
        description="skip: leave out objects annotated helm.sh/hook (there are no hook phases "
        "here); render: apply them as ordinary objects",
    )
    include_crds: bool = Field(default=True, description="Apply the chart's crds/ directory")


class PathEntry(StrictModel):
    """A path with settings; a plain string in `paths` is a `PathEntry` with only `path`."""

    path: str = Field(description="A directory or file, repo-relative")
    namespace: DnsLabel | None = Field(
        default=None,
        description="Namespace of namespaced objects that name none (and a chart's release "
        "namespace); default: the repo's `namespace`",
    )
    helm: HelmSettings | None = Field(
        default=None, description="Chart settings; the path must hold a Chart.yaml"
    )


class RenderSettings(StrictModel):
    """Bounds on Kustomize builds and Helm renders: a build past them fails (holds its
    objects) instead of stalling the run."""

    timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    max_output_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    allow_remote_bases: bool = Field(
        default=False,
        description="Let Kustomize fetch remote bases (URLs); off: a URL is an error, and "
        "builds read nothing outside the repo",
    )


class RepoConfig(StrictModel):
    """Settings of a spec repo; every field has a default so the file is optional."""

    api_version: Literal["reconciler.dev/v1alpha1"] = "reconciler.dev/v1alpha1"
    kind: Literal["RepoConfig"] = "RepoConfig"
    source: DnsLabel | None = Field(
        default=None,
        description="This source's name (labels, inventory); a --source flag wins over it. "
        "Default: derived from the repo URL and path, never from a directory name",
    )
    namespace: DnsLabel = Field(
        default="ai-ops", description="Namespace of rendered ConfigMaps (created if missing)"
    )
    toolset_config_map: DnsName = Field(
        default="reconciler-toolsets", description="Name of the generated toolset ConfigMap"
    )
    paths: list[str | PathEntry] = Field(
        default_factory=lambda: list[str | PathEntry](["."]),
        description="Directories or files to load, repo-relative. A directory holding a "
        "kustomization is built with Kustomize, one holding a Chart.yaml is rendered with Helm; "
        "inside other directories, kustomizations no other one references are built too",
    )
    exclude: list[str] = Field(default_factory=list, description="Glob patterns left unloaded")
    max_file_size: int = Field(
        default=DEFAULT_MAX_FILE_SIZE, ge=1, description="Bytes; larger files are errors"
    )
    render: RenderSettings = Field(default_factory=RenderSettings)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    override_managers: list[str] = Field(
        default_factory=lambda: ["kube-controller-manager"],
        description="Field managers whose edits are overrides, not drift (the HPA's /scale "
        "writes are recorded as kube-controller-manager)",
    )
    ignore_differences: list[IgnoreRule] = Field(default_factory=list)
    prune: PruneSettings = Field(default_factory=PruneSettings)
    proposals: ProposalLimits = Field(default_factory=ProposalLimits)
    foreign: ForeignSettings = Field(default_factory=ForeignSettings)

    def path_entries(self) -> list[PathEntry]:
        """`paths` with every plain string as a `PathEntry`."""
        return [PathEntry(path=p) if isinstance(p, str) else p for p in self.paths]
