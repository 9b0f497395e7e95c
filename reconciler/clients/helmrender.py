"""One Helm render in a child process, so a render past its deadline is killed, not abandoned.

Helm's SDK is Go code called in-process; a Go call cannot be interrupted. A template that loops
for hours (`range until 100000` twice) would keep a thread and a CPU for hours in a long-running
reconciler. So every render runs in a fresh interpreter (`spawn`, never `fork`: the parent never
loads Go's runtime, and forking one is unsafe), is killed at `timeout_seconds`, and answers
with plain data: `Rendered`, or `Failed` (Helm's message, whether it was a values-schema
failure, the chart's name). Starting the child costs about 0.2 s; builds are cached by their
inputs, so a chart renders again only when something it reads changed.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection

from reconciler.specs.builds.port import HelmRelease


@dataclass(frozen=True)
class Rendered:
    crds: list[dict[str, str]]
    """`Chart.crds`: `{"name": "crds/a.yaml", "filename": "web/crds/a.yaml", "data": ...}`,
    the chart's and every subchart's, `filename` by chart name like a template's."""
    manifests: dict[str, str]
    """`Chart.render`: template name (`web/templates/x.yaml`) -> rendered text."""


@dataclass(frozen=True)
class Failed:
    message: str
    chart: str | None = None
    """The chart's name, once it loaded (Helm's paths in `message` start with it)."""
    values: bool = False
    """A values problem (`HelmValuesError`): the message lists `- at '<pointer>'` lines."""
    sdk: bool = False
    """The SDK itself could not be used (not installed, native library missing)."""


def render(archive: bytes, release: HelmRelease, timeout: float) -> Rendered | Failed | None:
    """Render `archive` in a child process; None when it ran past `timeout` (it is killed)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, archive, release), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            return None
        answer: Rendered | Failed = receive.recv()
        return answer
    except EOFError:  # the child died without answering (killed, out of memory)
        return Failed(f"helm render process ended without an answer (exit {child.exitcode})")
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
        child.close()


def _child(send: Connection, archive: bytes, release: HelmRelease) -> None:
    try:
        send.send(_render(archive, release))
    finally:
        send.close()


def _render(archive: bytes, release: HelmRelease) -> Rendered | Failed:
    try:
        import helm_python as helm
    except Exception as err:  # ImportError, or HelmLibraryError: the library would not load
        return Failed(str(err), sdk=True)
    name: str | None = None
    try:
        with helm.Chart.load_archive(archive) as chart:
            name = chart.name
            manifests = chart.render(
                dict(release.values),
                name=release.name,
                namespace=release.namespace,
                is_install=True,
            )
            crds = chart.crds if release.include_crds else []
    except helm.HelmError as err:
        return Failed(str(err), name, values=isinstance(err, helm.HelmValuesError))
    except (TypeError, ValueError) as err:  # values that JSON cannot encode
        return Failed(f"values cannot be given to Helm: {err}", name)
    return Rendered(crds, manifests)
