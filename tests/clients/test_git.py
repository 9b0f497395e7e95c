"""GitSource, GitTree and DirectoryTree against real git repositories made in tmp dirs."""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from datetime import UTC
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from reconciler.clients.dirtree import DirectoryTree
from reconciler.clients.git import (
    GitCredentials,
    GitError,
    GitFetchError,
    GitSource,
    SubdirNotFoundError,
    UnknownRevisionError,
    redact,
)
from reconciler.specs.tree import SourceFile, SourceTree
from tests.clients.upstream import Upstream
from tests.support.loopback import LoopbackServer

BIG = b"x" * 200_000
MAX = 64 * 1024


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[Upstream]:
    up = Upstream(tmp_path / "upstream")
    up.write("specs/tools.yaml", "kind: Tool\n")
    up.write("specs/nested/b.yaml", "kind: Mapping\n")
    up.write("specs/a.yaml", "kind: Pattern\n")
    up.write("specs/big.bin", BIG)
    up.write("README.md", "# ops specs\n")
    os.symlink("../README.md", up.path / "specs" / "readme-link")
    up.commit("First specs\n\nWith a body.")
    yield up
    up.repo.close()


@pytest.fixture
def source(upstream: Upstream, tmp_path: Path) -> Iterator[GitSource]:
    with GitSource(upstream.path.as_uri(), cache_dir=tmp_path / "cache") as src:
        yield src


def test_fetch_from_file_url_returns_branch_head(upstream: Upstream, source: GitSource) -> None:
    assert source.last_good() is None
    revision = source.fetch()
    assert revision.commit == upstream.repo.head.commit.hexsha
    assert revision.branch == "main"
    assert revision.summary == "First specs"
    assert revision.committed_at.tzinfo is UTC
    assert source.last_good() == revision


def test_tree_lists_files_sorted_with_symlinks_and_large_files(source: GitSource) -> None:
    commit = source.fetch().commit
    tree: SourceTree = source.tree(commit)
    files = list(tree.iter_files(max_size=MAX))
    assert [f.path for f in files] == [
        "README.md",
        "specs/a.yaml",
        "specs/big.bin",
        "specs/nested/b.yaml",
        "specs/readme-link",
        "specs/tools.yaml",
    ]
    by_path = {f.path: f for f in files}
    assert by_path["specs/readme-link"] == SourceFile(
        "specs/readme-link", size=12, symlink_target="../README.md"
    )
    assert by_path["specs/big.bin"] == SourceFile("specs/big.bin", size=len(BIG))
    assert by_path["README.md"].data == b"# ops specs\n"
    assert tree.description == f"{source.url}@{commit[:7]}"


def test_subdir_paths_are_relative_and_read_works(source: GitSource) -> None:
    tree = source.tree(source.fetch().commit, subdir="./specs/")
    assert [f.path for f in tree.iter_files(max_size=MAX)][:2] == ["a.yaml", "big.bin"]
    assert tree.read("tools.yaml") == b"kind: Tool\n"
    assert tree.read("nested/b.yaml") == b"kind: Mapping\n"
    assert tree.read("big.bin") == BIG
    assert tree.read("readme-link") is None  # a symlink is not a regular file
    assert tree.read("nested") is None
    assert tree.read("missing.yaml") is None
    assert tree.read("../README.md") is None


def test_missing_subdir_and_unknown_commit_are_typed(source: GitSource) -> None:
    commit = source.fetch().commit
    with pytest.raises(SubdirNotFoundError, match="no directory 'nope'"):
        source.tree(commit, subdir="nope")
    with pytest.raises(SubdirNotFoundError):
        source.tree(commit, subdir="README.md")  # a file, not a directory
    with pytest.raises(UnknownRevisionError):
        source.tree("0" * 40)
    assert issubclass(SubdirNotFoundError, GitError)


def test_tree_reads_the_commit_not_the_branch_head(upstream: Upstream, source: GitSource) -> None:
    first = source.fetch().commit
    upstream.write("specs/tools.yaml", "kind: Tool\nchanged: true\n")
    upstream.commit("Change tools")
    second = source.fetch().commit
    assert second != first
    assert source.tree(first, "specs").read("tools.yaml") == b"kind: Tool\n"
    assert source.tree(second, "specs").read("tools.yaml") == b"kind: Tool\nchanged: true\n"


def test_changed_files_lists_both_paths_of_a_rename(upstream: Upstream, source: GitSource) -> None:
    old = source.fetch().commit
    upstream.write("specs/tools.yaml", "kind: Tool\nv: 2\n")
    upstream.repo.git.mv("specs/a.yaml", "specs/renamed.yaml")
    upstream.write("specs/new.yaml", "kind: Policy\n")
    upstream.commit("Edit, rename, add")
    new = source.fetch().commit
    assert source.changed_files(old, new) == [
        "specs/a.yaml",
        "specs/new.yaml",
        "specs/renamed.yaml",
        "specs/tools.yaml",
    ]
    assert source.changed_files(new, new) == []


def test_tracks_another_branch(upstream: Upstream, tmp_path: Path) -> None:
    main_head = upstream.repo.head.commit.hexsha
    upstream.repo.git.checkout("-b", "staging")
    upstream.write("specs/staging.yaml", "kind: Tool\n")
    staging_head = upstream.commit("Staging only")
    upstream.repo.git.checkout("main")
    with GitSource(str(upstream.path), branch="staging", cache_dir=tmp_path / "c2") as src:
        revision = src.fetch()
        assert (revision.commit, revision.branch) == (staging_head, "staging")
        assert src.tree(revision.commit, "specs").read("staging.yaml") == b"kind: Tool\n"
        assert src.tree(main_head, "specs").read("staging.yaml") is None  # fetched as ancestor


def test_missing_branch_raises_fetch_error(upstream: Upstream, tmp_path: Path) -> None:
    with (
        GitSource(str(upstream.path), branch="nope", cache_dir=tmp_path / "c") as src,
        pytest.raises(GitFetchError, match=r"\(nope\) failed: .*nope"),
    ):
        src.fetch()


def test_vanished_remote_keeps_last_good_across_restarts(
    upstream: Upstream, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with GitSource(upstream.path.as_uri(), cache_dir=cache) as src:
        good = src.fetch()
    shutil.rmtree(upstream.path)
    with GitSource(upstream.path.as_uri(), cache_dir=cache) as restarted:
        with pytest.raises(GitFetchError, match="failed"):
            restarted.fetch()
        assert restarted.last_good() == good
        assert restarted.tree(good.commit, "specs").read("tools.yaml") == b"kind: Tool\n"


def test_invalid_branch_and_foreign_cache_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="invalid branch"):
        GitSource("/x", branch="--upload-pack=evil", cache_dir=tmp_path / "c")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file").write_text("x")
    with (
        GitSource("/x", cache_dir=tmp_path / "junk") as src,
        pytest.raises(GitError, match="not a bare git repository"),
    ):
        src.fetch()


# -- credentials ------------------------------------------------------------------------------


def test_credentials_from_env_and_file(tmp_path: Path) -> None:
    assert GitCredentials.from_env({}) is None
    creds = GitCredentials.from_env({"RECONCILER_GIT_TOKEN": "ghp_secret"})
    assert creds is not None
    assert (creds.username, creds.password()) == ("x-access-token", "ghp_secret")
    assert "ghp_secret" not in repr(creds)
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    env = {"RECONCILER_GIT_TOKEN_FILE": str(token_file), "RECONCILER_GIT_USERNAME": "bot"}
    creds = GitCredentials.from_env(env)
    assert creds is not None
    assert (creds.username, creds.password()) == ("bot", "from-file")
    token_file.write_text("rotated\n")
    assert creds.password() == "rotated"  # re-read at each fetch


def test_redact_hides_userinfo_and_secrets() -> None:
    text = "cannot reach https://alice:s3cret@git.example.com/r.git and ssh://git@h/r (s3cret)"
    assert redact(text, "s3cret") == (
        "cannot reach https://***@git.example.com/r.git and ssh://***@h/r (***)"
    )


def test_url_password_never_appears_in_repr_errors_or_cache(tmp_path: Path) -> None:
    url = "https://alice:s3cret@127.0.0.1:9/acme/specs.git"  # port 9: connection refused
    with GitSource(url, cache_dir=tmp_path / "c") as src:
        assert src.url == "https://127.0.0.1:9/acme/specs.git"
        assert src.credentials is not None and src.credentials.username == "alice"
        for text in (repr(src), repr(src.credentials)):
            assert "s3cret" not in text
        with pytest.raises(GitFetchError) as caught:
            src.fetch()
    assert "s3cret" not in str(caught.value) and "alice" not in str(caught.value)
    assert "https://127.0.0.1:9/acme/specs.git" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is not None
    assert "s3cret" not in (tmp_path / "c" / "config").read_text()


class _AuthServer(LoopbackServer):
    """A static HTTP server (git's dumb protocol) that demands one basic-auth credential."""

    def __init__(self, root: Path, user: str, password: str) -> None:
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.seen: list[str] = []
        seen = self.seen

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self) -> None:
                auth = self.headers.get("Authorization", "")
                seen.append(auth)
                if auth != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super().do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler, "/repo.git")


def test_token_reaches_git_through_the_helper_and_never_the_error(
    upstream: Upstream, tmp_path: Path
) -> None:
    served = tmp_path / "www"
    served.mkdir()
    os.symlink(upstream.path / ".git", served / "repo.git")
    with _AuthServer(served, "x-access-token", "tok-123") as server:
        good = GitCredentials.from_env({"RECONCILER_GIT_TOKEN": "tok-123"})
        with GitSource(server.url, cache_dir=tmp_path / "ok", credentials=good) as src:
            assert src.fetch().commit == upstream.repo.head.commit.hexsha
        assert "tok-123" not in (tmp_path / "ok" / "config").read_text()

        bad = GitCredentials(token="wrong-tok")
        with GitSource(server.url, cache_dir=tmp_path / "bad", credentials=bad) as src:
            with pytest.raises(GitFetchError) as caught:
                src.fetch()
            assert src.last_good() is None
    assert "wrong-tok" not in str(caught.value)
    assert server.url in str(caught.value)
    wrong = "Basic " + base64.b64encode(b"x-access-token:wrong-tok").decode()
    assert wrong in server.seen  # the helper did hand the token to git


# -- DirectoryTree ----------------------------------------------------------------------------


def test_directory_tree_matches_the_git_tree(upstream: Upstream, source: GitSource) -> None:
    (upstream.path / "specs" / "big.bin").write_bytes(BIG)
    from_git = list(source.tree(source.fetch().commit).iter_files(max_size=MAX))
    from_disk = list(DirectoryTree(upstream.path).iter_files(max_size=MAX))
    assert from_disk == from_git  # same files, same order, `.git/` skipped


def test_directory_tree_does_not_follow_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("kind: Secret\n")
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (root / "a.yaml").write_text("x: 1\n")
    (root / "a" / "b.yaml").write_text("y: 2\n")
    (root / ".git").write_text("gitdir: elsewhere\n")
    os.symlink(outside, root / "linked-dir")
    os.symlink(outside / "secret.yaml", root / "linked.yaml")
    os.mkfifo(root / "fifo")
    tree = DirectoryTree(root)
    files = list(tree.iter_files(max_size=4))
    assert [(f.path, f.data, f.symlink_target) for f in files] == [
        ("a.yaml", None, None),  # over max_size: only its size
        ("a/b.yaml", None, None),
        ("linked-dir", None, str(outside)),
        ("linked.yaml", None, str(outside / "secret.yaml")),
    ]
    assert files[0].size == 5
    assert tree.read("a/b.yaml") == b"y: 2\n"
    assert tree.read("linked.yaml") is None
    assert tree.read("linked-dir/secret.yaml") is None
    assert tree.read("../outside/secret.yaml") is None
    assert tree.read("a") is None
    assert tree.description == str(root)
    with pytest.raises(NotADirectoryError):
        DirectoryTree(root / "a.yaml")
