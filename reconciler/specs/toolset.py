"""The rendered toolset: the one shape render writes and the tool registry reads.

Published `Tool` specs render into the toolset ConfigMap's `toolsets.yaml`, grouped by toolset
(the spec's `toolset`, else its `toolType`), tools sorted by name, in the layout HolmesGPT-style
agents read (seed 001)::

    toolsets:
      prometheus:
        enabled: true
        tools:
          - name: prometheus-query
            type: prometheus
            description: Run a PromQL query.
            readOnly: true
            config: {url: "http://prometheus.monitoring:9090"}

`ToolsetEntry.FIELDS` says which spec field each entry field comes from, for provenance.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reconciler.specs.kinds import Tool


class ToolsetEntry(BaseModel):
    """One tool as an agent sees it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str
    type: str
    description: str
    read_only: bool = Field(alias="readOnly")
    config: dict[str, Any] | None = None
    input_schema: dict[str, Any] | None = Field(default=None, alias="inputSchema")
    output_schema: dict[str, Any] | None = Field(default=None, alias="outputSchema")

    @classmethod
    def from_tool(cls, tool: Tool) -> ToolsetEntry:
        spec = tool.spec
        return cls(
            name=tool.metadata.name,
            type=spec.tool_type,
            description=spec.description,
            readOnly=spec.read_only,
            config=spec.config or None,
            inputSchema=spec.input_schema,
            outputSchema=spec.output_schema,
        )

    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


ENTRY_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("metadata", "name"),
    "type": ("spec", "toolType"),
    "description": ("spec", "description"),
    "readOnly": ("spec", "readOnly"),
    "config": ("spec", "config"),
    "inputSchema": ("spec", "inputSchema"),
    "outputSchema": ("spec", "outputSchema"),
}
"""Entry field (YAML name) -> the path of the Tool spec field it is rendered from."""


class Toolset(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    tools: list[ToolsetEntry]


class ToolsetDocument(BaseModel):
    """The whole `toolsets.yaml`: toolset name -> toolset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    toolsets: dict[str, Toolset]

    @classmethod
    def from_tools(cls, tools: Iterable[Tool]) -> ToolsetDocument:
        """Published tools only, grouped by toolset, sorted by toolset and tool name."""
        grouped: dict[str, list[ToolsetEntry]] = {}
        published = [t for t in tools if t.spec.status == "published"]
        for tool in sorted(published, key=lambda t: t.metadata.name):
            group = tool.spec.toolset or tool.spec.tool_type
            grouped.setdefault(group, []).append(ToolsetEntry.from_tool(tool))
        return cls(toolsets={name: Toolset(tools=grouped[name]) for name in sorted(grouped)})

    def dump(self) -> dict[str, Any]:
        return {
            "toolsets": {
                name: {"enabled": ts.enabled, "tools": [e.dump() for e in ts.tools]}
                for name, ts in self.toolsets.items()
            }
        }

    @classmethod
    def parse(cls, data: Any) -> ToolsetDocument:
        """Read what render wrote (a parsed `toolsets.yaml`); raises pydantic's ValidationError."""
        return cls.model_validate(data)
