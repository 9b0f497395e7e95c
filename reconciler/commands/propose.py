"""`reconciler propose --trigger drift|discover|alert|intent --repo R --cluster C [-o json]`.

Turns drifted objects (`drift`), observability Services no Tool declares yet (`discover`),
firing alerts that match a Remediation (`alert --alert FILE`) and a person's words
(`intent --intent TEXT`, offline provider) into pull requests on the local forge (the bare
repository `--repo` names), each verified by planning the proposed tree before anything is
pushed. Prints
`{"proposals": [{"id", "branch", "title", "url", "files", "status", "reason", "validation"}]}`
with `-o json`. Exit 0 when every proposal ended opened, updated, unchanged or skipped; 1 when
one was blocked or failed, or the run could not start.

The GitHub forge and model providers come with their issue.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from reconciler.clients.anthropicllm import AnthropicProvider
from reconciler.clients.forge_api import Forge, ForgeError
from reconciler.clients.githubforge import GitHubForge
from reconciler.clients.gitwrite import GitRepository
from reconciler.clients.llm_api import LLMProvider
from reconciler.clients.localforge import LocalForge
from reconciler.commands.reconcile import _common, fatal, run_settings, source_settings
from reconciler.proposals.alert import PayloadError, firing_alerts
from reconciler.proposals.model import ProposalResult, Status
from reconciler.proposals.pipeline import (
    propose_alert,
    propose_discover,
    propose_drift,
    propose_intent,
)
from reconciler.runner import RunnerError, open_runner

OK = {Status.OPENED, Status.UPDATED, Status.UNCHANGED, Status.SKIPPED}
Trigger = Callable[..., list[ProposalResult]]
TRIGGERS: dict[str, Trigger] = {
    "drift": propose_drift,
    "discover": propose_discover,
    "alert": propose_alert,
    "intent": propose_intent,
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "propose",
        help="open verified pull requests (drift, discover, alert, intent)",
        description=__doc__,
    )
    _common(parser)
    parser.add_argument("--trigger", choices=tuple(TRIGGERS), required=True)
    parser.add_argument(
        "--forge",
        choices=("local", "github"),
        default="local",
        help="local: PRs in the bare repo --repo names; github: a GitHub (Enterprise) repository",
    )
    parser.add_argument("--github-repo", help="github: owner/name of the repository")
    parser.add_argument(
        "--github-api", default="https://api.github.com", help="github: the API base URL"
    )
    parser.add_argument("--alert", type=Path, help="alert: an Alertmanager webhook payload (JSON)")
    parser.add_argument("--intent", help="intent: what a person wants, in words")
    parser.add_argument(
        "--provider",
        choices=("offline", "anthropic"),
        default="offline",
        help="intent: who proposes the edits (anthropic: ANTHROPIC_API_KEY; falls back to "
        "offline when the API is unavailable)",
    )
    parser.add_argument("--anthropic-url", default=None, help="anthropic: the API base URL")
    parser.add_argument("--model", default=None, help="anthropic: the model")
    parser.add_argument(
        "--max-proposals", type=int, default=5, help="alert: at most this many per payload"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    trigger = TRIGGERS[args.trigger]
    if args.trigger == "alert":
        if args.alert is None:
            print("reconciler propose: --trigger alert needs --alert FILE", file=sys.stderr)
            return 2
        try:
            alerts = firing_alerts(args.alert.read_bytes())
        except (OSError, PayloadError) as exc:
            fatal(args.output, f"{args.alert}: {exc}")
            return 1
        trigger = functools.partial(propose_alert, alerts=alerts, limit=args.max_proposals)
    if args.trigger == "intent":
        if not args.intent:
            print("reconciler propose: --trigger intent needs --intent TEXT", file=sys.stderr)
            return 2
        provider: LLMProvider | None = None
        if args.provider == "anthropic":
            key = os.environ.get("ANTHROPIC_API_KEY", "")
            if not key:
                print(
                    "reconciler propose: --provider anthropic needs ANTHROPIC_API_KEY",
                    file=sys.stderr,
                )
                return 2
            options = {"model": args.model} if args.model else {}
            provider = AnthropicProvider(key, base_url=args.anthropic_url, **options)
        trigger = functools.partial(propose_intent, text=args.intent, provider=provider)
    try:
        results = proposal_results(args, trigger)
    except (RunnerError, ForgeError) as exc:
        _close(trigger)
        fatal(args.output, str(exc))
        return 1
    _close(trigger)
    _print(results, args.output)
    return exit_code(results)


def _close(trigger: Trigger) -> None:
    """Close a hosted provider's connections (one given to the trigger, if any)."""
    provider = getattr(trigger, "keywords", {}).get("provider")
    if isinstance(provider, AnthropicProvider):
        provider.close()


def exit_code(results: list[ProposalResult]) -> int:
    return 0 if all(r.status in OK for r in results) else 1


def proposal_results(
    args: argparse.Namespace, trigger: Trigger = propose_drift
) -> list[ProposalResult]:
    """Proposals of `trigger` for the source `args` name; raises `RunnerError`, `ForgeError`."""
    source = source_settings(args)
    forge = open_forge(args)
    try:
        with open_runner(
            source,
            cluster=args.cluster,
            kubeconfig=args.kubeconfig,
            settings=run_settings(args),
            writable=True,
        ) as runner:
            tree, revision, _stale = runner.checkout()
            assert isinstance(runner.git, GitRepository)  # open_runner(writable=True)
            return trigger(
                runner.engine,
                tree,
                revision.commit,
                repo=runner.git,
                forge=forge,
                base_branch=args.ref,
                subdir=runner.subdir or "",
            )
    finally:
        if isinstance(forge, GitHubForge):
            forge.disconnect()


def open_forge(args: argparse.Namespace) -> Forge:
    """The forge `--forge` names; raises `ForgeError` when it cannot be used."""
    if getattr(args, "forge", "local") == "github":
        token = os.environ.get("GITHUB_TOKEN", "")
        token_file = os.environ.get("GITHUB_TOKEN_FILE")
        if not token and token_file:
            try:
                token = Path(token_file).read_text(encoding="utf-8").strip()
            except OSError as err:
                raise ForgeError(f"GITHUB_TOKEN_FILE: {err.strerror}") from None
        if not token or not args.github_repo:
            raise ForgeError("--forge github needs --github-repo and GITHUB_TOKEN (or _FILE)")
        return GitHubForge(args.github_repo, token, base_url=args.github_api)
    repo = args.repo
    bare = Path(unquote(urlparse(repo).path)) if repo.startswith("file://") else Path(repo)
    return LocalForge(bare)


def _print(results: list[ProposalResult], output: str) -> None:
    if output == "json":
        print(json.dumps({"proposals": [r.to_dict() for r in results]}, indent=2))
        return
    print_text(results)


def print_text(results: list[ProposalResult]) -> None:
    for r in results:
        where = f" #{r.number}" if r.number else ""
        print(
            f"{r.status:<9} {r.branch}{where}: {r.title}" + (f" ({r.reason})" if r.reason else "")
        )
    if not results:
        print("nothing to propose")
