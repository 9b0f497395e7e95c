"""`Status` bodies: how the API server reports failures (and some successes).

Every error response is a `metav1.Status` with the same `reason`, `code` and `message` text the
real kube-apiserver produces, because clients branch on them (kubectl prints
`Error from server (NotFound): deployments.apps "x" not found`; the official client raises
`ApiException` with `.status` and `.body`)::

    {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
     "message": "deployments.apps \\"x\\" not found", "reason": "NotFound",
     "details": {"name": "x", "group": "apps", "kind": "deployments"}, "code": 404}
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.localcluster.core.resources import ResourceType

# kube-apiserver's request body limit (`MaxRequestBodyBytes`), and etcd's value limit.
MAX_REQUEST_BYTES = 3 * 1024 * 1024
MAX_OBJECT_BYTES = 3 * 512 * 1024


class ApiError(Exception):
    """An HTTP failure carrying the `Status` body to send."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return status_body(self.code, self.reason, self.message, self.details)


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if code < 300 else "Failure",
    }
    if message:
        out["message"] = message
    if reason:
        out["reason"] = reason
    if details:
        out["details"] = details
    out["code"] = code
    return out


def _details(rt: ResourceType, name: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name} if name else {}
    if rt.group:
        out["group"] = rt.group
    out["kind"] = rt.plural
    out.update(extra)
    return out


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'{rt.group_resource} "{name}" not found', details=_details(rt, name)
    )


def namespace_not_found(name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'namespaces "{name}" not found',
        details={"name": name, "kind": "namespaces"},
    )


def no_such_route() -> ApiError:
    """An unknown group, version, resource or path."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", details={})


def already_exists(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{rt.group_resource} "{name}" already exists',
        details=_details(rt, name),
    )


def conflict(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.group_resource} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        details=_details(rt, name),
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def invalid(rt: ResourceType, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """422 Invalid; `causes` are (reason, field, message) like `FieldValueRequired`."""
    text = ", ".join(f"{f}: {m}" for _, f, m in causes)
    if len(causes) > 1:
        text = f"[{text}]"
    kind = f"{rt.kind}.{rt.group}" if rt.group else rt.kind
    return ApiError(
        422,
        "Invalid",
        f'{kind} "{name}" is invalid: {text}',
        details=_details(
            rt,
            name,
            kind=rt.kind,
            causes=[{"reason": r, "message": m, "field": f} for r, f, m in causes],
        ),
    )


def method_not_allowed() -> ApiError:
    return ApiError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )


def unsupported_media_type(content_type: str, accepted: list[str]) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{', '.join(accepted)}",
    )


def too_large_request() -> ApiError:
    return ApiError(
        413, "RequestEntityTooLarge", f"Request entity too large: limit is {MAX_REQUEST_BYTES}"
    )


def too_large_object() -> ApiError:
    """What kube-apiserver answers when etcd refuses a value over its 1.5 MiB request limit."""
    return ApiError(413, "RequestEntityTooLarge", "etcdserver: request is too large")


def expired_status(message: str) -> dict[str, Any]:
    return status_body(410, "Expired", message)


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
