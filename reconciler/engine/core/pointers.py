"""RFC 6901 JSON pointers: building, parsing, prefix tests, and reading a value at a pointer."""

from __future__ import annotations

from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def join(parent: str, token: str | int) -> str:
    return f"{parent}/{escape(str(token))}"


def split(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} must start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def covers(prefix: str, pointer: str) -> bool:
    """True when `pointer` is `prefix` or lies below it."""
    prefix = prefix.rstrip("/")
    return pointer == prefix or pointer.startswith(prefix + "/") or prefix == ""


def get(document: Any, pointer: str) -> Any:
    """The value at `pointer`, or MISSING."""
    node = document
    for token in split(pointer):
        if isinstance(node, dict):
            if token not in node:
                return MISSING
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                return MISSING
            node = node[int(token)]
        else:
            return MISSING
    return node
