"""A provider's `propose_edits` answer, checked and turned into a proposal (never trusted).

The answer is data: edits (file, document, field path, value) and new files. Code applies
them: edits only to the spec files the context offered as editable, byte-minimally
(`specs.yamledit`); new files only beside those, under new names, and only when they parse as
YAML mappings. Anything else ends the proposal (`failed`, with the reason); nothing is written.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from typing import Any

from reconciler.proposals.model import Proposal, ProposalResult, Status, slug
from reconciler.specs.tree import SourceTree
from reconciler.specs.yamledit import EditError, set_values
from reconciler.specs.yamlparse import Path, parse_yaml


def proposal_from_edits(
    trigger: str, text: str, arguments: dict[str, Any], context: dict[str, Any], tree: SourceTree
) -> Proposal | ProposalResult:
    title = str(arguments.get("title") or f"Intent: {text[:60]}")[:120]
    branch = f"reconciler/{trigger}/{slug(title)}"
    editable = {w["file"] for w in context["workloads"] if w["editable"]}
    folders = {posixpath.dirname(f) for f in editable}
    try:
        changes = _changes(arguments, editable, folders, tree)
    except ValueError as err:
        return ProposalResult(title, branch, Status.FAILED, f"the provider's edits: {err}")
    if not changes:
        return ProposalResult(title, branch, Status.SKIPPED, "the provider proposed no change")
    return Proposal(
        trigger=trigger,
        slug=slug(title),
        title=title,
        summary=f"Asked: {text.strip()[:300]!r}. {str(arguments.get('summary', ''))[:1000]}",
        targets=tuple(str(t) for t in arguments.get("targets", [])),
        changes=changes,
        evidence=[
            f"understood: {arguments.get('understood', '?')}",
            *([f"why: {arguments['rationale']}"] if arguments.get("rationale") else []),
        ],
    )


def _changes(
    arguments: dict[str, Any], editable: set[str], folders: set[str], tree: SourceTree
) -> dict[str, bytes | None]:
    by_file: dict[str, dict[int, dict[Path, Any]]] = defaultdict(lambda: defaultdict(dict))
    for edit in arguments.get("edits", []):
        file, document, path = edit.get("file"), edit.get("document"), edit.get("path")
        if file not in editable:
            raise ValueError(f"{file!r} is not a file the context offered for editing")
        if not isinstance(document, int) or not isinstance(path, list) or not path:
            raise ValueError(f"{file}: an edit needs a document index and a field path")
        by_file[file][document][tuple(path)] = edit.get("value")
    changes: dict[str, bytes | None] = {}
    for file, documents in sorted(by_file.items()):
        text = (tree.read(file) or b"").decode("utf-8")
        try:
            for document, edits in sorted(documents.items()):
                text = set_values(text, document=document, edits=edits).text
        except EditError as err:
            raise ValueError(f"{file}: {err}") from None
        changes[file] = text.encode()
    for name, content in sorted((arguments.get("files") or {}).items()):
        parts = str(name).split("/")
        if ".." in parts or str(name).startswith("/") or posixpath.dirname(name) not in folders:
            raise ValueError(f"{name!r}: new files go beside the workload's own")
        if tree.read(name) is not None or name in changes:
            raise ValueError(f"{name!r} exists: a new file must have a new name")
        parsed = parse_yaml(str(content))
        if parsed.issues or not all(isinstance(d.value, dict) for d in parsed.documents):
            raise ValueError(f"{name!r} is not YAML mappings")
        changes[name] = str(content).encode()
    return changes
