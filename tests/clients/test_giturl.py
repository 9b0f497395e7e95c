"""One cache per remote: URL normalization, cache naming, and the cache's recorded owner.

The bug these guard against: caches keyed by a repo's last path segment let two repos both
named `specs` share one cache, and with A unreachable, B's commit was applied as A's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reconciler.clients.git import (
    GitError,
    GitFetchError,
    GitSource,
    UnknownRevisionError,
    cache_dir_for,
    normalize_url,
)
from tests.clients.upstream import Upstream


def _upstream(path: Path, content: str) -> Upstream:
    up = Upstream(path)
    up.write("specs/tools.yaml", content)
    up.commit(f"commit {content.strip()}")
    return up


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://github.com/acme/specs", "https://github.com/acme/specs.git"),
        ("https://github.com/acme/specs", "https://github.com/acme/specs/"),
        ("https://github.com/acme/specs", "https://github.com/acme/specs.git/"),
        ("https://github.com/acme/specs", "HTTPS://GitHub.COM/acme/specs"),
        ("https://github.com/acme/specs", "https://bot:tok@github.com/acme/specs"),
        ("https://github.com/acme/specs", "https://github.com:443/acme/specs"),
        ("http://h.example/r", "http://h.example:80/r"),
        ("https://github.com/acme/specs", "https://github.com/acme/specs#frag"),
        ("git@github.com:acme/specs.git", "ssh://git@github.com/acme/specs"),
        ("git@github.com:acme/specs.git", "ssh://github.com:22/acme/specs.git"),
        ("ssh://git@github.com/acme/specs", "git+ssh://git@github.com/acme/specs"),
        ("git://h.example/r.git", "git://h.example:9418/r"),
        ("https://[::1]:8443/r", "https://[::1]:8443/r.git"),
    ],
)
def test_spellings_of_one_remote_normalize_alike(a: str, b: str) -> None:
    assert normalize_url(a) == normalize_url(b)
    assert "tok" not in normalize_url(b) and "@" not in normalize_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://github.com/acme/specs", "https://github.com/other/specs"),
        ("https://github.com/acme/specs", "https://github.com/acme/Specs"),  # paths keep case
        ("https://github.com/acme/specs", "http://github.com/acme/specs"),
        ("https://h.example/r", "https://h.example:8443/r"),
        ("https://h.example/r", "ssh://h.example/r"),
        ("/srv/git/specs", "/srv/git/specs.git"),  # two directories on disk
    ],
)
def test_different_remotes_stay_apart(a: str, b: str) -> None:
    assert normalize_url(a) != normalize_url(b)


def test_local_paths_are_absolute_resolved_and_equal_to_file_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repos" / "specs"
    repo.mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "repos")
    monkeypatch.chdir(tmp_path)
    expected = str(repo.resolve())
    for spelling in (
        "repos/specs",
        "./repos/specs/",
        str(repo),
        str(repo / ".git"),
        repo.as_uri(),
        f"file://localhost{repo}",
        str(tmp_path / "link" / "specs"),
        "link/../repos/specs",
    ):
        assert normalize_url(spelling) == expected, spelling


def test_cache_dir_for_names_caches_after_the_whole_url(tmp_path: Path) -> None:
    root = tmp_path / "git"
    a, b = tmp_path / "team-a" / "specs", tmp_path / "team-b" / "specs"
    cache_a = cache_dir_for(root, str(a))
    assert cache_a.parent == root
    assert cache_a.name.startswith("specs-") and len(cache_a.name) == len("specs-") + 12
    assert cache_dir_for(root, str(b)) != cache_a  # same last segment, another repo
    assert cache_dir_for(root, a.as_uri()) == cache_a
    assert cache_dir_for(root, f"{a}/") == cache_a
    one = cache_dir_for(root, "git@github.com:acme/ops-specs.git")
    assert one.name.startswith("ops-specs-")
    assert one == cache_dir_for(root, "ssh://github.com/acme/ops-specs/")
    assert cache_dir_for(root, "https://h.example/").name.startswith("h-example-")


def test_two_repos_named_alike_never_share_a_last_good_commit(tmp_path: Path) -> None:
    """The reported bug, end to end: A is unreachable, B (also `specs`) was fetched."""
    a = _upstream(tmp_path / "team-a" / "specs", "a\n")
    b = _upstream(tmp_path / "team-b" / "specs", "b\n")
    root = tmp_path / "cache"
    with GitSource(str(b.path), cache_dir=cache_dir_for(root, str(b.path))) as source_b:
        assert source_b.fetch().commit == b.head
    a_url = str(a.path)
    a.path.rename(tmp_path / "moved")  # A unreachable
    with GitSource(a_url, cache_dir=cache_dir_for(root, a_url)) as source_a:
        with pytest.raises(GitFetchError):
            source_a.fetch()
        assert source_a.last_good() is None  # not B's commit


def test_a_cache_recorded_for_another_url_is_refused(tmp_path: Path) -> None:
    a = _upstream(tmp_path / "team-a" / "specs", "a\n")
    b = _upstream(tmp_path / "team-b" / "specs", "b\n")
    shared = tmp_path / "cache" / "specs"  # what the old default gave both
    with GitSource(b.path.as_uri(), cache_dir=shared) as source_b:
        b_head = source_b.fetch().commit
    with GitSource(str(a.path), cache_dir=shared) as source_a:
        with pytest.raises(GitError, match=r"holds commits of .*team-b/specs, not .*team-a/specs"):
            source_a.fetch()
        assert source_a.last_good() is None
        with pytest.raises(GitError, match="holds commits of"):
            source_a.tree(b_head)
        with pytest.raises(GitError, match="holds commits of"):
            source_a.changed_files(b_head, b_head)
    with GitSource(str(b.path / ".git"), cache_dir=shared) as again_b:  # another spelling
        assert again_b.fetch().commit == b_head


def test_a_cache_without_a_recorded_url_is_claimed_without_its_refs(tmp_path: Path) -> None:
    """An older version's cache: its refs may be another repo's, so none is trusted."""
    a = _upstream(tmp_path / "team-a" / "specs", "a\n")
    b = _upstream(tmp_path / "team-b" / "specs", "b\n")
    b.repo.git.branch("staging")
    legacy = tmp_path / "cache" / "specs"
    for branch in ("main", "staging"):
        with GitSource(str(b.path), branch=branch, cache_dir=legacy) as source_b:
            source_b.fetch()
    subprocess.run(["git", "config", "--unset", "reconciler.url"], cwd=legacy, check=True)
    with GitSource(str(a.path), cache_dir=legacy) as source_a:
        assert source_a.last_good() is None
        with pytest.raises(UnknownRevisionError, match="nothing fetched yet"):
            source_a.tree(b.head)
        revision = source_a.fetch()
        assert revision.commit == a.head
        assert any("recorded no URL" in w for w in revision.warnings)
    with GitSource(str(a.path), branch="staging", cache_dir=legacy) as staging:
        assert staging.last_good() is None  # B's staging ref was dropped, not inherited
