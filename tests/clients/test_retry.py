"""RetryPolicy: which errors are retried, and how long it waits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reconciler.clients.cluster_api import (
    ClusterError,
    ConflictError,
    TransientClusterError,
)
from reconciler.clients.retry import RetryPolicy


def flaky(failures: list[ClusterError], result: str = "ok") -> Callable[[], str]:
    """A call that raises each of `failures` in turn, then returns `result`."""
    pending = list(failures)

    def call() -> str:
        if pending:
            raise pending.pop(0)
        return result

    return call


def transient(retry_after: float | None = None) -> TransientClusterError:
    return TransientClusterError("Deployment/shop/web", "503", status=503, retry_after=retry_after)


def test_transient_errors_are_retried_with_capped_exponential_backoff() -> None:
    slept: list[float] = []
    policy = RetryPolicy(
        attempts=5, base_delay=1.0, max_delay=3.0, sleep=slept.append, random=lambda: 1.0
    )
    assert policy.call(flaky([transient()] * 4)) == "ok"
    assert slept == [1.0, 2.0, 3.0, 3.0]


def test_jitter_draws_each_delay_below_its_cap() -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay=1.0, sleep=slept.append, random=lambda: 0.25)
    assert policy.call(flaky([transient()] * 2)) == "ok"
    assert slept == [0.25, 0.5]


def test_retry_after_sets_a_floor_within_the_cap() -> None:
    slept: list[float] = []
    policy = RetryPolicy(max_delay=4.0, sleep=slept.append, random=lambda: 0.0)
    assert policy.call(flaky([transient(retry_after=2.0), transient(retry_after=60.0)])) == "ok"
    assert slept == [2.0, 4.0]


def test_gives_up_after_attempts_with_the_last_error() -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=3, sleep=slept.append)
    last = transient()
    with pytest.raises(TransientClusterError) as caught:
        policy.call(flaky([transient(), transient(), last]))
    assert caught.value is last
    assert len(slept) == 2


@pytest.mark.parametrize(
    "error",
    [ConflictError("ConfigMap/ops/tools", "conflict", status=409), ClusterError("X/y", "bad")],
)
def test_terminal_errors_are_not_retried(error: ClusterError) -> None:
    slept: list[float] = []
    with pytest.raises(type(error)):
        RetryPolicy(sleep=slept.append).call(flaky([error]))
    assert slept == []


def test_one_attempt_and_invalid_policies() -> None:
    assert RetryPolicy(attempts=2, base_delay=0.0).call(flaky([transient()])) == "ok"
    with pytest.raises(TransientClusterError):
        RetryPolicy(attempts=1).call(flaky([transient()]))
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
