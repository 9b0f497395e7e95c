"""An index of a source tree's paths, for finding kustomizations and charts and reading a build's
files (pure: the bytes come from the tree the loader already walked).

A source may be a directory of its repository (`--path deploy/overlays/production`). Its
overlays may still use bases elsewhere in the repository, as they do under Argo CD: paths that
leave the tree (`../../bases/web`) are looked up in the whole tree (`outer`), read only when a
build needs them. Paths that leave the repository itself are never anyone's."""

from __future__ import annotations

import bisect
import posixpath
from collections.abc import Callable, Iterable

from reconciler.specs.builds.kustomization import KUSTOMIZATION_FILES, Layout
from reconciler.specs.tree import SourceFile, SourceTree

Outer = Callable[[], "tuple[SourceTree, str] | None"]

CHART_FILE = "Chart.yaml"


class TreeIndex:
    """Every file of a tree by path, its directories, and the bytes of each file. `read`
    answers symlinks: a link to a file inside the tree reads its target (as the loader does)."""

    def __init__(
        self,
        files: Iterable[SourceFile],
        read: Callable[[str], bytes | None],
        *,
        outer: Outer | None = None,
        max_size: int = 1 << 20,
    ) -> None:
        self.files = {f.path: f for f in files}
        self.paths = sorted(self.files)
        self._read = read
        self._outer_source = outer
        self._outer: tuple[TreeIndex, str] | None = None
        self._outer_read = False
        self._max_size = max_size
        self.dirs = {"."}
        for path in self.paths:
            parent = posixpath.dirname(path)
            while parent and parent not in self.dirs:
                self.dirs.add(parent)
                parent = posixpath.dirname(parent)
        self.layout = Layout(self.is_file, self.is_dir, self.kustomization_in, self.inside)

    @property
    def subdir(self) -> str | None:
        """Where this tree sits in the whole one, once a path outside it was looked up."""
        return self._outer[1] if self._outer else None

    def _outside(self, path: str) -> tuple[TreeIndex, str] | None:
        """For a path that leaves this tree (`../x`), the whole tree's index and the path there;
        None when there is no whole tree or the path leaves it too."""
        if not (path == ".." or path.startswith("../")) or self._outer_source is None:
            return None
        if not self._outer_read:
            self._outer_read = True
            found = self._outer_source()
            if found is not None:
                tree, subdir = found
                files = tree.iter_files(max_size=self._max_size)
                self._outer = (TreeIndex(files, tree.read, max_size=self._max_size), subdir)
        if self._outer is None:
            return None
        index, subdir = self._outer
        full = posixpath.normpath(posixpath.join(subdir, path))
        return None if full == ".." or full.startswith("../") else (index, full)

    def inside(self, path: str) -> bool:
        """True when `path` is in the repository (this tree, or the whole one around it)."""
        return not (path == ".." or path.startswith(("../", "/"))) or bool(self._outside(path))

    def is_file(self, path: str) -> bool:
        found = self._outside(path)
        return found[0].is_file(found[1]) if found else path in self.files

    def is_dir(self, path: str) -> bool:
        found = self._outside(path)
        return found[0].is_dir(found[1]) if found else path in self.dirs

    def kustomization_in(self, directory: str) -> str | None:
        for name in KUSTOMIZATION_FILES:
            path = name if directory == "." else f"{directory}/{name}"
            if self.is_file(path):
                return path
        return None

    def chart_in(self, directory: str) -> str | None:
        path = CHART_FILE if directory == "." else f"{directory}/{CHART_FILE}"
        return path if path in self.files else None

    def under(self, directory: str) -> list[str]:
        """The files in `directory` and below, sorted."""
        found = self._outside(directory)
        if found is not None:
            index, full = found
            subdir = self._outer[1] if self._outer else "."
            return [posixpath.relpath(p, subdir) for p in index.under(full)]
        if directory == ".":
            return list(self.paths)
        prefix = directory + "/"
        start = bisect.bisect_left(self.paths, prefix)
        end = bisect.bisect_left(self.paths, prefix + "\U0010ffff")
        return self.paths[start:end]

    def data(self, path: str) -> tuple[bytes | None, str | None]:
        """The bytes of `path`, or None and why not (too large, a link out of the tree)."""
        outside = self._outside(path)
        if outside is not None:
            return outside[0].data(outside[1])
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
