"""Drift proposals: each drifted object becomes the edit that makes git say what live has.

For every object classed `drift`, the differences git owns (overrides and ignore rules already
taken out by the comparison) are traced to the file and field that produced them
(`engine.core.adopt`), and the files are edited byte-minimally (`specs.yamledit`). Fields that
cannot be written back are listed in the proposal as skipped, with the reason; an object none
of whose fields can be is a `skipped` result. Secrets are never written to git.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any

from reconciler.engine.core.adopt import FieldEdit, adoption
from reconciler.engine.core.compare import CompareOptions, Comparer
from reconciler.engine.core.plan import PlanClass, PlanEntry
from reconciler.engine.core.pointers import get
from reconciler.engine.result import RunResult
from reconciler.proposals.model import CREDENTIAL_NAME, Proposal, ProposalResult, Status, slug
from reconciler.specs.tree import SourceTree
from reconciler.specs.yamledit import EditError, set_values
from reconciler.specs.yamlparse import parse_yaml


def drift_proposals(
    run: RunResult, tree: SourceTree, options: CompareOptions
) -> tuple[list[Proposal], list[ProposalResult]]:
    """A proposal per drifted object, and a result for each one that cannot become one."""
    proposals: list[Proposal] = []
    results: list[ProposalResult] = []
    for entry in run.plan.entries:
        if entry.cls is not PlanClass.DRIFT or entry.desired is None or entry.live is None:
            continue
        found = _proposal(entry, tree, options)
        (proposals if isinstance(found, Proposal) else results).append(found)  # type: ignore[arg-type]
    return proposals, results


def _proposal(
    entry: PlanEntry, tree: SourceTree, options: CompareOptions
) -> Proposal | ProposalResult:
    ref = entry.key.ref
    title = f"Adopt the live state of {ref}"
    branch = f"reconciler/drift/{slug(ref)}"
    if entry.key.kind == "Secret" and entry.key.group == "":
        return ProposalResult(title, branch, Status.SKIPPED, "Secrets are never written to git")
    assert entry.desired is not None and entry.live is not None
    differences = Comparer(options).compare(entry.desired, entry.live).uncovered
    adopted = adoption(entry.desired, differences, lambda f, d: _document(tree, f, d))
    skipped = [f"{s.pointer}: {s.reason}" for s in adopted.skipped]
    secret = [e for e in adopted.edits if _credential(entry.live, e.pointer)]
    skipped += [f"{e.pointer}: looks like a credential: never written to git" for e in secret]
    adopted = replace(adopted, edits=tuple(e for e in adopted.edits if e not in secret))
    if not adopted.edits:
        reason = "; ".join(skipped) or "no field to adopt"
        return ProposalResult(title, branch, Status.SKIPPED, reason)
    by_file: dict[str, dict[int, dict[Any, Any]]] = defaultdict(lambda: defaultdict(dict))
    for edit in adopted.edits:
        by_file[edit.file][edit.document][edit.path] = edit.value
    changes: dict[str, bytes | None] = {}
    try:
        for file, documents in sorted(by_file.items()):
            text = (tree.read(file) or b"").decode("utf-8")
            for document, edits in sorted(documents.items()):
                text = set_values(text, document=document, edits=edits).text
            changes[file] = text.encode("utf-8")
    except (EditError, UnicodeDecodeError) as err:
        return ProposalResult(title, branch, Status.SKIPPED, f"cannot edit in place: {err}")
    return Proposal(
        trigger="drift",
        slug=slug(ref),
        title=title,
        summary=f"{ref} was changed in the cluster by someone other than git; this makes git "
        "match it, so the change is kept instead of reverted.",
        targets=(ref,),
        changes=changes,
        evidence=[_evidence(e) for e in adopted.edits],
        skipped=skipped,
    )


def _credential(live: dict[str, Any], pointer: str) -> bool:
    """An env value whose variable's name says it is a credential (`DB_PASSWORD`, `API_KEY`)."""
    found = re.fullmatch(r"(.*/env/\d+)/value", pointer)
    name = get(live, found.group(1) + "/name") if found else None
    return isinstance(name, str) and bool(CREDENTIAL_NAME.search(name))


def _document(tree: SourceTree, file: str, document: int) -> Any:
    data = tree.read(file)
    docs = parse_yaml(data.decode("utf-8", "replace")).documents if data else []
    return docs[document].value if 0 <= document < len(docs) else None


_UNSHOWN = ("/env/", "/annotations/", "/data/", "/stringData/")
"""Where values may be credentials or free text: the body says what changed, not the value."""


def _evidence(edit: FieldEdit) -> str:
    field = ".".join(f"[{p}]" if isinstance(p, int) else p for p in edit.path).replace(".[", "[")
    shown = any(part in edit.pointer + "/" for part in _UNSHOWN)
    value = "(value not shown)" if shown else repr(edit.value)
    return f"{edit.pointer}: live value {value} -> {edit.file} {field}"
