"""Publish a verified proposal: branch, commit, push, pull request, once per change.

The forge is the record. The branch is `reconciler/<trigger>/<slug>`; the body carries the
proposal's fingerprint. The same change again finds its open pull request (`unchanged`); a new
change for the same objects updates it (`updated`, the branch moved with a lease); a change a
person closed without merging is never proposed again (`skipped`); `proposals.maxOpen` caps
the open reconciler pull requests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from jinja2 import Environment, PackageLoader, StrictUndefined

from reconciler.clients.forge_api import Forge, PullRequestDraft, PullRequestState
from reconciler.clients.git_api import BranchCommit, GitRepo
from reconciler.proposals.model import Proposal, ProposalResult, Status
from reconciler.proposals.verify import Verdict

_TEMPLATES = Environment(
    loader=PackageLoader("reconciler", "prompts"),
    undefined=StrictUndefined,
    autoescape=False,  # Markdown for a forge, which escapes it itself
    keep_trailing_newline=True,
)


def body(proposal: Proposal, verdict: Verdict, files: list[str]) -> str:
    return _TEMPLATES.get_template("pr_body.md.j2").render(
        proposal=proposal, verdict=verdict, files=files
    )


def publish(
    proposal: Proposal,
    verdict: Verdict,
    *,
    repo: GitRepo,
    forge: Forge,
    base_commit: str,
    base_branch: str,
    subdir: str,
    max_open: int,
    max_per_hour: int = 1_000_000,
    now: datetime | None = None,
) -> ProposalResult:
    """Push `proposal` and open (or update) its pull request; see the module docstring."""
    files = [f"{subdir}/{f}" if subdir else f for f in sorted(proposal.changes)]
    result = ProposalResult(
        proposal.title,
        proposal.branch,
        Status.OPENED,
        files=tuple(files),
        validation=verdict.messages,
    )
    mine = forge.find(head=proposal.branch)
    if any(
        p.state is PullRequestState.CLOSED and p.fingerprint == proposal.fingerprint for p in mine
    ):
        reason = "the same change was closed without merging: not proposed again"
        return _with(result, Status.SKIPPED, reason)
    current = next((p for p in mine if p.state is PullRequestState.OPEN), None)
    if current is not None and current.fingerprint == proposal.fingerprint:
        return _with(result, Status.UNCHANGED, "already proposed", current.number, current.url)
    now = now or datetime.now(UTC)
    latest = max((p.created_at for p in mine if p.created_at), default=None)
    if proposal.cooldown and latest and (now - latest).total_seconds() < proposal.cooldown:
        return _with(
            result, Status.SKIPPED, f"cooldown: a pull request was opened {latest:%H:%M} UTC"
        )
    if current is None:
        everything = [p for p in forge.find() if p.head.startswith("reconciler/")]
        if sum(1 for p in everything if p.state is PullRequestState.OPEN) >= max_open:
            return _with(result, Status.SKIPPED, f"proposals.maxOpen ({max_open}) reached")
        recent = [p for p in everything if p.created_at and now - p.created_at < timedelta(hours=1)]
        if len(recent) >= max_per_hour:
            return _with(result, Status.SKIPPED, f"proposals.maxPerHour ({max_per_hour}) reached")
    changes: dict[str, bytes | None] = dict(
        zip(files, [proposal.changes[f] for f in sorted(proposal.changes)], strict=True)
    )
    repo.commit(BranchCommit(proposal.branch, base_commit, proposal.title, changes))
    repo.push(proposal.branch, expected=repo.remote_head(proposal.branch))
    text = body(proposal, verdict, files)
    if current is not None:
        pull = forge.update(current.number, title=proposal.title, body=text)
        return _with(
            result, Status.UPDATED, "a newer change for the same objects", pull.number, pull.url
        )
    opened = forge.open(
        PullRequestDraft(proposal.title, text, proposal.branch, base_branch, ("reconciler",))
    )
    superseded = _supersede(forge, proposal, opened.number)
    note = f"supersedes {', '.join(f'#{n}' for n in superseded)}" if superseded else ""
    return _with(result, Status.OPENED, note, opened.number, opened.url)


TARGETS = re.compile(r"<!-- reconciler:targets=([^>]*) -->")


def _supersede(forge: Forge, proposal: Proposal, number: int) -> list[int]:
    """Close the open reconciler pull requests of other branches about the same objects: the
    newer proposal replaces them (their branches stay, for the record)."""
    if not proposal.targets:
        return []
    closed = []
    for pull in forge.find(states=[PullRequestState.OPEN]):
        found = TARGETS.search(pull.body)
        targets = set(found.group(1).split(",")) if found else set()
        if (
            pull.number != number
            and pull.head != proposal.branch
            and targets & set(proposal.targets)
        ):
            forge.close(pull.number, comment=f"Superseded by #{number}, about the same objects.")
            closed.append(pull.number)
    return closed


def _with(
    result: ProposalResult, status: Status, reason: str, number: int | None = None, url: str = ""
) -> ProposalResult:
    return ProposalResult(
        result.title, result.branch, status, reason, result.files, number, url, result.validation
    )
