"""An overlay tree: proposed edits laid over a base tree, read as one tree.

A proposal validates its edits the way every commit is validated: by loading them. The overlay
answers as the base does, except for the paths it changes (new bytes) or deletes (None)::

    proposed = OverlayTree(git.tree(commit), {"specs/web.yaml": new_bytes, "old.yaml": None})
    load_tree(proposed)   # the same loader, the same errors, as if the edit were committed

Nothing is written anywhere: the base stays untouched and the overlay lives in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from reconciler.specs.tree import SourceFile, SourceTree


class OverlayTree:
    """`base` with `changes` applied (path -> new bytes, or None to delete); a `SourceTree`."""

    def __init__(self, base: SourceTree, changes: Mapping[str, bytes | None]) -> None:
        self.base = base
        self.changes = {_clean(path): data for path, data in changes.items()}

    @property
    def description(self) -> str:
        return f"{self.base.description} + {len(self.changes)} proposed change(s)"

    def __repr__(self) -> str:
        return f"OverlayTree({self.base!r}, {sorted(self.changes)!r})"

    def iter_files(self, *, max_size: int) -> Iterator[SourceFile]:
        """The base's files with changed ones replaced, deleted ones gone, new ones added."""
        files = {
            f.path: f for f in self.base.iter_files(max_size=max_size) if f.path not in self.changes
        }
        for path, data in self.changes.items():
            if data is None:
                continue
            oversized = len(data) > max_size
            files[path] = SourceFile(path, len(data), None if oversized else data)
        for path in sorted(files):
            yield files[path]

    def read(self, path: str) -> bytes | None:
        clean = _clean(path)
        if clean in self.changes:
            return self.changes[clean]
        return self.base.read(path)


def _clean(path: str) -> str:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if path.startswith("/") or not parts or ".." in parts or parts[0] == ".git":
        raise ValueError(f"{path!r} is not a path inside the repository")
    return "/".join(parts)
