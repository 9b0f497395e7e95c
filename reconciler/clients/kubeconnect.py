"""Connecting to a cluster named by a `--cluster` value: a kubeconfig context, the pod's service
account, or the embedded server over a state directory (`local:DIR`).

`local:DIR` has one writer. When a server already holds DIR (`reconciler cluster serve --dir
DIR`, or a `start_local_cluster` in this process), the connection goes to that server, through
the kubeconfig it published, and neither the SQLite file nor that kubeconfig is touched here.
Only when nobody serves DIR is the embedded server started in-process, for the duration.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubernetes import config as _config_module
from kubernetes.client import ApiClient, Configuration

from reconciler.clients.cluster import KubeCluster
from reconciler.clients.cluster_api import ClusterError, TransientClusterError
from reconciler.clients.retry import RetryPolicy

if TYPE_CHECKING:
    from reconciler.localcluster.server import LocalCluster

_kube_config: Any = _config_module  # untyped: new_client_from_config, load_incluster_config

# Seconds to wait for the server that holds a `local:DIR` to answer (it may be starting).
LOCAL_SERVER_WAIT = 10.0


@contextmanager
def connect(
    cluster: str, *, kubeconfig: str | None = None, retry: RetryPolicy | None = None
) -> Iterator[KubeCluster]:
    """A `KubeCluster` for a `--cluster` value, closed (and stopped) on exit:

    - `kube`: the kubeconfig's current context (`kubeconfig`, else `$KUBECONFIG`, else
      `~/.kube/config`), or the pod's service account when there is no kubeconfig in a pod;
    - `kube:CONTEXT`: a named context of that kubeconfig;
    - `local:DIR`: the server that holds `DIR` (another process's `cluster serve`), or else
      the embedded server over `DIR`, started in-process for the duration.

    Raises `ClusterError` (ref: the `cluster` value) for a bad value or kubeconfig, and
    `TransientClusterError` when another server holds `DIR` but does not answer."""
    scheme, _, arg = cluster.partition(":")
    if scheme == "kube":
        with _closing(_kube_client(cluster, arg or None, kubeconfig)) as api_client:
            yield KubeCluster(api_client, retry=retry)
    elif scheme == "local" and arg:
        directory = Path(arg)
        if directory.exists() and not directory.is_dir():
            raise ClusterError(cluster, f"{directory} exists and is not a directory")
        try:
            api_client, handle = _open_local(cluster, directory)
        except OSError as err:
            raise ClusterError(cluster, f"cannot open {directory}: {err.strerror or err}") from None
        try:
            with _closing(api_client):
                yield KubeCluster(api_client, retry=retry)
        finally:
            if handle is not None:
                handle.stop()
    else:
        raise ClusterError(cluster, "expected `kube`, `kube:CONTEXT` or `local:DIR`")


def _open_local(ref: str, directory: Path) -> tuple[ApiClient, LocalCluster | None]:
    """A client for the server of `directory`: the running one (no handle), else one started
    here (its handle, to stop). Tries again when the holder stops between the two checks."""
    from reconciler.localcluster.server import (
        DirectoryInUseError,
        find_server,
        start_local_cluster,
    )

    for _ in range(3):
        try:
            handle = start_local_cluster(directory)
        except DirectoryInUseError:
            try:
                info = find_server(directory, wait=LOCAL_SERVER_WAIT)
            except DirectoryInUseError as busy:
                pid = f" (pid {busy.holder})" if busy.holder else ""
                where = f" at {busy.server.url}" if busy.server else ""
                message = f"{directory} is held by another server{pid} that does not answer{where}"
                raise TransientClusterError(ref, message) from None
            if info is None:
                continue  # it stopped meanwhile: serve the directory here
            return _client_for_server(info.url, info.kubeconfig), None
        try:
            config_file = str(handle.kubeconfig_path)
            return _kube_config.new_client_from_config(config_file=config_file), handle
        except BaseException:
            handle.stop()
            raise
    raise TransientClusterError(ref, f"{directory} keeps changing servers; try again")


def _client_for_server(url: str, kubeconfig: Path) -> ApiClient:
    """A client through the server's own kubeconfig, read and never written; straight to
    `url` when that file is gone or now points elsewhere (another server rewrote it)."""
    try:
        api_client: ApiClient = _kube_config.new_client_from_config(config_file=str(kubeconfig))
    except (_kube_config.ConfigException, OSError, ValueError):
        pass
    else:
        if str(api_client.configuration.host).rstrip("/") == url.rstrip("/"):
            return api_client
        api_client.close()  # type: ignore[no-untyped-call]
    configuration = Configuration()
    configuration.host = url
    return ApiClient(configuration)


def _kube_client(ref: str, context: str | None, kubeconfig: str | None) -> ApiClient:
    path = kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    explicit = kubeconfig or os.environ.get("KUBECONFIG")
    in_pod = bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
    if in_pod and not explicit and not context and not os.path.exists(path):
        configuration = Configuration()  # no kubeconfig in a pod: its service account
        _kube_config.load_incluster_config(client_configuration=configuration)
        return ApiClient(configuration)
    try:
        api_client: ApiClient = _kube_config.new_client_from_config(
            config_file=path, context=context
        )
    except (_kube_config.ConfigException, TypeError, ValueError, AttributeError, OSError) as err:
        # A file that is YAML but not a kubeconfig fails deep inside the client with TypeError.
        raise ClusterError(ref, f"cannot load kubeconfig {path}: {err}") from None
    return api_client


@contextmanager
def _closing(api_client: ApiClient) -> Iterator[ApiClient]:
    try:
        yield api_client
    finally:
        api_client.close()  # type: ignore[no-untyped-call]
