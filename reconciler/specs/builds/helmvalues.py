"""A chart's values from `reconciler.yaml`, and where each came from (pure).

Values merge like `helm template -f a.yaml -f b.yaml --set ...`: the chart's `values.yaml`
(merged by Helm itself), then each of `valuesFiles` in order, then the inline `values`; mappings
merge key by key, anything else is replaced. Each layer remembers its file and the line of every
key, so when the chart's `values.schema.json` refuses a value, the error names the line that set
it::

    reconciler.yaml:12: paths[2].helm.values.replicaCount: got string, want integer
    env/web.yaml:3: replicaCount: minimum: got 0, want 1
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.specs.builds.index import TreeIndex
from reconciler.specs.builds.port import ValueProblem
from reconciler.specs.config import CONFIG_FILE, PathEntry
from reconciler.specs.errors import SpecError
from reconciler.specs.fielderrors import describe, format_field
from reconciler.specs.yamlparse import ParsedDocument, Path, line_in, parse_yaml


@dataclass(frozen=True)
class ValuesLayer:
    """One source of values: `value` sits at `base` inside the document of `file`."""

    file: str
    value: Any
    lines: Mapping[Path, int]
    line: int
    base: Path = ()

    def locate(self, path: Path) -> tuple[int, str] | None:
        """The line and field of `path` when this layer sets it, else None."""
        node = self.value
        for part in path:
            node = _child(node, part)
            if node is _MISSING:
                return None
        full = (*self.base, *path)
        return line_in(self.lines, full, self.line), format_field(full)


@dataclass
class Values:
    values: dict[str, Any] = field(default_factory=dict)
    layers: list[ValuesLayer] = field(default_factory=list)
    """In merge order: the last layer that sets a key is the one that counts."""
    errors: list[SpecError] = field(default_factory=list)

    def locate(self, problem: ValueProblem, fallback: SpecError) -> SpecError:
        """`problem` at the line of the layer that set its value (the nearest set parent for a
        missing key); `fallback`'s place when no layer sets any of it."""
        path = _path(problem.pointer, self.values)
        for end in range(len(path), -1, -1):
            for layer in reversed(self.layers):
                found = layer.locate(path[:end])
                if found is not None and (end or layer.base):
                    line, name = found
                    return SpecError(layer.file, line, name or None, problem.message)
        return SpecError(fallback.file, fallback.line, fallback.field, problem.message)


def chart_values(index: TreeIndex, root: str) -> ValuesLayer | None:
    """The chart's own `values.yaml` as a layer (Helm merges it; we only locate in it)."""
    file = "values.yaml" if root == "." else f"{root}/values.yaml"
    data, _why = index.data(file)
    if data is None:
        return None
    doc = _single(file, data, [])
    return ValuesLayer(file, doc.value, doc.lines, doc.line) if doc is not None else None


def user_values(
    entry: PathEntry | None, at: int | None, index: TreeIndex, config_doc: ParsedDocument | None
) -> Values:
    """The values `reconciler.yaml` gives the chart of `entry` (the `paths` entry number `at`)."""
    out = Values()
    if entry is None or entry.helm is None:
        return out
    base: Path = ("paths", at if at is not None else 0, "helm")
    for j, raw in enumerate(entry.helm.values_files):
        line = config_doc.line_of((*base, "valuesFiles", j)) if config_doc else None
        where = format_field((*base, "valuesFiles", j))
        file = posixpath.normpath(raw.strip())
        if raw.startswith("/") or file == ".." or file.startswith("../"):
            out.errors.append(SpecError(CONFIG_FILE, line, where, f"{raw!r} is outside the repo"))
            continue
        data, why = index.data(file)
        if data is None:
            out.errors.append(SpecError(CONFIG_FILE, line, where, f"{raw!r}: {why}"))
            continue
        doc = _single(file, data, out.errors)
        if doc is not None:
            out.layers.append(ValuesLayer(file, doc.value, doc.lines, doc.line))
    if entry.helm.values and config_doc is not None:
        layer = ValuesLayer(
            CONFIG_FILE, entry.helm.values, config_doc.lines, config_doc.line, (*base, "values")
        )
        out.layers.append(layer)
    elif entry.helm.values:
        out.layers.append(ValuesLayer(CONFIG_FILE, entry.helm.values, {}, 1, (*base, "values")))
    for layer in out.layers:
        out.values = merge(out.values, layer.value)
    return out


_MISSING = object()


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict) and isinstance(part, str):
        return node.get(part, _MISSING)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _single(file: str, data: bytes, errors: list[SpecError]) -> ParsedDocument | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(SpecError(file, None, None, f"not valid UTF-8 at byte {exc.start}"))
        return None
    parsed = parse_yaml(text)
    for issue in parsed.issues:
        field_name = format_field(issue.path) if issue.path else None
        errors.append(SpecError(file, issue.line, field_name, issue.message))
    docs = [d for d in parsed.documents if d.value is not None]
    if parsed.issues:
        return None
    if not docs:
        return ParsedDocument(0, {}, 1)
    if len(docs) > 1 or not isinstance(docs[0].value, dict):
        got = f"{len(docs)} documents" if len(docs) > 1 else describe(docs[0].value)
        errors.append(SpecError(file, docs[0].line, None, f"values: expected a mapping, got {got}"))
        return None
    return docs[0]


def _path(pointer: str, values: Any) -> Path:
    """A JSON pointer as a path, reading a token as a list index where the values hold a list."""
    out: list[str | int] = []
    node = values
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit():
            out.append(int(token))
            node = node[int(token)] if int(token) < len(node) else None
        else:
            out.append(token)
            node = node.get(token) if isinstance(node, dict) else None
    return tuple(out)
