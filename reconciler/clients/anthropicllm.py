"""The Anthropic provider: the Messages API with tool use and prompt caching, via the SDK.

`system` and `tools` are sent first and byte-identical on every call, with a cache breakpoint on
the system prompt and on the last tool, so a conversation pays for them once; everything about
the proposal is in `messages`. The SDK's own retries are off: the pipeline decides (a
`TransientLLMError` falls back to the next provider or waits), so a 429 is not retried blindly.

    401, 403, 400, 404, 413, 422  -> LLMError (terminal)
    429, 5xx, 529 (overloaded), timeouts, no connection -> TransientLLMError
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import anthropic

from reconciler.clients.llm_api import (
    Completion,
    LLMError,
    Message,
    ToolCall,
    ToolDefinition,
    TransientLLMError,
    Usage,
)

DEFAULT_MODEL = "claude-sonnet-5-5"
_EPHEMERAL = {"type": "ephemeral"}


class AnthropicProvider:
    """`LLMProvider` over the Anthropic Messages API (see the module docstring)."""

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.model = model
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    @property
    def name(self) -> str:
        return "anthropic"

    def close(self) -> None:
        """Close the HTTP connections (the SDK keeps a pool)."""
        self._client.close()

    def complete(
        self,
        *,
        system: str,
        messages: Sequence[Message],
        tools: Sequence[ToolDefinition],
        max_tokens: int,
    ) -> Completion:
        tool_list: list[dict[str, Any]] = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in tools
        ]
        if tool_list:
            tool_list[-1] = {**tool_list[-1], "cache_control": _EPHEMERAL}
        try:
            response = self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=cast(Any, [{"type": "text", "text": system, "cache_control": _EPHEMERAL}]),
                tools=cast(Any, tool_list),
                messages=cast(Any, [_message(m) for m in messages]),
            )
        except (anthropic.APIConnectionError, anthropic.APITimeoutError) as err:
            raise TransientLLMError(f"anthropic unreachable: {type(err).__name__}") from None
        except anthropic.APIStatusError as err:
            status = err.status_code
            message = f"anthropic answered {status}: {_detail(err)}"
            if status == 429 or status >= 500:
                raise TransientLLMError(message, status=status) from None
            raise LLMError(message, status=status) from None
        text = "".join(b.text for b in response.content if b.type == "text")
        calls = tuple(
            ToolCall(b.id, b.name, dict(cast(dict[str, Any], b.input)))
            for b in response.content
            if b.type == "tool_use"
        )
        usage = response.usage
        return Completion(
            text=text,
            tool_calls=calls,
            stop_reason=_stop(response.stop_reason),
            usage=Usage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cache_read_input_tokens or 0,
                cache_write_tokens=usage.cache_creation_input_tokens or 0,
            ),
            model=response.model,
        )


def _message(message: Message) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for result in message.tool_results:
        content.append(
            {
                "type": "tool_result",
                "tool_use_id": result.call_id,
                "content": result.content,
                "is_error": result.is_error,
            }
        )
    if message.text:
        content.append({"type": "text", "text": message.text})
    for call in message.tool_calls:
        content.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        )
    return {"role": message.role, "content": content}


def _stop(reason: str | None) -> Literal["end_turn", "tool_use", "max_tokens", "other"]:
    if reason in ("end_turn", "tool_use", "max_tokens"):
        return cast(Literal["end_turn", "tool_use", "max_tokens"], reason)
    return "other"


def _detail(err: anthropic.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", ""))[:300]
    return str(err.message)[:300]
