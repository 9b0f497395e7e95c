"""Run the builds a load found, and read their output as documents (pure, through the port).

For each `Unit` (see `units`): gather the files it may read from the tree, check what can be
checked first (a kustomization's references, a chart's values files), hand the request to the
builder of its kind, and read the output back with each object traced to its file (`output`).

A build either succeeds whole or fails whole: any error (a missing resource, a template error,
a value the chart's schema refuses, an object without a name) fails its unit, so its objects are
held, never applied in part and never pruned. Other builds and plain files carry on.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pydantic import TypeAdapter

from reconciler.specs.base import DnsLabel
from reconciler.specs.builds.helmvalues import chart_values, user_values
from reconciler.specs.builds.index import TreeIndex
from reconciler.specs.builds.kustomization import reachable, with_origin_annotations
from reconciler.specs.builds.output import helm_documents, kustomize_documents
from reconciler.specs.builds.port import (
    Builders,
    BuildKind,
    BuildLimits,
    BuildOutput,
    BuildRequest,
    HelmRelease,
)
from reconciler.specs.builds.units import Discovery, Unit
from reconciler.specs.config import RepoConfig
from reconciler.specs.documents import Documents
from reconciler.specs.errors import SpecError
from reconciler.specs.fielderrors import format_field
from reconciler.specs.loaded import Built
from reconciler.specs.yamlparse import ParsedDocument, parse_yaml

MAX_RELEASE_NAME = 53  # Helm's own limit: release names end up in label values


@dataclass(frozen=True)
class BuildRecord:
    """What one build did, for reports and `--watch`: `cached` when nothing it reads changed."""

    unit: str
    kind: BuildKind
    objects: int
    cached: bool
    failed: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "kind": self.kind,
            "objects": self.objects,
            "cached": self.cached,
            "failed": self.failed,
        }


@dataclass
class BuildResults:
    documents: Documents = field(default_factory=Documents)
    """The documents of every build that succeeded."""
    errors: list[SpecError] = field(default_factory=list)
    failed_units: set[str] = field(default_factory=set)
    records: list[BuildRecord] = field(default_factory=list)


def run_builds(
    discovery: Discovery,
    config: RepoConfig,
    config_doc: ParsedDocument | None,
    builders: Builders | None,
) -> BuildResults:
    """Build every unit of `discovery`; see the module docstring."""
    results = BuildResults()
    limits = BuildLimits(
        config.render.timeout_seconds,
        config.render.max_output_bytes,
        config.render.allow_remote_bases,
    )
    for unit in discovery.units:
        docs = Documents()
        build = _builder(unit, builders)
        if unit.kind == "kustomize":
            problems, output = _kustomize(unit, discovery, limits, build, docs)
        else:
            problems, output = _helm(unit, discovery.index, config, config_doc, limits, build, docs)
        problems += docs.errors
        if problems:
            results.errors.extend(problems)
            results.failed_units.add(unit.file)
        else:
            results.documents.specs.extend(docs.specs)
            results.documents.manifests.extend(docs.manifests)
        count = len(docs.specs) + len(docs.manifests)
        cached = output is not None and output.cached
        results.records.append(BuildRecord(unit.file, unit.kind, count, cached, bool(problems)))
    return results


Build = Callable[[BuildRequest], BuildOutput]


def _builder(unit: Unit, builders: Builders | None) -> Build:
    """The build function of `unit`'s kind; without a builder, one that fails clearly."""
    builder = (builders or {}).get(unit.kind)
    if builder is not None:
        return builder.build
    return lambda _request: BuildOutput(error=f"no {unit.kind} builder available")


def _kustomize(
    unit: Unit, discovery: Discovery, limits: BuildLimits, build: Build, docs: Documents
) -> tuple[list[SpecError], BuildOutput | None]:
    chain = reachable(unit.root, discovery.kustomization)
    problems = [e for k in chain for e in k.errors]
    for k in chain:
        for ref in k.references:
            if ref.kind == "remote" and not limits.allow_remote:
                msg = f"{ref.value!r} is a remote base: set render.allowRemoteBases to fetch it"
                problems.append(SpecError(k.file, ref.line, _field(ref.field), msg))
    root = chain[0]
    if problems or root.value is None:
        return problems, None
    referenced = {r.target for k in chain for r in k.references if r.kind == "file"}
    files: dict[str, bytes] = {}
    for k in chain:
        for path in discovery.index.under(k.directory):
            data, why = discovery.index.data(path)
            if data is not None:
                files[path] = data
            elif path in referenced:
                problems.append(SpecError(path, None, None, str(why)))
    if problems:
        return problems, None
    files[root.file] = with_origin_annotations(root.value)
    output = build(_rebased(BuildRequest("kustomize", unit.root, files, limits), discovery.index))
    if not output.ok:
        failed = [SpecError(unit.file, None, None, f"kustomize: {output.error}")]
        return failed + _yaml_issues(files, skip=root.file), output
    namespace = unit.entry.namespace if unit.entry else None
    built = Built(unit.file, f"kustomize {unit.root}", True, namespace)
    text = output.rendered[0].text if output.rendered else ""
    return kustomize_documents(text, unit, discovery.index, docs, built), output


def _helm(
    unit: Unit,
    index: TreeIndex,
    config: RepoConfig,
    config_doc: ParsedDocument | None,
    limits: BuildLimits,
    build: Build,
    docs: Documents,
) -> tuple[list[SpecError], BuildOutput | None]:
    problems: list[SpecError] = []
    files: dict[str, bytes] = {}
    for path in index.under(unit.root):
        data, why = index.data(path)
        if data is None:
            problems.append(SpecError(path, None, None, f"chart file: {why}"))
        else:
            files[path] = data
    values = user_values(unit.entry, unit.entry_index, index, config_doc)
    problems += values.errors
    helm = unit.entry.helm if unit.entry else None
    name = helm.release_name if helm and helm.release_name else _default_release(unit, files)
    if not _release_name_ok(name):
        msg = f"release name {name!r} is not a DNS label of at most {MAX_RELEASE_NAME} characters"
        problems.append(SpecError(unit.file, None, None, f"{msg}: set helm.releaseName"))
    if problems:
        return problems, None
    namespace = (unit.entry.namespace if unit.entry else None) or config.namespace
    include_crds = helm.include_crds if helm else True
    release = HelmRelease(name, namespace, values.values, include_crds)
    output = build(BuildRequest("helm", unit.root, files, limits, release))
    if not output.ok:
        at = SpecError(unit.file, None, None, "")
        if output.value_problems:
            layer = chart_values(index, unit.root)
            values.layers[:0] = [layer] if layer else []
            return [values.locate(p, at) for p in output.value_problems], output
        file, line = _template_at(str(output.error), files) or (unit.file, None)
        return [SpecError(file, line, None, f"helm: {output.error}")], output
    built = Built(unit.file, f"helm {unit.root} (release {name})", False, namespace)
    hooks = helm is not None and helm.hooks == "render"
    return helm_documents(output.rendered, unit, index, docs, built, hooks=hooks), output


_TEMPLATE_AT = re.compile(r"\((?P<file>[^():\s]+):(?P<line>\d+)(?::\d+)?\)")


def _template_at(message: str, files: dict[str, bytes]) -> tuple[str, int] | None:
    """The template file and line a Helm error names (`parse error at (t.yaml:3): ...`)."""
    for match in _TEMPLATE_AT.finditer(message):
        if match.group("file") in files:
            return match.group("file"), int(match.group("line"))
    return None


def _rebased(request: BuildRequest, index: TreeIndex) -> BuildRequest:
    """`request` in the whole repository's paths when it reaches outside the source's own
    directory (`../../bases/web`): builders only take paths inside their root."""
    subdir = index.subdir
    if subdir is None or not any(p.startswith("../") for p in request.files):
        return request

    def whole(path: str) -> str:
        return posixpath.normpath(posixpath.join(subdir, path))

    files = {whole(p): data for p, data in request.files.items()}
    return replace(request, root=whole(request.root), files=files)


def _default_release(unit: Unit, files: dict[str, bytes]) -> str:
    """The chart directory's name; the chart's own name for a chart at the repo root."""
    if unit.root != ".":
        return posixpath.basename(unit.root)
    parsed = parse_yaml(files.get(unit.file, b"").decode("utf-8", "replace"))
    value = parsed.documents[0].value if parsed.documents else None
    return str(value.get("name", "release")) if isinstance(value, dict) else "release"


def _release_name_ok(name: str) -> bool:
    try:
        _LABEL.validate_python(name)
    except ValueError:
        return False
    return len(name) <= MAX_RELEASE_NAME


_LABEL: TypeAdapter[str] = TypeAdapter(DnsLabel)


def _yaml_issues(files: dict[str, bytes], *, skip: str) -> list[SpecError]:
    """Located YAML problems of a failed build's inputs: Kustomize names a file; we name the
    line too."""
    out = []
    for path, data in sorted(files.items()):
        if path == skip or not path.endswith((".yaml", ".yml")):
            continue
        for issue in parse_yaml(data.decode("utf-8", "replace")).issues:
            out.append(SpecError(path, issue.line, _field(issue.path), issue.message))
    return out


def _field(path: tuple[str | int, ...] | None) -> str | None:
    return (format_field(path) or None) if path else None
