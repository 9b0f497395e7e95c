"""One parsed YAML document into a validated spec or a plain manifest, or located errors.

Plain files and build output go through the same rules: an empty document defines nothing; a
document must be a mapping; `reconciler.dev` documents validate against their kind's model;
anything else is a plain manifest, which needs `apiVersion`, `kind` and `metadata.name`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from pydantic import BaseModel, ValidationError

from reconciler.specs.config import CONFIG_FILE
from reconciler.specs.errors import SpecError
from reconciler.specs.fielderrors import describe, format_field, validation_errors
from reconciler.specs.loaded import Built, LoadedManifest, LoadedSpec, SourceLocation
from reconciler.specs.registry import DocumentKindError, Spec, model_for
from reconciler.specs.yamlparse import ParsedDocument


@dataclass
class Documents:
    """What a run of `read_document` calls found, in order."""

    specs: list[LoadedSpec] = field(default_factory=list)
    manifests: list[LoadedManifest] = field(default_factory=list)
    errors: list[SpecError] = field(default_factory=list)

    def read(self, file: str, doc: ParsedDocument, built: Built | None = None) -> bool:
        """Add `doc` of `file` as a spec or a manifest; False (and errors) when it is bad.
        `doc.value` is the object; `doc.line`, `doc.index` and `doc.lines` say where it is."""
        value = doc.value
        if value is None:
            return True  # an empty document: allowed, defines nothing
        if not isinstance(value, dict):
            self._error(file, doc.line, None, f"document is not a mapping: got {describe(value)}")
            return False
        try:
            model = model_for(value)
        except DocumentKindError as exc:
            msg = str(exc)
            if value.get("kind") == "RepoConfig":
                msg = f"RepoConfig belongs in {CONFIG_FILE} at the repository root"
            self._error(file, doc.line_of((exc.field,)), exc.field, msg)
            return False
        location = SourceLocation(file, doc.line)
        if model is None:
            if not self._manifest_ok(file, doc):
                return False
            self.manifests.append(LoadedManifest(location, doc.index, doc.lines, value, built))
            return True
        try:
            spec = model.model_validate(value)
        except ValidationError as exc:
            self.errors.extend(validation_errors(exc, cast(type[BaseModel], model), doc, file))
            return False
        self.specs.append(LoadedSpec(location, doc.index, doc.lines, cast(Spec, spec), built))
        return True

    def _manifest_ok(self, file: str, doc: ParsedDocument) -> bool:
        metadata = doc.value.get("metadata")
        problem: tuple[tuple[str, ...], str] | None = None
        if metadata is None:
            problem = ("metadata",), "required field missing"
        elif not isinstance(metadata, dict):
            problem = ("metadata",), f"expected a mapping, got {describe(metadata)}"
        elif "name" not in metadata:
            problem = ("metadata", "name"), "required field missing"
        elif not isinstance(metadata["name"], str) or not metadata["name"]:
            got = describe(metadata["name"])
            problem = ("metadata", "name"), f"expected a non-empty string, got {got}"
        elif not isinstance(metadata.get("namespace", ""), str):
            got = describe(metadata["namespace"])
            problem = ("metadata", "namespace"), f"expected a string, got {got}"
        if problem is None:
            return True
        path, message = problem
        self._error(file, doc.line_of(path), format_field(path), message)
        return False

    def _error(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.errors.append(SpecError(file, line, field, message))
