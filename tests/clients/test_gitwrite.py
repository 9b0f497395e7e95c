"""Commits built from git objects and pushed with a lease, on real repositories."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from reconciler.clients.forge_api import PullRequestDraft
from reconciler.clients.git_api import BranchCommit, GitError
from reconciler.clients.gitwrite import GitRepository
from reconciler.clients.localforge import LocalForge

WEB = b"# the web tier\nreplicas: 2   # tuned by hand\nimage: 'nginx:1.27'\n"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    with work.config_writer() as config:
        config.set_value("user", "name", "t")
        config.set_value("user", "email", "t@example.com")
    (tmp_path / "work/apps").mkdir()
    (tmp_path / "work/apps/web.yaml").write_bytes(WEB)
    (tmp_path / "work/apps/old.yaml").write_bytes(b"x: 1\n")
    work.index.add(["apps/web.yaml", "apps/old.yaml"])
    work.index.commit("base")
    path = tmp_path / "specs.git"
    git.Repo.clone_from(str(tmp_path / "work"), str(path), bare=True)
    return path


def test_a_commit_changes_exactly_the_given_files_and_pushes(remote: Path, tmp_path: Path) -> None:
    with GitRepository(remote.as_uri(), cache_dir=tmp_path / "cache") as repo:
        head = repo.fetch().commit
        new = WEB.replace(b"replicas: 2", b"replicas: 5")
        request = BranchCommit(
            "reconciler/drift/web",
            head,
            "Adopt live replicas of demo/web",
            {"apps/web.yaml": new, "apps/old.yaml": None, "apps/new.yaml": b"y: 2\n"},
        )
        sha = repo.commit(request)
        assert repo.remote_head("reconciler/drift/web") is None  # not pushed yet
        repo.push("reconciler/drift/web")
        assert repo.remote_head("reconciler/drift/web") == sha
    pushed = git.Repo(remote).commit(sha)
    assert pushed.parents[0].hexsha == head
    assert (
        pushed.author.name == "reconciler" and pushed.message == "Adopt live replicas of demo/web"
    )
    assert (pushed.tree / "apps/web.yaml").data_stream.read() == new
    assert sorted(b.path for b in pushed.tree.traverse() if b.type == "blob") == [
        "apps/new.yaml",
        "apps/web.yaml",
    ]


def test_a_lease_never_overwrites_someone_elses_push(remote: Path, tmp_path: Path) -> None:
    with GitRepository(remote.as_uri(), cache_dir=tmp_path / "cache") as repo:
        head = repo.fetch().commit
        first = repo.commit(BranchCommit("reconciler/x", head, "one", {"a.yaml": b"a: 1\n"}))
        repo.push("reconciler/x")
        repo.commit(BranchCommit("reconciler/x", head, "two", {"a.yaml": b"a: 2\n"}))
        with pytest.raises(GitError, match="push"):
            repo.push("reconciler/x", expected="0" * 40)  # not where the remote is
        assert repo.remote_head("reconciler/x") == first
        repo.push("reconciler/x", expected=first)
        assert repo.remote_head("reconciler/x") != first
        repo.delete_branch("reconciler/x")
        repo.delete_branch("reconciler/x")  # missing is not an error
        assert repo.remote_head("reconciler/x") is None


def test_bad_branches_and_paths_are_refused(remote: Path, tmp_path: Path) -> None:
    with GitRepository(remote.as_uri(), cache_dir=tmp_path / "cache") as repo:
        head = repo.fetch().commit
        for path in ("../x", "/etc/passwd", ".git/config", "a//b", ""):
            with pytest.raises(GitError, match="refusing"):
                repo.commit(BranchCommit("reconciler/x", head, "m", {path: b"x"}))
        with pytest.raises(GitError, match="invalid branch"):
            repo.commit(BranchCommit("-x", head, "m", {}))


def test_a_pushed_proposal_merges_on_the_local_forge(remote: Path, tmp_path: Path) -> None:
    with GitRepository(remote.as_uri(), cache_dir=tmp_path / "cache") as repo:
        head = repo.fetch().commit
        new = WEB.replace(b"replicas: 2", b"replicas: 5")
        repo.commit(BranchCommit("reconciler/drift/web", head, "adopt", {"apps/web.yaml": new}))
        repo.push("reconciler/drift/web")
        forge = LocalForge(remote)
        pull = forge.open(PullRequestDraft("Adopt", "body", "reconciler/drift/web", "main"))
        forge.merge(pull.number)
        assert repo.fetch().commit == git.Repo(remote).commit("main").hexsha
        tree = repo.tree(repo.fetch().commit)
        assert tree.read("apps/web.yaml") == new
