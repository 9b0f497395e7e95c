"""`reconciler.yaml`: the settings of one spec repo, kept at its root.

Without the file, defaults apply and every YAML file in the repo is loaded. Example::

    apiVersion: reconciler.dev/v1alpha1
    kind: RepoConfig
    namespace: ai-ops                 # where rendered ConfigMaps go
    paths: [specs, policies]          # what to load; charts and tests stay out
    drift: {mode: report}
    overrideManagers: [kube-controller-manager]
    ignoreDifferences:
      - kind: Deployment
        jsonPointers: [/spec/template/metadata/annotations]
"""

from __future__ import annotations

from typing import Literal

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
    paths: list[str] = Field(
        default_factory=lambda: ["."], description="Directories or files to load, repo-relative"
    )
    exclude: list[str] = Field(default_factory=list, description="Glob patterns left unloaded")
    max_file_size: int = Field(
        default=DEFAULT_MAX_FILE_SIZE, ge=1, description="Bytes; larger files are errors"
    )
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
