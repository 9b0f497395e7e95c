"""Composing YAML text into nodes without recursing once per level of nesting.

libyaml's composer (`yaml.compose_all` with `CSafeLoader`) recurses in C once per level, so a
200 KB file of `[[[[...` overflows the C stack and kills the process: no Python exception to
catch. `compose` lets libyaml compose only texts too shallow to hurt (fewer indicator characters
than `_C_COMPOSER_LEVELS`, the common case of a few-KB spec file, at C speed) and composes every
other text itself, iteratively, from libyaml's events (about 1.4 times slower, still linear). A
document nested deeper than `max_depth` is not composed: `compose` yields `TooDeep` (where the
limit is crossed) for it and stops, as at a syntax error: scanning on through deeper flow
nesting (`[[[[...`) costs libyaml time quadratic in the depth (it rechecks every open level's
pending key at each token), and the file fails as a whole anyway.

The nodes are those `yaml.compose_all` builds: tags resolved as the safe loader does, an anchor
bound as soon as its node starts (so `&r [*r]` is a node containing itself, which the builder in
`yamlparse` refuses), a duplicate anchor or an undefined alias a `ComposerError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

try:
    _Loader: Any = yaml.CSafeLoader
    _C_COMPOSER = True
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader
    _C_COMPOSER = False  # PyYAML's own composer recurses in Python: never trusted with depth


@dataclass(frozen=True)
class TooDeep:
    """A document nested deeper than allowed: the 1-based line and the path of the collection
    that crosses the limit."""

    line: int
    path: Path


_INDICATORS = "[{-:?"
"""Every collection starts at one of these characters (`[`, `{`, a block entry `-`, a key's `:`
or `?`), so a text with fewer than `_C_COMPOSER_LEVELS` of them cannot nest deeper than that."""

_C_COMPOSER_LEVELS = 256
"""Nesting libyaml's recursive composer is trusted with: under 100 KB of C stack, safe even in a
thread with a small stack. Most spec files (a few KB) are below it and compose at C speed; larger
ones are composed iteratively (about 1.4 times slower, still linear)."""


def compose(text: str, max_depth: int) -> Iterator[Node | TooDeep]:
    """The root node of each document, or `TooDeep` for one nested deeper than `max_depth`.

    A text libyaml composes has fewer than `_C_COMPOSER_LEVELS` levels, but may still be deeper
    than `max_depth`: the caller must bound the depth of what it builds too (it must anyway, as
    aliases can nest a deep anchor in a deep place)."""
    if _C_COMPOSER and sum(map(text.count, _INDICATORS)) < _C_COMPOSER_LEVELS:
        yield from yaml.compose_all(text, Loader=_Loader)
    else:
        yield from _compose_events(text, max_depth)


def _compose_events(text: str, max_depth: int) -> Iterator[Node | TooDeep]:
    """`compose` without recursion. A child joins its parent when it is complete; `keys[i]` is
    the key of `nodes[i]` (a mapping) still waiting for its value."""
    loader = _Loader(text)
    try:
        get, resolve = loader.get_event, loader.resolve
        get()  # the stream start
        while type(get()) is not StreamEndEvent:  # a document start
            anchors: dict[str, Node] = {}
            nodes: list[Node] = []
            keys: list[Node | None] = []
            root: Node | None = None
            while True:
                event = get()
                kind = type(event)
                if kind is ScalarEvent or kind is SequenceStartEvent or kind is MappingStartEvent:
                    anchor, tag = event.anchor, event.tag
                    if anchor is not None and anchor in anchors:  # as libyaml says it
                        first = anchors[anchor].start_mark
                        context = "found duplicate anchor; first occurrence"
                        raise ComposerError(context, first, "second occurrence", event.start_mark)
                    if kind is ScalarEvent:
                        if tag is None or tag == "!":
                            tag = resolve(ScalarNode, event.value, event.implicit)
                        node: Node = ScalarNode(
                            tag, event.value, event.start_mark, event.end_mark, event.style
                        )
                        if anchor is not None:
                            anchors[anchor] = node
                    else:
                        if len(nodes) >= max_depth:
                            yield TooDeep(event.start_mark.line + 1, _open_path(nodes, keys))
                            return
                        cls = SequenceNode if kind is SequenceStartEvent else MappingNode
                        if tag is None or tag == "!":
                            tag = resolve(cls, None, event.implicit)
                        collection = cls(tag, [], event.start_mark, None, event.flow_style)
                        if anchor is not None:
                            anchors[anchor] = collection
                        nodes.append(collection)
                        keys.append(None)
                        continue
                elif kind is SequenceEndEvent or kind is MappingEndEvent:
                    node = nodes.pop()
                    keys.pop()
                    node.end_mark = event.end_mark
                elif kind is AliasEvent:
                    if event.anchor not in anchors:
                        raise ComposerError(None, None, "found undefined alias", event.start_mark)
                    node = anchors[event.anchor]
                else:  # the document end
                    break
                if not nodes:
                    root = node
                elif type(nodes[-1]) is SequenceNode:
                    nodes[-1].value.append(node)
                elif keys[-1] is None:
                    keys[-1] = node
                else:
                    nodes[-1].value.append((keys[-1], node))
                    keys[-1] = None
            if root is not None:
                yield root
    finally:
        loader.dispose()


def reader_position(text: str, position: int) -> tuple[int, int]:
    """The 1-based line and column of a `yaml.reader.ReaderError`'s position (a character YAML
    does not allow, such as NUL): libyaml counts bytes of the UTF-8 text, PyYAML characters."""
    if _C_COMPOSER:
        data = text.encode("utf-8", "surrogatepass")
        start = data.rfind(b"\n", 0, position) + 1
        column = len(data[start:position].decode("utf-8", "replace"))
        return data.count(b"\n", 0, position) + 1, column + 1
    start = text.rfind("\n", 0, position) + 1  # pragma: no cover - PyYAML without libyaml
    return text.count("\n", 0, position) + 1, position - start + 1  # pragma: no cover


def _open_path(nodes: list[Node], keys: list[Node | None]) -> Path:
    """The path of the collection about to open below `nodes`: in a sequence, the index after
    its complete items; in a mapping, its pending key ('?' for a key that is not a scalar)."""
    path: list[str | int] = []
    for node, key in zip(nodes, keys, strict=True):
        if isinstance(node, SequenceNode):
            path.append(len(node.value))
        else:
            path.append(str(key.value) if isinstance(key, ScalarNode) else "?")
    return tuple(path)
