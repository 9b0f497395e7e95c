"""What a kustomization refers to, read from the file itself (pure).

Kustomize does the build; we read the kustomization first for three things it cannot give us:

- which directories a build spans (its own, and every base or component it reaches), so the
  files it may read are known before it runs: they are the build's inputs, sent to the builder
  and hashed for the cache, and never loaded again as plain manifests;
- which kustomizations are roots: without `paths:`, the ones no other kustomization refers to;
- located errors for what would fail anyway, before a process is started: a resource that does
  not exist (`kustomization.yaml:4: resources[1]: 'missing.yaml' does not exist`), a path out of
  the repository, a file outside the kustomization's directory (Kustomize's default load
  restriction), a remote base when remote bases are not allowed.

Fields that name files: `resources`, `bases` and `components` (a file or a directory holding a
kustomization), `generators`, `transformers`, `validators` (the same, or inline YAML), `crds`,
`configurations`, `patchesStrategicMerge` (unless inline), `patches[].path`,
`patchesJson6902[].path`, `replacements[].path`, `openapi.path`, and the `files`, `envs` and
`env` of `configMapGenerator` and `secretGenerator` entries (`key=path` or `path`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from reconciler.specs.errors import SpecError
from reconciler.specs.fielderrors import describe, format_field
from reconciler.specs.yamlparse import ParsedDocument, Path, parse_yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"

RefKind = Literal["dir", "file", "remote"]

_RESOURCE_LISTS = ("resources", "bases", "components")
_PLUGIN_LISTS = ("generators", "transformers", "validators")
_FILE_LISTS = ("crds", "configurations", "patchesStrategicMerge")
_PATH_ITEMS = ("patches", "patchesJson6902", "replacements")
_GENERATORS = ("configMapGenerator", "secretGenerator")


@dataclass(frozen=True)
class Reference:
    """One path a kustomization names: `field` is where (e.g. `("resources", 2)`)."""

    field: Path
    value: str
    kind: RefKind
    target: str
    """Repo-relative: a file, or a directory holding a kustomization; the URL when remote."""
    line: int | None = None


@dataclass(frozen=True)
class Kustomization:
    """A parsed kustomization file and what it refers to; `errors` are located in `file`."""

    file: str
    value: dict[str, Any] | None
    references: tuple[Reference, ...] = ()
    errors: tuple[SpecError, ...] = ()

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.file) or "."

    @property
    def directories(self) -> tuple[str, ...]:
        """The kustomization directories it refers to (bases, components, plugin dirs)."""
        return tuple(r.target for r in self.references if r.kind == "dir")


@dataclass(frozen=True)
class Layout:
    """The paths of a source tree: `is_file` for regular files and symlinks, `kustomization_in`
    for the kustomization file of a directory (None when it holds none)."""

    is_file: Callable[[str], bool]
    is_dir: Callable[[str], bool]
    kustomization_in: Callable[[str], str | None]
    inside: Callable[[str], bool]
    """True for a path in the repository (a source's `--path` may reach its repo's bases)."""


def read_kustomization(file: str, data: bytes | None, layout: Layout) -> Kustomization:
    """Parse `file` and resolve every path it names against `layout`; never raises."""
    if data is None:
        return Kustomization(file, None, errors=(SpecError(file, None, None, "not readable"),))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Kustomization(file, None, errors=(_err(file, None, "", f"not UTF-8: {exc}"),))
    parsed = parse_yaml(text)
    errors = [
        SpecError(file, i.line, format_field(i.path) if i.path else None, i.message)
        for i in parsed.issues
    ]
    docs = [d for d in parsed.documents if d.value is not None]
    if errors or len(docs) != 1 or not isinstance(docs[0].value, dict):
        if not errors:
            got = f"{len(docs)} documents" if len(docs) != 1 else describe(docs[0].value)
            errors.append(SpecError(file, None, None, f"expected one mapping, got {got}"))
        return Kustomization(file, None, errors=tuple(errors))
    doc = docs[0]
    refs, problems = _References(file, doc, layout).resolve()
    return Kustomization(file, doc.value, tuple(refs), tuple(problems))


class _References:
    def __init__(self, file: str, doc: ParsedDocument, layout: Layout) -> None:
        self.file = file
        self.dir = posixpath.dirname(file) or "."
        self.doc = doc
        self.layout = layout
        self.refs: list[Reference] = []
        self.errors: list[SpecError] = []

    def resolve(self) -> tuple[list[Reference], list[SpecError]]:
        value: dict[str, Any] = self.doc.value
        for name in _RESOURCE_LISTS:
            for i, item in self._strings(value, (name,)):
                self._resource(item, (name, i), directory_only=name == "components")
        for name in _PLUGIN_LISTS:
            for i, item in self._strings(value, (name,)):
                if "\n" not in item:  # otherwise an inline plugin configuration
                    self._resource(item, (name, i), directory_only=False)
        for name in _FILE_LISTS:
            for i, item in self._strings(value, (name,)):
                if "\n" not in item:
                    self._file(item, (name, i))
        for name in _PATH_ITEMS:
            for i, item in _items(value.get(name)):
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    self._file(item["path"], (name, i, "path"))
        openapi = value.get("openapi")
        if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
            self._file(openapi["path"], ("openapi", "path"))
        for name in _GENERATORS:
            for i, gen in _items(value.get(name)):
                if not isinstance(gen, dict):
                    continue
                for j, item in self._strings(gen, ("files",), (name, i)):
                    self._file(item.split("=", 1)[-1], (name, i, "files", j))
                for j, item in self._strings(gen, ("envs",), (name, i)):
                    self._file(item, (name, i, "envs", j))
                if isinstance(gen.get("env"), str):
                    self._file(gen["env"], (name, i, "env"))
        return self.refs, self.errors

    def _strings(
        self, value: dict[str, Any], key: Path, at: Path = ()
    ) -> Iterator[tuple[int, str]]:
        items = value.get(str(key[0]))
        if items is None:
            return
        if not isinstance(items, list):
            self._error((*at, *key), f"expected a list, got {describe(items)}")
            return
        for i, item in enumerate(items):
            if isinstance(item, str):
                yield i, item
            else:
                self._error((*at, *key, i), f"expected a string, got {describe(item)}")

    def _resource(self, item: str, at: Path, *, directory_only: bool) -> None:
        target = self._target(item, at)
        if target is None:
            return
        if not directory_only and self.layout.is_file(target):
            self._file(item, at)
        elif self.layout.kustomization_in(target) is not None:
            self.refs.append(Reference(at, item, "dir", target, self.doc.line_of(at)))
        elif self.layout.is_dir(target):
            self._error(at, f"{item!r}: {target}/ holds no kustomization.yaml")
        else:
            self._error(at, f"{item!r} does not exist ({target})")

    def _file(self, item: str, at: Path) -> None:
        target = self._target(item, at)
        if target is None:
            return
        below = target.startswith(self.dir + "/")
        if not (below or (self.dir == "." and not target.startswith("../"))):
            self._error(
                at,
                f"{item!r} is outside {self.dir}/: Kustomize loads files only from the "
                "kustomization's directory and below (bases may be elsewhere)",
            )
        elif not self.layout.is_file(target):
            self._error(at, f"{item!r} does not exist ({target})")
        else:
            self.refs.append(Reference(at, item, "file", target, self.doc.line_of(at)))

    def _target(self, item: str, at: Path) -> str | None:
        if _remote(item):
            self.refs.append(Reference(at, item, "remote", item, self.doc.line_of(at)))
            return None
        if item.startswith("/"):
            self._error(at, f"{item!r}: absolute paths are not allowed")
            return None
        target = posixpath.normpath(posixpath.join(self.dir, item.strip()))
        if not self.layout.inside(target):
            self._error(at, f"{item!r} is outside the repository")
            return None
        return target

    def _error(self, at: Path, message: str) -> None:
        self.errors.append(_err(self.file, self.doc.line_of(at), format_field(at), message))


def _err(file: str, line: int | None, field: str, message: str) -> SpecError:
    return SpecError(file, line, field or None, message)


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


_REMOTE_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/")


def _remote(item: str) -> bool:
    """A URL-like base (`https://…`, `git@…`, `github.com/…?ref=…`), which Kustomize fetches."""
    return "://" in item or item.startswith(("git@", *_REMOTE_HOSTS)) or "?ref=" in item


def reachable(root: str, read: Callable[[str], Kustomization]) -> list[Kustomization]:
    """The kustomization at directory `root` and every one it reaches, each once, in the
    order met (bases before the overlays that use them is not guaranteed; Kustomize orders)."""
    seen: dict[str, Kustomization] = {}
    stack = [root]
    while stack:
        directory = stack.pop()
        if directory in seen:
            continue
        found = read(directory)
        seen[directory] = found
        stack.extend(d for d in reversed(found.directories) if d not in seen)
    return list(seen.values())


def with_origin_annotations(value: dict[str, Any]) -> bytes:
    """The kustomization with `buildMetadata: [originAnnotations]` added, so every object of
    the build names the file it came from (the annotation is stripped again before apply).
    Used for the build only: the repository's file is never changed."""
    metadata = value.get("buildMetadata")
    options = [m for m in metadata if isinstance(m, str)] if isinstance(metadata, list) else []
    if "originAnnotations" not in options:
        options.append("originAnnotations")
    out = {**value, "buildMetadata": options}
    return yaml.safe_dump(out, sort_keys=False, allow_unicode=True).encode()
