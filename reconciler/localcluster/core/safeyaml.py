"""YAML request bodies decoded with bounded work: no recursion, bounded depth and aliases.

`yaml.safe_load` is unsafe for bodies a client controls: its composer recurses once per level
(a 10,000-deep `[[[[...` raised RecursionError, a 500), and it expands aliases without limit (a
401-byte "billion laughs" apply patch blocked the server for seconds). This module builds the
value of the first document directly from libyaml's events, iteratively, the way kube-apiserver's
`sigs.k8s.io/yaml` turns YAML into JSON:

- nesting is bounded by `bodydecode.MAX_DEPTH` (go-yaml stops at 10,000 with "exceeded max
  depth"; this server's limit is lower, see `bodydecode`), and scanning stops where the limit is
  crossed (libyaml's scanner is quadratic in the depth of flow collections);
- every node built through an alias counts against `MAX_ALIAS_NODES` (the idea of
  `reconciler/specs/yamlparse.py`, which localcluster does not import); a node containing
  itself (`&a [*a]`) is refused;
- only plain YAML types are built: strings, integers, floats, booleans, null, lists and
  mappings; any other tag (`!!python/object`, `!!binary`, `!foo`) is refused, timestamps stay
  strings, a mapping key is its scalar's text (`80:` is the key "80"), merge keys (`<<: *base`)
  merge with explicit keys winning;
- `.nan` and `.inf` are refused (JSON has no such numbers: go's `json.Marshal` fails on them),
  and numbers are bounded in length (`MAX_NUMBER_LENGTH`) before they are converted.

Every failure is a `YamlError` with a message in go-yaml's words where it has them; the HTTP layer
answers it 400 BadRequest, as kube-apiserver does for a body it cannot decode.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode

MAX_ALIAS_NODES = 10_000
"""Nodes that may be built through aliases in one body; real manifests use a handful."""

MAX_NUMBER_LENGTH = 100
"""Characters a number may have: `int()` of thousands of digits is slow, and base-60 integers
(`1:2:3:...`) convert in quadratic time."""

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _SEQ, _MAP, _MERGE = (f"{_TAG}{t}" for t in ("timestamp", "seq", "map", "merge"))
_scalars = SafeConstructor()
_CONSTRUCTORS = {
    _BOOL: _scalars.construct_yaml_bool,
    _INT: _scalars.construct_yaml_int,
    _FLOAT: _scalars.construct_yaml_float,
}
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(ValueError):
    """A YAML body that cannot be decoded (the HTTP layer answers 400)."""


@dataclass
class _Built:
    """A finished value: how many nodes it has (for alias accounting) and how deep it is."""

    value: Any
    size: int
    height: int
    text: str | None = None  # a scalar's text, which is what a mapping key becomes
    merge: bool = False  # a plain `<<`


@dataclass
class _Open:
    """A collection being built; `key` is a mapping's key still waiting for its value."""

    value: list[Any] | dict[str, Any]
    anchor: str | None
    line: int
    size: int = 1
    height: int = 1
    key: _Built | None = None
    merges: list[dict[str, Any]] = field(default_factory=list)


def loads_yaml(raw: bytes | str, max_depth: int) -> Any:
    """The value of the first document of `raw` (None when there is none); `YamlError` when
    it is not valid YAML or crosses one of the limits."""
    loader = _Loader(raw)
    try:
        return _build(loader, max_depth)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise YamlError(f"yaml: {where}{error.problem or error.context}") from None
    except yaml.YAMLError as error:  # a character YAML does not allow (a ReaderError)
        raise YamlError(f"yaml: {error}") from None
    finally:
        loader.dispose()


def _build(loader: Any, max_depth: int) -> Any:
    anchors: dict[str, _Built] = {}
    stack: list[_Open] = []
    aliased = 0
    while True:
        event = loader.get_event()
        kind = type(event)
        if kind is StreamEndEvent or kind is DocumentEndEvent:
            return None  # an empty stream or document
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        built: _Built
        if kind is ScalarEvent:
            built = _scalar(loader, event, line)
        elif isinstance(event, CollectionStartEvent):
            if len(stack) >= max_depth:
                raise YamlError(f"yaml: line {line}: exceeded max depth of {max_depth}")
            is_map = kind is MappingStartEvent
            expected = _MAP if is_map else _SEQ
            if event.tag not in (None, "!", expected):
                raise YamlError(_tag_message(event.tag, line))
            stack.append(_Open({} if is_map else [], event.anchor, line))
            continue
        elif kind is AliasEvent:
            built = _alias(anchors, stack, event.anchor, line)
            aliased += built.size
            if aliased > MAX_ALIAS_NODES:
                raise YamlError(
                    f"yaml: line {line}: document contains excessive aliasing (more than "
                    f"{MAX_ALIAS_NODES} nodes built through aliases)"
                )
        elif kind is StreamStartEvent or kind is DocumentStartEvent:
            continue
        else:  # the end of the innermost collection
            done = stack.pop()
            value = done.value
            if done.merges and isinstance(value, dict):
                for source in done.merges:
                    for key, item in source.items():
                        value.setdefault(key, item)
            built = _Built(value, done.size, done.height)
            if done.anchor is not None:
                anchors[done.anchor] = built
        if kind is ScalarEvent and event.anchor is not None:
            anchors[event.anchor] = built
        if not stack:
            return built.value
        if len(stack) + built.height > max_depth:  # a deep anchor used in a deep place
            raise YamlError(f"yaml: line {line}: exceeded max depth of {max_depth}")
        _attach(stack[-1], built, line)


def _scalar(loader: Any, event: ScalarEvent, line: int) -> _Built:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(ScalarNode, event.value, event.implicit)
    text = str(event.value)
    if tag in (_STR, _TIMESTAMP):
        return _Built(text, 1, 0, text)
    if tag == _NULL:
        return _Built(None, 1, 0, text)
    if tag == _MERGE:
        return _Built(text, 1, 0, text, merge=True)
    if tag not in _CONSTRUCTORS:
        raise YamlError(_tag_message(tag, line))
    if tag != _BOOL and len(text) > MAX_NUMBER_LENGTH:
        raise YamlError(f"yaml: line {line}: number longer than {MAX_NUMBER_LENGTH} characters")
    try:
        value = _CONSTRUCTORS[tag](ScalarNode(tag, text))
    except (ValueError, KeyError, IndexError):  # an explicit tag on the wrong text: `!!int x`
        raise YamlError(f"yaml: line {line}: cannot decode {text!r:.40} as {tag}") from None
    if isinstance(value, float) and not math.isfinite(value):
        shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")  # as go prints
        raise YamlError(f"json: unsupported value: {shown}")
    return _Built(value, 1, 0, text)


def _alias(anchors: dict[str, _Built], stack: list[_Open], name: str, line: int) -> _Built:
    found = anchors.get(name)
    if found is None:
        if any(frame.anchor == name for frame in stack):
            raise YamlError(f"yaml: line {line}: anchor '{name}' value contains itself")
        raise YamlError(f"yaml: line {line}: unknown anchor '{name}' referenced")
    # A copy, so that nothing downstream that changes the value in place changes it twice;
    # its size is bounded by MAX_ALIAS_NODES and its depth by the limit checked on attach.
    value = copy.deepcopy(found.value) if isinstance(found.value, (dict, list)) else found.value
    return _Built(value, found.size, found.height, found.text, found.merge)


def _attach(parent: _Open, child: _Built, line: int) -> None:
    parent.size += child.size
    parent.height = max(parent.height, child.height + 1)
    if isinstance(parent.value, list):
        parent.value.append(child.value)
        return
    if parent.key is None:
        if child.text is None:
            raise YamlError(f"yaml: line {line}: mapping keys must be scalars")
        parent.key = child
        return
    key, parent.key = parent.key, None
    if key.merge:
        sources = child.value if isinstance(child.value, list) else [child.value]
        if not all(isinstance(source, dict) for source in sources):
            raise YamlError(f"yaml: line {line}: map merge requires map or sequence of maps")
        parent.merges.extend(sources)
        return
    parent.value[str(key.text)] = child.value


def _tag_message(tag: str | None, line: int) -> str:
    shown = "!!" + tag[len(_TAG) :] if tag and tag.startswith(_TAG) else str(tag)
    return (
        f"yaml: line {line}: unsupported tag {shown!r}: only plain YAML is accepted (strings, "
        "numbers, booleans, null, lists and mappings)"
    )
