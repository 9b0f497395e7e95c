"""`reconciler plan --watch`: re-validate and re-plan a local working tree on every save.

It reads the working tree (not git): this is the author's inner loop, before any commit. After
the first full plan it prints only what changed since the previous plan, and spec errors at once.
Every flag `plan` takes applies (`--drift-mode`, `--source`, `--path`, `--cluster`); with
`--output json` each plan is printed whole as one JSON document per line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from watchfiles import watch

from reconciler.clients.dirtree import DirectoryTree
from reconciler.engine.core.plantypes import PlanEntry
from reconciler.engine.report import entry_lines
from reconciler.engine.result import RunResult
from reconciler.runner import RunnerError, RunSettings, SourceSettings, open_runner


def _fingerprint(entry: PlanEntry) -> tuple[str, str, str]:
    return (str(entry.cls), entry.reason, entry.diff)


def changes_between(previous: RunResult | None, current: RunResult) -> list[str]:
    """Lines describing entries and errors that differ from the previous plan."""
    before = {e.key: _fingerprint(e) for e in previous.plan.entries} if previous else {}
    lines = []
    for entry in current.plan.entries:
        if before.get(entry.key) != _fingerprint(entry):
            lines.extend(entry_lines(entry))
    now = {e.key for e in current.plan.entries}
    lines.extend(f"  (gone from plan) {key.ref}" for key in before if key not in now)
    old_errors = {str(e) for e in previous.errors} if previous else set()
    lines.extend(f"error: {e}" for e in current.errors if str(e) not in old_errors)
    return lines


def watch_plan(args: argparse.Namespace, source: SourceSettings, settings: RunSettings) -> int:
    root = Path(source.repo) / (source.path or "")
    if not root.is_dir():
        print(
            f"error: --watch needs a local working tree; {root} is not a directory", file=sys.stderr
        )
        return 2
    try:
        with open_runner(
            source, cluster=args.cluster, kubeconfig=args.kubeconfig, settings=settings, fetch=False
        ) as runner:
            previous: RunResult | None = None
            print(f"watching {root} (Ctrl-C to stop)", flush=True)
            try:
                for _ in _ticks(root):
                    current = runner.plan_tree(DirectoryTree(root))
                    print(_report(previous, current, args.output), flush=True)
                    previous = current
            except KeyboardInterrupt:
                return 0
    except RunnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _report(previous: RunResult | None, current: RunResult, output: str) -> str:
    if output == "json":
        return json.dumps(current.to_dict(), separators=(",", ":"))
    lines = changes_between(previous, current)
    counts = ", ".join(f"{n} {c}" for c, n in current.plan.counts().items() if n)
    built = [b for b in current.builds if not b.cached]
    if current.builds:  # only the builds whose inputs changed ran again
        counts += f"; builds: {len(built)} run, {len(current.builds) - len(built)} cached"
    return "\n".join([*lines, f"-- {counts or 'no objects'}"])


def _ticks(root: Path) -> Iterator[object]:
    yield None  # the first plan, before any change
    yield from watch(root, debounce=200)
