"""Diffs of objects deeper than any file may be (a live object another client wrote): the walks
stop at `MAX_DIFF_DEPTH` instead of raising RecursionError, and say so."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.engine.core.diff import (
    CLIPPED,
    MAX_DIFF_DEPTH,
    full_diff,
    subset_diff,
    to_yaml,
    unified,
)


def _deep(levels: int, leaf: Any = "x") -> dict[str, Any]:
    value: Any = leaf
    for _ in range(levels):
        value = {"a": value}
    assert isinstance(value, dict)
    return value


@pytest.mark.parametrize("levels", [330, 5_000])
def test_deep_objects_render_and_diff_without_recursion_errors(levels: int) -> None:
    live, desired = _deep(levels), _deep(levels, "y")
    text = to_yaml(live)
    assert text.startswith("a:\n  a:\n")
    assert CLIPPED.split()[0] in text  # the part below MAX_DIFF_DEPTH is a placeholder
    assert unified(live, desired, "ConfigMap/x") == ""  # equal down to the depth shown
    assert subset_diff(_deep(levels), live) == []
    (difference,) = full_diff(desired, live)
    assert difference.pointer == "/a" * MAX_DIFF_DEPTH  # the subtree below, compared whole
    (difference,) = subset_diff(desired, live)
    assert difference.pointer == "/a" * MAX_DIFF_DEPTH


def test_objects_within_the_depth_are_shown_and_compared_in_full() -> None:
    live, desired = _deep(MAX_DIFF_DEPTH - 1), _deep(MAX_DIFF_DEPTH - 1, "y")
    assert CLIPPED.split()[0] not in to_yaml(live)
    assert "-" * 2 in unified(live, desired, "ConfigMap/x")
    (difference,) = full_diff(desired, live)
    assert (difference.pointer, difference.desired, difference.live) == (
        "/a" * (MAX_DIFF_DEPTH - 1),
        "y",
        "x",
    )


def test_below_the_depth_booleans_still_differ_from_numbers() -> None:
    assert full_diff(_deep(MAX_DIFF_DEPTH + 5, True), _deep(MAX_DIFF_DEPTH + 5, 1)) != []
    assert (
        full_diff(
            _deep(MAX_DIFF_DEPTH + 5, [1, {"b": 2}]), _deep(MAX_DIFF_DEPTH + 5, [1, {"b": 2}])
        )
        == []
    )
