"""The local forge on real bare repositories: pull requests as refs and JSON records in git."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from reconciler.cli import main
from reconciler.clients.forge_api import (
    CommitState,
    ForgeError,
    PullRequestDraft,
    PullRequestState,
    TransientForgeError,
)
from reconciler.clients.localforge import LocalForge


def _commit(repo: git.Repo, name: str, text: str, message: str) -> None:
    (Path(repo.working_dir) / name).write_text(text)
    repo.index.add([name])
    repo.index.commit(message)


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A bare repo with `main` and two proposal branches; `conflict` edits the same line."""
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    with work.config_writer() as config:
        config.set_value("user", "name", "t")
        config.set_value("user", "email", "t@example.com")
    _commit(work, "app.yaml", "replicas: 2\nimage: nginx:1.27\n", "base")
    work.git.checkout("-b", "reconciler/drift/web")
    _commit(work, "app.yaml", "replicas: 5\nimage: nginx:1.27\n", "adopt replicas")
    work.git.checkout("main")
    work.git.checkout("-b", "conflict")
    _commit(work, "app.yaml", "replicas: 9\nimage: nginx:1.27\n", "other replicas")
    path = tmp_path / "specs.git"
    git.Repo.clone_from(str(work.working_dir), str(path), bare=True)
    work.git.push(str(path), "reconciler/drift/web", "conflict")
    return path


def draft(head: str = "reconciler/drift/web") -> PullRequestDraft:
    body = "Adopt the live replicas.\n<!-- reconciler:fingerprint=0123abcd -->"
    return PullRequestDraft("Adopt demo/web replicas", body, head, "main", ("reconciler",))


def test_open_find_and_the_fingerprint_survive_a_new_forge_object(bare: Path) -> None:
    pull = LocalForge(bare).open(draft())
    assert (pull.number, pull.state, pull.fingerprint) == (1, PullRequestState.OPEN, "0123abcd")
    again = LocalForge(bare)  # the repository is the record: nothing else is kept
    assert [p.number for p in again.find(head="reconciler/drift/web")] == [1]
    assert again.find(states=[PullRequestState.CLOSED]) == []
    refs = git.Repo(bare).git.for_each_ref("--format=%(refname)", "refs/pull/").split()
    assert refs == ["refs/pull/1/head", "refs/pull/1/meta"]
    assert git.Repo(bare).git.rev_parse("refs/pull/1/head") == pull.head_sha
    record = json.loads(git.Repo(bare).git.cat_file("blob", "refs/pull/1/meta"))
    assert record["title"] == "Adopt demo/web replicas" and record["labels"] == ["reconciler"]


def test_merge_makes_a_merge_commit_on_the_base(bare: Path) -> None:
    forge = LocalForge(bare)
    pull = forge.open(draft())
    sha = forge.merge(pull.number)
    repo = git.Repo(bare)
    merged = repo.commit("main")
    assert merged.hexsha == sha and len(merged.parents) == 2
    assert (merged.tree / "app.yaml").data_stream.read() == b"replicas: 5\nimage: nginx:1.27\n"
    assert forge.get(pull.number).state is PullRequestState.MERGED
    with pytest.raises(ForgeError, match="is merged"):
        forge.close(pull.number)


def test_a_conflicting_merge_changes_nothing(bare: Path) -> None:
    forge = LocalForge(bare)
    first, second = forge.open(draft()), forge.open(draft("conflict"))
    forge.merge(first.number)
    before = git.Repo(bare).commit("main").hexsha
    with pytest.raises(ForgeError, match="does not merge cleanly") as caught:
        forge.merge(second.number)
    assert caught.value.status == 405
    assert git.Repo(bare).commit("main").hexsha == before
    assert forge.get(second.number).state is PullRequestState.OPEN


def test_close_comment_update_and_statuses(bare: Path) -> None:
    forge = LocalForge(bare)
    pull = forge.open(draft())
    forge.comment(pull.number, "plan: 1 update", key="plan")
    forge.comment(pull.number, "plan: 2 updates", key="plan")  # replaces, not repeats
    forge.comment(pull.number, "looks good")
    assert [c["body"] for c in forge.comments(pull.number)] == ["plan: 2 updates", "looks good"]
    assert forge.update(pull.number, title="New title").title == "New title"
    forge.set_status(pull.head_sha, CommitState.SUCCESS, context="validate", description="ok")
    assert forge.statuses(pull.head_sha)["validate"]["state"] == "success"
    closed = forge.close(pull.number, comment="superseded by #2")
    assert closed.state is PullRequestState.CLOSED
    assert forge.comments(pull.number)[-1]["body"] == "superseded by #2"


def test_a_record_changed_meanwhile_is_a_transient_error_not_a_lost_write(bare: Path) -> None:
    forge = LocalForge(bare)
    pull = forge.open(draft())
    meta, old = forge._meta(pull.number)
    forge.comment(pull.number, "someone else")  # moves the record on
    assert not forge._swap(f"refs/pull/{pull.number}/meta", meta, old, quiet=True)
    assert [c["body"] for c in forge.comments(pull.number)] == ["someone else"]
    with pytest.raises(ForgeError, match="does not exist"):
        forge.open(draft("no-such-branch"))
    with pytest.raises(ForgeError) as missing:
        forge.get(99)
    assert missing.value.status == 404
    assert issubclass(TransientForgeError, ForgeError)


def test_the_pr_command(bare: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = LocalForge(bare).open(draft()).number
    assert main(["pr", "list", "--repo", str(bare)]) == 0
    assert (
        "#1    open    reconciler/drift/web -> main: Adopt demo/web replicas"
        in capsys.readouterr().out
    )
    assert main(["pr", "show", str(number), "--repo", bare.as_uri(), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["fingerprint"] == "0123abcd"
    assert main(["pr", "merge", str(number), "--repo", str(bare)]) == 0
    assert capsys.readouterr().out.startswith("merged #1 as ")
    assert main(["pr", "close", str(number), "--repo", str(bare)]) == 1
    assert "is merged" in capsys.readouterr().err
    assert main(["pr", "show", "--repo", str(bare)]) == 2
    assert main(["pr", "list", "--repo", str(bare / "nope")]) == 1


def test_a_relative_repo_path_works(
    bare: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    LocalForge(bare).open(draft())
    monkeypatch.chdir(bare.parent)
    assert main(["pr", "list", "--repo", bare.name]) == 0
    assert "#1    open" in capsys.readouterr().out
    assert LocalForge(bare.name).get(1).url == f"{bare.as_uri()}#pull/1"
