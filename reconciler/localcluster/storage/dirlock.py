"""One server per state directory: an exclusive lock, and where the holder serves.

A state directory has one writer, like an etcd data directory has one etcd. The server holds an
exclusive `flock` on `DIR/.lock` for its whole life; the kernel releases it when the process
ends, however it ends, so a crashed server never blocks the next one. While it serves, the
holder publishes `DIR/server.json`:

    {"url": "http://127.0.0.1:43121", "kubeconfig": "/abs/kubeconfig", "pid": 4242,
     "startedAt": "2030-01-02T03:04:05+00:00"}

Anyone else who wants the directory (a second server, `--cluster local:DIR`) finds the lock
held (`DirectoryInUseError`) and talks to the published URL instead of opening the SQLite
file. `server.json` is only a hint: it may be left over from a crashed server, so it counts
only while the lock is held (`held_by_another`) and only when its pid is the one the holder
wrote into the lock file (`holder_pid`). The lock is per open file, so a second acquire in the
same process is refused too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".lock"
SERVER_FILE = "server.json"


@dataclass(frozen=True)
class ServerInfo:
    """What a running server publishes about itself."""

    url: str
    kubeconfig: Path
    pid: int
    started_at: str = ""


class DirectoryInUseError(Exception):
    """The state directory is held by another server (another process, or another
    `start_local_cluster` in this one). `server` is what it published, if anything yet."""

    def __init__(self, directory: Path, server: ServerInfo | None, holder: int | None) -> None:
        self.directory = directory
        self.server = server
        self.holder = holder  # the holder's pid, as written in the lock file
        where = f" at {server.url}" if server else ""
        pid = f" (pid {holder})" if holder else ""
        use = f"kubectl --kubeconfig {server.kubeconfig}, or " if server else ""
        super().__init__(
            f"{directory} is already served by another server{pid}{where}; stop it first, "
            f"or use it: {use}--cluster local:{directory}"
        )


class DirectoryLock:
    """The exclusive lock on a state directory; `release()` it (idempotent)."""

    def __init__(self, directory: Path, fd: int) -> None:
        self.directory = directory
        self._fd: int | None = fd
        self._published = False

    @classmethod
    def acquire(cls, directory: Path) -> DirectoryLock:
        """Lock `directory` (created if missing) or raise `DirectoryInUseError` at once."""
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)  # close-on-exec
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder, info = holder_pid(directory), read_server_info(directory)
            current = info if info is not None and info.pid == holder else None
            raise DirectoryInUseError(directory, current, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(directory, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def publish(self, url: str, kubeconfig: Path) -> ServerInfo:
        """Write `server.json` atomically: the holder serves `url`."""
        info = ServerInfo(
            url, kubeconfig.absolute(), os.getpid(), datetime.now(UTC).isoformat(timespec="seconds")
        )
        data = {
            "url": info.url,
            "kubeconfig": str(info.kubeconfig),
            "pid": info.pid,
            "startedAt": info.started_at,
        }
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".server-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(tmp, self.directory / SERVER_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._published = True
        return info

    def unpublish(self) -> None:
        """Remove `server.json` (before the server stops, so nobody picks a dying URL)."""
        if self._published:
            (self.directory / SERVER_FILE).unlink(missing_ok=True)
            self._published = False

    def release(self) -> None:
        self.unpublish()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def held_by_another(directory: Path) -> bool:
    """True while some other open lock (another process, or another `DirectoryLock` here)
    holds `directory`. Takes and drops the lock at once when it is free."""
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken just now
    return False


def read_server_info(directory: Path) -> ServerInfo | None:
    """The published `server.json`, or None (absent or unreadable). Trust it only while the
    lock is held (`held_by_another`): a crashed server leaves it behind."""
    try:
        data = json.loads((directory / SERVER_FILE).read_text(encoding="utf-8"))
        return ServerInfo(
            str(data["url"]),
            Path(data["kubeconfig"]),
            int(data["pid"]),
            str(data.get("startedAt", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def holder_pid(directory: Path) -> int | None:
    """The pid the current (or last) holder wrote into the lock file, if readable."""
    try:
        return int((directory / LOCK_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
