"""A policy rule's regular expressions run in linear time (RE2): no pattern can hang a plan."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reconciler.clients.dirtree import DirectoryTree
from reconciler.engine.core.policies import evaluate
from reconciler.specs.keys import ObjectKey
from reconciler.specs.kinds import Policy
from reconciler.specs.loader import load_tree

KEY = ObjectKey("", "ConfigMap", "demo", "settings")
EVIL = "a" * 40 + "!"  # `^(a+)+$` backtracks 2**40 ways on this with Python's `re`


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail the test (rather than hang it) when the block takes longer than `seconds`; Python's
    `re` checks for signals while it backtracks, so the alarm does get through."""

    def expire(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def policy(rule: dict[str, Any]) -> Policy:
    return Policy.model_validate(
        {
            "apiVersion": "reconciler.dev/v1alpha1",
            "kind": "Policy",
            "metadata": {"name": "names"},
            "spec": {"enforcement": "deny", "message": "bad data", "rule": rule},
        }
    )


def config_map(data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": data}


def test_a_catastrophic_pattern_fails_fast_instead_of_hanging() -> None:
    rule = policy({"properties": {"data": {"additionalProperties": {"pattern": "^(a+)+$"}}}})
    started = time.monotonic()
    with deadline(5):
        (result,) = evaluate([rule], KEY, config_map({"k": EVIL}), "create")
    assert time.monotonic() - started < 1
    assert not result.passed
    assert result.details == (f"/data/k: {EVIL!r} does not match '^(a+)+$'",)
    (ok,) = evaluate([rule], KEY, config_map({"k": "aaaa"}), "create")
    assert ok.passed


def test_pattern_properties_and_additional_properties_match_names_in_linear_time() -> None:
    rule = policy(
        {
            "properties": {
                "data": {
                    "patternProperties": {"^(a+)+$": {"maxLength": 3}},
                    "additionalProperties": False,
                }
            }
        }
    )
    with deadline(5):
        (result,) = evaluate([rule], KEY, config_map({EVIL: "x", "aaa": "long"}), "create")
    assert not result.passed
    assert result.details == (
        f"/data: additional properties are not allowed ({EVIL!r} unexpected)",
        "/data/aaa: 'long' is too long",
    )


def test_unicode_escapes_are_accepted() -> None:
    rule = policy({"properties": {"data": {"additionalProperties": {"pattern": "^caf\\u00e9$"}}}})
    assert evaluate([rule], KEY, config_map({"k": "café"}), "create")[0].passed


def test_a_pattern_re2_cannot_run_is_refused_when_the_policy_loads(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: reconciler.dev/v1alpha1\n"
        "kind: Policy\n"
        "metadata: {name: p}\n"
        "spec:\n"
        "  message: m\n"
        "  rule:\n"
        "    properties:\n"
        "      data: {additionalProperties: {pattern: '^(?!tmp)'}}\n",
        encoding="utf-8",
    )
    (error,) = load_tree(DirectoryTree(tmp_path)).errors
    assert (error.file, error.line, error.field) == ("p.yaml", 6, "spec.rule")
    assert error.message.startswith(
        "pattern '^(?!tmp)' at /properties/data/additionalProperties/pattern is not RE2 syntax"
    )


@pytest.mark.parametrize("pattern", ["^[a-z]+$", "\\d{3}", "(?i)^WEB"])
def test_ordinary_patterns_behave_as_before(pattern: str) -> None:
    import re

    rule = policy({"properties": {"data": {"additionalProperties": {"pattern": pattern}}}})
    for value in ("web", "123", "Web-1", ""):
        (result,) = evaluate([rule], KEY, config_map({"k": value}), "create")
        assert result.passed == bool(re.search(pattern, value)), (pattern, value)
