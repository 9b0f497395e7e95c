"""Builds cached by their inputs: the same files and settings never build twice (pure).

A build's key is a SHA-256 over its kind, root, settings and every input file's path and
content hash, so it changes exactly when something the build reads changes, wherever the bytes
came from (a commit or a working copy). `plan --watch` and the service keep one cache across
runs: a push that touches one overlay rebuilds that overlay only.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import asdict, replace

from reconciler.specs.builds.port import Builder, BuildKind, BuildOutput, BuildRequest


def build_key(request: BuildRequest) -> str:
    """The cache key of `request` (see the module docstring)."""
    digest = hashlib.sha256()
    settings = {
        "kind": request.kind,
        "root": request.root,
        "limits": asdict(request.limits),
        "release": asdict(request.release) if request.release else None,
    }
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in sorted(request.files):
        digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(request.files[path]).digest())
    return digest.hexdigest()


class CachingBuilder:
    """A `Builder` that answers a repeated request from memory. Failed builds are not kept:
    a timeout may pass on the next try. At most `size` outputs are kept (least recently used
    go first)."""

    def __init__(self, inner: Builder, size: int = 64) -> None:
        self.inner = inner
        self.size = size
        self.entries: OrderedDict[str, BuildOutput] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def build(self, request: BuildRequest) -> BuildOutput:
        key = build_key(request)
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            return replace(found, cached=True)
        self.misses += 1
        output = self.inner.build(request)
        if output.ok:
            self.entries[key] = output
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return output


def cached(builders: dict[BuildKind, Builder], size: int = 64) -> dict[BuildKind, Builder]:
    """Each builder wrapped in its own cache."""
    return {kind: CachingBuilder(builder, size) for kind, builder in builders.items()}
