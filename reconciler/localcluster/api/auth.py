"""Bearer-token authentication, the one kind the embedded cluster knows.

Without a token (the default) every request is served: the server binds loopback only unless
told otherwise (`server.start_local_cluster(allow_remote=True)`). With one, every request but
the health checks must carry `Authorization: Bearer <token>`, compared in constant time;
anything else is answered as kube-apiserver answers a request it cannot authenticate::

    401 {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": "Unauthorized", "reason": "Unauthorized", "code": 401}

`/healthz`, `/livez` and `/readyz` stay open (the real server lets anonymous users read them),
so that liveness probes and `server.find_server` need no credentials.
"""

from __future__ import annotations

import hmac

from reconciler.localcluster.core.status import ApiError

PUBLIC_PATHS = frozenset({"/healthz", "/livez", "/readyz"})


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def check_bearer(path: str, authorization: str | None, token: str | None) -> None:
    """Raise 401 unless `token` is None, `path` is a health check, or the `Authorization`
    header carries exactly `Bearer <token>`."""
    if token is None or path.rstrip("/") in PUBLIC_PATHS:
        return
    scheme, _, given = (authorization or "").partition(" ")
    # compare_digest on bytes: constant time whatever the characters, and no early exit.
    expected = token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise unauthorized()
