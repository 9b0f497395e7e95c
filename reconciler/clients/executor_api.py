"""The tool executor port: run one published `Tool` with a schema-checked input.

There is one executor per `toolType` (http, prometheus, kubernetes, command...). The registry
validates the input against the tool's `inputSchema` before calling `execute`, and the output
against its `outputSchema` after; an executor only speaks to its backend. The entry it gets is
exactly what render wrote into the toolset ConfigMap (`reconciler.specs.toolset`).

    ToolExecutionError              terminal: bad config, 4xx, a command that failed
    └── TransientToolExecutionError timeouts, 5xx, connection failures
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.specs.toolset import ToolsetEntry


class ToolExecutionError(Exception):
    def __init__(self, tool: str, message: str) -> None:
        super().__init__(f"tool {tool}: {message}")
        self.tool = tool
        self.message = message


class TransientToolExecutionError(ToolExecutionError):
    """Worth retrying."""


@dataclass(frozen=True)
class ToolOutput:
    """What a tool returned (JSON-like), and how long it took in seconds."""

    value: Any
    seconds: float = 0.0


class ToolExecutor(Protocol):
    @property
    def tool_type(self) -> str:
        """The `toolType` this executor runs."""
        ...

    def execute(self, tool: ToolsetEntry, arguments: dict[str, Any]) -> ToolOutput:
        """Run `tool` with `arguments` (already validated against its input schema)."""
        ...
