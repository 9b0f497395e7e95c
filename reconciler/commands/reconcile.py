"""`reconciler plan | apply | drift`: one source against one cluster.

    reconciler plan --repo R [--ref BRANCH] [--path SUBDIR] --cluster local:DIR|kube[:CTX]
                    [--kubeconfig F] [-o json] [--detailed-exitcode] [--watch]

Exit codes, as automation gates on them (terraform's, plus one for a stale source):

| code | meaning |
|---|---|
| 0 | success; with `--detailed-exitcode`: no changes and no drift |
| 1 | errors: a spec error, an object the cluster rejected, the source or cluster unusable |
| 2 | with `--detailed-exitcode`: changes to apply, or drift (in any drift mode); also usage |
| 3 | the remote could not be fetched: the run used the last good commit (see `stale`) |

Errors win over staleness, staleness over changes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from reconciler.clients.forge_api import ForgeError
from reconciler.commands import watch
from reconciler.engine.core.plan import PlanClass
from reconciler.engine.report import render_text
from reconciler.engine.result import RunResult
from reconciler.runner import Runner, RunnerError, RunSettings, SourceSettings, open_runner


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", required=True, help="git repo: a path or URL (file:// too)")
    parser.add_argument("--ref", default="main", help="tracked branch (default: main)")
    parser.add_argument("--path", default=None, help="subdirectory of the repo holding specs")
    parser.add_argument(
        "--cluster", required=True, help="local:DIR (embedded) or kube[:CONTEXT] (kubeconfig)"
    )
    parser.add_argument("--kubeconfig", default=None)
    parser.add_argument(
        "--source",
        default=None,
        type=_source_name,
        help="source name, a DNS-1123 label (default: derived from the repo URL and path)",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="git cache (default: ~/.cache/reconciler)"
    )
    parser.add_argument("--output", "-o", choices=("text", "json"), default="text")
    parser.add_argument(
        "--drift-mode",
        choices=("report", "revert", "propose"),
        default=None,
        help="override reconciler.yaml's drift.mode for this run",
    )
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="take over objects labelled as another source's (else they are held)",
    )


def _source_name(text: str) -> str:
    """A source name is a label value and part of a ConfigMap name: a DNS-1123 label."""
    if len(text) > 63 or not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a DNS-1123 label: lower case letters, digits and '-', "
            "at most 63 characters"
        )
    return text


def register(subparsers: Any) -> None:
    plan = subparsers.add_parser("plan", help="show what apply would do")
    _common(plan)
    plan.add_argument("--detailed-exitcode", action="store_true")
    plan.add_argument("--watch", action="store_true", help="re-plan the working tree on every save")
    plan.set_defaults(func=_plan)
    apply = subparsers.add_parser("apply", help="apply what is merged on the tracked branch")
    _common(apply)
    apply.set_defaults(func=_apply)
    drift = subparsers.add_parser("drift", help="only drift and override entries")
    _common(drift)
    drift.add_argument("--detailed-exitcode", action="store_true")
    drift.set_defaults(func=_drift)


def source_settings(args: argparse.Namespace) -> SourceSettings:
    return SourceSettings(
        repo=args.repo, ref=args.ref, path=args.path, name=args.source, cache_dir=args.cache_dir
    )


def run_settings(args: argparse.Namespace) -> RunSettings:
    return RunSettings(drift_mode=args.drift_mode, adopt=args.adopt)


def emit(run: RunResult, output: str, classes: set[PlanClass] | None = None) -> None:
    if output == "json":
        print(json.dumps(run.to_dict(classes=classes), indent=2))
    else:
        sys.stdout.write(render_text(run, classes=classes))


def _run(args: argparse.Namespace, apply: bool) -> RunResult | int:
    try:
        with open_runner(
            source_settings(args),
            cluster=args.cluster,
            kubeconfig=args.kubeconfig,
            settings=run_settings(args),
        ) as runner:
            return _once(runner, apply)
    except RunnerError as exc:
        fatal(args.output, str(exc), transient=exc.transient)
        return 1


def fatal(output: str, message: str, *, transient: bool = False) -> None:
    """A run that could not start: on stderr, and as JSON on stdout when JSON was asked for."""
    print(f"error: {message}", file=sys.stderr)
    if output == "json":
        print(json.dumps({"error": message, "transient": transient}, indent=2))


def exit_code(run: RunResult, *, detailed: bool, changes: bool) -> int:
    """See the table in the module docstring."""
    if run.errors or run.failed:
        return 1
    if run.stale is not None:
        return 3
    if detailed and (changes or run.drifted):
        return 2
    return 0


def _once(runner: Runner, apply: bool) -> RunResult:
    return runner.apply() if apply else runner.plan()


def _plan(args: argparse.Namespace) -> int:
    if args.watch:
        return watch.watch_plan(args, source_settings(args), run_settings(args))
    run = _run(args, apply=False)
    if isinstance(run, int):
        return run
    emit(run, args.output)
    return exit_code(run, detailed=args.detailed_exitcode, changes=run.plan.has_changes())


def _apply(args: argparse.Namespace) -> int:
    run = _run(args, apply=True)
    if isinstance(run, int):
        return run
    wanted = any(e.cls is PlanClass.DRIFT and e.drift_mode == "propose" for e in run.plan.entries)
    if not wanted:
        emit(run, args.output)
        return exit_code(run, detailed=False, changes=False)
    # drift.mode propose: drift is left as it is and proposed as pull requests instead.
    from reconciler.commands import propose  # imports this module: a cycle at import time

    try:
        results = propose.proposal_results(args)
    except (RunnerError, ForgeError) as exc:
        run.warnings.append(f"drift not proposed: {exc}")
        results = []
    if args.output == "json":
        print(json.dumps({**run.to_dict(), "proposals": [r.to_dict() for r in results]}, indent=2))
    else:
        emit(run, args.output)
        propose.print_text(results)
    return max(exit_code(run, detailed=False, changes=False), propose.exit_code(results))


def _drift(args: argparse.Namespace) -> int:
    run = _run(args, apply=False)
    if isinstance(run, int):
        return run
    emit(run, args.output, classes={PlanClass.DRIFT, PlanClass.OVERRIDE})
    return exit_code(run, detailed=args.detailed_exitcode, changes=False)
