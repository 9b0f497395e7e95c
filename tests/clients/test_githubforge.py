"""The GitHub forge: the real PyGithub client against a local server speaking GitHub's REST API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.clients.forge_api import (
    CommitState,
    ForgeError,
    PullRequestDraft,
    PullRequestState,
    TransientForgeError,
)
from reconciler.clients.githubforge import GitHubForge
from reconciler.support.asgithread import start_in_thread
from tests.support.fakegithub import FakeGitHub

TOKEN = "ghp_canary0123456789"


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, GitHubForge]]:
    fake = FakeGitHub(TOKEN)
    with start_in_thread(fake.app(), "127.0.0.1", 0, name="fake-github") as server:
        fake.base = server.url
        forge = GitHubForge("org/specs", TOKEN, base_url=server.url, seconds_between_writes=0)
        yield fake, forge
        forge.disconnect()


def draft(head: str = "reconciler/drift/web") -> PullRequestDraft:
    body = "Adopt.\n<!-- reconciler:fingerprint=0123abcd -->"
    return PullRequestDraft("Adopt web", body, head, "main", ("reconciler",))


def test_open_find_update_comment_close(github: tuple[FakeGitHub, GitHubForge]) -> None:
    fake, forge = github
    pull = forge.open(draft())
    assert (pull.number, pull.state, pull.fingerprint, pull.labels) == (
        1,
        PullRequestState.OPEN,
        "0123abcd",
        ("reconciler",),
    )
    assert pull.created_at is not None and pull.created_at.year == 2026
    assert [p.number for p in forge.find(head="reconciler/drift/web")] == [1]
    assert forge.find(head="other") == []
    assert forge.update(1, title="Adopt web (2)").title == "Adopt web (2)"
    forge.comment(1, "plan: 1 update", key="plan")
    forge.comment(1, "plan: 2 updates", key="plan")  # edited, not repeated
    assert [c["body"].split("\n")[0] for c in fake.comments.values()] == ["plan: 2 updates"]
    forge.set_status("c" * 40, CommitState.SUCCESS, context="reconciler/validate", description="ok")
    assert fake.statuses[0]["state"] == "success"
    closed = forge.close(1, comment="Superseded by #2")
    assert closed.state is PullRequestState.CLOSED
    assert forge.find(states=[PullRequestState.OPEN]) == []


def test_errors_map_to_terminal_and_transient_and_never_show_the_token(
    github: tuple[FakeGitHub, GitHubForge],
) -> None:
    fake, forge = github
    with pytest.raises(ForgeError) as missing:
        forge.get(9)
    assert missing.value.status == 404 and not isinstance(missing.value, TransientForgeError)
    fake.fail_next.append((502, {}, "Server Error"))
    with pytest.raises(TransientForgeError):
        forge.get(9)
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"}
    fake.fail_next.append((403, limited, "API rate limit exceeded for installation ID 1."))
    with pytest.raises(TransientForgeError, match="rate limited"):
        forge.find()
    bad = GitHubForge("org/specs", "wrong", base_url=fake.base, timeout=5)
    with pytest.raises(ForgeError) as denied:
        bad.find()
    bad.disconnect()
    assert denied.value.status == 401 and TOKEN not in str(denied.value)


def test_an_unreachable_github_is_transient() -> None:
    forge = GitHubForge("org/specs", TOKEN, base_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(TransientForgeError, match="unreachable"):
        forge.find()
    forge.disconnect()
