"""The proposal pipeline: trigger -> edits -> verification -> branch, commit, pull request.

    results = propose_drift(engine, tree, commit, repo=repo, forge=forge, base_branch="main")

Nothing here applies anything to the cluster: a merged proposal reaches it through the normal
reconcile. A proposal that fails verification is never pushed: it ends `blocked` (a policy
denied it) or `failed` (the proposed tree does not plan cleanly), with the reasons.
"""

from __future__ import annotations

from reconciler.clients.forge_api import Forge, ForgeError
from reconciler.clients.git_api import GitError, GitRepo
from reconciler.engine.core.compare import CompareOptions
from reconciler.engine.reconcile import Engine
from reconciler.proposals.drift import drift_proposals
from reconciler.proposals.model import ProposalResult, Status
from reconciler.proposals.publish import publish
from reconciler.proposals.verify import verify
from reconciler.specs.loader import load_config
from reconciler.specs.tree import SourceTree


def propose_drift(
    engine: Engine,
    tree: SourceTree,
    commit: str,
    *,
    repo: GitRepo,
    forge: Forge,
    base_branch: str,
    subdir: str = "",
) -> list[ProposalResult]:
    """A pull request per drifted object of `tree` at `commit` (see the module docstring)."""
    config = load_config(tree).config
    run = engine.plan(tree, commit)
    proposals, results = drift_proposals(run, tree, CompareOptions.from_config(config))
    for proposal in proposals:
        verdict = verify(engine, tree, commit, run, proposal)
        if not verdict.ok:
            status = Status.BLOCKED if verdict.blocked else Status.FAILED
            reason = "; ".join(verdict.messages)
            results.append(ProposalResult(proposal.title, proposal.branch, status, reason))
            continue
        try:
            results.append(
                publish(
                    proposal,
                    verdict,
                    repo=repo,
                    forge=forge,
                    base_commit=commit,
                    base_branch=base_branch,
                    subdir=subdir,
                    max_open=config.proposals.max_open,
                )
            )
        except (GitError, ForgeError) as err:
            results.append(ProposalResult(proposal.title, proposal.branch, Status.FAILED, str(err)))
    return results
