"""A `SourceTree` over a local working directory, for `reconciler validate PATH` and `plan --watch`.

It reports what is on disk, as `GitTree` reports what is in a commit: regular files with their
bytes (or only their size above `max_size`), symlinks with their target and never followed
(a link to `/etc` or `../../secrets` is the loader's to refuse, not ours to read), and nothing
from `.git/`. Sockets, FIFOs and devices are skipped. Paths are POSIX, relative to `root`,
sorted, exactly like a git tree of the same files:

    DirectoryTree(Path("ops-specs")).iter_files(max_size=1 << 20)
    -> SourceFile("reconciler.yaml", 212, b"..."), SourceFile("specs/tools.yaml", ...), ...
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from reconciler.specs.tree import SourceFile


class DirectoryTree:
    """The files under `root`, implementing `SourceTree`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise NotADirectoryError(f"{self.root}: not a directory")

    @property
    def description(self) -> str:
        return str(self.root)

    def __repr__(self) -> str:
        return f"DirectoryTree({str(self.root)!r})"

    def iter_files(self, *, max_size: int) -> Iterator[SourceFile]:
        """Every regular file and symlink under `root`, sorted by path."""
        entries = sorted(self._walk(self.root, ""), key=lambda e: e[0])
        for rel, entry in entries:
            found = _source_file(rel, entry, max_size)
            if found is not None:
                yield found

    def read(self, path: str) -> bytes | None:
        """The bytes of a regular file, or None when it is missing, not a regular file, or
        reached through a symlink or outside `root`."""
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if not parts or ".." in parts or parts[0] == ".git":
            return None
        current = self.root
        for part in parts:
            current = current / part
            try:
                mode = current.lstat().st_mode
            except OSError:
                return None
            if stat.S_ISLNK(mode):
                return None
        if not stat.S_ISREG(mode):
            return None
        try:
            return current.read_bytes()
        except OSError:
            return None

    def _walk(self, directory: Path, prefix: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
        with os.scandir(directory) as it:
            children = list(it)
        for entry in children:
            rel = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                # Hidden directories (.git, .venv, caches) are never specs: the loader skips
                # hidden paths, so reading them would only cost time (35k files in a .venv).
                if not entry.name.startswith("."):
                    yield from self._walk(Path(entry.path), rel + "/")
            elif not (prefix == "" and entry.name == ".git"):  # a worktree's `.git` file
                yield rel, entry


def _source_file(rel: str, entry: os.DirEntry[str], max_size: int) -> SourceFile | None:
    try:
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(entry.path)
            return SourceFile(path=rel, size=len(os.fsencode(target)), symlink_target=target)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > max_size:
            return SourceFile(path=rel, size=info.st_size)
        with open(entry.path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:  # removed while walking (an editor's temp file): not there
        return None
    return SourceFile(path=rel, size=len(data), data=data)
