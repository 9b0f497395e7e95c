"""Serve an ASGI app with uvicorn in a daemon thread, for embedded servers, tests and demos.

    with start_in_thread(app, "127.0.0.1", 0, name="demo") as server:   # 0: a free port
        httpx.get(f"{server.url}/healthz")
    # leaving the block (or server.stop()) ends serving and joins the thread

The socket is bound before the thread starts, so a busy port raises `OSError` at once, and
`start_in_thread` returns only once uvicorn is accepting connections (`RuntimeError` if it does
not within `start_timeout`). It sets SO_REUSEADDR, and TCP_NODELAY, which accepted connections
inherit: without it, Nagle plus delayed ACKs add ~40 ms to every response written in two parts
(headers, body). Plain HTTP unless given a certificate and key (`ssl_certfile`, `ssl_keyfile`:
HTTPS, and an `https://` url); no lifespan events, no websockets, no access log.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]
START_TIMEOUT = 10.0


class RunningServer:
    """An app being served in a thread; `stop()` it, or use it as a context manager."""

    def __init__(
        self,
        server: uvicorn.Server,
        thread: threading.Thread,
        host: str,
        port: int,
        scheme: str = "http",
    ) -> None:
        self._server = server
        self._thread = thread
        self.host = host
        self.port = port
        self.scheme = scheme

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def stop(self, timeout: float = START_TIMEOUT) -> None:
        """Ask uvicorn to exit (open requests get its graceful timeout) and join the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on `host:port` (0 = a free port); raises OSError."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def start_in_thread(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    name: str = "asgi",
    graceful_timeout: int = 2,
    start_timeout: float = START_TIMEOUT,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> RunningServer:
    """Serve `app` on `host:port` in a daemon thread named `name`; return once it is up.
    With `ssl_certfile` and `ssl_keyfile` (PEM files), serve HTTPS."""
    sock = bind(host, port)
    bound_port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="none",
        access_log=False,
        timeout_graceful_shutdown=graceful_timeout,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=start_timeout)
            sock.close()
            raise RuntimeError(f"{name} did not start on {host}:{bound_port}")
        time.sleep(0.01)
    scheme = "https" if ssl_certfile else "http"
    return RunningServer(server, thread, host, bound_port, scheme)
