"""Safe to leave running: loopback unless told otherwise, and an optional bearer token that
every request but the health checks must carry (over HTTPS: kubectl sends credentials only over
TLS), checked with httpx, the official client and the real kubectl."""

from __future__ import annotations

import base64
import os
import signal
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler.clients.kubeconnect import connect
from reconciler.localcluster.server import (
    client_url,
    find_server,
    is_loopback,
    start_local_cluster,
)
from tests.localcluster.conftest import KUBECTL

TOKEN = "t0ken-for-tests.only_0123456789"
UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


def kubectl(kubeconfig: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(kubeconfig)}
    env.pop("KUBERNETES_SERVICE_HOST", None)
    return subprocess.run(
        [KUBECTL, *args], capture_output=True, text=True, env=env, timeout=30, check=False
    )


def kubeconfig_user(path: Path) -> tuple[str, dict[str, str]]:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    return config["clusters"][0]["cluster"]["server"], config["users"][0]["user"]


def trusted(kubeconfig: Path, out: Path) -> httpx.Client:
    """An httpx client that trusts (only) the authority the kubeconfig names."""
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
    cluster = config["clusters"][0]["cluster"]
    out.write_bytes(base64.b64decode(cluster["certificate-authority-data"]))
    context = ssl.create_default_context(cafile=str(out))
    return httpx.Client(base_url=cluster["server"], verify=context, timeout=10)


def test_loopback_and_wildcard_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.com", ""))
    assert client_url("0.0.0.0", 6443) == client_url("", 6443) == "http://127.0.0.1:6443"
    assert client_url("::", 6443) == "http://[::1]:6443"
    assert client_url("10.1.2.3", 80, "https") == "https://10.1.2.3:80"


def test_remote_binding_needs_allow_remote(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        start_local_cluster(tmp_path / "state", host="0.0.0.0")
    assert not (tmp_path / "state").exists()  # refused before anything was opened
    with pytest.raises(ValueError, match="printable ASCII"):
        start_local_cluster(tmp_path / "state", token="two words")
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "cluster", "serve", "--dir", str(tmp_path / "s"),
         "--host", "0.0.0.0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "--allow-remote" in done.stderr and not (tmp_path / "s").exists()


def test_token_guards_every_request_but_health_checks(tmp_path: Path) -> None:
    with start_local_cluster(tmp_path / "state", token=TOKEN) as handle:
        server, user = kubeconfig_user(handle.kubeconfig_path)
        assert (server, user) == (handle.url, {"token": TOKEN})
        assert handle.url.startswith("https://127.0.0.1:")
        assert stat.S_IMODE(handle.kubeconfig_path.stat().st_mode) == 0o600
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(handle.url + "/healthz")  # a fresh authority: nobody trusts it by default
        with trusted(handle.kubeconfig_path, tmp_path / "ca.crt") as http:
            for path in ("/healthz", "/readyz", "/livez"):
                assert http.get(path).status_code == 200
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                refused = http.get("/api/v1/namespaces", headers=headers)
                assert (refused.status_code, refused.json()) == (401, UNAUTHORIZED)
            assert http.get("/version").status_code == 401
            assert http.delete("/debug/requests").status_code == 401
            good = {"Authorization": f"Bearer {TOKEN}"}
            assert http.get("/api/v1/namespaces/default", headers=good).status_code == 200
            counted = http.get("/debug/requests", headers=good).json()
            # Refused requests are neither served nor counted (the health checks count).
            assert counted["byVerb"] == {"discovery": 3, "get": 1}

        # The official client and kubectl use the token from the kubeconfig.
        api = k8s_config.new_client_from_config(config_file=str(handle.kubeconfig_path))
        with api:
            names = [n.metadata.name for n in k8s.CoreV1Api(api).list_namespace().items]
            assert "default" in names
        listed = kubectl(handle.kubeconfig_path, tmp_path, "get", "namespaces", "-o", "name")
        assert listed.returncode == 0 and "namespace/default" in listed.stdout, listed.stderr
        wrong = tmp_path / "wrong-kubeconfig"
        config = yaml.safe_load(handle.kubeconfig_path.read_text(encoding="utf-8"))
        config["users"][0]["user"] = {"token": "not-" + TOKEN}
        wrong.write_text(yaml.safe_dump(config), encoding="utf-8")
        refused = kubectl(wrong, tmp_path, "get", "namespaces")
        assert refused.returncode == 1
        assert "You must be logged in to the server (Unauthorized)" in refused.stderr


def _serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "cluster", "serve", "--dir", str(tmp_path / "state"),
         "--kubeconfig-out", str(tmp_path / "kubeconfig"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    return process, process.stdout.readline()


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return err


def test_serve_on_all_interfaces_with_a_generated_token(tmp_path: Path) -> None:
    process, first = _serve(tmp_path, "--host", "0.0.0.0", "--allow-remote", "--token")
    try:
        assert first.startswith(f"serving {tmp_path / 'state'} at https://127.0.0.1:"), first
        url = first.split(" at ", 1)[1].strip()
        server, user = kubeconfig_user(tmp_path / "kubeconfig")
        assert server == url and "0.0.0.0" not in (tmp_path / "kubeconfig").read_text()
        assert len(user["token"]) >= 32
        with trusted(tmp_path / "kubeconfig", tmp_path / "ca.crt") as http:
            assert http.get("/api").status_code == 401
        created = kubectl(tmp_path / "kubeconfig", tmp_path, "create", "namespace", "remote")
        assert created.returncode == 0, created.stderr
    finally:
        err = _stop(process)
    assert "warning: listening on 0.0.0.0:" in err and "holds the token" in err
    assert user["token"] not in err  # the token is in the kubeconfig only


def test_serve_with_a_token_file_and_controllers(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.write_text("", encoding="utf-8")
    process, first = _serve(tmp_path, "--token-file", str(empty))
    _, err = process.communicate(timeout=30)
    assert (process.returncode, first) == (1, "") and "is empty" in err
    process, first = _serve(tmp_path, "--token-file", str(token_file), "--controllers", "all")
    try:
        assert first.startswith("serving ")
        assert kubeconfig_user(tmp_path / "kubeconfig")[1] == {"token": TOKEN}
        assert process.stdout is not None
        assert process.stdout.readline().startswith("kubeconfig: ")
        assert process.stdout.readline() == "controllers: deployment,endpointslice,hpa,namespace\n"
    finally:
        err = _stop(process)
    assert "warning" not in err  # loopback: nothing to warn about


def test_local_dir_clients_find_a_token_server(tmp_path: Path) -> None:
    """`--cluster local:DIR` reaches a server that requires a token, through its kubeconfig."""
    with start_local_cluster(tmp_path / "state", token=TOKEN) as handle:
        info = find_server(tmp_path / "state")  # its /healthz answers over HTTPS
        assert info is not None and info.url == handle.url
        with connect(f"local:{tmp_path / 'state'}") as cluster:
            assert cluster.get("v1", "Namespace", None, "default") is not None
