"""A local stand-in for Anthropic's Messages API (`POST /v1/messages`), with documented shapes.

It records each request body and answers from a script: a tool call, text, or an error with
Anthropic's error shape (`{"type": "error", "error": {"type", "message"}}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def tool_use(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5",
        "content": [
            {"type": "text", "text": "Proposing."},
            {"type": "tool_use", "id": "toolu_01", "name": name, "input": arguments},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 120,
            "output_tokens": 40,
            "cache_creation_input_tokens": 900,
            "cache_read_input_tokens": 0,
        },
    }


def error(status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": "error", "error": {"type": kind, "message": message}}


@dataclass
class FakeAnthropic:
    key: str
    script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/messages", self.messages, methods=["POST"])])

    async def messages(self, request: Request) -> JSONResponse:
        given = {request.headers.get("x-api-key"), request.headers.get("authorization")}
        if not given & {self.key, f"Bearer {self.key}"}:  # the SDK sends one or the other
            return JSONResponse(*reversed(error(401, "authentication_error", "invalid x-api-key")))
        self.requests.append(await request.json())
        status, body = self.script.pop(0)
        return JSONResponse(body, status)
