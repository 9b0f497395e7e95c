"""The server's clock, as `metav1.Time` serializes it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    """RFC 3339 at second precision, as metav1.Time serializes."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
