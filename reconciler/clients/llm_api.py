"""The LLM provider port: one turn of a tool-use conversation, provider-neutral.

Providers: `anthropic` (Messages API with tool use and prompt caching), `openai-compatible`
(chat completions: vLLM, Ollama, LiteLLM) and `offline` (deterministic, no network). A proposal
runs a bounded loop: `complete()`; run the requested read-only tools; send their results back;
stop when the model answers with edits or the turn budget ends.

The prompt is split for caching: `system` and `tools` are static and byte-identical across
calls (a provider marks them cacheable); everything about this proposal goes in `messages`.
Nothing here ever carries a Secret's value: context is redacted before it reaches a provider.

    LLMError                 terminal: bad request, auth, refused content
    └── TransientLLMError    429, 5xx, overloaded, timeouts: fall back or retry later
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


class LLMError(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientLLMError(LLMError):
    """Worth falling back to the next provider, or retrying later."""


@dataclass(frozen=True)
class ToolDefinition:
    """A tool the model may call: `input_schema` is a JSON Schema object."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    call_id: str
    content: str
    is_error: bool = False


@dataclass(frozen=True)
class Message:
    """A user turn (text and/or tool results) or an assistant turn (text and/or tool calls)."""

    role: Literal["user", "assistant"]
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    """One model turn: its text, the tools it asked for, and why it stopped."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    stop_reason: Literal["end_turn", "tool_use", "max_tokens", "other"] = "end_turn"
    usage: Usage = field(default_factory=Usage)
    model: str = ""


class LLMProvider(Protocol):
    @property
    def name(self) -> str:
        """`anthropic`, `openai-compatible`, `offline`, ... (for PR bodies and metrics)."""
        ...

    def complete(
        self,
        *,
        system: str,
        messages: Sequence[Message],
        tools: Sequence[ToolDefinition],
        max_tokens: int,
    ) -> Completion: ...
