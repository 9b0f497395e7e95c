"""The write side of git (`GitRepo`): commit on a branch in the cache, push it with a lease.

Proposals never touch a working copy. A commit is built from git objects alone: the base
commit's tree is read into a throwaway index file, each change is an `update-index` of a new
blob (or a removal), and `commit-tree` makes the commit, so every file the proposal did not
change is the base's, byte for byte:

    repo = GitRepository(url, branch="main", cache_dir=...)
    sha = repo.commit(BranchCommit("reconciler/drift/web", base=head, message=..., changes={
        "apps/web.yaml": new_bytes}))
    repo.push("reconciler/drift/web", expected=repo.remote_head("reconciler/drift/web"))

A push with `expected` is a lease (`--force-with-lease`): it lands only if the remote branch is
still where we last saw it, so a person's push to a proposal branch is never overwritten.
Credentials work as for fetches (`gitauth`) and never appear in messages.
"""

from __future__ import annotations

import io
import tempfile

from gitdb.base import IStream  # type: ignore[import-untyped]  # gitpython's object store

from reconciler.clients.git import _BRANCH_OK, GitSource, _resolve
from reconciler.clients.git_api import BranchCommit, GitError
from reconciler.clients.gitauth import HELPER, helper_env, redact
from reconciler.clients.gitcache import CacheCommandError


class GitRepository(GitSource):
    """A `GitSource` that can also commit and push (implements `GitRepo`)."""

    def commit(self, request: BranchCommit) -> str:
        _check_branch(request.branch)
        for path in request.changes:
            _check_path(path)
        try:
            return self._commit(request)
        except CacheCommandError as err:
            raise GitError(f"committing on {request.branch} failed: {err.reason}") from None

    def _commit(self, request: BranchCommit) -> str:
        with self._lock, self._reading(f"a commit on {request.base}"):
            repo = self._require()
            base = _resolve(repo, request.base)
            # update-index wants a work tree; an empty one is never read (`--cacheinfo`).
            with tempfile.TemporaryDirectory(prefix="reconciler-commit-") as scratch:
                env = {"GIT_INDEX_FILE": f"{scratch}/index", "GIT_WORK_TREE": scratch}
                self._cache.git("read-tree", base.hexsha, env=env)
                for path, data in sorted(request.changes.items()):
                    if data is None:
                        self._cache.git("update-index", "--force-remove", "--", path, env=env)
                        continue
                    blob = repo.odb.store(IStream("blob", len(data), io.BytesIO(data)))
                    info = f"100644,{blob.hexsha.decode()},{path}"
                    self._cache.git("update-index", "--add", "--cacheinfo", info, env=env)
                tree = self._cache.git("write-tree", env=env).strip()
            who = request.author
            identity = {
                "GIT_AUTHOR_NAME": who.name,
                "GIT_AUTHOR_EMAIL": who.email,
                "GIT_COMMITTER_NAME": who.name,
                "GIT_COMMITTER_EMAIL": who.email,
            }
            sha = self._cache.git(
                "commit-tree",
                tree,
                "-p",
                base.hexsha,
                "-F",
                "-",
                env=identity,
                input=request.message,
            ).strip()
            self._cache.git("update-ref", f"refs/heads/{request.branch}", sha)
            return sha

    def before_last_change(self, commit: str, path: str) -> tuple[str, bytes | None] | None:
        """The last commit at or before `commit` that changed `path` (repo-root), and the
        file as it was before it (None: the commit added it); None when nothing changed it."""
        _check_path(path)
        with self._lock, self._reading(f"the history of {path}"):
            repo = self._require()
            base = _resolve(repo, commit)
            try:
                found = self._cache.git("log", "-n", "1", "--format=%H", base.hexsha, "--", path)
                sha = found.strip()
                if not sha:
                    return None
                parents = repo.commit(sha).parents
                if not parents:
                    return sha, None
                try:
                    blob = parents[0].tree / path
                except KeyError:
                    return sha, None
                data: bytes = blob.data_stream.read()
                return sha, data
            except CacheCommandError as err:
                raise GitError(f"reading the history of {path} failed: {err.reason}") from None

    def push(self, branch: str, *, expected: str | None = None) -> None:
        _check_branch(branch)
        ref = f"refs/heads/{branch}"
        lease = [f"--force-with-lease={ref}:{expected}"] if expected else ["--force"]
        self._remote("push", "--porcelain", *lease, "--", self.url, f"{ref}:{ref}")

    def remote_head(self, branch: str) -> str | None:
        _check_branch(branch)
        out = self._remote("ls-remote", "--heads", "--", self.url, f"refs/heads/{branch}")
        for line in out.splitlines():
            sha, _tab, name = line.partition("\t")
            if name == f"refs/heads/{branch}":
                return sha
        return None

    def delete_branch(self, branch: str) -> None:
        if self.remote_head(branch) is not None:
            self._remote("push", "--porcelain", "--", self.url, f":refs/heads/{branch}")

    def _remote(self, *args: str) -> str:
        """`git ARGS` against the remote with the source's credentials; a `GitError` on
        failure, with any secret taken out of the message."""
        secret = self.credentials.password() if self.credentials else ""
        config: list[str] = []
        if self.credentials is not None:
            config = ["-c", "credential.helper=", "-c", f"credential.helper={HELPER}"]
        with self._lock:
            self._require()
            try:
                return self._cache.git(*config, *args, env=helper_env(self.credentials, secret))
            except CacheCommandError as err:
                message = f"git {args[0]} to {self.url} failed: {err.reason}"
                raise GitError(redact(message, secret)) from None


def _check_branch(branch: str) -> None:
    if not _BRANCH_OK.match(branch):
        raise GitError(f"invalid branch name {branch!r}")


def _check_path(path: str) -> None:
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..", ".git") for p in parts):
        raise GitError(f"refusing to write {path!r}: not a path inside the repository")
