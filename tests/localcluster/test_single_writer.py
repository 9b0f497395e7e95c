"""`local:DIR` has one writer: a served directory is used through its server, never opened
beside it, and a second server on it is refused. Real `reconciler cluster serve` processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.clients import kubeconnect
from reconciler.clients.cluster_api import TransientClusterError
from reconciler.clients.kubeconnect import connect
from reconciler.localcluster.server import DirectoryInUseError, start_local_cluster
from reconciler.localcluster.storage.dirlock import DirectoryLock
from tests.localcluster.conftest import KUBECTL

MANAGER = "single-writer-test"


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _serve_command(state: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", "cluster", "serve", "--dir", str(state), *extra]


def _serve(state: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """A `cluster serve` process, once it serves; and its URL."""
    process = subprocess.Popen(
        _serve_command(state, *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith(f"serving {state} at http://127.0.0.1:"), process.stderr
    return process, line.rsplit(" ", 1)[1].strip()


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"cluster serve did not stop: {err}") from None
    assert process.returncode == 0, err


def _kubectl(kubeconfig: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(kubeconfig)}
    return subprocess.run(
        [KUBECTL, *args], capture_output=True, text=True, env=env, timeout=30, check=False
    )


def _open_here(state: Path) -> list[str]:
    """Files of `state` this process has open (the SQLite database, when it opened it)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc")
    found = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(state.resolve()) + "/"):
            found.append(Path(target).name)
    return sorted(found)


def _namespace(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def test_connect_local_talks_to_the_server_that_holds_the_directory(tmp_path: Path) -> None:
    state = tmp_path / "state"
    server, url = _serve(state)
    try:
        kubeconfig = state / "kubeconfig"
        before = (kubeconfig.read_bytes(), kubeconfig.stat().st_mtime_ns)
        published = json.loads((state / "server.json").read_text())
        assert (published["url"], published["pid"]) == (url, server.pid)
        with connect(f"local:{state}") as cluster:
            cluster.apply(_namespace("via-connect"), field_manager=MANAGER)
            assert cluster.get("v1", "Namespace", None, "via-connect") is not None
            assert [n for n in _open_here(state) if n.startswith("cluster.db")] == []
        assert (kubeconfig.read_bytes(), kubeconfig.stat().st_mtime_ns) == before
        got = _kubectl(kubeconfig, tmp_path, "get", "namespace", "via-connect", "-o", "name")
        assert (got.returncode, got.stdout) == (0, "namespace/via-connect\n"), got.stderr
    finally:
        _stop(server)
    assert not (state / "server.json").exists()


def test_a_second_server_on_a_served_directory_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first, url = _serve(state, "--kubeconfig-out", str(tmp_path / "first.kubeconfig"))
    try:
        second = subprocess.run(
            _serve_command(state, "--kubeconfig-out", str(tmp_path / "second.kubeconfig")),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert second.returncode == 1, second.stdout
        assert "is already served by another server" in second.stderr
        assert f"pid {first.pid}" in second.stderr and url in second.stderr
        assert not (tmp_path / "second.kubeconfig").exists()
        with pytest.raises(DirectoryInUseError) as refused:
            start_local_cluster(state)
        assert refused.value.server is not None and refused.value.server.url == url
        assert refused.value.holder == first.pid
    finally:
        _stop(first)
    with start_local_cluster(state) as after:  # the lock went with the first server
        assert json.loads((state / "server.json").read_text())["url"] == after.url


def test_a_crashed_servers_leftovers_do_not_block_the_directory(tmp_path: Path) -> None:
    state = tmp_path / "state"
    server, url = _serve(state)
    server.kill()  # no clean-up: server.json stays, the kernel drops the lock
    server.communicate(timeout=30)
    assert json.loads((state / "server.json").read_text())["url"] == url
    with connect(f"local:{state}") as cluster:  # served here now
        cluster.apply(_namespace("after-crash"), field_manager=MANAGER)
        assert json.loads((state / "server.json").read_text())["pid"] == os.getpid()
        assert "cluster.db" in _open_here(state)
    assert not (state / "server.json").exists()


def test_in_process_servers_are_single_writers_too(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with start_local_cluster(state) as local:
        with pytest.raises(DirectoryInUseError):
            start_local_cluster(state)
        kubeconfig = local.kubeconfig_path.read_bytes()
        before = local.state.counter.snapshot()["total"]
        with connect(f"local:{state}") as cluster:
            cluster.apply(_namespace("same-process"), field_manager=MANAGER)
        assert local.state.counter.snapshot()["total"] > before  # it went to `local`
        assert local.kubeconfig_path.read_bytes() == kubeconfig
        assert local.state.namespace_exists("same-process")


def test_a_holder_that_does_not_answer_is_a_transient_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.setattr(kubeconnect, "LOCAL_SERVER_WAIT", 0.3)
    lock = DirectoryLock.acquire(state)  # held, nothing published (a server starting up)
    try:
        with (
            pytest.raises(TransientClusterError, match="does not answer"),
            connect(f"local:{state}"),
        ):
            pass
        assert not (state / "cluster.db").exists()  # nothing opened beside the holder
        # A crashed server's server.json, whose port now serves another directory: not used.
        with start_local_cluster(tmp_path / "other") as other:
            leftover = {"url": other.url, "kubeconfig": str(other.kubeconfig_path), "pid": 1}
            (state / "server.json").write_text(json.dumps(leftover))
            with (
                pytest.raises(TransientClusterError, match="does not answer"),
                connect(f"local:{state}"),
            ):
                pass
    finally:
        lock.release()
