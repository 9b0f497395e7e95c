"""`reconciler cluster serve`: the embedded cluster as a standalone server for kubectl.

    reconciler cluster serve --dir .state/cluster --port 6443 --kubeconfig-out kubeconfig
    kubectl --kubeconfig kubeconfig get namespaces

The state lives in `--dir` and survives restarts; the kubeconfig (default `DIR/kubeconfig`)
points at `http://HOST:PORT` without authentication. Runs until interrupted.

One server per directory: while it runs it holds `DIR/.lock` and publishes its URL in
`DIR/server.json`, so `--cluster local:DIR` talks to it rather than opening the state itself,
and a second `cluster serve --dir DIR` exits 1 at once, naming the server that holds DIR.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from reconciler.localcluster.server import DirectoryInUseError, start_local_cluster


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "cluster", help="the embedded Kubernetes-API-compatible cluster"
    )
    commands = parser.add_subparsers(dest="cluster_command", metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve a cluster state directory over HTTP")
    serve.add_argument("--dir", required=True, type=Path, help="state directory (SQLite)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument(
        "--kubeconfig-out", type=Path, default=None, help="kubeconfig path (default DIR/kubeconfig)"
    )
    serve.set_defaults(func=serve_command)
    parser.set_defaults(func=lambda args: _usage(parser))


def _path_problem(directory: Path, kubeconfig: Path | None) -> str | None:
    """A clear word for paths that cannot work, before anything is opened."""
    if directory.exists() and not directory.is_dir():
        return f"--dir {directory} exists and is not a directory"
    if kubeconfig is not None and kubeconfig.is_dir():
        return f"--kubeconfig-out {kubeconfig} is a directory"
    return None


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def serve_command(args: argparse.Namespace) -> int:
    problem = _path_problem(args.dir, args.kubeconfig_out)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        cluster = start_local_cluster(
            args.dir, host=args.host, port=args.port, kubeconfig_path=args.kubeconfig_out
        )
    except DirectoryInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else f"{args.host}:{args.port}: "
        print(f"error: cannot serve {args.dir}: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    stop = threading.Event()
    # Explicit handlers: a process started in the background inherits SIGINT ignored, and
    # Kubernetes stops containers with SIGTERM; both must end the server cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    print(f"serving {args.dir} at {cluster.url}", flush=True)
    print(f"kubeconfig: {cluster.kubeconfig_path}", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        cluster.stop()
    return 0
