"""An index of a source tree's paths, for finding kustomizations and charts and reading a build's
files (pure: the bytes come from the tree the loader already walked)."""

from __future__ import annotations

import bisect
import posixpath
from collections.abc import Callable, Iterable

from reconciler.specs.builds.kustomization import KUSTOMIZATION_FILES, Layout
from reconciler.specs.tree import SourceFile

CHART_FILE = "Chart.yaml"


class TreeIndex:
    """Every file of a tree by path, its directories, and the bytes of each file. `read`
    answers symlinks: a link to a file inside the tree reads its target (as the loader does)."""

    def __init__(self, files: Iterable[SourceFile], read: Callable[[str], bytes | None]) -> None:
        self.files = {f.path: f for f in files}
        self.paths = sorted(self.files)
        self._read = read
        self.dirs = {"."}
        for path in self.paths:
            parent = posixpath.dirname(path)
            while parent and parent not in self.dirs:
                self.dirs.add(parent)
                parent = posixpath.dirname(parent)
        self.layout = Layout(self.is_file, self.is_dir, self.kustomization_in)

    def is_file(self, path: str) -> bool:
        return path in self.files

    def is_dir(self, path: str) -> bool:
        return path in self.dirs

    def kustomization_in(self, directory: str) -> str | None:
        for name in KUSTOMIZATION_FILES:
            path = name if directory == "." else f"{directory}/{name}"
            if path in self.files:
                return path
        return None

    def chart_in(self, directory: str) -> str | None:
        path = CHART_FILE if directory == "." else f"{directory}/{CHART_FILE}"
        return path if path in self.files else None

    def under(self, directory: str) -> list[str]:
        """The files in `directory` and below, sorted."""
        if directory == ".":
            return list(self.paths)
        prefix = directory + "/"
        start = bisect.bisect_left(self.paths, prefix)
        end = bisect.bisect_left(self.paths, prefix + "\U0010ffff")
        return self.paths[start:end]

    def data(self, path: str) -> tuple[bytes | None, str | None]:
        """The bytes of `path`, or None and why not (too large, a link out of the tree)."""
        found = self.files.get(path)
        if found is None:
            return None, "does not exist"
        if found.symlink_target is not None:
            target = posixpath.normpath(
                posixpath.join(posixpath.dirname(path), found.symlink_target)
            )
            if found.symlink_target.startswith("/") or target == ".." or target.startswith("../"):
                return None, f"symlink to {found.symlink_target!r} points outside the repository"
            data = self._read(target)
            return (data, None) if data is not None else (None, f"symlink to {target!r}: no file")
        if found.data is None:
            return None, f"file is {found.size:,} bytes, over the limit (maxFileSize)"
        return found.data, None


def ancestors(path: str) -> list[str]:
    """The directories above `path`, nearest first, ending with "."."""
    out = []
    parent = posixpath.dirname(path)
    while parent:
        out.append(parent)
        parent = posixpath.dirname(parent)
    out.append(".")
    return out
