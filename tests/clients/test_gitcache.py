"""Git trouble is visible and repaired: fetch times, stale locks, corrupt caches, force pushes.

Every test uses real repositories made under tmp_path and real git."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.clients.git import GitError, GitFetchError, GitSource, Revision
from tests.clients.upstream import Upstream

T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[Upstream]:
    up = Upstream(tmp_path / "upstream")
    up.write("specs/tools.yaml", "kind: Tool\n")
    up.commit("First")
    yield up
    up.repo.close()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _source(
    up: Upstream, cache: Path, *, clock: Clock | None = None, timeout: float = 120.0
) -> GitSource:
    now = clock or (lambda: datetime.now(UTC))
    return GitSource(str(up.path), cache_dir=cache, timeout=timeout, clock=now)


def _git(cache: Path, *args: str) -> str:
    env = {**os.environ, "GIT_DIR": str(cache)}
    done = subprocess.run(["git", *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


# -- (a) fetched_at -----------------------------------------------------------------------------


def test_fetched_at_is_recorded_and_survives_restarts(upstream: Upstream, cache: Path) -> None:
    clock = Clock(T0)
    with _source(upstream, cache, clock=clock) as source:
        first = source.fetch()
        assert (first.fetched_at, first.previous, first.forced, first.warnings) == (
            T0,
            None,
            False,
            (),
        )
        clock.now = T0 + timedelta(hours=1)
        again = source.fetch()  # nothing new, but a successful fetch all the same
        assert (again.commit, again.fetched_at, again.previous) == (
            first.commit,
            T0 + timedelta(hours=1),
            first.commit,
        )
    moved = upstream.path.rename(upstream.path.with_name("gone"))
    with _source(upstream, cache, clock=clock) as restarted:
        with pytest.raises(GitFetchError):
            restarted.fetch()
        last = restarted.last_good()
        assert last == again and last is not None
        assert last.fetched_at == T0 + timedelta(hours=1)
        assert last.fetched_ago(T0 + timedelta(hours=4)) == "3 h ago"
        assert last.fetched_ago(T0 + timedelta(hours=1, minutes=12)) == "12 min ago"
    # A ref moved by someone else than this fetch has no known fetch time.
    moved.rename(upstream.path)
    upstream.commit("Second")
    with _source(upstream, cache) as source:
        assert source.fetch().previous == first.commit
        _git(cache, "update-ref", "refs/remotes/origin/main", first.commit)
        moved_ref = source.last_good()
        assert moved_ref is not None and moved_ref.commit == first.commit
        assert moved_ref.fetched_at is None
        assert moved_ref.fetched_ago() == "at an unknown time"
    unknown = Revision("0" * 40, "main", T0, "x")
    assert (unknown.fetched_at, unknown.previous, unknown.forced, unknown.warnings) == (
        None,
        None,
        False,
        (),
    )


# -- (b) stale locks ----------------------------------------------------------------------------

LOCKS = (
    "refs/remotes/origin/main.lock",
    "config.lock",
    "packed-refs.lock",
    "index.lock",
    "shallow.lock",
)


def test_stale_locks_are_removed_before_fetching(upstream: Upstream, cache: Path) -> None:
    with _source(upstream, cache, timeout=60) as source:
        source.fetch()
        second = upstream.commit("Second")
        an_hour_ago = time.time() - 3600
        for rel in LOCKS:
            (cache / rel).write_text("")
            os.utime(cache / rel, (an_hour_ago, an_hour_ago))
        revision = source.fetch()  # a stale ref lock alone would fail it: "cannot lock ref"
        assert revision.commit == second
        assert [rel for rel in LOCKS if (cache / rel).exists()] == []
        removed = [w for w in revision.warnings if w.startswith("removed stale lock")]
        assert len(removed) == len(LOCKS)
        assert any("refs/remotes/origin/main.lock (60 min old)" in w for w in removed)


def test_a_fresh_lock_is_left_to_the_git_that_holds_it(upstream: Upstream, cache: Path) -> None:
    with _source(upstream, cache, timeout=60) as source:
        first = source.fetch()
        upstream.commit("Second")
        lock = cache / "refs/remotes/origin/main.lock"
        lock.write_text("")  # a fetch running now, in another process
        with pytest.raises(GitFetchError, match=r"main\.lock"):
            source.fetch()
        assert lock.exists()
        assert source.last_good() == first


# -- (c) corrupt caches -------------------------------------------------------------------------


def _garbage_head(cache: Path) -> None:
    (cache / "HEAD").write_text("garbage\n")


def _garbage_config(cache: Path) -> None:
    (cache / "config").write_text("[[[ not a config\n")


def _truncated_pack(cache: Path) -> None:
    _git(cache, "repack", "-a", "-d", "-q")
    packs = list((cache / "objects" / "pack").glob("*.pack"))
    assert packs
    for pack in packs:
        pack.chmod(0o644)
        with pack.open("r+b") as stream:
            stream.truncate(pack.stat().st_size // 2)


def _no_objects(cache: Path) -> None:
    shutil.rmtree(cache / "objects")


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "garbage-HEAD": _garbage_head,
    "garbage-config": _garbage_config,
    "truncated-pack": _truncated_pack,
    "no-objects": _no_objects,
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_cache_is_rebuilt_when_the_remote_works(
    corrupt: Callable[[Path], None], upstream: Upstream, cache: Path
) -> None:
    with _source(upstream, cache) as source:
        source.fetch()
    upstream.write("specs/tools.yaml", "kind: Tool\nv: 2\n")
    second = upstream.commit("Second")
    corrupt(cache)
    with _source(upstream, cache) as source:
        revision = source.fetch()
        assert (revision.commit, revision.previous, revision.forced) == (second, None, False)
        assert [w for w in revision.warnings if "is unusable" in w and "rebuilt it" in w]
        assert source.tree(revision.commit, "specs").read("tools.yaml") == b"kind: Tool\nv: 2\n"
        assert source.last_good() == revision
    assert cache.with_name("cache.broken").exists()  # kept for a post-mortem
    assert not cache.with_name("cache.rebuild").exists()


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_cache_with_the_remote_down_is_a_clean_git_error(
    corrupt: Callable[[Path], None], upstream: Upstream, cache: Path
) -> None:
    with _source(upstream, cache) as source:
        first = source.fetch()
    corrupt(cache)
    upstream.path.rename(upstream.path.with_name("gone"))
    with _source(upstream, cache) as source:
        with pytest.raises(GitFetchError, match=r"is unusable .* cannot be rebuilt"):
            source.fetch()  # a GitFetchError: the runner falls back to last_good()...
        assert source.last_good() is None  # ...which trusts nothing in a corrupt cache
        with pytest.raises(GitError, match="is unusable"):
            source.tree(first.commit)
        with pytest.raises(GitError, match="is unusable"):
            source.changed_files(first.commit, first.commit)
    assert not cache.with_name("cache.rebuild").exists()
    assert not cache.with_name("cache.broken").exists()  # nothing moved without a replacement


def test_an_unreadable_object_is_a_git_error_and_the_next_fetch_rebuilds(
    upstream: Upstream, cache: Path
) -> None:
    with _source(upstream, cache) as source:
        first = source.fetch()
    blob = upstream.repo.git.rev_parse("HEAD:specs/tools.yaml")
    loose = cache / "objects" / blob[:2] / blob[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"garbage")
    with _source(upstream, cache) as source:
        with pytest.raises(GitError, match="cannot read"):
            source.tree(first.commit, "specs").read("tools.yaml")
        revision = source.fetch()
        assert revision.commit == first.commit
        assert [w for w in revision.warnings if "cannot be read" in w and "rebuilt it" in w]
        assert source.tree(first.commit, "specs").read("tools.yaml") == b"kind: Tool\n"


def test_a_directory_that_is_not_a_cache_is_never_touched(
    upstream: Upstream, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious\n")
    with _source(upstream, mine) as source:
        with pytest.raises(GitError, match="not a bare git repository"):
            source.fetch()
        assert source.last_good() is None
    with (
        _source(upstream, upstream.path) as source,  # a working copy
        pytest.raises(GitError, match="working copy"),
    ):
        source.fetch()
    assert (mine / "notes.txt").read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "upstream"]


def test_a_file_or_someone_elses_bare_repo_is_never_touched(
    upstream: Upstream, tmp_path: Path
) -> None:
    """A mistyped --cache-dir: a file is not renamed away, a bare repo keeps its branches."""
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0\n")
    (tmp_path / "passwd.broken").write_text("older\n")
    with _source(upstream, a_file) as source, pytest.raises(GitError, match="not a directory"):
        source.fetch()
    assert a_file.read_text() == "root:x:0:0\n"
    assert (tmp_path / "passwd.broken").read_text() == "older\n"
    theirs = tmp_path / "theirs.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(upstream.path), str(theirs)], check=True)
    with _source(upstream, theirs) as source, pytest.raises(GitError, match="branches of its own"):
        source.fetch()
    heads = subprocess.run(
        ["git", "--git-dir", str(theirs), "for-each-ref", "refs/heads"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "refs/heads/main" in heads


# -- (d) force pushes ---------------------------------------------------------------------------


def test_a_force_push_of_the_tracked_branch_is_flagged(upstream: Upstream, cache: Path) -> None:
    with _source(upstream, cache) as source:
        first = source.fetch()
        second = upstream.commit("Second")
        forward = source.fetch()
        assert (forward.previous, forward.forced, forward.warnings) == (first.commit, False, ())
        upstream.repo.git.reset("--hard", first.commit)
        upstream.write("specs/tools.yaml", "kind: Tool\nrewritten: true\n")
        rewritten = upstream.commit("Rewritten")
        forced = source.fetch()
        assert (forced.commit, forced.previous, forced.forced) == (rewritten, second, True)
        [warning] = forced.warnings
        assert "force-pushed" in warning and second[:7] in warning and rewritten[:7] in warning
        again = source.fetch()
        assert (again.previous, again.forced, again.warnings) == (rewritten, False, ())
        assert source.last_good() == again
        upstream.repo.git.reset("--hard", first.commit)  # rewound to an ancestor
        rewound = source.fetch()
        assert (rewound.commit, rewound.forced) == (first.commit, True)


def test_a_hung_remote_is_a_fetch_error_after_the_timeout(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/specs.git"
        with GitSource(url, cache_dir=tmp_path / "hung", timeout=1) as hung:
            started = time.monotonic()
            with pytest.raises(GitFetchError, match="timed out after 1 s"):
                hung.fetch()
            assert time.monotonic() - started < 10  # git and its helper were killed
            assert hung.last_good() is None
