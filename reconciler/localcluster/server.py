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
serves it. Plain HTTP without authentication: loopback only.

Known differences from a real kube-apiserver (v1.37), as seen by kubectl and the official client:

- protobuf request bodies are decoded only for Namespace, ConfigMap, Secret and ServiceAccount
  (what `kubectl create namespace|configmap|secret|serviceaccount` send); other typed
  `kubectl create` subcommands (e.g. `create deployment`) get 415. Responses are always JSON.
- nothing runs controllers: no pods, no status updates, no garbage collection through
  ownerReferences, no `default` ServiceAccount or `kube-root-ca.crt` in new namespaces.
  Deleting a Namespace deletes its contents at once (no `Terminating` phase to wait through).
- `v1` Events and `events.k8s.io/v1` Events are stored apart (the real server converts one
  into the other). CRD versions share storage without conversion.
- validation is names, types and unknown fields (via `fieldvalidation`); kind-specific rules
  (e.g. a Deployment's selector matching its template) are not enforced.
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
- `/openapi/v2` is 404 (kubectl 1.37 only needs v3); discovery has no ETag/304 handling.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from reconciler.localcluster.api.app import create_app
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


def kubeconfig_text(url: str, *, name: str = "localcluster") -> str:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url}}],
        "users": [{"name": name, "user": {}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}
        ],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write_kubeconfig(path: Path, url: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kubeconfig_text(url), encoding="utf-8")


@dataclass
class LocalCluster:
    """A running embedded cluster; `stop()` it (or use it as a context manager). It holds the
    directory's lock until stopped."""

    url: str
    kubeconfig_path: Path
    state: ClusterState
    _server: RunningServer
    _lock: DirectoryLock | None = field(default=None, repr=False)

    def stop(self) -> None:
        if self._lock is not None:
            self._lock.unpublish()  # first: nobody should pick a URL that is going away
        self.state.stopping = True  # open watches end
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
) -> LocalCluster:
    """Serve the state in `directory` on `host:port` (0 = a free port) in a background thread.

    `bookmark_interval` is the seconds between BOOKMARKs on watches that allow them;
    `event_log_size` how many past events a watch can resume from (older: 410 Expired).

    Raises `DirectoryInUseError` when another server holds `directory` (checked before the
    state is opened: nothing is read or written then), and `OSError` for a busy port.
    """
    directory = Path(directory)
    lock = DirectoryLock.acquire(directory)
    try:
        state = ClusterState.open(
            directory, bookmark_interval=bookmark_interval, event_log_size=event_log_size
        )
        try:
            server = start_in_thread(
                create_app(state),
                host,
                port,
                name="localcluster",
                graceful_timeout=2,
                start_timeout=START_TIMEOUT,
            )
        except BaseException:  # a busy port (OSError), or uvicorn did not start
            state.close()
            raise
        path = kubeconfig_path or directory / "kubeconfig"
        try:
            write_kubeconfig(path, server.url)
            lock.publish(server.url, path)
        except BaseException:
            server.stop(timeout=START_TIMEOUT)
            state.close()
            raise
    except BaseException:
        lock.release()
        raise
    return LocalCluster(server.url, path, state, server, lock)


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
    """`GET /healthz` answers 200 (straight to the address: no proxy, loopback only)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
