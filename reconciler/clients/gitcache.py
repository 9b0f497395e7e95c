"""The bare cache on disk: who it belongs to, whether it is healthy, and what was fetched when.

`GitSource` (`reconciler.clients.git`) decides; this module looks and writes. Every git command
runs with `GIT_DIR` set to the cache, so a broken cache is reported as broken and never makes
git fall back to a repository found above it.

What the cache keeps beside git's own files:

- `git config reconciler.url`: the normalized URL (`giturl.normalize_url`) the cache was made
  for. A cache recorded for another URL is never used; one with no record (made by an older
  version) has unknown provenance, so its refs are dropped before it is claimed.
- `reconciler/fetched/<branch>.json`: `{"commit": sha, "fetchedAt": ISO 8601}` of the last
  successful fetch of each branch; it counts only while the branch's ref still holds `commit`.

`inspect()` sorts a cache into one of five states (`CacheState`): missing, foreign (not ours:
refuse it, never touch it), corrupt (move it aside and rebuild it from the remote), unowned
(claim it) and ours. Corrupt means git cannot read it: a garbage `HEAD` or `config`, missing
`objects/` or `refs/`, a pack whose trailer does not match its index (a truncated download), a
ref whose commit cannot be read, or (`problem_with`) a commit whose trees and blobs cannot all
be read. A regular file where the cache should be is corrupt too.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import git

from reconciler.clients.git_api import format_age

__all__ = [
    "LOCK_FILES",
    "URL_KEY",
    "BareCache",
    "CacheCommandError",
    "CacheState",
    "FetchRecord",
    "Health",
    "move_aside",
]

URL_KEY = "reconciler.url"
RECORDS_DIR = Path("reconciler") / "fetched"
# Lock files an interrupted git leaves behind at the cache's top level (plus `refs/**/*.lock`).
LOCK_FILES = ("HEAD.lock", "config.lock", "index.lock", "packed-refs.lock", "shallow.lock")
_GIT_MARKERS = ("HEAD", "config", "objects", "refs", "packed-refs")
# Variables that would point git at another repository than the cache.
_REPO_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)


class CacheCommandError(Exception):
    """A git command on the cache failed (non-zero exit or timeout)."""

    def __init__(self, args: list[str], returncode: int | None, stderr: str) -> None:
        self.command = args
        self.returncode = returncode  # None: timed out
        self.stderr = stderr
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """git's own message, one line per stderr line, or the exit status."""
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        if lines:
            return "; ".join(lines)
        if self.returncode is None:
            return "timed out"
        return f"git exited with status {self.returncode}"


class CacheState(enum.Enum):
    MISSING = "missing"  # nothing there (or an empty directory): create it
    FOREIGN = "foreign"  # not ours: refuse, never touch
    CORRUPT = "corrupt"  # ours or nobody's, but unreadable: move aside and rebuild
    UNOWNED = "unowned"  # a healthy cache with no recorded URL: drop its refs, claim it
    OURS = "ours"


@dataclass(frozen=True)
class Health:
    state: CacheState
    detail: str = ""  # why: the problem (corrupt) or the refusal (foreign)


@dataclass(frozen=True)
class FetchRecord:
    commit: str
    fetched_at: datetime


class BareCache:
    """Git commands and bookkeeping on the bare repository at `path`, made for `url` (already
    normalized)."""

    def __init__(self, path: Path, url: str, *, timeout: float) -> None:
        self.path = path
        self.url = url
        self.timeout = timeout

    def git(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float | None = None,
    ) -> str:
        """Run `git ARGS` on the cache; stdout. Raises `CacheCommandError`.

        git runs in a session of its own, and a timeout kills that whole session (git and its
        transport helpers), so no git outlives `timeout`: which is what lets a lock file older
        than `timeout` be called stale."""
        command = [str(git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git"), *args]
        full_env = {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}
        full_env.update(env or {})
        full_env["GIT_DIR"] = str(self.path)
        try:
            process = subprocess.Popen(
                command,
                env=full_env,
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                cwd=self.path if self.path.is_dir() else None,
                start_new_session=True,
            )
        except OSError as err:  # git missing, or the cache vanished under us
            raise CacheCommandError(command, -1, str(err)) from None
        with process:
            try:
                out, stderr = process.communicate(
                    input, timeout=self.timeout if timeout is None else timeout
                )
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise CacheCommandError(command, None, "") from None
        if process.returncode != 0:
            raise CacheCommandError(command, process.returncode, stderr)
        return out

    # -- what is there ----------------------------------------------------------------------

    def inspect(self) -> Health:
        """Sort the cache (see the module docstring); never raises for what is on disk."""
        path = self.path
        if not path.exists() and not path.is_symlink():
            return Health(CacheState.MISSING)
        if not path.is_dir():
            # Never ours to replace: a mistyped --cache-dir must not destroy a person's file.
            return Health(CacheState.FOREIGN, f"cache {path} exists and is not a directory")
        try:
            names = {p.name for p in path.iterdir()}
        except OSError as err:  # e.g. permissions: nothing we could repair either
            return Health(CacheState.FOREIGN, f"cache {path} cannot be read: {err.strerror}")
        if not names:
            return Health(CacheState.MISSING)
        if ".git" in names:
            return Health(CacheState.FOREIGN, f"cache {path} is a working copy, not a bare cache")
        if not names.intersection(_GIT_MARKERS):
            return Health(
                CacheState.FOREIGN, f"cache {path} exists and is not a bare git repository"
            )
        try:
            bare = self.git("rev-parse", "--is-bare-repository").strip()
        except CacheCommandError as err:
            return Health(CacheState.CORRUPT, err.reason)
        if bare != "true":
            return Health(CacheState.FOREIGN, f"cache {path} is not a bare git repository")
        owner = self.owner()
        if owner is not None and owner != self.url:
            return Health(
                CacheState.FOREIGN,
                f"cache {path} holds commits of {owner}, not {self.url}; "
                "give each remote its own cache (see cache_dir_for)",
            )
        problem = self._structure_problem()
        if problem is not None:
            return Health(CacheState.CORRUPT, problem)
        if owner is None and any(r.startswith("refs/heads/") for r in self.refs()):
            # Our caches hold only refs/remotes/origin/*: branches mean someone's own repo.
            return Health(
                CacheState.FOREIGN,
                f"cache {path} is a bare repository with branches of its own, not a cache",
            )
        return Health(CacheState.UNOWNED if owner is None else CacheState.OURS)

    def owner(self) -> str | None:
        """The recorded URL, or None (none recorded, or the config cannot be read)."""
        try:
            return self.git("config", "--get", URL_KEY).strip() or None
        except CacheCommandError:
            return None

    def _structure_problem(self) -> str | None:
        for name in ("objects", "refs"):
            if not (self.path / name).is_dir():
                return f"no {name}/ directory"
        pack_dir = self.path / "objects" / "pack"
        for index in sorted(pack_dir.glob("*.idx")) if pack_dir.is_dir() else []:
            problem = _pack_problem(index)
            if problem is not None:
                return problem
        refs = self.refs()
        if not refs:
            return None
        try:
            out = self.git(
                "cat-file", "--batch-check", input="".join(f"{r}^{{commit}}\n" for r in refs)
            )
        except CacheCommandError as err:
            return f"its refs cannot be read ({err.reason})"
        for ref, line in zip(refs, out.splitlines(), strict=False):
            fields = line.split()
            if len(fields) != 3 or fields[1] != "commit":
                return f"{ref} names a commit that cannot be read ({line})"
        return None

    def refs(self) -> list[str]:
        """Every ref in the cache (a broken ref is skipped, as git does)."""
        try:
            out = self.git("for-each-ref", "--format=%(refname)")
        except CacheCommandError:
            return []
        return [line for line in out.splitlines() if line]

    def head(self, ref: str) -> str | None:
        """The sha `ref` holds, or None when it does not exist (or is unreadable)."""
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except CacheCommandError:
            return None

    def problem_with(self, commit: str) -> str | None:
        """Why `commit`, its trees and its blobs cannot all be read, or None. Reads every tree
        and every blob's header (`ls-tree -r -t -l`): what reading the commit will need."""
        try:
            out = self.git("ls-tree", "-r", "-t", "-l", "--full-tree", "-z", commit)
        except CacheCommandError as err:
            return f"commit {commit[:7]} cannot be read ({err.reason})"
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            if meta.split()[3:4] == ["BAD"]:  # the size of a blob git cannot read
                return f"{path} of commit {commit[:7]} cannot be read"
        return None

    def is_ancestor(self, old: str, new: str) -> bool | None:
        """Whether `new` descends from `old` (None: git cannot tell, e.g. `old` is gone)."""
        try:
            self.git("merge-base", "--is-ancestor", old, new)
        except CacheCommandError as err:
            return False if err.returncode == 1 else None
        return True

    def commit_info(self, commit: str) -> tuple[datetime, str]:
        """The commit's committer time (UTC) and summary (its message's first line)."""
        out = self.git("show", "-s", "--no-show-signature", "--format=%ct%n%B", commit)
        stamp, _, message = out.partition("\n")
        return datetime.fromtimestamp(int(stamp), UTC), message.split("\n", 1)[0]

    # -- writing ----------------------------------------------------------------------------

    def create(self) -> None:
        """A new bare repository recorded for `url` (the directory may exist, empty)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--bare")
        self.git("config", URL_KEY, self.url)

    def claim(self) -> None:
        """Take an unowned cache: drop every ref and fetch record (their origin is unknown),
        then record `url`. Objects stay: they are content-addressed."""
        commands = "".join(f"delete {ref}\n" for ref in self.refs())
        if commands:
            self.git("update-ref", "--stdin", input=commands)
        shutil.rmtree(self.path / RECORDS_DIR, ignore_errors=True)
        self.git("config", URL_KEY, self.url)

    def remove_stale_locks(self, *, older_than: float, now: float) -> list[str]:
        """Delete lock files older than `older_than` seconds (an interrupted git left them;
        a live git finishes or is killed within the fetch timeout). Returns one line per file."""
        candidates = [self.path / name for name in LOCK_FILES]
        refs = self.path / "refs"
        if refs.is_dir():
            candidates += sorted(refs.rglob("*.lock"))
        removed = []
        for lock in candidates:
            try:
                age = now - lock.lstat().st_mtime
                if age <= older_than:
                    continue
                lock.unlink()
            except FileNotFoundError:
                continue
            except OSError as err:
                removed.append(f"cannot remove stale lock {lock}: {err.strerror}")
                continue
            rel = lock.relative_to(self.path)
            removed.append(f"removed stale lock {rel} ({format_age(age)} old) from {self.path}")
        return removed

    def read_record(self, branch: str) -> FetchRecord | None:
        """The last successful fetch of `branch`, or None (never, or unreadable)."""
        try:
            data = json.loads((self.path / RECORDS_DIR / f"{branch}.json").read_text("utf-8"))
            fetched_at = datetime.fromisoformat(data["fetchedAt"])
            if fetched_at.tzinfo is None:
                fetched_at = fetched_at.replace(tzinfo=UTC)
            return FetchRecord(str(data["commit"]), fetched_at.astimezone(UTC))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write_record(self, branch: str, record: FetchRecord) -> None:
        """Write the record atomically (a crash leaves the old one or the new one)."""
        target = self.path / RECORDS_DIR / f"{branch}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {"commit": record.commit, "fetchedAt": record.fetched_at.isoformat()}
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def move_aside(path: Path) -> Path:
    """Move a broken cache aside to `<path>.broken` (`.broken.2`, … when taken); returns where
    it went."""
    target = path.with_name(path.name + ".broken")
    n = 1
    while target.exists() or target.is_symlink():  # never overwrite an earlier one
        n += 1
        target = path.with_name(f"{path.name}.broken.{n}")
    os.replace(path, target)
    return target


def remove(path: Path) -> None:
    """Delete a file or a directory tree; missing is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _pack_problem(index: Path) -> str | None:
    """Git's own check when it opens a pack: the `.pack` exists, starts with `PACK`, and ends
    with the checksum its `.idx` records (the `.idx`'s second-to-last hash)."""
    pack = index.with_suffix(".pack")
    try:
        idx = index.read_bytes()
        with pack.open("rb") as stream:
            magic = stream.read(4)
            size = stream.seek(0, os.SEEK_END)
            stream.seek(max(0, size - 32))
            tail = stream.read(32)
    except OSError as err:
        return f"pack {pack.name} cannot be read ({err.strerror})"
    # SHA-1 (20-byte) or SHA-256 (32-byte) repositories.
    matches = any(len(idx) >= 2 * n and tail[-n:] == idx[-2 * n : -n] for n in (20, 32))
    if magic != b"PACK" or not matches:
        return f"pack {pack.name} does not match its index (truncated?)"
    return None
