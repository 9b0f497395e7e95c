"""Offline validation: everything `validate` can know without a cluster.

    result = validate_tree(DirectoryTree(Path("ops-specs")), schemas=BuiltinSchemas())
    result.ok, result.errors     # the loader's errors, manifest problems, keys defined twice

Loading finds what is wrong inside a document. Plain manifests are then checked as the API
server would: built-in kinds against their strict schemas (`schemas`, a port: the engine reads
no schema files itself), names as DNS-1123, Secret data as base64, custom resources against
the CRDs in the same repo. Rendering finally finds two documents that define one object (a
namespace spelled out in one and defaulted in the other, a manifest named like a generated
ConfigMap), exactly as a plan would, with built-in kind scopes instead of discovery.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from reconciler.engine.core.builtin_scopes import StaticScopes
from reconciler.engine.core.desired_set import desired_set
from reconciler.engine.core.manifests import crd_schemas, manifest_problems
from reconciler.specs.builds.port import Builders
from reconciler.specs.config import RepoConfig
from reconciler.specs.errors import SpecError
from reconciler.specs.fielderrors import format_field
from reconciler.specs.loader import LoadedManifest, LoadResult, load_tree
from reconciler.specs.tree import SourceTree
from reconciler.specs.yamlparse import Path

VALIDATE_SOURCE = "validate"
"""The source name rendering labels objects with; labels never reach a cluster here."""


class SchemaCheck(Protocol):
    """Checks a built-in object against its kind's schema (see `clients.kubeschemas`)."""

    def check(self, body: dict[str, Any]) -> list[tuple[Path, str]] | None:
        """Problems (path, message); None when the apiVersion is not a built-in one."""
        ...


def validate_tree(
    tree: SourceTree,
    *,
    config: RepoConfig | None = None,
    schemas: SchemaCheck | None = None,
    builders: Builders | None = None,
) -> LoadResult:
    """Load `tree` (building its Kustomize and Helm paths with `builders`), check its
    manifests, render what is left; one `LoadResult` with it all."""
    loaded = load_tree(tree, config=config, builders=builders)
    if loaded.config_failed:
        return loaded
    problems, holds = manifest_errors(loaded.manifests, schemas)
    failed = set(loaded.failed_files) | holds
    loaded = replace(
        loaded,
        errors=sorted([*loaded.errors, *problems], key=SpecError.sort_key),
        failed_files=failed,
        manifests=[m for m in loaded.manifests if m.holds not in failed],
        specs=[s for s in loaded.specs if s.holds not in failed],
    )
    rendered = desired_set(
        loaded.specs,
        loaded.manifests,
        failed_files=frozenset(loaded.failed_files),
        config=loaded.config,
        source=VALIDATE_SOURCE,
        is_namespaced=StaticScopes(m.body for m in loaded.manifests).namespaced,
    )
    if not rendered.conflicts:
        return loaded
    repeats = sum(len(c.definitions) - 1 for c in rendered.conflicts)
    failed = set(rendered.failed_files)
    return replace(
        loaded,
        errors=sorted([*loaded.errors, *rendered.errors], key=SpecError.sort_key),
        failed_files=failed,
        specs=[s for s in loaded.specs if s.holds not in failed],
        manifests=[m for m in loaded.manifests if m.holds not in failed],
        valid_documents=loaded.valid_documents - repeats,
    )


def manifest_errors(
    manifests: list[LoadedManifest], schemas: SchemaCheck | None
) -> tuple[list[SpecError], set[str]]:
    """Every problem of every manifest, located at its file, line and field; and the files
    (or builds) they fail."""
    crds = crd_schemas(m.body for m in manifests)
    out = []
    holds: set[str] = set()
    for manifest in manifests:
        found = manifest_problems(manifest.body, crds)
        if schemas is not None:
            found = (schemas.check(manifest.body) or []) + found
        secret = manifest.key.kind == "Secret" and manifest.key.group == ""
        for path, message in _unique(found):
            if secret and path[:1] in (("data",), ("stringData",)) and "base64" not in message:
                message = "invalid value (a Secret's value: not shown)"
            via = f" (built by {manifest.built.via})" if manifest.built else ""
            out.append(
                SpecError(
                    manifest.location.file,
                    manifest.line_of(path),
                    format_field(path) or None,
                    f"{manifest.key}: {message}{via}",
                )
            )
            holds.add(manifest.holds)
    return out, holds


def _unique(problems: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    seen: set[tuple[Path, str]] = set()
    out = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out
