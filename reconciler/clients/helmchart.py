"""The Helm builder: Helm's own Go SDK in-process (`helm-python-sdk`), offline, no `helm` binary.

A chart renders as `helm template` would: its `values.yaml` coalesced with the values the
loader merged from `reconciler.yaml`, checked against every `values.schema.json` (the chart's
and its subcharts'), `lookup` answering nothing (no cluster is contacted) and dependencies only
from the chart's own `charts/` directory (nothing is fetched).

The chart is never written to disk: its files (bytes from the commit) are packed into a `.tgz`
in memory, under one top directory as `helm package` would, and loaded from there:

    HelmBuilder().build(BuildRequest("helm", "charts/web", files, release=HelmRelease(...)))
    -> BuildOutput(rendered=(RenderedFile("charts/web/crds/widget.yaml", ...),
                             RenderedFile("charts/web/templates/deploy.yaml", ...)))

Paths. Helm names what it renders by chart *name*, not directory: `web/templates/x.yaml`, and
`web/charts/sub/templates/y.yaml` for a subchart whose `Chart.yaml` says `name: sub`, wherever
it lives under `charts/`. `ChartPaths` turns those names back into repository files (so an
object or an error points at the template that made it); a subchart packed as a `.tgz` has no
files in the repository, and its names keep the naive mapping.

Values. A schema failure comes back as Helm's text, one section per chart (by name):

    values don't meet the specifications of the schema(s) in the following chart(s):
    web:
    - at '/replicaCount': got string, want integer
    sub:
    - at '/port': got string, want integer

and becomes `ValueProblem("/replicaCount", ...)` and `ValueProblem("/sub/port", ...)`: a
subchart validates its own part of the values, so its pointers are prefixed with its path.

A Go call cannot be interrupted, so load and render run in a child process (`helmrender`),
killed at `limits.timeout_seconds`.
"""

from __future__ import annotations

import io
import posixpath
import re
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from reconciler.clients.helmrender import Failed, Rendered, render
from reconciler.specs.builds.port import (
    BuildOutput,
    BuildRequest,
    RenderedFile,
    ValueProblem,
)

__all__ = ["SDK_MISSING", "ChartPaths", "HelmBuilder", "value_problems"]

SDK_MISSING = "Helm SDK not available: install helm-python-sdk"
NOTES = "NOTES.txt"  # Helm drops every template whose name ends so (`helm template` prints none)
_PROBLEM = re.compile(r"^- at '(?P<pointer>[^']*)': (?P<message>.*)$")
_SECTION = re.compile(r"^(?P<chart>[^\s:'-][^\s:']*):$")


class HelmBuilder:
    """`Builder` for kind "helm"."""

    def build(self, request: BuildRequest) -> BuildOutput:
        """Render the chart at `request.root` for `request.release`; never raises for a bad
        chart."""
        release = request.release
        if release is None:
            return BuildOutput(error="a Helm build needs a release (name and namespace)")
        paths = ChartPaths.of(request.root, request.files)
        if paths.refused:
            return BuildOutput(error=f"refusing to build with file path {paths.refused!r}")
        archive = paths.archive(request.files)
        limits = request.limits
        outcome = render(archive, release, limits.timeout_seconds)
        if outcome is None:
            return BuildOutput(error=f"helm render timed out after {limits.timeout_seconds:g} s")
        if isinstance(outcome, Failed):
            return _failure(outcome, paths)
        rendered = paths.rendered(outcome)
        if sum(len(r.text.encode()) for r in rendered) > limits.max_output_bytes:
            return BuildOutput(
                error=f"helm output exceeds {limits.max_output_bytes} bytes (render.maxOutputBytes)"
            )
        return BuildOutput(rendered=rendered)


def _failure(failed: Failed, paths: ChartPaths) -> BuildOutput:
    if failed.sdk:
        return BuildOutput(error=f"{SDK_MISSING} ({failed.message})")
    message = failed.message.strip() or "Helm failed"
    if failed.chart:
        message = paths.rewrite(message, failed.chart)
    if failed.values:
        return BuildOutput(
            error=message, value_problems=value_problems(message, paths, failed.chart)
        )
    return BuildOutput(error=message)


def value_problems(
    message: str, paths: ChartPaths | None = None, chart: str | None = None
) -> tuple[ValueProblem, ...]:
    """The `- at '<pointer>': <why>` lines of Helm's schema failure, each pointer made a
    pointer into the merged values (a subchart's section prefixed with the subchart's path;
    `chart` is the top chart's name)."""
    found: list[ValueProblem] = []
    prefix = ""
    for line in message.splitlines():
        line = line.strip()
        problem = _PROBLEM.match(line)
        if problem:
            found.append(ValueProblem(prefix + problem["pointer"], problem["message"].strip()))
            continue
        section = _SECTION.match(line)
        if section:
            name = section["chart"]
            if name == chart:
                prefix = ""
            elif paths is not None and name in paths.values_prefix:
                prefix = paths.values_prefix[name]
            else:  # a subchart we have no directory for (packed): most likely a direct one
                prefix = "/" + _escape(name)
    return tuple(dict.fromkeys(found))


@dataclass
class ChartPaths:
    """Between the repository and Helm's names for the chart at `root` (see the module
    docstring). `dirs` maps a subchart's name path (`charts/sub`, `charts/sub/charts/x`) to
    its directory under `root`; `values_prefix` a subchart's name to its values pointer."""

    root: str
    top: str
    dirs: dict[str, str]
    values_prefix: dict[str, str]
    refused: str | None = None

    @classmethod
    def of(cls, root: str, files: Mapping[str, bytes]) -> ChartPaths:
        root = root.strip("/")
        root = "" if root in ("", ".") else root
        top = posixpath.basename(root) or "chart"
        refused = next((p for p in [root or ".", *sorted(files)] if _unsafe(p)), None)
        names: dict[str, str] = {}  # subchart directory -> its name
        prefix = f"{root}/" if root else ""
        for path in files:
            rel = path[len(prefix) :] if path.startswith(prefix) else None
            if rel is None or not rel.endswith("/Chart.yaml"):
                continue
            directory = rel[: -len("/Chart.yaml")]
            parts = directory.split("/")
            if len(parts) % 2 == 0 and all(p == "charts" for p in parts[::2]):
                name = _chart_name(files[path])
                if name:
                    names[directory] = name
        name_paths = {"": ""}  # subchart directory -> its name path
        dirs: dict[str, str] = {}
        values_prefix: dict[str, str] = {}
        for directory in sorted(names, key=lambda d: d.count("/")):
            parent = directory.rsplit("/", 2)[0] if directory.count("/") > 1 else ""
            if parent not in name_paths:
                continue  # below a directory that is no chart: Helm does not load it either
            name_path = posixpath.join(name_paths[parent], "charts", names[directory])
            name_paths[directory] = name_path
            dirs.setdefault(name_path, directory)
            pointer = "/" + "/".join(_escape(n) for n in name_path.split("/")[1::2])
            values_prefix.setdefault(names[directory], pointer)
        return cls(root, top, dirs, values_prefix, refused)

    def archive(self, files: Mapping[str, bytes]) -> bytes:
        """The chart's files as a gzipped tar under one top directory (what Helm loads)."""
        prefix = f"{self.root}/" if self.root else ""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
            for path in sorted(files):
                if path.startswith(prefix):
                    data = files[path]
                    info = tarfile.TarInfo(f"{self.top}/{path[len(prefix) :]}")
                    info.size = len(data)
                    info.mode = 0o644
                    tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    def repo_path(self, helm_name: str) -> str:
        """`web/templates/x.yaml` -> `charts/web/templates/x.yaml`; a subchart's name path
        becomes its directory."""
        rest = helm_name.split("/", 1)[1] if "/" in helm_name else helm_name
        for name_path in sorted(self.dirs, key=len, reverse=True):
            if rest.startswith(name_path + "/"):
                rest = self.dirs[name_path] + rest[len(name_path) :]
                break
        return f"{self.root}/{rest}" if self.root else rest

    def rewrite(self, message: str, chart: str) -> str:
        """Helm's message with its template names (`web/templates/x.yaml:3:5`) made
        repository paths."""
        pattern = re.compile(rf"(?<![\w./-]){re.escape(chart)}/[^\s:\"'()<>,]+")
        return pattern.sub(lambda m: self.repo_path(m.group(0)), message)

    def rendered(self, outcome: Rendered) -> tuple[RenderedFile, ...]:
        """CRDs (by path, once each) then templates (by path), blank ones and notes dropped."""
        crds: dict[str, RenderedFile] = {}
        for crd in outcome.crds:
            path = self.repo_path(crd.get("filename") or crd.get("name", ""))
            if crd.get("data", "").strip():
                crds.setdefault(path, RenderedFile(path, crd["data"]))
        templates = [
            RenderedFile(self.repo_path(name), text)
            for name, text in outcome.manifests.items()
            if not name.endswith(NOTES) and text.strip()
        ]
        by_path = sorted(crds.values(), key=_path) + sorted(templates, key=_path)
        return tuple(by_path)


def _chart_name(data: bytes) -> str | None:
    try:
        meta: Any = yaml.safe_load(data)
    except yaml.YAMLError:
        return None  # Helm refuses the chart and says why
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else None


def _unsafe(path: str) -> bool:
    return not path or path.startswith("/") or "\0" in path or ".." in path.split("/")


def _path(rendered: RenderedFile) -> str:
    return rendered.path or ""


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
