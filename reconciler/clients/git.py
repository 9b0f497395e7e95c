"""The git source: fetch a tracked branch into a bare cache and read commits from it.

The reconciler never reads a remote's working copy. `GitSource.fetch()` updates a bare
repository under `cache_dir` (one ref per tracked branch, `refs/remotes/origin/<branch>`) and
returns the branch head as a `Revision`; `tree(commit)` then reads that exact commit from git
objects. A failed fetch raises `GitFetchError` and leaves the ref untouched, so the last good
revision survives in the cache (and across restarts) and `last_good()` returns it:

    source = GitSource("https://github.com/acme/ops-specs", branch="main",
                       cache_dir=Path("/var/cache/reconciler/ops-specs"),
                       credentials=GitCredentials.from_env())
    try:
        revision = source.fetch()
    except GitFetchError as err:          # remote down: keep serving what we had
        log.warning("%s", err)
        revision = source.last_good()     # None before the first successful fetch
    tree = source.tree(revision.commit, subdir="specs")

Credentials never touch a URL that is stored or logged. A token comes from the environment
(`GitCredentials.from_env()`) and reaches git through a credential helper that reads it from the
git subprocess's environment; a `https://user:secret@host/...` URL is split on construction into
a bare URL plus credentials. Every message and `repr()` goes through `redact()`.

Errors are the `GitError` tree of the port, `reconciler.clients.git_api`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import git

from reconciler.clients.git_api import (
    GitError,
    GitFetchError,
    Revision,
    SubdirNotFoundError,
    UnknownRevisionError,
)
from reconciler.clients.gittree import GitTree

__all__ = [
    "GitCredentials",
    "GitError",
    "GitFetchError",
    "GitSource",
    "Revision",
    "SubdirNotFoundError",
    "UnknownRevisionError",
    "redact",
]

# GitHub accepts any username with a token; `x-access-token` is what its docs use for app tokens.
DEFAULT_TOKEN_USERNAME = "x-access-token"

# Names of the variables that carry the secret into the git subprocess only.
_ENV_USER = "RECONCILER_GIT_HELPER_USERNAME"
_ENV_PASS = "RECONCILER_GIT_HELPER_PASSWORD"
# A credential helper that answers `get` from those variables; it holds no secret itself.
_HELPER = (
    '!f() { test "$1" = get || exit 0; '
    f'printf "username=%s\\npassword=%s\\n" "${_ENV_USER}" "${_ENV_PASS}"; }}; f'
)

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_BRANCH_OK = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![./])$")


def redact(text: str, *secrets: str) -> str:
    """`text` with URL userinfo (`https://user:pass@host` → `https://***@host`) and every
    non-empty `secrets` string replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)


@dataclass(frozen=True)
class GitCredentials:
    """HTTP(S) credentials for a remote. `token` is hidden from `repr()`.

    `token_file` is read at every fetch, so a mounted Secret or a rotated app token is picked
    up without a restart; `token` wins when both are set."""

    username: str = DEFAULT_TOKEN_USERNAME
    token: str | None = field(default=None, repr=False)
    token_file: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GitCredentials | None:
        """Credentials from `RECONCILER_GIT_TOKEN` or `RECONCILER_GIT_TOKEN_FILE` (a path),
        with `RECONCILER_GIT_USERNAME` (default `x-access-token`); None when neither is set."""
        env = os.environ if env is None else env
        token = env.get("RECONCILER_GIT_TOKEN") or None
        token_file = env.get("RECONCILER_GIT_TOKEN_FILE") or None
        if token is None and token_file is None:
            return None
        username = env.get("RECONCILER_GIT_USERNAME") or DEFAULT_TOKEN_USERNAME
        return cls(username, token, Path(token_file) if token_file else None)

    def password(self) -> str:
        """The secret, read now (from the file when no inline token is set)."""
        if self.token is not None:
            return self.token
        if self.token_file is None:
            return ""
        try:
            return self.token_file.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise GitFetchError(
                f"cannot read token file {self.token_file}: {err.strerror}"
            ) from None


def _split_url(url: str) -> tuple[str, GitCredentials | None]:
    """Normalize a remote: local paths become absolute, and userinfo of an http(s) URL moves
    out of the URL into credentials."""
    if "://" not in url:
        if re.match(r"^[^/\s]+@[^/\s]+:", url):  # scp-like ssh: git@host:org/repo
            return url, None
        return str(Path(url).expanduser().resolve()), None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    bare = urlunsplit(parts._replace(netloc=hostport))
    return bare, GitCredentials(username or DEFAULT_TOKEN_USERNAME, password)


class GitSource:
    """One remote branch, cached in a bare repository at `cache_dir`.

    Safe to share between threads: git calls are serialized by a lock. Call `close()` (or use
    it as a context manager) to stop git's helper processes."""

    def __init__(
        self,
        url: str,
        *,
        branch: str = "main",
        cache_dir: Path,
        credentials: GitCredentials | None = None,
        timeout: float = 120.0,
    ) -> None:
        if not _BRANCH_OK.match(branch):
            raise GitError(f"invalid branch name {branch!r}")
        self.url, url_credentials = _split_url(url)
        self.branch = branch
        self.cache_dir = Path(cache_dir)
        self.credentials = credentials or url_credentials
        self.timeout = timeout  # seconds for one fetch: a hung remote must not stall reconciles
        self._lock = threading.RLock()
        self._repo: git.Repo | None = None

    @property
    def ref(self) -> str:
        """The cache ref that holds the last fetched head."""
        return f"refs/remotes/origin/{self.branch}"

    def __repr__(self) -> str:
        return f"GitSource(url={redact(self.url)!r}, branch={self.branch!r})"

    def __enter__(self) -> GitSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._repo is not None:
                self._repo.close()
                self._repo = None

    # -- fetching ---------------------------------------------------------------------------

    def fetch(self) -> Revision:
        """Fetch the tracked branch and return its head. Raises `GitFetchError`; on failure the
        cache keeps the previous head (see `last_good()`)."""
        with self._lock:
            repo = self._open() or self._create()
            secret = self.credentials.password() if self.credentials else ""
            command: list[str] = [str(repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git")]
            if self.credentials is not None:
                command += ["-c", "credential.helper=", "-c", f"credential.helper={_HELPER}"]
            command += ["fetch", "--no-tags", "--quiet", "--no-write-fetch-head", "--", self.url]
            command.append(f"+refs/heads/{self.branch}:{self.ref}")
            try:
                repo.git.execute(
                    command,
                    env=self._env(secret),
                    kill_after_timeout=self.timeout,
                    with_extended_output=True,
                )
            except git.GitCommandError as err:
                reason = _stderr_reason(err)
                message = f"fetching {self.url} ({self.branch}) failed: {reason}"
                raise GitFetchError(redact(message, secret)) from None
            revision = self.last_good()
            if revision is None:  # pragma: no cover - fetch succeeded, so the ref exists
                raise GitFetchError(f"fetching {redact(self.url)} ({self.branch}): no head")
            return revision

    def last_good(self) -> Revision | None:
        """The head recorded by the last successful fetch (kept in the cache across restarts),
        or None when nothing was fetched yet."""
        with self._lock:
            repo = self._open()
            if repo is None:
                return None
            try:
                commit = repo.commit(self.ref)
            except (git.BadName, ValueError):
                return None
            return _revision(commit, self.branch)

    def _env(self, secret: str) -> dict[str, str]:
        env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"}
        if "GIT_SSH_COMMAND" not in os.environ:
            env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        if self.credentials is not None:
            env[_ENV_USER] = self.credentials.username
            env[_ENV_PASS] = secret
        return env

    # -- reading ----------------------------------------------------------------------------

    def tree(self, commit: str, subdir: str | None = None) -> GitTree:
        """The files of `commit` (a sha or any revision in the cache), under `subdir` if given.

        Raises `UnknownRevisionError` or `SubdirNotFoundError`."""
        with self._lock:
            repo = self._require()
            return GitTree(
                repo, _resolve(repo, commit), subdir, url=redact(self.url), lock=self._lock
            )

    def changed_files(self, old: str, new: str) -> list[str]:
        """Repo-root paths that differ between two commits, sorted; a rename lists both paths."""
        with self._lock:
            repo = self._require()
            a, b = _resolve(repo, old).hexsha, _resolve(repo, new).hexsha
            out = repo.git.diff("--name-only", "-z", "--no-renames", "--no-ext-diff", a, b, "--")
            return sorted({p for p in str(out).split("\0") if p})

    def _require(self) -> git.Repo:
        repo = self._open()
        if repo is None:
            raise UnknownRevisionError(f"{redact(self.url)}: nothing fetched yet")
        return repo

    def _open(self) -> git.Repo | None:
        if self._repo is None and (self.cache_dir / "HEAD").is_file():
            repo = git.Repo(self.cache_dir)
            if not repo.bare:
                repo.close()
                raise GitError(f"cache {self.cache_dir} is not a bare git repository")
            self._repo = repo
        return self._repo

    def _create(self) -> git.Repo:
        if self.cache_dir.exists() and any(self.cache_dir.iterdir()):
            raise GitError(f"cache {self.cache_dir} exists and is not a bare git repository")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._repo = git.Repo.init(self.cache_dir, bare=True)
        return self._repo


def _resolve(repo: git.Repo, rev: str) -> git.Commit:
    """The commit `rev` names, verified to exist (a full sha alone is not checked by gitpython)."""
    try:
        sha = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    except git.GitCommandError:
        raise UnknownRevisionError(f"unknown commit {rev!r}") from None
    return repo.commit(str(sha))


def _revision(commit: git.Commit, branch: str) -> Revision:
    summary = commit.summary
    if isinstance(summary, bytes):
        summary = summary.decode("utf-8", "replace")
    return Revision(
        commit=commit.hexsha,
        branch=branch,
        committed_at=commit.committed_datetime.astimezone(UTC),
        summary=summary,
    )


def _stderr_reason(err: git.GitCommandError) -> str:
    stderr = err.stderr if isinstance(err.stderr, str) else str(err.stderr or "")
    lines = [ln.strip() for ln in stderr.strip().strip("'").splitlines() if ln.strip()]
    lines = [ln.removeprefix("stderr: ").strip("'").strip() for ln in lines]
    return "; ".join(ln for ln in lines if ln) or f"git exited with status {err.status}"
