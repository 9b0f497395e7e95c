"""Offline validation: everything `validate` can know without a cluster.

    result = validate_tree(DirectoryTree(Path("ops-specs")))
    result.ok, result.errors     # the loader's errors, plus keys two documents render to

Loading finds what is wrong inside a document; rendering then finds two documents that define
one object (a namespace spelled out in one and defaulted in the other, a manifest named like a
generated ConfigMap), exactly as a plan would, with built-in kind scopes instead of discovery.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.engine.core.builtin_scopes import StaticScopes
from reconciler.engine.core.desired_set import desired_set
from reconciler.specs.config import RepoConfig
from reconciler.specs.errors import SpecError
from reconciler.specs.loader import LoadResult, load_tree
from reconciler.specs.tree import SourceTree

VALIDATE_SOURCE = "validate"
"""The source name rendering labels objects with; labels never reach a cluster here."""


def validate_tree(tree: SourceTree, *, config: RepoConfig | None = None) -> LoadResult:
    """Load `tree` and render what loaded; a `LoadResult` with the rendering's errors too."""
    loaded = load_tree(tree, config=config)
    if loaded.config_failed:
        return loaded
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
    return replace(
        loaded,
        errors=sorted([*loaded.errors, *rendered.errors], key=SpecError.sort_key),
        failed_files=set(rendered.failed_files),
        valid_documents=loaded.valid_documents - repeats,
    )
