"""A `SourceTree` over one git commit, read from git objects (never a working copy).

`GitSource.tree(commit, subdir)` builds it. Paths are POSIX and relative to `subdir`; symlinks
(mode 120000) are reported with their target and no data; submodules (gitlinks) have no files
in this repository and are skipped. The tree is immutable: the same commit always yields the
same files, which is what makes a plan reproducible from `description` alone
(`https://github.com/acme/ops-specs@1a2b3c4`).

An object git cannot read (a corrupt cache) is a `GitError`, never one of gitpython's
exceptions (`READ_ERRORS`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import git
import git.exc

from reconciler.clients.git_api import GitError, SubdirNotFoundError
from reconciler.specs.tree import SourceFile

SYMLINK_MODE = 0o120000
TREE_TYPE = "tree"
BLOB_TYPE = "blob"
# What gitpython raises for an object it cannot read: ValueError from the `cat-file` reader,
# its own GitError tree (a failed command, an invalid repository), gitdb's ODBError tree, and
# OSError (a helper process that died, a file that vanished).
READ_ERRORS = (ValueError, OSError, git.exc.GitError, git.exc.ODBError)


def normalize_subdir(subdir: str | None) -> str:
    """`specs/`, `./specs` and `specs` are the same subdir; `..` is refused."""
    if subdir is None:
        return ""
    parts = [p for p in subdir.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise SubdirNotFoundError(f"subdir {subdir!r} leaves the repository")
    return "/".join(parts)


class GitTree:
    """The files of `commit` under `subdir`, implementing `SourceTree`."""

    def __init__(
        self,
        repo: git.Repo,
        commit: git.Commit,
        subdir: str | None,
        *,
        url: str,
        lock: threading.RLock,
    ) -> None:
        self.commit = commit.hexsha
        self.subdir = normalize_subdir(subdir)
        self._lock = lock
        self._repo, self._commit, self._url = repo, commit, url
        self._description = f"{url}@{self.commit[:7]}"
        with self._reading():
            self._root = self._find_root(commit)

    def _find_root(self, commit: git.Commit) -> git.Tree:
        root: git.Tree = commit.tree
        if self.subdir:
            try:
                found = root / self.subdir
            except KeyError:
                found = None
            if found is None or found.type != TREE_TYPE:
                raise SubdirNotFoundError(f"{self._description}: no directory {self.subdir!r}")
            root = found
        return root

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except READ_ERRORS as err:
            raise GitError(f"{self._description}: cannot read git objects: {err}") from None

    @property
    def description(self) -> str:
        return self._description

    def outer(self) -> tuple[GitTree, str] | None:
        """The whole commit and where this tree sits in it (None at the root): a Kustomize
        overlay under `--path` may use bases elsewhere in the repository, as in Argo CD."""
        if not self.subdir:
            return None
        whole = GitTree(self._repo, self._commit, None, url=self._url, lock=self._lock)
        return whole, self.subdir

    def __repr__(self) -> str:
        return f"GitTree({self._description!r}, subdir={self.subdir!r})"

    def iter_files(self, *, max_size: int) -> Iterator[SourceFile]:
        """Every blob and symlink under the root, sorted by path; `.git/` is skipped."""
        with self._lock, self._reading():  # git's object reader is one process: hold the lock
            files = [self._file(blob, max_size) for blob in self._blobs()]
        yield from sorted(files, key=lambda f: f.path)

    def read(self, path: str) -> bytes | None:
        """The bytes of a regular file, or None (missing, a directory, a symlink or a submodule)."""
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if not parts or ".." in parts or parts[0] == ".git":
            return None
        with self._lock, self._reading():
            try:
                item = self._root / "/".join(parts)
            except KeyError:
                return None
            if item.type != BLOB_TYPE or item.mode == SYMLINK_MODE:
                return None
            data: bytes = item.data_stream.read()
            return data

    def _blobs(self) -> Iterator[git.Blob]:
        stack = [self._root]
        while stack:
            tree = stack.pop()
            for tree_item in tree.trees:
                if not (tree is self._root and tree_item.name == ".git"):
                    stack.append(tree_item)
            yield from tree.blobs  # gitlinks (submodules) are neither trees nor blobs

    def _file(self, blob: git.Blob, max_size: int) -> SourceFile:
        full = str(blob.path)
        path = full[len(self.subdir) + 1 :] if self.subdir else full
        size: int = blob.size
        if blob.mode == SYMLINK_MODE:
            target = blob.data_stream.read().decode("utf-8", "surrogateescape")
            return SourceFile(path=path, size=size, symlink_target=target)
        if size > max_size:
            return SourceFile(path=path, size=size)
        return SourceFile(path=path, size=size, data=blob.data_stream.read())
