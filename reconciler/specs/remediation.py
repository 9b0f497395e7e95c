"""`Remediation`: what to do when an alert fires (the remediation pipeline of seed 000).

A remediation names the alert that triggers it, the workload it acts on, the actions, the safety
limits, and how success is verified. It renders to a ConfigMap for remediation runtimes; a firing
alert that matches one becomes a proposal (a pull request), never a direct change.

Example::

    apiVersion: reconciler.dev/v1alpha1
    kind: Remediation
    metadata: {name: restart-on-oom}
    spec:
      trigger:
        alertName: KubePodOOMKilled
        matchers: [{label: severity, op: "=", value: critical}]
      target: {kind: Deployment, namespace: shop, nameFromLabel: deployment}
      actions:
        - type: restart
      safety: {cooldown: 15m, maxExecutionsPerHour: 2}
      verification: {alertResolvedWithin: 10m}
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from reconciler.specs.base import DnsLabel, DnsName, SpecBase, StrictModel

_DURATION = r"^([0-9]+(s|m|h))+$"


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class LabelMatcher(StrictModel):
    """An Alertmanager-style matcher on one alert label."""

    label: str = Field(min_length=1)
    op: Literal["=", "!=", "=~", "!~"] = "="
    value: str

    @model_validator(mode="after")
    def _check_regex(self) -> LabelMatcher:
        if self.op in ("=~", "!~"):
            _regex(self.value)
        return self


class Trigger(StrictModel):
    alert_name: str = Field(min_length=1, description="Alertmanager `alertname` label")
    matchers: list[LabelMatcher] = Field(default_factory=list)


class Target(StrictModel):
    """The workload acted on: exactly one of name, nameFromLabel (an alert label) or selector."""

    kind: Literal["Deployment", "StatefulSet", "DaemonSet"]
    namespace: DnsLabel | None = Field(
        default=None, description="Fixed namespace; default: the alert's `namespace` label"
    )
    name: DnsName | None = None
    name_from_label: str | None = None
    selector: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_way_to_name(self) -> Target:
        given = [x for x in (self.name, self.name_from_label, self.selector) if x is not None]
        if len(given) != 1:
            raise ValueError("set exactly one of name, nameFromLabel or selector")
        return self


class ScaleAction(StrictModel):
    type: Literal["scale"]
    replicas: int | None = Field(default=None, ge=0, description="Absolute replica count")
    delta: int | None = Field(default=None, description="Relative change, e.g. +1")

    @model_validator(mode="after")
    def _one_amount(self) -> ScaleAction:
        if (self.replicas is None) == (self.delta is None):
            raise ValueError("set exactly one of replicas or delta")
        return self


class RestartAction(StrictModel):
    type: Literal["restart"]


class SetImageAction(StrictModel):
    type: Literal["setImage"]
    container: str = Field(min_length=1)
    image: str = Field(min_length=1)


class SetResourcesAction(StrictModel):
    type: Literal["setResources"]
    container: str = Field(min_length=1)
    requests: dict[str, str] = Field(default_factory=dict)
    limits: dict[str, str] = Field(default_factory=dict)


class PatchAction(StrictModel):
    type: Literal["patch"]
    patch_type: Literal["merge", "strategic", "json"] = "strategic"
    patch: dict[str, Any] | list[Any]


class RollbackAction(StrictModel):
    type: Literal["rollback"]
    to_revision: int | None = Field(default=None, ge=1, description="Default: the previous one")


Action = Annotated[
    ScaleAction
    | RestartAction
    | SetImageAction
    | SetResourcesAction
    | PatchAction
    | RollbackAction,
    Field(discriminator="type"),
]

Duration = Annotated[str, Field(pattern=_DURATION, description="e.g. 30s, 10m, 1h30m")]


class Safety(StrictModel):
    min_replicas: int | None = Field(default=None, ge=0)
    max_replicas: int | None = Field(default=None, ge=1)
    cooldown: Duration = "10m"
    max_executions_per_hour: int = Field(default=3, ge=1)
    requires_approval: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> Safety:
        lo, hi = self.min_replicas, self.max_replicas
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"minReplicas ({lo}) is greater than maxReplicas ({hi})")
        return self


class Verification(StrictModel):
    alert_resolved_within: Duration | None = None
    rollout_complete_within: Duration | None = None


class RemediationSpec(StrictModel):
    trigger: Trigger
    target: Target
    actions: list[Action] = Field(min_length=1)
    safety: Safety = Field(default_factory=Safety)
    verification: Verification = Field(default_factory=Verification)
    description: str | None = None


class Remediation(SpecBase):
    kind: Literal["Remediation"]
    spec: RemediationSpec
