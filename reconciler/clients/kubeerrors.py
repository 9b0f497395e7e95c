"""Mapping the kubernetes client's exceptions to the typed errors of `cluster_api`."""

from __future__ import annotations

import json
from typing import Any

from kubernetes.client.exceptions import ApiException

from reconciler.clients.cluster_api import (
    ClusterError,
    ConflictError,
    TransientClusterError,
    UnknownKindError,
    WatchExpiredError,
)


def mapped(err: Exception, ref: str, *, discovery: bool = False) -> ClusterError:
    """The typed error for a failed request (see the tree in `cluster_api`)."""
    if not isinstance(err, ApiException):
        reason = getattr(err, "reason", None) or err
        return TransientClusterError(ref, f"cannot reach the API server: {reason}")
    status = int(err.status or 0)
    message = status_message(err)
    if status == 0:  # the client's own wrapper for TLS and transport failures
        return TransientClusterError(ref, message)
    if status == 404 and discovery:
        return UnknownKindError(ref, message, status=status)
    if status == 409:
        return ConflictError(ref, message, status=status)
    if status == 429 or status >= 500:
        return TransientClusterError(
            ref, message, status=status, retry_after=retry_after(err.headers)
        )
    return ClusterError(ref, message, status=status)


def watch_error(status: dict[str, Any], ref: str) -> ClusterError:
    """The typed error for an ERROR event (a Status object inside the stream)."""
    code = int(status.get("code") or 0)
    message = str(status.get("message") or "watch failed")
    if code == 410:
        return WatchExpiredError(ref, message, status=code)
    if code == 429 or code >= 500:
        return TransientClusterError(ref, message, status=code)
    return ClusterError(ref, message, status=code or None)


def status_message(err: ApiException) -> str:
    """The `message` of the server's Status body, else the HTTP reason."""
    body = err.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if body:
        try:
            status = json.loads(body)
        except ValueError:
            return f"{err.status} {err.reason}: {body.strip()[:500]}"
        if isinstance(status, dict) and status.get("message"):
            return str(status["message"])
    return f"{err.status} {err.reason}".strip()


def retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
