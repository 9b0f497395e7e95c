"""Byte-minimal YAML edits: change one field of one document and leave every other byte alone.

Proposals write to files people wrote: comments, quoting, flow maps and key order are theirs. As
Renovate and Kargo do, an edit replaces only the bytes of the value it changes, at the position
the parser reports, in the style the value already had; a missing key is inserted with its
siblings' indentation (or inside a flow mapping, before its `}`). Then the text is parsed again
and the edit is kept only if exactly the intended paths changed::

    result = set_values(text, document=1, edits={("spec", "replicas"): 3})
    result.text, result.changed_lines   # or result.error, and the text untouched

A written value must read back as the intended type under YAML 1.1 (what Kubernetes' YAML
reader still follows) and YAML 1.2: `yes`, `off`, `0755`, `1e3`, `null` or `~` as strings are
quoted, never written plain. Values that are mappings or lists are only inserted under new keys
(as a block in the mapping's indentation); replacing a collection or a block scalar's shape is
refused with a reason, for the caller to skip rather than rewrite the file.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.specs.yamlparse import Path, parse_yaml

Scalar = str | int | float | bool | None

# Strings a YAML 1.2 reader (Go's yaml.v3, many tools) would read as numbers or specials, beyond
# what PyYAML's YAML 1.1 resolver already flags.
_YAML12_SPECIAL = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|[yY]|[nN]|~|)$"
)


class EditError(ValueError):
    """An edit that cannot be made byte-minimally (the caller skips it, with this reason)."""


@dataclass(frozen=True)
class EditResult:
    text: str
    changed_lines: int
    """Lines of the old text that differ in the new one (inserted lines count too)."""


def set_values(text: str, *, document: int, edits: Mapping[Path, Any]) -> EditResult:
    """`text` with each path of document `document` set to its value; raises `EditError`."""
    docs = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    if not 0 <= document < len(docs) or not isinstance(docs[document], MappingNode):
        raise EditError(f"document {document} is not a mapping")
    before = parse_yaml(text)
    if before.issues:
        raise EditError(f"the file does not parse: {before.issues[0].message}")
    new = text
    for path, value in edits.items():  # positions are read again after every edit
        node = list(yaml.compose_all(new, Loader=yaml.CSafeLoader))[document]
        new = _set(new, node, path, value)
    _confirm(before.documents, new, document, edits)
    return EditResult(new, _changed_lines(text, new))


def _walk(root: Node, path: Path) -> tuple[Node, Path]:
    """The deepest node of `path` that exists, and the part of `path` below it."""
    node = root
    for i, part in enumerate(path):
        child = _child(node, part)
        if child is None:
            return node, path[i:]
        node = child
    return node, ()


def _child(node: Node, part: str | int) -> Node | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == part:
                found: Node = value
                return found
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: Node = node.value[part]
        return item
    return None


def _set(text: str, root: Node, path: Path, value: Any) -> str:
    node, missing = _walk(root, path)
    if not missing:
        if not isinstance(node, ScalarNode) or isinstance(value, dict | list):
            raise EditError(f"{_dotted(path)}: only a scalar can be replaced in place")
        start, end = node.start_mark.index, node.end_mark.index
        return text[:start] + scalar(value, style=node.style) + text[end:]
    if not isinstance(node, MappingNode) or not isinstance(missing[0], str):
        raise EditError(f"{_dotted(path)}: cannot insert below a list or a scalar")
    return _insert(text, node, missing, value)


def _insert(text: str, mapping: MappingNode, missing: Path, value: Any) -> str:
    nested: Any = value
    for part in reversed(missing[1:]):
        nested = {part: nested}
    key = str(missing[0])
    if mapping.flow_style:
        close = mapping.end_mark.index - 1  # the `}`
        written = json.dumps(nested) if isinstance(nested, dict | list) else scalar(nested)
        entry = f"{_key(key)}: {written}"
        separator = ", " if mapping.value else ""
        return text[:close].rstrip() + separator + entry + text[close:]
    if not mapping.value:
        raise EditError(f"{key}: cannot insert into an empty block mapping")
    indent = mapping.value[0][0].start_mark.column
    block = _block(key, nested, indent)
    last_value = mapping.value[-1][1]
    at = _line_end(text, last_value.end_mark.index)
    return text[:at] + block + text[at:]


def _block(key: str, value: Any, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, dict | list) and value:
        body = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)
        lines = "".join(f"{pad}  {line}\n" for line in body.splitlines())
        return f"{pad}{_key(key)}:\n{lines}"
    return f"{pad}{_key(key)}: {scalar(value)}\n"


def _line_end(text: str, index: int) -> int:
    """The start of the line after the one `index` is on (a block value ends at the next line
    start already; a plain scalar ends mid-line, before any trailing comment)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def scalar(value: Scalar, style: str | None = None) -> str:
    """`value` as a YAML scalar that reads back as exactly `value` (in `style` when it can:
    `'`, `"` or plain)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if not isinstance(value, str):
        raise EditError(f"{value!r} is not a scalar")
    if style == '"' or "\n" in value or not value.isprintable():
        return json.dumps(value, ensure_ascii=False)
    if style != "'" and _plain_ok(value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _plain_ok(value: str) -> bool:
    """True when `value` written plain reads back as the same string under YAML 1.1 and 1.2."""
    if (
        _YAML12_SPECIAL.match(value)
        or value != value.strip()
        or value[:1] in "!&*-?:,[]{}#|>@`\"'%"
    ):
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    try:
        return bool(yaml.safe_load(value) == value and isinstance(yaml.safe_load(value), str))
    except yaml.YAMLError:
        return False


def _key(key: str) -> str:
    return key if _plain_ok(key) else scalar(key)


def _confirm(before: list[Any], text: str, document: int, edits: Mapping[Path, Any]) -> None:
    """Parse again: document `document` must equal the old one with `edits`, others unchanged."""
    after = parse_yaml(text)
    if after.issues or len(after.documents) != len(before):
        raise EditError("the edited file does not parse as the same documents")
    for i, (old, new) in enumerate(zip(before, after.documents, strict=True)):
        want = _with_edits(old.value, edits) if i == document else old.value
        if new.value != want or not _same_types(new.value, want):
            raise EditError(f"the edit would change more than intended in document {i}")


def _with_edits(value: Any, edits: Mapping[Path, Any]) -> Any:
    out = json.loads(json.dumps(value))
    for path, new in edits.items():
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
        node[path[-1]] = new
    return out


def _same_types(a: Any, b: Any) -> bool:
    """`==` with types: `True == 1` and `1 == 1.0` hold in Python, not in YAML."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    return True


def _changed_lines(old: str, new: str) -> int:
    """Lines that differ: a changed line counts once, an inserted or removed one once."""
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
