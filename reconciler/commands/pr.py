"""`reconciler pr list|show|merge|close [ID] --repo R [--output text|json]`: the local forge.

Pull requests the reconciler opens on the local forge live in the bare repository itself
(`reconciler.clients.localforge`); these commands are how a person reviews and decides on them
without any server. `merge` makes a merge commit on the base branch; the next reconcile
applies it. Exit codes: 0 done, 1 the forge refused (no such PR, already closed, conflicts).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from reconciler.clients.forge_api import ForgeError, PullRequest
from reconciler.clients.localforge import LocalForge


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "pr", help="review pull requests on the local forge", description=__doc__
    )
    parser.add_argument("action", choices=("list", "show", "merge", "close"))
    parser.add_argument("number", nargs="?", type=int, metavar="ID")
    parser.add_argument("--repo", required=True, help="the bare repository (path or file:// URL)")
    parser.add_argument("--comment", help="close: a comment to leave first")
    parser.add_argument("--output", "-o", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action != "list" and args.number is None:
        print(f"reconciler pr {args.action}: an ID is required", file=sys.stderr)
        return 2
    repo = args.repo
    path = Path(unquote(urlparse(repo).path)) if repo.startswith("file://") else Path(repo)
    try:
        forge = LocalForge(path)
        if args.action == "list":
            _print([_dict(p) for p in forge.find()], args.output, _line)
            return 0
        if args.action == "merge":
            sha = forge.merge(args.number)
            print(
                json.dumps({"number": args.number, "merged": sha})
                if args.output == "json"
                else f"merged #{args.number} as {sha[:12]}"
            )
            return 0
        if args.action == "close":
            pull = forge.close(args.number, comment=args.comment)
        else:
            pull = forge.get(args.number)
        shown = {**_dict(pull), "comments": forge.comments(pull.number)}
        _print(shown, args.output, _details)
        return 0
    except ForgeError as err:
        print(f"reconciler pr {args.action}: {err}", file=sys.stderr)
        return 1


def _dict(pull: PullRequest) -> dict[str, Any]:
    return {
        "number": pull.number,
        "title": pull.title,
        "state": str(pull.state),
        "head": pull.head,
        "base": pull.base,
        "headSha": pull.head_sha,
        "url": pull.url,
        "fingerprint": pull.fingerprint,
        "body": pull.body,
    }


def _line(pull: dict[str, Any]) -> str:
    return (
        f"#{pull['number']:<4} {pull['state']:<7} {pull['head']} -> {pull['base']}: {pull['title']}"
    )


def _details(pull: dict[str, Any]) -> str:
    lines = [_line(pull), "", pull["body"].rstrip()]
    lines += [f"\n-- comment:\n{c['body']}" for c in pull["comments"]]
    return "\n".join(lines)


def _print(data: Any, output: str, text: Any) -> None:
    if output == "json":
        print(json.dumps(data, indent=2))
    elif isinstance(data, list):
        print("\n".join(text(d) for d in data) if data else "no pull requests")
    else:
        print(text(data))
