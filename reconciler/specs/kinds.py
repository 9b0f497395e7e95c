"""The spec kinds that describe tools, mappings, patterns and policies.

`Tool` and `Mapping` follow the asset model of seed 002 (name, description, type, config, input
and output JSON Schemas; `draft` or `published`). Only published ones render; drafts are
validated and kept in git, whose history is their version history. `Pattern` and `Policy` follow
the organisational data of seed 003: patterns feed AI context; policies gate change.

Example::

    apiVersion: reconciler.dev/v1alpha1
    kind: Tool
    metadata: {name: inventory-read}
    spec:
      toolType: http
      description: Read one inventory item by id.
      readOnly: true
      status: published
      config: {method: GET, url: "http://inventory.inventory.svc:8080/items/{id}"}
      inputSchema:
        type: object
        properties: {id: {type: string}}
        required: [id]
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reconciler.specs.base import DnsLabel, JsonSchema, LifecycleStatus, SpecBase, StrictModel
from reconciler.specs.cel import cel_problem, re2_problem, schema_patterns

ToolType = Literal[
    "http",
    "prometheus",
    "grafana",
    "loki",
    "jaeger",
    "elasticsearch",
    "alertmanager",
    "kubernetes",
    "command",
    "sql",
]


class ToolSpec(StrictModel):
    """A tool an AI runtime may call, declared as data (seed 002's tool asset)."""

    tool_type: ToolType = Field(description="How the tool is executed")
    description: str = Field(min_length=1, description="What the tool does, for humans and LLMs")
    toolset: DnsLabel | None = Field(
        default=None, description="Toolset the tool is grouped under; defaults to toolType"
    )
    config: dict[str, Any] = Field(
        default_factory=dict, description="Executor settings (endpoint, query template...)"
    )
    input_schema: JsonSchema | None = Field(default=None, description="JSON Schema of the input")
    output_schema: JsonSchema | None = Field(default=None, description="JSON Schema of the output")
    read_only: bool = Field(
        default=False, description="True when calling it changes nothing; only these reach the AI"
    )
    status: LifecycleStatus = Field(default="draft", description="Only published tools render")


class Tool(SpecBase):
    kind: Literal["Tool"]
    spec: ToolSpec


class MappingSpec(StrictModel):
    """A keyword or alias table used by planners (seed 002's mapping asset)."""

    mapping_type: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="e.g. metric_aliases, agg_keywords"
    )
    scope: DnsLabel = Field(description="Scope; one ConfigMap is rendered per scope")
    description: str = Field(min_length=1)
    content: dict[str, Any] | list[Any] | str = Field(description="The mapping itself")
    status: LifecycleStatus = Field(default="draft", description="Only published mappings render")


class Mapping(SpecBase):
    kind: Literal["Mapping"]
    spec: MappingSpec


class PatternSpec(StrictModel):
    """Organisational know-how embedded into AI context and used by the offline provider."""

    triggers: list[str] = Field(min_length=1, description="Keywords or phrases that select it")
    recommendation: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    resources: list[str] = Field(
        default_factory=list, description="Kinds the recommendation involves"
    )


class Pattern(SpecBase):
    kind: Literal["Pattern"]
    spec: PatternSpec


Operation = Literal["create", "update", "delete", "scale"]


class PolicyMatch(StrictModel):
    """Which rendered objects a policy applies to; empty lists match everything."""

    kinds: list[str] = Field(default_factory=list)
    namespaces: list[str] = Field(default_factory=list, description="Exact names or globs")
    labels: dict[str, str] = Field(default_factory=dict)
    operations: list[Operation] = Field(default_factory=list)


class PolicyValidation(StrictModel):
    """One CEL expression that must be true, as in a ValidatingAdmissionPolicy's `validations`.

    It fails when it is false, and also when it cannot be evaluated (a missing key, a wrong
    type): Kubernetes' `failurePolicy: Fail`. It must compile when the policy loads."""

    expression: str = Field(min_length=1, description="CEL; true means the object is allowed")
    message: str | None = Field(
        default=None, min_length=1, description="Shown when it fails; default names the expression"
    )
    reason: Literal["Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"] | None = Field(
        default=None, description="Kubernetes' reason for the failure; default Invalid"
    )

    @field_validator("expression")
    @classmethod
    def _compiles(cls, value: str) -> str:
        problem = cel_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class PolicySpec(StrictModel):
    """What every matching rendered object must satisfy, at plan, apply and proposal time: a
    JSON Schema `rule`, CEL `validations`, or both."""

    match: PolicyMatch = Field(default_factory=PolicyMatch)
    enforcement: Literal["deny", "warn"] = "warn"
    rule: JsonSchema | None = Field(
        default=None,
        description="JSON Schema the rendered object must satisfy; patterns are RE2 syntax",
    )
    validations: list[PolicyValidation] = Field(
        default_factory=list, description="CEL expressions that must all be true"
    )
    requires_approval: bool = Field(
        default=False, description="Proposals touching matching objects need a human approval"
    )
    message: str | None = Field(
        default=None,
        min_length=1,
        description="Shown when the rule fails (required with one), and for validations "
        "without a message of their own",
    )

    @field_validator("rule")
    @classmethod
    def _linear_patterns(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """Patterns run on RE2 (linear time): one it cannot run is refused here, not at plan."""
        for where, pattern in schema_patterns(value):
            problem = re2_problem(pattern)
            if problem:
                raise ValueError(f"pattern {pattern!r} at {where} is not RE2 syntax: {problem}")
        return value

    @model_validator(mode="after")
    def _has_a_check(self) -> PolicySpec:
        if self.rule is None and not self.validations:
            raise ValueError("a policy needs a `rule`, `validations` or both")
        if self.rule is not None and self.message is None:
            raise ValueError("`message` is required with a `rule`")
        return self


class Policy(SpecBase):
    """What matching objects must satisfy: a JSON Schema `rule`, CEL `validations` in the
    shape of a Kubernetes ValidatingAdmissionPolicy's (see `reconciler.specs.cel` for the
    variables an expression sees), or both. Example::

        apiVersion: reconciler.dev/v1alpha1
        kind: Policy
        metadata: {name: replica-limits}
        spec:
          match: {kinds: [Deployment], operations: [create, update]}
          enforcement: deny
          validations:
            - expression: object.spec.replicas <= 20
              message: Deployment replicas must be <= 20.
            - expression: oldObject == null || object.spec.replicas * 2 >= oldObject.spec.replicas
              message: Do not cut replicas by more than half at once.
              reason: Forbidden
          rule:                      # optional beside validations; with it, `message` is required
            properties: {metadata: {properties: {labels: {required: [team]}}}}
          message: Deployments need a team label.
    """

    kind: Literal["Policy"]
    spec: PolicySpec
