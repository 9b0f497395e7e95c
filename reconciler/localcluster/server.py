"""Run the embedded cluster: uvicorn in a background thread (`support.asgithread`), plus a
kubeconfig pointing at it.

    from reconciler.localcluster.server import start_local_cluster

    cluster = start_local_cluster(Path("/tmp/state"))      # free loopback port
    cluster.url              # "http://127.0.0.1:43121"
    cluster.kubeconfig_path  # /tmp/state/kubeconfig, usable by kubectl and the official client
    cluster.stop()           # ends watches, stops serving, closes the database

The state lives in the directory (SQLite, WAL mode) and survives restarts. One server per
directory: a running server holds an exclusive lock on it (`storage.dirlock`) and publishes its
URL in `DIR/server.json`, so a second `start_local_cluster` on a served directory raises
`DirectoryInUseError`, and `find_server(DIR)` tells a client where to talk to the one that
serves it.

By default plain HTTP without authentication, so it binds loopback only: any other `host`
needs `allow_remote=True` (`cluster serve --allow-remote`). With `token=...`, every request but
`/healthz`, `/livez` and `/readyz` must carry `Authorization: Bearer <token>` (else 401
`Unauthorized`, as kube-apiserver answers), and it serves HTTPS: kubectl (client-go's
clientcmd) sends credentials only over TLS. The certificate comes from a fresh authority made
at start (`support.selfsigned`; its key is never stored) for loopback, the bound address and,
on all interfaces, this host's name; the kubeconfig (written 0600) holds the token and that
authority. The kubeconfig never names a wildcard address: binding `0.0.0.0` writes `127.0.0.1`.

`controllers=frozenset({"namespace", "deployment", "endpointslice", "hpa"})` runs those
stand-ins for kube-controller-manager's controllers in a background thread (`controllers`);
none run by default.

Known differences from a real kube-apiserver (v1.37), as seen by kubectl and the official client:

- every GA kind of 1.37 is served (`core.resources.builtin_types`: kinds and versions from
  kubernetes-validate's schemas, scope, names, verbs and subresources from `core.kindtable`),
  but no alpha or beta version, even one a feature gate could turn on. Subresources are only
  `/status` and `/scale`: no `pods/log|exec|attach|portforward|proxy|binding|eviction|
  ephemeralcontainers|resize`, `serviceaccounts/token`, `namespaces/finalize`,
  `certificatesigningrequests/approval`, `nodes|services/proxy`.
- kinds without a table in `api.tables` print `Name` and `Age` only in `kubectl get` (e.g.
  Pods have no `Ready`/`Status`/`Restarts` columns); a new Pod's status is `{}`, not `Pending`.
- request kinds (`core.requestkinds`) answer without authority to check: access reviews allow
  everything, rules reviews list `*`, `SelfSubjectReview` names one `localcluster-admin`,
  `TokenReview` authenticates nothing. A Binding sets the pod's node. ComponentStatus lists
  nothing. No deprecation `Warning` for v1 Endpoints.
- protobuf request bodies are decoded for the kinds kubectl's typed commands send (`create
  deployment|job|cronjob|service|role|rolebinding|clusterrole|clusterrolebinding|quota|
  priorityclass|poddisruptionbudget|ingress|namespace|configmap|secret|serviceaccount`,
  `autoscale`, `auth can-i|whoami`; `api.protobuf.ROOTS`); other kinds in protobuf (e.g. a Go
  controller creating Pods) get 415, as does a field the tables do not know. Responses are
  always JSON.
- no controllers run unless asked for, and those there are take shortcuts (`controllers`):
  nothing makes Pods or Nodes; Deployments get ReplicaSets and a status as if every pod were
  ready at once; EndpointSlices list made-up endpoints for the Deployments a Service selects
  (Pods created by hand are not endpoints); the HPA reads its metric from an annotation and
  acts on a change at once. There is no
  garbage collection through ownerReferences (but for ReplicaSets and EndpointSlices of the
  controllers here), no `default` ServiceAccount or `kube-root-ca.crt` in new namespaces, and
  no StatefulSet, DaemonSet, Job or CronJob controller. Without the `namespace` controller,
  deleting a Namespace deletes its contents at once (no `Terminating` phase to wait through).
- controllers write in-process, through the same write path as requests: their writes are
  watch events and managedFields entries (`kube-controller-manager`) but not requests, so
  `/debug/requests` does not count them.
- authentication is one optional bearer token (then HTTPS, from a throwaway authority), with
  no users, no authorization (RBAC) and no client certificates; without a token, plain HTTP.
- `v1` Events and `events.k8s.io/v1` Events are stored apart (the real server converts one
  into the other). `autoscaling/v1` and `autoscaling/v2` HorizontalPodAutoscalers share
  storage without conversion, as CRD versions do: an object reads back as it was written.
- validation is names, types and unknown fields (via `fieldvalidation`), base64 in `[]byte`
  fields (400), label keys and values and ConfigMap/Secret keys (422, `metavalidation`);
  other kind-specific rules (e.g. a Deployment's selector matching its template) are not
  enforced.
- bodies nest at most 200 levels (`core.bodydecode.MAX_DEPTH`; the real decoders allow
  10,000), so that every recursive step after decoding stays far from Python's recursion
  limit; deeper is 400, and a RecursionError anywhere is 400 too, never a 500. YAML bodies may
  build at most 10,000 nodes through aliases (go-yaml limits aliasing by ratio instead) and
  only plain YAML types (a `!!binary` or custom tag is 400). CBOR bodies are 415.
- a patch whose result has a `metadata` that is not an object is 400 (the real server: 422
  Invalid `patch`); `resourceVersion=abc` on a get, list or watch is 400 (the real server
  answers 500, kubernetes#139485).
- a watch is closed once 1,000 events or 8 MiB wait unread for it (`api.watchqueue`); the
  real cacher's per-watcher buffers differ in size, and it blocks a moment before closing.
- `kube-node-lease` may be deleted (as on a real server, where it is not immortal), and
  comes back at the next start rather than within a minute (no system-namespaces controller).
- watches filter each event by its selectors; an object that stops matching yields no DELETED.
  A watch from a resourceVersion newer than the current one starts now instead of waiting.
- server-side apply to `/scale` is 415; apply to `/status` records its managedFields entry
  without `subresource: status`.
- list items carry `apiVersion`/`kind` (real lists of built-in kinds omit them per item).
- a stored object over 1.5 MiB is 413 `etcdserver: request is too large` (the status a real
  server maps etcd's refusal to); of per-kind size rules only ConfigMap/Secret <= 1 MiB (422).
- managedFields: an Update entry never marks a built-in struct itself as owned (`".": {}`),
  where the real server marks optional (pointer) structs such as `f:rollingUpdate`; entries are
  kept per (manager, operation, subresource), not also split by apiVersion; a `managedFields`
  sent in an apply body is ignored rather than refused; null fields in an apply configuration
  are dropped from the result at once.
- `/openapi/v2` is a document without paths (kubectl 1.37 reads schemas from v3 and asks v2
  only whether a create-only kind takes `fieldValidation`); discovery has no ETag/304 handling.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from reconciler.localcluster.api.app import create_app
from reconciler.localcluster.controllers import CONTROLLER_NAMES
from reconciler.localcluster.controllers.runner import ControllerRunner
from reconciler.localcluster.storage.dirlock import (
    DirectoryInUseError,
    DirectoryLock,
    ServerInfo,
    held_by_another,
    holder_pid,
    read_server_info,
)
from reconciler.localcluster.storage.state import ClusterState
from reconciler.localcluster.storage.store import EVENT_LOG_SIZE
from reconciler.support.asgithread import RunningServer, start_in_thread
from reconciler.support.selfsigned import write_serving_cert

__all__ = [
    "DirectoryInUseError",
    "LocalCluster",
    "ServerInfo",
    "find_server",
    "kubeconfig_text",
    "start_local_cluster",
    "write_kubeconfig",
]

START_TIMEOUT = 10.0
# Seconds between full controller resyncs, and each HPA's sync period (the real default).
CONTROLLER_RESYNC = 15.0


def kubeconfig_text(
    url: str, *, name: str = "localcluster", token: str | None = None, ca_pem: bytes | None = None
) -> str:
    cluster: dict[str, str] = {"server": url}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": {"token": token} if token else {}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}
        ],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write_kubeconfig(
    path: Path, url: str, *, token: str | None = None, ca_pem: bytes | None = None
) -> None:
    """Write a kubeconfig for `url`; one holding a `token` is readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if token is None:
        path.write_text(kubeconfig_text(url, ca_pem=ca_pem), encoding="utf-8")
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(kubeconfig_text(url, token=token, ca_pem=ca_pem))


def is_loopback(host: str) -> bool:
    """Whether binding `host` serves this machine only (127.0.0.0/8, ::1, `localhost`)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: whatever it resolves to, it is not known to be local


def client_url(host: str, port: int, scheme: str = "http") -> str:
    """The URL clients on this machine use for a server bound to `host:port`: a wildcard
    address (`0.0.0.0`, `::`, empty) is not one to connect to, so it becomes loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def _certificate_names(host: str) -> list[str]:
    """Who the serving certificate speaks for: loopback, the bound address, and on a wildcard
    address this host's names (what remote clients are likely to dial)."""
    names = ["127.0.0.1", "::1", "localhost"]
    if host in ("", "0.0.0.0", "::"):
        names += [socket.gethostname(), socket.getfqdn()]
    else:
        names.append(host)
    return names


def check_token(token: str) -> None:
    """A bearer token must be non-empty printable ASCII without spaces (an HTTP header)."""
    if not token or any(not 33 <= ord(ch) < 127 for ch in token):
        raise ValueError("a bearer token must be printable ASCII without spaces")


@dataclass
class LocalCluster:
    """A running embedded cluster; `stop()` it (or use it as a context manager). It holds the
    directory's lock until stopped."""

    url: str
    kubeconfig_path: Path
    state: ClusterState
    _server: RunningServer
    _lock: DirectoryLock | None = field(default=None, repr=False)
    _controllers: ControllerRunner | None = field(default=None, repr=False)

    def stop(self) -> None:
        if self._lock is not None:
            self._lock.unpublish()  # first: nobody should pick a URL that is going away
        self.state.stopping = True  # open watches end
        if self._controllers is not None:
            self._controllers.stop()  # before the state closes under them
        self._server.stop(timeout=START_TIMEOUT)
        self.state.close()
        if self._lock is not None:
            self._lock.release()  # last: the next server may open the state now

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_local_cluster(
    directory: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    kubeconfig_path: Path | None = None,
    bookmark_interval: float = 60.0,
    event_log_size: int = EVENT_LOG_SIZE,
    token: str | None = None,
    allow_remote: bool = False,
    controllers: frozenset[str] = frozenset(),
    controller_resync: float = CONTROLLER_RESYNC,
) -> LocalCluster:
    """Serve the state in `directory` on `host:port` (0 = a free port) in a background thread.

    `bookmark_interval` is the seconds between BOOKMARKs on watches that allow them;
    `event_log_size` how many past events a watch can resume from (older: 410 Expired).
    `token`: requests must carry it as a bearer token (the kubeconfig does). `allow_remote`
    must be set to bind anything but loopback. `controllers`: which of
    `controllers.CONTROLLER_NAMES` to run, each resynced every `controller_resync` seconds.

    Raises `ValueError` for a non-loopback `host` without `allow_remote`, an unusable token or
    an unknown controller; `DirectoryInUseError` when another server holds `directory`
    (checked before the state is opened: nothing is read or written then); `OSError` for a
    busy port.
    """
    directory = Path(directory)
    if not allow_remote and not is_loopback(host):
        raise ValueError(
            f"{host} is not a loopback address, and this server has no authorization and at "
            "most a bearer token: allow_remote=True (--allow-remote) serves it anyway"
        )
    if token is not None:
        check_token(token)
    unknown = sorted(set(controllers) - set(CONTROLLER_NAMES))
    if unknown:
        raise ValueError(f"unknown controllers: {', '.join(unknown)}")
    lock = DirectoryLock.acquire(directory)
    try:
        state = ClusterState.open(
            directory, bookmark_interval=bookmark_interval, event_log_size=event_log_size
        )
        state.controllers = controllers
        try:
            cert = write_serving_cert(directory, _certificate_names(host)) if token else None
            server = start_in_thread(
                create_app(state, token=token),
                host,
                port,
                name="localcluster",
                graceful_timeout=2,
                start_timeout=START_TIMEOUT,
                ssl_certfile=str(cert.cert_file) if cert else None,
                ssl_keyfile=str(cert.key_file) if cert else None,
            )
        except BaseException:  # a busy port (OSError), or uvicorn did not start
            state.close()
            raise
        path = kubeconfig_path or directory / "kubeconfig"
        url = client_url(host, server.port, server.scheme)
        runner = None
        try:
            write_kubeconfig(path, url, token=token, ca_pem=cert.ca_pem if cert else None)
            if controllers:
                runner = ControllerRunner.start(state, controllers, controller_resync)
            lock.publish(url, path)
        except BaseException:
            if runner is not None:
                runner.stop()
            server.stop(timeout=START_TIMEOUT)
            state.close()
            raise
    except BaseException:
        lock.release()
        raise
    return LocalCluster(url, path, state, server, lock, runner)


def find_server(directory: Path, *, wait: float = START_TIMEOUT) -> ServerInfo | None:
    """The server another holder runs for `directory`, once its published URL answers
    `/healthz`; None when nobody holds the directory (any `server.json` is a crashed server's
    leftover). While the holder is still starting (or not answering), waits up to `wait`
    seconds, then raises `DirectoryInUseError`."""
    directory = Path(directory)
    deadline = time.monotonic() + wait
    while True:
        if not held_by_another(directory):
            return None
        holder, info = holder_pid(directory), read_server_info(directory)
        # The holder wrote its pid into the lock file when it took it; a `server.json` with
        # another pid is a crashed server's, whose port may serve something else by now.
        if info is not None and info.pid != holder:
            info = None
        if info is not None and _healthy(info.url):
            return info
        if time.monotonic() >= deadline:
            raise DirectoryInUseError(directory, info, holder)
        time.sleep(0.05)


def _healthy(url: str, timeout: float = 2.0) -> bool:
    """`GET /healthz` answers 200 (straight to the address: no proxy, loopback only). Over
    HTTPS the certificate is not checked: this only asks whether the holder is up, sends no
    credentials and trusts nothing it answers; clients verify it through the kubeconfig."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port or 443, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
