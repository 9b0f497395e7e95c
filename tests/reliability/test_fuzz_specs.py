"""Fuzzing: no file makes loading or rendering raise or hang; it ends in located errors or loads.

Property-based tests (Hypothesis) build spec repos from the repo's own spec files, policies and
test fixtures, then mutate them: values of the wrong type, huge strings and numbers, deep
nesting, odd unicode and bidi controls, anchors, aliases and merge keys, alias bombs, duplicate
keys, `!!python/object` and other tags, broken syntax, truncation, non-UTF-8 bytes, odd file
names and symlinks. Each repo is loaded (`load_tree`) and validated offline (`validate_tree`:
manifest checks against the built-in schemas, rendering), and every rendered object is hashed
and diffed as a plan would. Every problem must be a `SpecError` naming a file of the repo; no
exception may escape, and no example may take longer than `HANG_SECONDS`.

The default example count keeps `make test` fast; set `RECONCILER_FUZZ_EXAMPLES` for a longer
run (examples per test), e.g. `RECONCILER_FUZZ_EXAMPLES=2500 .venv/bin/pytest tests/reliability`.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode

from reconciler.clients.kubeschemas import BuiltinSchemas
from reconciler.engine.core.builtin_scopes import StaticScopes
from reconciler.engine.core.desired_set import desired_set
from reconciler.engine.core.diff import full_diff, subset_diff, unified
from reconciler.engine.validate import validate_tree
from reconciler.specs.errors import SpecError
from reconciler.specs.loader import LoadResult, load_tree
from reconciler.specs.yamlcompose import _compose_events
from tests.reliability.strategies import SEEDS, Files, MemoryTree, repo, structural, textual

pytestmark = pytest.mark.reliability

EXAMPLES = int(os.environ.get("RECONCILER_FUZZ_EXAMPLES", "200"))
HANG_SECONDS = 20
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@dataclass
class Hang(Exception):
    seconds: int


@contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail an example that runs longer than `seconds` (SIGALRM; the tests run in the main
    thread)."""

    def _alarm(signum: int, frame: object) -> None:
        raise Hang(seconds)

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


SCHEMAS = BuiltinSchemas()


def _check(result: LoadResult, files: Files) -> None:
    """Every error is located in a file of the repo and printable."""
    for error in result.errors:
        assert isinstance(error, SpecError)
        assert error.file in files, error
        assert error.line is None or (isinstance(error.line, int) and error.line >= 1), error
        assert error.field is None or isinstance(error.field, str), error
        assert isinstance(error.message, str) and error.message, error
        json.dumps(error.to_dict())
        str(error)
        assert error.file in result.failed_files or result.config_failed, error


def _check_loaded(result: LoadResult, files: Files) -> None:
    """`_check`, and no document of a failed file is kept."""
    _check(result, files)
    for loaded in [*result.specs, *result.manifests]:
        assert loaded.location.file not in result.failed_files


def _render(result: LoadResult) -> None:
    """Render what loaded, then hash and diff every object as a plan would."""
    if result.config_failed:
        return
    rendered = desired_set(
        result.specs,
        result.manifests,
        failed_files=frozenset(result.failed_files),
        config=result.config,
        source="fuzz",
        is_namespaced=StaticScopes(m.body for m in result.manifests).namespaced,
    )
    for desired in rendered.desired:
        assert len(desired.digest) == 20
        unified(None, desired.body, desired.key.ref)
        assert subset_diff(desired.body, desired.body) == []
        assert full_diff(desired.body, desired.body) == []


@FUZZ
@given(repo())
def test_mutated_repos_end_in_located_errors_or_load(
    files: Files,
) -> None:
    tree = MemoryTree(files)
    with no_hang():
        loaded = load_tree(tree)
        _check_loaded(loaded, files)
        validated = validate_tree(tree, schemas=SCHEMAS)
        _check_loaded(validated, files)
        _render(validated)


@FUZZ
@given(st.lists(st.binary(max_size=300) | st.text(max_size=300).map(str.encode), min_size=1))
def test_arbitrary_bytes_end_in_located_errors_or_load(contents: list[bytes]) -> None:
    files: Files = {f"f{i}.yaml": data for i, data in enumerate(contents[:4])}
    tree = MemoryTree(files)
    with no_hang():
        validated = validate_tree(tree, schemas=SCHEMAS)
        _check_loaded(validated, files)
        _render(validated)


def _outcome(nodes: Iterator[Any]) -> list[Any]:
    """The documents a composer yields, as comparable tuples, and the error that ended them."""
    out: list[Any] = []
    try:
        for root in nodes:
            out.append(_shape(root))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        out.append((type(exc).__name__, exc.problem, exc.context, mark and mark.line))
    except yaml.YAMLError as exc:  # a ReaderError: a forbidden character
        out.append((type(exc).__name__, str(exc)))
    return out


def _shape(root: Node) -> list[Any]:
    """A node graph flattened in document order; a node met again is its first index."""
    seen: dict[int, int] = {}
    out: list[Any] = []
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            out.append(("again", seen[id(node)]))
            continue
        seen[id(node)] = len(out)
        mark = (node.start_mark.line, node.start_mark.column)
        if isinstance(node, ScalarNode):
            out.append((node.tag, node.value, mark, node.style))
        elif isinstance(node, MappingNode):
            out.append(("map", node.tag, len(node.value), mark))
            stack.extend(item for pair in reversed(node.value) for item in reversed(pair))
        else:
            out.append(("seq", node.tag, len(node.value), mark))
            stack.extend(reversed(node.value))
    return out


@FUZZ
@given(st.sampled_from(SEEDS).flatmap(lambda seed: structural(seed) | textual(seed)))
def test_the_iterative_composer_builds_the_nodes_libyaml_does(text: str) -> None:
    """`yamlcompose` composes large texts itself; below `MAX_DEPTH` it must agree with libyaml
    exactly: nodes, tags, marks, anchors and aliases, and the errors."""
    assume(text.count("[") + text.count("{") < 2_000)  # deeper overflows libyaml's C stack
    with no_hang():
        ours = _outcome(_compose_events(text, max_depth=10**9))
        theirs = _outcome(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    assert ours == theirs
