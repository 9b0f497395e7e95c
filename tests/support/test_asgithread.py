"""`support.asgithread`: an ASGI app served by uvicorn in a daemon thread."""

from __future__ import annotations

import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from reconciler.support.asgithread import bind, start_in_thread


async def _hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"hello {request.query_params.get('name', 'world')}")


APP = Starlette(routes=[Route("/hello", _hello)])


def test_serves_on_a_free_port_until_stopped() -> None:
    server = start_in_thread(APP, "127.0.0.1", 0, name="test-asgi")
    try:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        response = httpx.get(f"{server.url}/hello", params={"name": "there"}, timeout=5)
        assert (response.status_code, response.text) == (200, "hello there")
        assert server.running
    finally:
        server.stop()
    assert not server.running  # the thread was joined
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/hello", timeout=1)


def test_context_manager_stops_on_exit() -> None:
    with start_in_thread(APP, name="test-asgi") as server:
        assert httpx.get(f"{server.url}/hello", timeout=5).text == "hello world"
    assert not server.running


def test_bind_sets_reuseaddr_and_nodelay() -> None:
    with bind("127.0.0.1", 0) as sock:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
        # Accepted connections inherit it: no Nagle delay on two-part responses.
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_a_busy_port_raises_oserror() -> None:
    with start_in_thread(APP, name="test-asgi") as first:
        with pytest.raises(OSError):
            start_in_thread(APP, "127.0.0.1", first.port, name="test-asgi-2")
        # the first server is unaffected
        assert httpx.get(f"{first.url}/hello", timeout=5).status_code == 200
