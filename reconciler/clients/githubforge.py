"""The GitHub forge: pull requests, comments and statuses through PyGithub.

github.com, or GitHub Enterprise through its API base URL (`https://ghe.example.com/api/v3`).
The token comes from the environment (`GITHUB_TOKEN`, or a file named by `GITHUB_TOKEN_FILE`)
and never appears in a message. Errors are mapped to the port's:

    401, 403 (not rate limiting), 404, 422   -> ForgeError (terminal)
    429, 403 rate limits, 5xx, no connection -> TransientForgeError (retry later)

A comment with a `key` carries an HTML marker (`<!-- reconciler:key=plan -->`), and the
comment with the same marker is edited instead of adding another (a plan preview per push).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

import github
from github import Auth, Github, GithubException
from github.PullRequest import PullRequest as GhPullRequest
from github.Repository import Repository

from reconciler.clients.forge_api import (
    CommitState,
    ForgeError,
    PullRequest,
    PullRequestDraft,
    PullRequestState,
    TransientForgeError,
)
from reconciler.clients.localforge import fingerprint_of

KEY_MARKER = "<!-- reconciler:key={key} -->"


class GitHubForge:
    """A `Forge` for one repository (`owner/name`) of github.com or a GitHub Enterprise."""

    def __init__(
        self,
        repository: str,
        token: str,
        *,
        base_url: str = "https://api.github.com",
        timeout: float = 30.0,
        seconds_between_writes: float = 1.0,
    ) -> None:
        """`seconds_between_writes` paces creates and edits as GitHub asks integrations to
        (its secondary rate limits); reads are paced by PyGithub's own default."""
        self._secret = token
        self._client = Github(
            auth=Auth.Token(token),
            base_url=base_url,
            timeout=int(timeout),
            retry=None,
            seconds_between_writes=seconds_between_writes,
            seconds_between_requests=0.25 if seconds_between_writes else 0,
        )
        self.repository = repository
        self._repo: Repository | None = None

    def disconnect(self) -> None:
        """Close the HTTP connections (the client keeps a pool); `close` closes a PR."""
        self._client.close()

    def _gh(self) -> Repository:
        if self._repo is None:
            found: Repository = self._call(lambda: self._client.get_repo(self.repository))
            self._repo = found
        return self._repo

    # -- the port ---------------------------------------------------------------------------

    def find(
        self, *, head: str | None = None, states: Sequence[PullRequestState] = ()
    ) -> list[PullRequest]:
        repo = self._gh()
        owner = self.repository.split("/", 1)[0]
        kwargs: dict[str, Any] = {"state": "all", "sort": "created", "direction": "desc"}
        if head is not None:
            kwargs["head"] = f"{owner}:{head}"
        pulls = self._call(lambda: [_pull(p) for p in repo.get_pulls(**kwargs)])
        return [p for p in pulls if not states or p.state in states]

    def get(self, number: int) -> PullRequest:
        return _pull(self._call(lambda: self._gh().get_pull(number)))

    def open(self, draft: PullRequestDraft) -> PullRequest:
        def create() -> GhPullRequest:
            pull = self._gh().create_pull(
                title=draft.title, body=draft.body, head=draft.head, base=draft.base
            )
            if draft.labels:
                pull.add_to_labels(*draft.labels)
                return self._gh().get_pull(pull.number)
            return pull

        return _pull(self._call(create))

    def update(
        self, number: int, *, title: str | None = None, body: str | None = None
    ) -> PullRequest:
        def edit() -> GhPullRequest:
            pull = self._gh().get_pull(number)
            if title is not None and body is not None:
                pull.edit(title=title, body=body)
            elif title is not None:
                pull.edit(title=title)
            elif body is not None:
                pull.edit(body=body)
            return self._gh().get_pull(number)

        return _pull(self._call(edit))

    def close(self, number: int, *, comment: str | None = None) -> PullRequest:
        def close() -> GhPullRequest:
            pull = self._gh().get_pull(number)
            if comment:
                pull.create_issue_comment(comment)
            pull.edit(state="closed")
            return self._gh().get_pull(number)

        return _pull(self._call(close))

    def comment(self, number: int, body: str, *, key: str | None = None) -> None:
        def post() -> None:
            pull = self._gh().get_pull(number)
            if key is None:
                pull.create_issue_comment(body)
                return
            marker = KEY_MARKER.format(key=key)
            text = f"{body}\n\n{marker}"
            for existing in pull.get_issue_comments():
                if marker in (existing.body or ""):
                    existing.edit(text)
                    return
            pull.create_issue_comment(text)

        self._call(post)

    def set_status(
        self,
        sha: str,
        state: CommitState,
        *,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None:
        def post() -> None:
            commit = self._gh().get_commit(sha)
            extra = {"target_url": target_url} if target_url else {}
            commit.create_status(
                state=state.value, context=context, description=description[:140], **extra
            )

        self._call(post)

    # -- errors -----------------------------------------------------------------------------

    def _call(self, action: Any) -> Any:
        try:
            return action()
        except github.RateLimitExceededException as err:
            raise TransientForgeError(self._say("rate limited", err), status=err.status) from None
        except GithubException as err:
            status = err.status
            message = self._say(f"GitHub answered {status}", err)
            limited = status == 403 and "rate limit" in message.lower()
            if status == 429 or status >= 500 or limited:
                raise TransientForgeError(message, status=status) from None
            raise ForgeError(message, status=status) from None
        except OSError as err:  # connection refused, DNS, TLS, timeouts
            raise TransientForgeError(self._say("GitHub unreachable", err)) from None

    def _say(self, what: str, err: Exception) -> str:
        data = getattr(err, "data", None)
        detail = data.get("message") if isinstance(data, dict) else str(err)
        return f"{what}: {detail}".replace(self._secret, "***") if self._secret else what


def _pull(pull: GhPullRequest) -> PullRequest:
    if pull.merged:
        state = PullRequestState.MERGED
    elif pull.state == "closed":
        state = PullRequestState.CLOSED
    else:
        state = PullRequestState.OPEN
    created = pull.created_at
    return PullRequest(
        number=pull.number,
        title=pull.title or "",
        body=pull.body or "",
        head=pull.head.ref,
        base=pull.base.ref,
        state=state,
        head_sha=pull.head.sha,
        url=pull.html_url or "",
        labels=tuple(label.name for label in pull.labels),
        fingerprint=fingerprint_of(pull.body or ""),
        created_at=created.astimezone(UTC) if created else None,
    )
