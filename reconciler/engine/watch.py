"""`reconciler plan --watch`: re-validate and re-plan a local working tree on every save.

It reads the working tree (not git): this is the author's inner loop, before any commit. After
the first full plan it prints only what changed since the previous plan, and spec errors at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from watchfiles import watch

from reconciler.clients.cluster import connect
from reconciler.engine.plantypes import PlanEntry
from reconciler.engine.reconcile import Engine, RunResult
from reconciler.engine.report import entry_lines
from reconciler.engine.session import source_name
from reconciler.specs.dirtree import DirectoryTree


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


def watch_plan(args: argparse.Namespace) -> int:
    root = Path(args.repo) / (args.path or "")
    if not root.is_dir():
        print(
            f"error: --watch needs a local working tree; {root} is not a directory", file=sys.stderr
        )
        return 2
    source = args.source or source_name(str(Path(args.repo).resolve()))
    with connect(args.cluster, kubeconfig=args.kubeconfig) as cluster:
        engine = Engine(cluster, source=source)
        previous: RunResult | None = None
        print(f"watching {root} (Ctrl-C to stop)", flush=True)
        try:
            for _ in _ticks(root):
                current = engine.plan(DirectoryTree(root))
                lines = changes_between(previous, current)
                counts = ", ".join(f"{n} {c}" for c, n in current.plan.counts().items() if n)
                print("\n".join([*lines, f"-- {counts or 'no objects'}"]), flush=True)
                previous = current
        except KeyboardInterrupt:
            return 0
    return 0


def _ticks(root: Path) -> Iterator[object]:
    yield None  # the first plan, before any change
    yield from watch(root, debounce=200)
