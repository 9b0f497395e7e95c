"""The Anthropic provider: the real `anthropic` SDK against a local Messages API server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.clients.anthropicllm import AnthropicProvider
from reconciler.clients.llm_api import (
    LLMError,
    Message,
    ToolCall,
    ToolDefinition,
    ToolResult,
    TransientLLMError,
)
from reconciler.support.asgithread import start_in_thread
from tests.support.fakeanthropic import FakeAnthropic, error, tool_use

KEY = "sk-ant-test"
TOOLS = [
    ToolDefinition("read_file", "Read a spec file", {"type": "object"}),
    ToolDefinition("propose_edits", "Propose edits", {"type": "object"}),
]


@pytest.fixture
def fake() -> Iterator[tuple[FakeAnthropic, AnthropicProvider]]:
    server = FakeAnthropic(KEY)
    with start_in_thread(server.app(), "127.0.0.1", 0, name="fake-anthropic") as running:
        provider = AnthropicProvider(KEY, base_url=running.url, timeout=5)
        yield server, provider
        provider.close()


def test_tool_use_round_trip_with_cached_prefix(
    fake: tuple[FakeAnthropic, AnthropicProvider],
) -> None:
    server, provider = fake
    server.script.append((200, tool_use("propose_edits", {"edits": [], "files": {}})))
    history = [
        Message("user", "context"),
        Message("assistant", tool_calls=(ToolCall("toolu_00", "read_file", {"file": "a.yaml"}),)),
        Message("user", tool_results=(ToolResult("toolu_00", "replicas: 2"),)),
    ]
    answer = provider.complete(system="You propose.", messages=history, tools=TOOLS, max_tokens=512)
    assert answer.stop_reason == "tool_use" and answer.text == "Proposing."
    assert answer.tool_calls == (ToolCall("toolu_01", "propose_edits", {"edits": [], "files": {}}),)
    assert (answer.usage.cache_write_tokens, answer.usage.input_tokens) == (900, 120)
    (sent,) = server.requests
    assert sent["system"] == [
        {"type": "text", "text": "You propose.", "cache_control": {"type": "ephemeral"}}
    ]
    assert "cache_control" not in sent["tools"][0]
    assert sent["tools"][1]["cache_control"] == {"type": "ephemeral"}
    assert sent["messages"][1]["content"] == [
        {"type": "tool_use", "id": "toolu_00", "name": "read_file", "input": {"file": "a.yaml"}}
    ]
    assert sent["messages"][2]["content"][0]["type"] == "tool_result"


def test_errors_are_terminal_or_transient(fake: tuple[FakeAnthropic, AnthropicProvider]) -> None:
    server, provider = fake
    server.script += [
        error(429, "rate_limit_error", "slow down"),
        error(529, "overloaded_error", "Overloaded"),
        error(400, "invalid_request_error", "max_tokens: too large"),
    ]
    ask = {"system": "s", "messages": [Message("user", "x")], "tools": TOOLS, "max_tokens": 10}
    with pytest.raises(TransientLLMError, match="429"):
        provider.complete(**ask)  # type: ignore[arg-type]
    with pytest.raises(TransientLLMError, match="529"):
        provider.complete(**ask)  # type: ignore[arg-type]
    with pytest.raises(LLMError, match="max_tokens: too large") as bad:
        provider.complete(**ask)  # type: ignore[arg-type]
    assert not isinstance(bad.value, TransientLLMError)
    assert len(server.requests) == 3  # no retries behind the pipeline's back
    unreachable = AnthropicProvider(KEY, base_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(TransientLLMError, match="unreachable"):
        unreachable.complete(**ask)  # type: ignore[arg-type]
    unreachable.close()
