"""Connecting to a cluster named by a `--cluster` value: a kubeconfig context, the pod's service
account, or the embedded server started in-process (`local:DIR`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kubernetes import config as _config_module
from kubernetes.client import ApiClient, Configuration

from reconciler.clients.cluster import KubeCluster
from reconciler.clients.cluster_api import ClusterError
from reconciler.clients.retry import RetryPolicy

_kube_config: Any = _config_module  # untyped: new_client_from_config, load_incluster_config


@contextmanager
def connect(
    cluster: str, *, kubeconfig: str | None = None, retry: RetryPolicy | None = None
) -> Iterator[KubeCluster]:
    """A `KubeCluster` for a `--cluster` value, closed (and stopped) on exit:

    - `kube`: the kubeconfig's current context (`kubeconfig`, else `$KUBECONFIG`, else
      `~/.kube/config`), or the pod's service account when there is no kubeconfig in a pod;
    - `kube:CONTEXT`: a named context of that kubeconfig;
    - `local:DIR`: the embedded server over `DIR`, started in-process for the duration.

    Raises `ClusterError` (ref: the `cluster` value) for a bad value or kubeconfig."""
    scheme, _, arg = cluster.partition(":")
    if scheme == "kube":
        with _closing(_kube_client(cluster, arg or None, kubeconfig)) as api_client:
            yield KubeCluster(api_client, retry=retry)
    elif scheme == "local" and arg:
        from reconciler.localcluster.server import start_local_cluster

        handle = start_local_cluster(Path(arg))
        try:
            api_client = _kube_config.new_client_from_config(
                config_file=str(handle.kubeconfig_path)
            )
            with _closing(api_client):
                yield KubeCluster(api_client, retry=retry)
        finally:
            handle.stop()
    else:
        raise ClusterError(cluster, "expected `kube`, `kube:CONTEXT` or `local:DIR`")


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
    except _kube_config.ConfigException as err:
        raise ClusterError(ref, f"cannot load kubeconfig {path}: {err}") from None
    return api_client


@contextmanager
def _closing(api_client: ApiClient) -> Iterator[ApiClient]:
    try:
        yield api_client
    finally:
        api_client.close()  # type: ignore[no-untyped-call]
