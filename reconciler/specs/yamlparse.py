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
  memory, and recursive aliases are refused. A merge source reached through an alias is an alias
  expansion like any other: every node it builds again counts against the same limit;
- nesting is bounded (`MAX_DEPTH`), and numbers are bounded in length (`MAX_NUMBER_LENGTH`).

No input makes parsing raise, recurse without bound or take more than linear time:

- libyaml's own composer recurses in C once per nesting level, so a 200 KB file of `[[[[...`
  overflows the C stack and kills the process (no Python exception to catch): `yamlcompose`
  composes every text that could nest deep from libyaml's events, iteratively, and stops a
  document at `MAX_DEPTH`;
- building (and everything downstream: validation, rendering, diffs, hashing) recurses once per
  level, so the built value is bounded by `MAX_DEPTH` too (aliases can nest a deep anchor inside
  a deep place, so the depth is checked again while building);
- merge keys build each source once per use and record its lines in a map of their own, so a
  file of N merges costs O(N), not a copy of the document's whole line map per merge (O(N^2): a
  1 MB file of merges took minutes);
- a long integer is refused before it is converted: `int()` of more than 4,300 digits raises,
  and YAML 1.1's base-60 integers (`1:2:3:...`) take quadratic time to convert.

Every such problem is a `YamlIssue` with the line (and path, when known) where the limit is
crossed, and the document is left out. Nesting past `MAX_DEPTH` in the text itself also ends the
stream, as a syntax error does (see `yamlcompose`): the documents before it are kept.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.specs.yamlcompose import Path as Path
from reconciler.specs.yamlcompose import TooDeep, compose, reader_position

MAX_ALIAS_NODES = 10_000
"""Nodes that may be built through aliases (and aliased merge sources) in one document; real
specs use a handful."""

MAX_DEPTH = 64
"""Levels of nesting a document may have: the root mapping is level 1, `spec.template` level 3.
Kubernetes objects rarely go past 20 (a CRD's OpenAPI schema, a JSON Schema of a tool's input
maybe 30); the limit keeps every recursive walk of a value (validation, JSON Schema checks,
rendering, diffs, hashing) far from Python's recursion limit, with room for the callers' stack."""

MAX_NUMBER_LENGTH = 100
"""Characters an integer or float may have: a 64-bit integer has 20 digits; `int()` refuses more
than 4,300, and base-60 integers convert in quadratic time."""

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _SEQ, _MAP, _MERGE = (f"{_TAG}{t}" for t in ("timestamp", "seq", "map", "merge"))

_scalars = SafeConstructor()
_CONSTRUCTORS = {
    _BOOL: _scalars.construct_yaml_bool,
    _INT: _scalars.construct_yaml_int,
    _FLOAT: _scalars.construct_yaml_float,
}


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

    A syntax error stops the stream (libyaml cannot resynchronise), and so does nesting past
    `MAX_DEPTH`; the documents before it are kept. A document with a duplicate key, a forbidden
    tag, too many aliases or an overlong number is left out."""

    documents: list[ParsedDocument]
    issues: list[YamlIssue]


class _BuildError(Exception):
    def __init__(self, issue: YamlIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def parse_yaml(text: str) -> ParseResult:
    """Parse every document of `text` (see the module docstring for what is accepted).

    The garbage collector is paused meanwhile: a 1 MB document is half a million new objects,
    none garbage before the document is built, and the collector's passes over them cost several
    times the parse itself. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(text)
    finally:
        if enabled:
            gc.enable()


def _parse(text: str) -> ParseResult:
    documents: list[ParsedDocument] = []
    issues: list[YamlIssue] = []
    nodes = compose(text, MAX_DEPTH)
    index = 0
    while True:
        try:
            node = next(nodes)
        except StopIteration:
            break
        except yaml.MarkedYAMLError as exc:
            issues.append(_syntax_issue(exc))
            break
        except yaml.reader.ReaderError as exc:  # a character YAML forbids: a position, no mark
            line, column = reader_position(text, exc.position)
            where = f"at line {line}, column {column}"
            message = f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}"
            issues.append(YamlIssue(line, f"{message} {where}", column=column))
            break
        except yaml.YAMLError as exc:  # pragma: no cover - libyaml marks all other errors
            issues.append(YamlIssue(None, f"invalid YAML: {exc}"))
            break
        if isinstance(node, TooDeep):  # the stream ends there (see `yamlcompose`)
            issues.append(_too_deep(node.line, node.path))
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


def _too_deep(line: int, path: Path) -> YamlIssue:
    return YamlIssue(
        line,
        f"nested deeper than {MAX_DEPTH} levels (the limit keeps every step that walks a value "
        "recursively safe; Kubernetes objects rarely exceed 20)",
        path,
    )


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
        if len(path) >= MAX_DEPTH:  # deep only through aliases: the composer bounds the rest
            raise _BuildError(_too_deep(_line(node), path))
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
        if tag == _NULL:
            return None
        if tag not in (_BOOL, _INT, _FLOAT):
            raise _BuildError(_tag_issue(node, path))
        if tag != _BOOL and len(node.value) > MAX_NUMBER_LENGTH:
            raise _BuildError(
                YamlIssue(
                    _line(node),
                    f"number longer than {MAX_NUMBER_LENGTH} characters; quote it if it is "
                    "meant as a string",
                    path,
                )
            )
        try:
            return _CONSTRUCTORS[tag](node)
        except (ValueError, KeyError, IndexError):  # an explicit tag on the wrong text: `!!int x`
            name = _tag_name(tag)
            raise _BuildError(
                YamlIssue(_line(node), f"{node.value!r:.40} is not a valid {name}", path)
            ) from None

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
        merged_lines: dict[Path, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge(value_node, path, merged, merged_lines)
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
        if merged:
            # A merged key reports its line in the merge source; explicit keys (and all below
            # them) keep their own lines.
            depth = len(path)
            for where, line in merged_lines.items():
                if where[depth] not in out:
                    self.lines[where] = line
            for key, value in merged.items():
                out.setdefault(key, value)
        return out

    def _merge(
        self, node: Node, path: Path, merged: dict[str, Any], merged_lines: dict[Path, int]
    ) -> None:
        """`<<: *a` or `<<: [*a, *b]`: earlier sources win, and explicit keys win over all.

        Each source is built once per use, like any alias (so an aliased source counts its nodes
        against `MAX_ALIAS_NODES`), with its lines recorded in a map of its own: the cost is the
        size of the source, never of the document built so far."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                raise _BuildError(
                    YamlIssue(
                        _line(source), "merge key '<<' needs a mapping or a list of them", path
                    )
                )
            outer, self.lines = self.lines, {}
            try:
                value = self.build(source, path)
            finally:
                inner, self.lines = self.lines, outer
            taken = [key for key in value if key not in merged]
            for key in taken:
                merged[key] = value[key]
            depth, fresh = len(path), set(taken)
            for where, line in inner.items():
                if where[depth] in fresh:
                    merged_lines[where] = line


def _tag_issue(node: Node, path: Path) -> YamlIssue:
    tag = _tag_name(str(node.tag))
    if "python/" in tag:
        why = "Python tags are not allowed"
    else:
        why = "only plain YAML is allowed: strings, numbers, booleans, null, lists and mappings"
    return YamlIssue(_line(node), f"unsupported tag {tag!r}: {why}", path)
