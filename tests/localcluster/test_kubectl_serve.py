"""`reconciler cluster serve` as a process, used by the real kubectl, state kept across runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.localcluster.conftest import KUBECTL


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _serve(state: Path, kubeconfig: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "cluster", "serve", "--dir", str(state),
         "--kubeconfig-out", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a background job of a non-interactive shell (CI) starts it: SIGINT ignored.
        preexec_fn=_ignore_sigint,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().startswith(f"serving {state} at http://127.0.0.1:")
    return process


def _stop(process: subprocess.Popen[str], signum: int = signal.SIGINT) -> None:
    """Ctrl-C, as a person would. The server bounds its own shutdown (about 10 s at most under
    load), so 30 s here only guards against a hang; on one, kill it and say what it printed."""
    process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        name = signal.Signals(signum).name
        raise AssertionError(f"cluster serve did not stop on {name}: {err}") from None
    assert process.returncode == 0, err


def _kubectl(kubeconfig: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(kubeconfig)}
    return subprocess.run(
        [KUBECTL, *args], capture_output=True, text=True, env=env, timeout=30, check=False
    )


def test_serve_keeps_state_across_restarts(tmp_path: Path) -> None:
    state, kubeconfig = tmp_path / "state", tmp_path / "out" / "kubeconfig"
    server = _serve(state, kubeconfig)
    try:
        created = _kubectl(kubeconfig, tmp_path, "create", "namespace", "kept")
        assert created.returncode == 0, created.stderr
    finally:
        _stop(server)
    server = _serve(state, kubeconfig)  # a new port: the kubeconfig is rewritten
    try:
        got = _kubectl(kubeconfig, tmp_path, "get", "namespace", "kept", "-o", "name")
        assert (got.returncode, got.stdout) == (0, "namespace/kept\n"), got.stderr
    finally:
        _stop(server, signal.SIGTERM)  # how Kubernetes stops a container
