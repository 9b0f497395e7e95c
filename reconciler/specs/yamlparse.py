"""Safe, fast YAML parsing that remembers the source line of every key and list item.

libyaml (`yaml.CSafeLoader`) composes the text into nodes, which carry their start marks; we then
build plain JSON-like values from the nodes ourselves and record, for every mapping key and
sequence item, the 1-based line it starts on, keyed by its path::

    metadata:                 ("metadata",)          -> 2
      name: inventory-read    ("metadata", "name")   -> 3
    spec:
      actions:                ("spec", "actions")    -> 5
        - type: scale         ("spec", "actions", 0) -> 6

so a validation error at `spec.actions[0].replicas` can be reported at its line. Composing with
libyaml and building values here is several times faster than `yaml.safe_load` in pure Python,
and building ourselves is what lets us be strict:

- only the plain YAML types (strings, numbers, booleans, null, lists, mappings) are built; any
  other tag (`!!python/object`, `!Ref`, `!!binary`) is an error, never a constructor call;
- timestamps stay strings, as Kubernetes reads them;
- mapping keys are the key's text (`80:` is the key "80"), as in Kubernetes' YAML-to-JSON step;
- a duplicated key is an error at the second occurrence, not a silent overwrite;
- merge keys (`<<: *defaults`) are supported; explicit keys win over merged ones;
- alias expansion is bounded (`MAX_ALIAS_NODES`) so a "billion laughs" document cannot exhaust
  memory, and recursive aliases are refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

MAX_ALIAS_NODES = 10_000
"""Nodes that may be built through aliases in one document; real specs use a handful."""

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _SEQ, _MAP, _MERGE = (f"{_TAG}{t}" for t in ("timestamp", "seq", "map", "merge"))

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_scalars = SafeConstructor()


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while parsing: a 1-based line, a column when known, the path inside the
    document when known, and a human message."""

    line: int | None
    message: str
    path: Path | None = None
    column: int | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """One document of a YAML stream: `value` is None for an empty document."""

    index: int
    value: Any
    line: int
    lines: Mapping[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its deepest existing ancestor (the document's line)."""
        return line_in(self.lines, path, self.line)


def line_in(lines: Mapping[Path, int], path: Path, default: int) -> int:
    """The line of `path` in a document's line map, or of its deepest existing ancestor, or
    `default` (the document's own line) when none is recorded."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return default


@dataclass(frozen=True)
class ParseResult:
    """The documents that built cleanly and the issues of the others.

    A syntax error stops the stream (libyaml cannot resynchronise); the documents before it are
    kept. A document with a duplicate key, a forbidden tag or too many aliases is left out."""

    documents: list[ParsedDocument]
    issues: list[YamlIssue]


class _BuildError(Exception):
    def __init__(self, issue: YamlIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def parse_yaml(text: str) -> ParseResult:
    """Parse every document of `text` (see the module docstring for what is accepted)."""
    documents: list[ParsedDocument] = []
    issues: list[YamlIssue] = []
    nodes = _compose(text)
    index = 0
    while True:
        try:
            node = next(nodes)
        except StopIteration:
            break
        except yaml.MarkedYAMLError as exc:
            issues.append(_syntax_issue(exc))
            break
        except yaml.YAMLError as exc:  # pragma: no cover - libyaml always marks its errors
            issues.append(YamlIssue(None, f"invalid YAML: {exc}"))
            break
        builder = _Builder()
        try:
            value = builder.build(node, ())
        except _BuildError as exc:
            issues.extend(builder.duplicates)
            issues.append(exc.issue)
        else:
            if builder.duplicates:
                issues.extend(builder.duplicates)
            else:
                documents.append(ParsedDocument(index, value, _line(node), builder.lines))
        index += 1
    return ParseResult(documents, issues)


def _compose(text: str) -> Iterator[Node]:
    yield from yaml.compose_all(text, Loader=_Loader)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _syntax_issue(exc: yaml.MarkedYAMLError) -> YamlIssue:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "syntax error"
    if mark is None:  # pragma: no cover - libyaml always sets a mark
        return YamlIssue(None, f"invalid YAML: {problem}")
    line, column = int(mark.line) + 1, int(mark.column) + 1
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    message = f"invalid YAML: {problem}{context} at line {line}, column {column}"
    return YamlIssue(line, message, column=column)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Builder:
    """Builds one document's value from its nodes, recording lines by path."""

    def __init__(self) -> None:
        self.lines: dict[Path, int] = {}
        self.duplicates: list[YamlIssue] = []
        self._seen: set[int] = set()
        self._stack: set[int] = set()
        self._aliased = 0

    def build(self, node: Node, path: Path) -> Any:
        ident = id(node)
        if ident in self._seen:  # reached again: this is an alias expansion
            self._aliased += 1
            if self._aliased > MAX_ALIAS_NODES:
                raise _BuildError(
                    YamlIssue(
                        _line(node),
                        f"alias expansion too large (possible billion laughs): more than "
                        f"{MAX_ALIAS_NODES} nodes built through aliases",
                        path,
                    )
                )
        else:
            self._seen.add(ident)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if ident in self._stack:
            raise _BuildError(
                YamlIssue(_line(node), "recursive alias: a node contains itself", path)
            )
        self._stack.add(ident)
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, _SEQ, path)
                return self._sequence(node, path)
            if isinstance(node, MappingNode):
                self._check_tag(node, _MAP, path)
                return self._mapping(node, path)
        finally:
            self._stack.discard(ident)
        raise _BuildError(YamlIssue(_line(node), "unsupported YAML node", path))  # pragma: no cover

    def _check_tag(self, node: Node, expected: str, path: Path) -> None:
        if node.tag != expected:
            raise _BuildError(_tag_issue(node, path))

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):
            return node.value
        if tag == _INT:
            return _scalars.construct_yaml_int(node)
        if tag == _BOOL:
            return _scalars.construct_yaml_bool(node)
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            return _scalars.construct_yaml_float(node)
        raise _BuildError(_tag_issue(node, path))

    def _sequence(self, node: SequenceNode, path: Path) -> list[Any]:
        out: list[Any] = []
        for i, item in enumerate(node.value):
            item_path = (*path, i)
            self.lines[item_path] = _line(item)
            out.append(self.build(item, item_path))
        return out

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge(value_node, path, merged)
                continue
            if not isinstance(key_node, ScalarNode):
                raise _BuildError(
                    YamlIssue(_line(key_node), "mapping keys must be plain scalars", path)
                )
            if key_node.tag not in (_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP):
                raise _BuildError(_tag_issue(key_node, path))
            key = str(key_node.value)
            key_path = (*path, key)
            if key in out:
                self.duplicates.append(
                    YamlIssue(
                        _line(key_node),
                        f"duplicate key {key!r} (first at line {self.lines[key_path]})",
                        key_path,
                    )
                )
                continue
            self.lines[key_path] = _line(key_node)
            out[key] = self.build(value_node, key_path)
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def _merge(self, node: Node, path: Path, merged: dict[str, Any]) -> None:
        """`<<: *a` or `<<: [*a, *b]`: earlier sources win, and explicit keys win over all."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                raise _BuildError(
                    YamlIssue(
                        _line(source), "merge key '<<' needs a mapping or a list of them", path
                    )
                )
            lines_before = dict(self.lines)
            value = self.build(source, path)
            # Merged keys report the line of the merge source; explicit keys keep their own.
            self.lines.update(lines_before)
            for key, item in value.items():
                merged.setdefault(key, item)
                self.lines.setdefault((*path, key), _line(source))


def _tag_issue(node: Node, path: Path) -> YamlIssue:
    tag = _tag_name(str(node.tag))
    if "python/" in tag:
        why = "Python tags are not allowed"
    else:
        why = "only plain YAML is allowed: strings, numbers, booleans, null, lists and mappings"
    return YamlIssue(_line(node), f"unsupported tag {tag!r}: {why}", path)
