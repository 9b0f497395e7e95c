"""Object storage for the embedded cluster: SQLite in WAL mode, one global resourceVersion.

Like etcd under a real API server, the store knows nothing of kinds or schemas. It keeps

- `objects`: the current body (JSON) of every object, keyed by (group, resource, namespace,
  name); cluster-scoped objects use namespace "";
- `events`: an append-only log of ADDED/MODIFIED/DELETED, one row per write, keyed by the
  resourceVersion that write produced. Watches replay it from a client's resourceVersion;
  old rows are compacted away (a watch from before the oldest kept row gets `410 Gone`);
- `meta`: the resourceVersion counter and the compaction point.

Every write takes the next resourceVersion, stamps it into `metadata.resourceVersion`, and
notifies subscribers (live watches) while still holding the lock, so events reach watchers in
order. All methods are thread-safe.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# How many events the log keeps; a watch may resume from any of them.
EVENT_LOG_SIZE = 10_000


@dataclass(frozen=True)
class ObjectKey:
    group: str
    resource: str
    namespace: str
    name: str


@dataclass(frozen=True)
class Event:
    """One write, as a watch sees it."""

    type: str  # ADDED | MODIFIED | DELETED
    key: ObjectKey
    rv: int
    object: dict[str, Any]
    size: int = 0  # bytes of the object as JSON (what a watch queue holding it costs, roughly)


class StoreError(Exception):
    """Base of store failures; the HTTP layer maps each to a Status."""


class AlreadyExists(StoreError):
    pass


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    """A precondition on resourceVersion failed (the object has been modified)."""


class Expired(StoreError):
    """A watch asked for events older than the log keeps."""

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")


Subscriber = Callable[[Event], None]


class Store:
    """SQLite-backed objects, resourceVersion counter and event log in `directory`."""

    def __init__(self, directory: Path, *, event_log_size: int = EVENT_LOG_SIZE) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._log_size = event_log_size
        self._pending: list[Event] = []
        self._db = sqlite3.connect(
            directory / "cluster.db", check_same_thread=False, isolation_level=None
        )
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        self._closed = False
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS objects (
                  grp TEXT NOT NULL, resource TEXT NOT NULL, namespace TEXT NOT NULL,
                  name TEXT NOT NULL, rv INTEGER NOT NULL, body TEXT NOT NULL,
                  PRIMARY KEY (grp, resource, namespace, name));
                CREATE TABLE IF NOT EXISTS events (
                  rv INTEGER PRIMARY KEY, type TEXT NOT NULL, grp TEXT NOT NULL,
                  resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                  body TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT OR IGNORE INTO meta VALUES ('rv', 0), ('compacted', 0);
                """
            )

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    # -- reads ---------------------------------------------------------------------------

    def get(self, key: ObjectKey) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM objects WHERE grp=? AND resource=? AND namespace=? AND name=?",
                (key.group, key.resource, key.namespace, key.name),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def scan(
        self, group: str, resource: str, namespace: str | None
    ) -> tuple[list[dict[str, Any]], int]:
        """Objects of one resource (in one namespace, or all), ordered by namespace and name."""
        sql = "SELECT body FROM objects WHERE grp=? AND resource=?"
        args: tuple[str, ...] = (group, resource)
        if namespace is not None:
            sql += " AND namespace=?"
            args += (namespace,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY namespace, name", args).fetchall()
            rv = self._meta("rv")
        return [json.loads(r[0]) for r in rows], rv

    def keys_in_namespace(self, namespace: str) -> list[ObjectKey]:
        with self._lock:
            rows = self._db.execute(
                "SELECT grp, resource, namespace, name FROM objects WHERE namespace=?",
                (namespace,),
            ).fetchall()
        return [ObjectKey(*r) for r in rows]

    # -- writes --------------------------------------------------------------------------

    def create(self, key: ObjectKey, body: dict[str, Any]) -> dict[str, Any]:
        with self._write() as rv:
            if self._exists(key):
                raise AlreadyExists(key.name)
            out = _stamp(body, rv)
            self._db.execute(
                "INSERT INTO objects VALUES (?, ?, ?, ?, ?, ?)",
                (key.group, key.resource, key.namespace, key.name, rv, json.dumps(out)),
            )
            self._log(Event("ADDED", key, rv, out))
        return out

    def update(
        self, key: ObjectKey, body: dict[str, Any], *, expected_rv: int | None
    ) -> dict[str, Any]:
        """Replace an object; `expected_rv` (when given) must equal the stored one."""
        with self._write() as rv:
            self._check(key, expected_rv)
            out = _stamp(body, rv)
            self._db.execute(
                "UPDATE objects SET rv=?, body=? "
                "WHERE grp=? AND resource=? AND namespace=? AND name=?",
                (rv, json.dumps(out), key.group, key.resource, key.namespace, key.name),
            )
            self._log(Event("MODIFIED", key, rv, out))
        return out

    def delete(self, key: ObjectKey, *, expected_rv: int | None = None) -> dict[str, Any]:
        """Remove an object; returns its last state stamped with the deletion's version."""
        with self._write() as rv:
            old = self._check(key, expected_rv)
            self._db.execute(
                "DELETE FROM objects WHERE grp=? AND resource=? AND namespace=? AND name=?",
                (key.group, key.resource, key.namespace, key.name),
            )
            out = _stamp(old, rv)
            self._log(Event("DELETED", key, rv, out))
        return out

    # -- watch ---------------------------------------------------------------------------

    def subscribe(self, since: int | None, subscriber: Subscriber) -> tuple[list[Event], int]:
        """Start delivering new events to `subscriber`; return the backlog after `since`.

        Atomic: no event is both in the backlog and delivered, none is missed. `since` None
        means "from now". Raises `Expired` when the log no longer reaches back to `since`.
        Returns (backlog, current resourceVersion).
        """
        with self._lock:
            current = self._meta("rv")
            backlog: list[Event] = []
            if since is not None and since < current:
                compacted = self._meta("compacted")
                if since < compacted:
                    raise Expired(since, compacted + 1)
                rows = self._db.execute(
                    "SELECT rv, type, grp, resource, namespace, name, body FROM events "
                    "WHERE rv > ? ORDER BY rv",
                    (since,),
                ).fetchall()
                backlog = [
                    Event(r[1], ObjectKey(r[2], r[3], r[4], r[5]), r[0], json.loads(r[6]))
                    for r in rows
                ]
            self._subscribers.append(subscriber)
        return backlog, current

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop delivering to `subscriber`; safe from within a delivery (the lock is reentrant,
        and deliveries go to a copy of the subscriber list)."""
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

    def subscriber_count(self) -> int:
        """How many subscribers (open watches) events are delivered to."""
        with self._lock:
            return len(self._subscribers)

    # -- internals -----------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[int]:
        """One transaction taking the next resourceVersion; rolled back on error."""
        with self._lock:
            if self._closed:
                raise StoreError("store is closed")
            self._pending = []
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rv = self._meta("rv") + 1
                yield rv
                self._db.execute("UPDATE meta SET value=? WHERE key='rv'", (rv,))
                if rv % max(1, self._log_size // 10) == 0:
                    self._compact(rv)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            for event in self._pending:
                for subscriber in list(self._subscribers):
                    subscriber(event)

    def _compact(self, rv: int) -> None:
        floor = rv - self._log_size
        if floor > self._meta("compacted"):
            self._db.execute("DELETE FROM events WHERE rv <= ?", (floor,))
            self._db.execute("UPDATE meta SET value=? WHERE key='compacted'", (floor,))

    def _log(self, event: Event) -> None:
        k = event.key
        body = json.dumps(event.object)
        self._db.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.rv,
                event.type,
                k.group,
                k.resource,
                k.namespace,
                k.name,
                body,
            ),
        )
        self._pending.append(replace(event, size=len(body)))

    def _meta(self, key: str) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return int(row[0])

    def _exists(self, key: ObjectKey) -> bool:
        return self._row(key) is not None

    def _row(self, key: ObjectKey) -> tuple[int, str] | None:
        row = self._db.execute(
            "SELECT rv, body FROM objects WHERE grp=? AND resource=? AND namespace=? AND name=?",
            (key.group, key.resource, key.namespace, key.name),
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def _check(self, key: ObjectKey, expected_rv: int | None) -> dict[str, Any]:
        row = self._row(key)
        if row is None:
            raise NotFound(key.name)
        if expected_rv is not None and row[0] != expected_rv:
            raise Conflict(key.name)
        body: dict[str, Any] = json.loads(row[1])
        return body


def _stamp(body: dict[str, Any], rv: int) -> dict[str, Any]:
    out = dict(body)
    out["metadata"] = {**(body.get("metadata") or {}), "resourceVersion": str(rv)}
    return out
