"""Retrying transient cluster failures: exponential backoff with full jitter.

Only `TransientClusterError` (429, 5xx, connection failures) is retried; a conflict, a bad
request or an unknown kind fails at once, since repeating it cannot help. Delays grow as
`base_delay * 2**n`, capped at `max_delay`, and each is drawn uniformly from `[0, cap]` ("full
jitter") so that replicas hammered by the same outage do not retry in lockstep. A server's
`Retry-After` raises the delay to at least that long (still capped).

    policy = RetryPolicy(attempts=4, base_delay=0.2, max_delay=5.0)
    live = policy.call(lambda: cluster.get("apps/v1", "Deployment", "shop", "web"))

Tests inject `sleep` (and `random`) through the policy, not through the functions it wraps.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from reconciler.clients.cluster_api import TransientClusterError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a transient failure."""

    attempts: int = 3
    """Calls in total, the first included; 1 disables retrying. Three rides out a brief API
    server restart or one throttled request without delaying a reconcile for long."""
    base_delay: float = 0.2
    """Seconds before the second attempt (before jitter); doubles after each failure."""
    max_delay: float = 5.0
    """Seconds: the cap on one delay, so a long outage is left to the engine's own backoff."""
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `failures`-th consecutive failure (1-based)."""
        cap = min(self.max_delay, self.base_delay * 2.0 ** (failures - 1))
        wait = self.random() * cap
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()`, retried on `TransientClusterError`; the last error propagates."""
        failures = 0
        while True:
            try:
                return fn()
            except TransientClusterError as err:
                failures += 1
                if failures >= self.attempts:
                    raise
                self.sleep(self.delay(failures, err.retry_after))
