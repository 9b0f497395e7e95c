"""Build output into loaded documents, each traced back to the file that produced it (pure).

Kustomize runs with `buildMetadata: [originAnnotations]`, so every object carries
`config.kubernetes.io/origin`: the resource file it came from (`path: ../../base/deploy.yaml`,
relative to the build's root), or the kustomization and generator that made it
(`configuredIn: kustomization.yaml`, `configuredBy: {kind: ConfigMapGenerator}`). The
annotation is removed, and the object is located at that file's matching document, with that
document's line map: `plan` names `deploy/base/deploy.yaml:1`, and a field's line in the base is
where drift adoption would write it back. Helm objects are located at their template.

Every document is tagged `Built(unit, via)`: the build holds and is recorded as one unit.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

import yaml

from reconciler.specs.builds.index import TreeIndex
from reconciler.specs.builds.kustomization import ORIGIN_ANNOTATION
from reconciler.specs.builds.port import RenderedFile
from reconciler.specs.builds.units import Unit
from reconciler.specs.documents import Documents
from reconciler.specs.errors import SpecError
from reconciler.specs.loaded import Built
from reconciler.specs.yamlparse import ParsedDocument, parse_yaml

HOOK_ANNOTATION = "helm.sh/hook"
_GENERATOR_FIELDS = {
    "ConfigMapGenerator": "configMapGenerator",
    "SecretGenerator": "secretGenerator",
}
_SEPARATOR = re.compile(r"^---", re.MULTILINE)


class _Origins:
    """Parsed source files, each parsed once per build."""

    def __init__(self, index: TreeIndex) -> None:
        self.index = index
        self.cache: dict[str, list[ParsedDocument]] = {}

    def documents(self, file: str) -> list[ParsedDocument]:
        if file not in self.cache:
            data, _why = self.index.data(file)
            text = data.decode("utf-8", "replace") if data is not None else ""
            docs = [d for d in parse_yaml(text).documents if isinstance(d.value, dict)]
            self.cache[file] = docs
        return self.cache[file]

    def resource(self, file: str, body: dict[str, Any]) -> ParsedDocument | None:
        """The document of `file` that `body` was built from: the one of its kind, or the one
        whose name the built name contains (a prefix or suffix was added), longest first."""
        same = [d for d in self.documents(file) if d.value.get("kind") == body.get("kind")]
        if len(same) <= 1:
            return same[0] if same else None
        built = _name(body)
        named = [d for d in same if _name(d.value) and _name(d.value) in built]
        named.sort(key=lambda d: -len(_name(d.value)))
        return named[0] if named else same[0]


def kustomize_documents(
    text: str, unit: Unit, index: TreeIndex, docs: Documents, built: Built
) -> list[SpecError]:
    """Read Kustomize's output stream into `docs`; problems are returned (the unit fails)."""
    parsed = parse_yaml(text)
    problems = [
        SpecError(unit.file, None, None, f"kustomize output, line {i.line}: {i.message}")
        for i in parsed.issues
    ]
    origins = _Origins(index)
    for doc in parsed.documents:
        if not isinstance(doc.value, dict):
            docs.read(unit.file, doc, built)  # reports it
            continue
        origin = _pop_origin(doc.value)
        file, source = _locate(origin, unit, origins, doc.value)
        if source is None:
            located = ParsedDocument(doc.index, doc.value, 1)
            docs.read(file, located, Built(built.unit, built.via, False, built.namespace))
        elif "path" in origin:
            docs.read(
                file, ParsedDocument(source.index, doc.value, source.line, source.lines), built
            )
        else:
            line = _generator_line(origin, source, doc.value)
            generated = Built(built.unit, built.via, False, built.namespace)
            docs.read(file, ParsedDocument(source.index, doc.value, line, source.lines), generated)
    return problems


def _pop_origin(body: dict[str, Any]) -> dict[str, Any]:
    metadata = body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(metadata, dict) or not isinstance(annotations, dict):
        return {}
    raw = annotations.pop(ORIGIN_ANNOTATION, None)
    if not annotations:
        metadata.pop("annotations")
    try:
        origin = yaml.safe_load(raw) if isinstance(raw, str) else None
    except yaml.YAMLError:
        return {}
    return origin if isinstance(origin, dict) else {}


def _locate(
    origin: dict[str, Any], unit: Unit, origins: _Origins, body: dict[str, Any]
) -> tuple[str, ParsedDocument | None]:
    """The repo file an object came from and its document there (None: only the unit)."""
    relative = origin.get("path") or origin.get("configuredIn")
    if not isinstance(relative, str) or "repo" in origin:
        return unit.file, None
    file = posixpath.normpath(posixpath.join(unit.root, relative))
    if not origins.index.is_file(file):
        return unit.file, None
    if "path" in origin:
        return file, origins.resource(file, body)
    found = origins.documents(file)
    return file, found[0] if found else None


def _generator_line(origin: dict[str, Any], doc: ParsedDocument, body: dict[str, Any]) -> int:
    """The line of the generator entry that made `body` (a ConfigMap or Secret generator)."""
    by = origin.get("configuredBy")
    field = _GENERATOR_FIELDS.get(str(by.get("kind"))) if isinstance(by, dict) else None
    entries = doc.value.get(field) if field else None
    if not isinstance(entries, list) or field is None:
        return doc.line
    built = _name(body)
    best: tuple[int, int] | None = None
    for i, entry in enumerate(entries):
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        if name and name in built and (best is None or len(name) > best[1]):
            best = (i, len(name))
    return doc.line_of((field, best[0])) if best else doc.line_of((field,))


def helm_documents(
    rendered: tuple[RenderedFile, ...],
    unit: Unit,
    index: TreeIndex,
    docs: Documents,
    built: Built,
    *,
    hooks: bool,
) -> list[SpecError]:
    """Read each template's output into `docs` (hooks only when `hooks`); problems returned."""
    problems: list[SpecError] = []
    for piece in rendered:
        file = piece.path or unit.file
        parsed = parse_yaml(piece.text)
        for issue in parsed.issues:
            msg = f"rendered output, line {issue.line}: {issue.message}"
            problems.append(SpecError(file, None, None, msg))
        starts = _segment_lines(index, file, len(parsed.documents))
        for doc in parsed.documents:
            if isinstance(doc.value, dict) and not hooks and _is_hook(doc.value):
                continue
            line = starts[doc.index] if starts else 1
            docs.read(file, ParsedDocument(doc.index, doc.value, line), built)
    return problems


def _segment_lines(index: TreeIndex, file: str, count: int) -> list[int]:
    """The line each `---`-separated part of a template starts on, when the template has as
    many parts as it rendered documents (else the template's lines say nothing reliable)."""
    data, _why = index.data(file)
    if data is None:
        return []
    text = data.decode("utf-8", "replace")
    starts = [1] + [text.count("\n", 0, m.start()) + 2 for m in _SEPARATOR.finditer(text)]
    if text.startswith("---"):
        starts = starts[1:]
    return starts if len(starts) == count else []


def _is_hook(body: dict[str, Any]) -> bool:
    metadata = body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return isinstance(annotations, dict) and HOOK_ANNOTATION in annotations


def _name(body: dict[str, Any]) -> str:
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else ""
