"""Turn a request path and method into what it asks for, as kube-apiserver's RequestInfo does.

    GET    /apis/apps/v1/namespaces/web/deployments/api/scale
      -> verb get, group apps, version v1, namespace web, resource deployments,
         name api, subresource scale
    GET    /api/v1/configmaps?watch=true   -> verb watch, all namespaces
    DELETE /api/v1/namespaces/web/configmaps -> verb deletecollection

`/api/v1/namespaces/NAME/status` and `/finalize` are subresources of the namespace itself
(the real server's rule: a third segment after `namespaces` that is not one of these is a
resource inside the namespace).

The path is split as sent, before percent-decoding (the ASGI scope's `raw_path`), and each
segment is decoded on its own: `DELETE .../configmaps/%2F` names the ConfigMap "/" (which
`path_segment_problems` refuses, 400), never the collection `.../configmaps//`, which a decoded
path would have become (a deletecollection).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

NAMESPACE_SUBRESOURCES = ("status", "finalize")
TRUE_VALUES = ("true", "1", "True", "TRUE")


@dataclass(frozen=True)
class RequestInfo:
    verb: str
    group: str
    version: str
    resource: str
    namespace: str | None = None
    name: str = ""
    subresource: str = ""

    @property
    def is_write(self) -> bool:
        return self.verb in ("create", "update", "patch", "delete", "deletecollection")


def path_segments(raw_path: str) -> list[str]:
    """The non-empty segments of a percent-encoded path, each decoded on its own."""
    return [unquote(part) for part in raw_path.split("/") if part]


def path_segment_problems(name: str) -> list[str]:
    """Why `name` cannot be a path segment, as `IsValidPathSegmentName` in
    `staging/src/k8s.io/apimachinery/pkg/api/validation/path/name.go` says (empty: it can)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in "/%" if c in name]


def parse_resource_path(method: str, path: str, watch_param: str | None) -> RequestInfo | None:
    """The RequestInfo of a resource URL given as sent (percent-encoded), or None when the path
    is not one (e.g. discovery)."""
    parts = path_segments(path)
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    watching = watch_param in TRUE_VALUES
    verb = {
        "GET": ("watch" if watching else "get") if name else ("watch" if watching else "list"),
        "HEAD": "get" if name else "list",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if name else "deletecollection",
    }.get(method.upper(), "unknown")
    return RequestInfo(verb, group, version, resource, namespace, name, subresource)
