"""A source tree: the files a loader reads, from a directory or from a git commit.

The loader never opens paths itself; it iterates a `SourceTree`, so the same code validates a
working copy (`reconciler validate specs/`) and the exact tree of a fetched commit (the engine
never reads a remote's working copy). Paths are POSIX and relative to the tree's root.

A symlink is reported with its target instead of data, so the loader can refuse links that
point outside the tree without following them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SourceFile:
    """One file of a tree: `data` is None for a symlink (then `symlink_target` is set) or a
    file over the size limit (then only `size` is known)."""

    path: str
    size: int
    data: bytes | None = None
    symlink_target: str | None = None


class SourceTree(Protocol):
    """Something that yields the files under a root, sorted by path."""

    @property
    def description(self) -> str:
        """A human label: a directory path, or `repo@commit`."""
        ...

    def iter_files(self, *, max_size: int) -> Iterator[SourceFile]:
        """Yield every regular file and symlink, sorted by path, skipping `.git/`.

        Files larger than `max_size` bytes are yielded with `data=None` and their size."""
        ...

    def read(self, path: str) -> bytes | None:
        """The bytes of one file (a regular file only), or None when it does not exist."""
        ...


class NestedTree(SourceTree, Protocol):
    """A tree that is a directory of a larger one (a source's `--path` in its repository).

    Builds may read outside it, as Kustomize overlays read their bases: `outer()` gives the
    whole tree and this tree's path in it, or None when this tree is the whole one."""

    def outer(self) -> tuple[SourceTree, str] | None: ...
