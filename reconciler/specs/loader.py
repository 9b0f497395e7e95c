"""Load a spec repo: `reconciler.yaml`, then every YAML document under its paths, validated.

    result = load_tree(DirectoryTree(Path("ops-specs")))
    result.specs       # validated Tool, Mapping, Remediation, Pattern, Policy models + locations
    result.manifests   # plain Kubernetes manifests (dicts) + locations
    result.errors      # every problem, as SpecError(file, line, field, message)

Rules, in the order they apply:

1. `reconciler.yaml` at the root is read first (unless a `config` is passed). If it is invalid,
   the load is `config_failed`: the engine applies and prunes nothing. A `paths` entry that
   matches no file is a warning (deleting the last remediation must be one commit). Without
   the file, defaults apply and every YAML file is loaded.
2. Files named `*.yaml`/`*.yml` under `config.paths` are loaded, except those matching an
   `exclude` glob (matched against the path and each of its parent directories; `*` crosses
   `/`), files or directories whose name starts with `.` (`.github/` workflows are not specs),
   and the root `reconciler.yaml`.
3. Symlinks are never followed out of the tree: a link whose target leaves the repository is an
   error. A link to a file inside it is read from its target path (through the tree, so the
   target is read as committed). Links to directories are not followed.
4. Files over `config.maxFileSize` bytes and files that are not UTF-8 are errors.
4a. Directories holding a kustomization or a `Chart.yaml` are builds (`specs.builds.units`):
   their files are not loaded one by one; the build's output is, through the `builders` port,
   each object traced to its file and held or applied with its build as one unit.
5. Each document must be empty (allowed: zero specs) or a mapping. `reconciler.dev` documents
   validate against their kind's model; any other apiVersion is a plain manifest, which needs
   `apiVersion`, `kind` and `metadata.name`.
6. No two spec documents may share a kind and name. Whether two documents define the same
   Kubernetes *object* is decided after rendering, by pairing (`reconciler.engine.core.pair`),
   since only then are namespaces defaulted and generated names known.

A file (or build) with any error is in `failed_files`, and none of its documents are in `specs` or
`manifests`: the engine holds the objects of a failed file (no apply, no prune) rather than act on
half of it. `valid_documents` still counts its good documents, for `reconciler validate`.
A duplicate fails both files involved, since neither is known to be the right one.
Every loaded document keeps its file, document index, line and the line of each of its keys,
so rendering can record which document and field produced each value (provenance).

Nothing here does I/O except through the `SourceTree`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from pydantic import ValidationError

from reconciler.specs.builds.index import TreeIndex
from reconciler.specs.builds.port import Builders
from reconciler.specs.builds.run import BuildRecord, run_builds
from reconciler.specs.builds.units import Discovery, discover
from reconciler.specs.config import CONFIG_FILE, PathEntry, RepoConfig
from reconciler.specs.documents import Documents
from reconciler.specs.errors import SpecError
from reconciler.specs.fielderrors import describe, format_field, validation_errors
from reconciler.specs.keys import ObjectKey
from reconciler.specs.loaded import LoadedManifest, LoadedSpec, SourceLocation
from reconciler.specs.tree import SourceFile, SourceTree
from reconciler.specs.yamlparse import ParsedDocument, parse_yaml

YAML_SUFFIXES = (".yaml", ".yml")

__all__ = [
    "LoadResult",
    "LoadedManifest",
    "LoadedSpec",
    "SourceLocation",
    "load_config",
    "load_tree",
]


@dataclass(frozen=True)
class LoadResult:
    """Everything one load found; see the module docstring for what each part holds."""

    specs: list[LoadedSpec]
    manifests: list[LoadedManifest]
    errors: list[SpecError]
    files: list[str]
    failed_files: set[str]
    config: RepoConfig
    config_failed: bool
    valid_documents: int = 0
    warnings: list[SpecError] = field(default_factory=list)
    """Problems that fail nothing, e.g. a `paths` entry that matches no file (yet)."""
    builds: list[BuildRecord] = field(default_factory=list)
    """Each Kustomize or Helm build the load ran (or took from the cache)."""

    @property
    def ok(self) -> bool:
        return not self.errors


def load_tree(
    tree: SourceTree, *, config: RepoConfig | None = None, builders: Builders | None = None
) -> LoadResult:
    """Load and validate every spec and manifest of `tree`; never raises for bad input.

    `config`, when given, is used instead of the tree's `reconciler.yaml` (which is then not
    read). `builders` run Kustomize and Helm; without one, a build fails (holds its objects)."""
    return _Load(tree).run(config, builders)


def load_config(tree: SourceTree) -> LoadResult:
    """Only `reconciler.yaml` of `tree`, validated (`reconciler validate reconciler.yaml`)."""
    load = _Load(tree)
    config, _doc = load._read_config()
    return LoadResult(
        specs=[],
        manifests=[],
        errors=sorted(load.errors, key=SpecError.sort_key),
        files=load.files,
        failed_files=load.failed,
        config=config,
        config_failed=load.config_failed,
        valid_documents=0 if load.errors or not load.files else 1,
    )


class _Load:
    def __init__(self, tree: SourceTree) -> None:
        self.tree = tree
        self.errors: list[SpecError] = []
        self.files: list[str] = []
        self.failed: set[str] = set()
        self.docs = Documents()
        self.config_failed = False
        self.duplicates = 0
        self.warnings: list[SpecError] = []
        self.builds: list[BuildRecord] = []

    def run(self, given: RepoConfig | None, builders: Builders | None) -> LoadResult:
        config, config_doc = (given, None) if given is not None else self._read_config()
        entries = [] if self.config_failed else self._entries(config, config_doc)
        paths = [e.path for _i, e in entries]
        files = list(self.tree.iter_files(max_size=config.max_file_size)) if entries else []
        outer = getattr(self.tree, "outer", None)  # a `NestedTree`: builds may read beyond
        index = TreeIndex(files, self.tree.read, outer=outer, max_size=config.max_file_size)
        lines = {i: config_doc.line_of(("paths", i)) if config_doc else None for i, _e in entries}
        discovery = discover(entries, index, lines)
        self._add(discovery.errors)
        self.config_failed |= bool(discovery.errors)
        matched: set[int] = set()
        for source in files if not discovery.errors else ():
            hits = [i for i, p in enumerate(paths) if _under(source.path, p)]
            matched.update(hits)
            selected = hits and _selected(source.path, [paths[i] for i in hits], config.exclude)
            if selected and not discovery.claims(source.path):
                self._load_file(source, config)
        for n, (i, entry) in enumerate(entries):
            if n not in matched and not discovery.errors:
                msg = f"{entry.path!r} matches no file: nothing is loaded from it"
                self.warnings.append(SpecError(CONFIG_FILE, lines[i], f"paths[{i}]", msg))
        if not self.config_failed:
            self._build(discovery, config, config_doc, builders)
        self._check_duplicates()
        specs = [s for s in self.docs.specs if s.holds not in self.failed]
        manifests = [m for m in self.docs.manifests if m.holds not in self.failed]
        return LoadResult(
            specs=specs,
            manifests=manifests,
            errors=sorted(self.errors, key=SpecError.sort_key),
            files=self.files,
            failed_files=self.failed,
            config=config,
            config_failed=self.config_failed,
            valid_documents=len(self.docs.specs) + len(self.docs.manifests) - self.duplicates,
            warnings=self.warnings,
            builds=self.builds,
        )

    def _build(
        self,
        discovery: Discovery,
        config: RepoConfig,
        config_doc: ParsedDocument | None,
        builders: Builders | None,
    ) -> None:
        results = run_builds(discovery, config, config_doc, builders)
        self.errors.extend(results.errors)
        self.failed |= results.failed_units
        self.files.extend(u.file for u in discovery.units)
        self.docs.specs.extend(results.documents.specs)
        self.docs.manifests.extend(results.documents.manifests)
        self.builds = results.records

    # -- reconciler.yaml -------------------------------------------------------------------

    def _read_config(self) -> tuple[RepoConfig, ParsedDocument | None]:
        data = self.tree.read(CONFIG_FILE)
        if data is None:
            return RepoConfig(), None
        self.files.append(CONFIG_FILE)
        docs = self._parse(CONFIG_FILE, data, RepoConfig().max_file_size)
        if docs is None or CONFIG_FILE in self.failed:
            self.config_failed = True
            return RepoConfig(), None
        present = [d for d in docs if d.value is not None]
        if not present:
            return RepoConfig(), None
        if len(present) > 1:
            self._config_error(present[1], (), f"{CONFIG_FILE} must hold a single document")
            return RepoConfig(), None
        doc = present[0]
        if not isinstance(doc.value, dict):
            self._config_error(doc, (), f"expected a mapping, got {describe(doc.value)}")
            return RepoConfig(), None
        try:
            return RepoConfig.model_validate(doc.value), doc
        except ValidationError as exc:
            self._add(validation_errors(exc, RepoConfig, doc, CONFIG_FILE))
            self.config_failed = True
            return RepoConfig(), None

    def _entries(
        self, config: RepoConfig, doc: ParsedDocument | None
    ) -> list[tuple[int, PathEntry]]:
        out = []
        for i, entry in enumerate(config.path_entries()):
            raw = entry.path
            path = posixpath.normpath(raw.strip() or ".")
            if path.startswith(("/", "../")) or path == "..":
                self._config_error(doc, ("paths", i), f"{raw!r} is outside the repository")
            else:
                out.append((i, entry.model_copy(update={"path": path})))
        return out

    def _config_error(
        self, doc: ParsedDocument | None, path: tuple[str | int, ...], msg: str
    ) -> None:
        line = doc.line_of(path) if doc is not None else None
        self._add([SpecError(CONFIG_FILE, line, format_field(path) or None, msg)])
        self.config_failed = True

    # -- files -----------------------------------------------------------------------------

    def _load_file(self, source: SourceFile, config: RepoConfig) -> None:
        file = source.path
        self.files.append(file)
        data = source.data
        if source.symlink_target is not None:
            data = self._follow(file, source.symlink_target)
            if data is None:
                return
        elif data is None:
            self._error(file, None, None, _too_large(source.size, config.max_file_size))
            return
        docs = self._parse(file, data, config.max_file_size)
        for doc in docs or ():
            self._document(file, doc)

    def _follow(self, file: str, target: str) -> bytes | None:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(file), target))
        if posixpath.isabs(target) or resolved == ".." or resolved.startswith("../"):
            self._error(file, None, None, f"symlink to {target!r} points outside the repository")
            return None
        data = self.tree.read(resolved)
        if data is None:
            msg = f"symlink to {target!r}: {resolved!r} is not a regular file in the repository"
            self._error(file, None, None, msg)
        return data

    def _parse(self, file: str, data: bytes, max_size: int) -> list[ParsedDocument] | None:
        """The documents of `data`, or None when the file as a whole is unreadable."""
        if len(data) > max_size:
            self._error(file, None, None, _too_large(len(data), max_size))
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self._error(file, line, None, f"not valid UTF-8 at byte {exc.start}")
            return None
        parsed = parse_yaml(text)
        for issue in parsed.issues:
            field = format_field(issue.path) if issue.path else None
            self._error(file, issue.line, field, issue.message)
        return parsed.documents

    def _document(self, file: str, doc: ParsedDocument) -> None:
        before = len(self.docs.errors)
        self.docs.read(file, doc)
        self._add(self.docs.errors[before:])

    # -- across files ----------------------------------------------------------------------

    def _check_duplicates(self) -> None:
        seen: dict[ObjectKey, LoadedSpec] = {}
        ordered = sorted(self.docs.specs, key=lambda s: (s.location.file, s.location.line))
        for spec in ordered:
            first = seen.setdefault(spec.key, spec)
            if first is spec:
                continue
            msg = f"{spec.key} is defined twice: {first.location} and {spec.location}"
            self.duplicates += 1
            self.errors.append(
                SpecError(spec.location.file, spec.location.line, "metadata.name", msg)
            )
            self.failed.update((first.holds, spec.holds))

    def _error(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self._add([SpecError(file, line, field, message)])

    def _add(self, errors: list[SpecError]) -> None:
        for error in errors:
            self.errors.append(error)
            self.failed.add(error.file)


def _too_large(size: int, limit: int) -> str:
    return f"file is {size:,} bytes, over the limit of {limit:,} bytes (maxFileSize)"


def _under(path: str, root: str) -> bool:
    return root == "." or path == root or path.startswith(root + "/")


def _selected(path: str, roots: list[str], exclude: list[str]) -> bool:
    """A YAML file, not hidden below its root, not the root config, not excluded."""
    if not path.endswith(YAML_SUFFIXES) or path == CONFIG_FILE:
        return False
    inside = [path if r == "." else path[len(r) + 1 :] for r in roots]
    if all(any(part.startswith(".") for part in rel.split("/")) for rel in inside):
        return False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in exclude:
        pattern = pattern.strip().strip("/")
        for pat in {pattern, pattern.removeprefix("**/")}:
            if any(fnmatchcase(prefix, pat) for prefix in prefixes):
                return False
    return True
