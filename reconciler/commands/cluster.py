"""`reconciler cluster serve`: the embedded cluster as a standalone server for kubectl.

    reconciler cluster serve --dir .state/cluster --port 6443 --kubeconfig-out kubeconfig
    kubectl --kubeconfig kubeconfig get namespaces

The state lives in `--dir` and survives restarts; the kubeconfig (default `DIR/kubeconfig`)
points at `http://HOST:PORT` (`127.0.0.1` when `--host 0.0.0.0`). Runs until interrupted.

Safe to leave running: it binds loopback only unless `--allow-remote` (with a warning).
`--token` (generated) or `--token-file F` requires that bearer token on every request but the
health checks and serves HTTPS with a certificate from a fresh authority (kubectl sends
credentials only over TLS); the kubeconfig (mode 0600) holds both. `--controllers
namespace,deployment,endpointslice,hpa` (or `all`) runs those stand-ins for
kube-controller-manager (`reconciler.localcluster.controllers`); none by default.

One server per directory: while it runs it holds `DIR/.lock` and publishes its URL in
`DIR/server.json`, so `--cluster local:DIR` talks to it rather than opening the state itself,
and a second `cluster serve --dir DIR` exits 1 at once, naming the server that holds DIR.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from reconciler.localcluster.controllers import CONTROLLER_NAMES, parse_controllers
from reconciler.localcluster.server import DirectoryInUseError, is_loopback, start_local_cluster


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "cluster", help="the embedded Kubernetes-API-compatible cluster"
    )
    commands = parser.add_subparsers(dest="cluster_command", metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve a cluster state directory over HTTP")
    serve.add_argument("--dir", required=True, type=Path, help="state directory (SQLite)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback (no RBAC: use a token, trust the network)",
    )
    token = serve.add_mutually_exclusive_group()
    token.add_argument(
        "--token",
        action="store_true",
        help="require a generated bearer token, over HTTPS (both in the kubeconfig)",
    )
    token.add_argument(
        "--token-file",
        type=Path,
        default=None,
        help="require the bearer token in this file (HTTPS)",
    )
    serve.add_argument(
        "--controllers",
        default="",
        metavar="LIST",
        help=f"controllers to run: {','.join(CONTROLLER_NAMES)}, or all (default: none)",
    )
    serve.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    serve.add_argument(
        "--kubeconfig-out", type=Path, default=None, help="kubeconfig path (default DIR/kubeconfig)"
    )
    serve.set_defaults(func=serve_command)
    parser.set_defaults(func=lambda args: _usage(parser))


def _private(directory: Path) -> None:
    """With a token the state must be as private as the token: the SQLite file holds every
    Secret, so only the owner may read the directory (as for the kubeconfig, 0600)."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    for path in directory.glob("cluster.db*"):
        path.chmod(0o600)


def _port(text: str) -> int:
    """A TCP port: 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: 0 (a free one) to 65535")
    return value


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


def _token(args: argparse.Namespace) -> str | None:
    """The bearer token asked for: generated (`--token`), read (`--token-file`), or none."""
    if args.token:
        return secrets.token_urlsafe(32)
    if args.token_file is None:
        return None
    lines = args.token_file.read_text(encoding="utf-8").splitlines()
    token = lines[0].strip() if lines else ""
    if not token:
        raise ValueError(f"--token-file {args.token_file} is empty")
    return token


def _serve_problem(args: argparse.Namespace) -> str | None:
    """What forbids serving as asked (remote without --allow-remote), before anything opens."""
    if not is_loopback(args.host) and not args.allow_remote:
        return (
            f"--host {args.host} is not loopback, and this server has no authorization and at "
            "most a bearer token; add --allow-remote to serve it anyway"
        )
    return _path_problem(args.dir, args.kubeconfig_out)


def serve_command(args: argparse.Namespace) -> int:
    problem = _serve_problem(args)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        token = _token(args)
        controllers = parse_controllers(args.controllers)
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if token is not None:
        _private(args.dir)
    try:
        cluster = start_local_cluster(
            args.dir,
            host=args.host,
            port=args.port,
            kubeconfig_path=args.kubeconfig_out,
            token=token,
            allow_remote=args.allow_remote,
            controllers=controllers,
        )
    except ValueError as error:  # an unusable token
        print(f"error: {error}", file=sys.stderr)
        return 1
    except DirectoryInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else f"{args.host}:{args.port}: "
        print(f"error: cannot serve {args.dir}: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    if token is not None:
        _private(args.dir)  # again: SQLite made its files after the first call
    stop = threading.Event()
    # Explicit handlers: a process started in the background inherits SIGINT ignored, and
    # Kubernetes stops containers with SIGTERM; both must end the server cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    print(f"serving {args.dir} at {cluster.url}", flush=True)
    print(f"kubeconfig: {cluster.kubeconfig_path}", flush=True)
    if not is_loopback(args.host):
        where = f"{args.host}:{cluster.url.rsplit(':', 1)[1]}"
        who = (
            "anyone who can reach it and holds the token"
            if token
            else "over plain HTTP WITHOUT authentication: anyone who can reach it"
        )
        print(
            f"warning: listening on {where}, {who} can read and change all of this cluster",
            file=sys.stderr,
            flush=True,
        )
    if controllers:
        print(f"controllers: {','.join(sorted(controllers))}", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        cluster.stop()
    return 0
