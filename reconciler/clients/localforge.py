"""The local forge: pull requests kept inside a bare git repository itself, no server.

The embedded default for proposals (`--forge local`): what a person would review on GitHub, in
the repository the reconciler tracks, readable with plain git:

    refs/heads/reconciler/drift/web   the proposal's branch (pushed by the proposal)
    refs/pull/7/head                  pull request 7's head commit, as GitHub names it
    refs/pull/7/meta                  a JSON blob: title, body, base, head, state, comments
    refs/statuses/<sha>               a JSON blob: commit statuses by context

Every change of a record is a compare-and-swap of its ref (`git update-ref REF NEW OLD`), so
two writers never lose each other's change: the loser gets a `TransientForgeError` and retries.
Numbers are allocated the same way (creating `refs/pull/N/meta` fails if N exists). `merge`
makes a real merge commit on the base branch without a working tree (`git merge-tree
--write-tree`, git 2.38+); a conflicting merge is refused and changes nothing.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import git
import git.exc
from gitdb.base import IStream  # type: ignore[import-untyped]  # gitpython's object store

from reconciler.clients.forge_api import (
    CommitState,
    ForgeError,
    PullRequest,
    PullRequestDraft,
    PullRequestState,
    TransientForgeError,
)

FINGERPRINT = re.compile(r"<!-- reconciler:fingerprint=([0-9a-f]{8,64}) -->")
_ZERO = "0" * 40
_PULL_META = re.compile(r"^refs/pull/(\d+)/meta$")


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def fingerprint_of(body: str) -> str | None:
    """The proposal fingerprint a body carries (`<!-- reconciler:fingerprint=… -->`)."""
    found = FINGERPRINT.search(body)
    return found.group(1) if found else None


class LocalForge:
    """A `Forge` over the bare repository at `path` (see the module docstring)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).absolute()
        try:
            self.repo = git.Repo(self.path)
        except (git.exc.NoSuchPathError, git.exc.InvalidGitRepositoryError) as err:
            raise ForgeError(f"{self.path}: not a git repository ({type(err).__name__})") from None

    # -- reading ---------------------------------------------------------------------------

    def find(
        self, *, head: str | None = None, states: Sequence[PullRequestState] = ()
    ) -> list[PullRequest]:
        out = []
        for number in self._numbers():
            pull = self.get(number)
            if (head is None or pull.head == head) and (not states or pull.state in states):
                out.append(pull)
        return sorted(out, key=lambda p: -p.number)

    def get(self, number: int) -> PullRequest:
        meta, _sha = self._meta(number)
        return self._pull(number, meta)

    def comments(self, number: int) -> list[dict[str, str]]:
        meta, _sha = self._meta(number)
        return list(meta.get("comments", []))

    def statuses(self, sha: str) -> dict[str, dict[str, str]]:
        record, _old = self._read_json(f"refs/statuses/{sha}")
        return dict(record or {})

    # -- writing ---------------------------------------------------------------------------

    def open(self, draft: PullRequestDraft) -> PullRequest:
        head_sha = self._branch(draft.head)
        if head_sha is None:
            raise ForgeError(f"branch {draft.head!r} does not exist: push it first", status=422)
        if self._branch(draft.base) is None:
            raise ForgeError(f"base branch {draft.base!r} does not exist", status=422)
        meta = {
            "title": draft.title,
            "body": draft.body,
            "head": draft.head,
            "base": draft.base,
            "state": PullRequestState.OPEN.value,
            "labels": list(draft.labels),
            "comments": [],
            "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        number = max(self._numbers(), default=0) + 1
        for _attempt in range(20):  # another writer may take the number first
            if self._swap(f"refs/pull/{number}/meta", meta, _ZERO, quiet=True):
                self._git("update-ref", f"refs/pull/{number}/head", head_sha)
                return self._pull(number, meta)
            number += 1
        raise TransientForgeError("could not allocate a pull request number")

    def update(
        self, number: int, *, title: str | None = None, body: str | None = None
    ) -> PullRequest:
        def change(meta: dict[str, Any]) -> None:
            if title is not None:
                meta["title"] = title
            if body is not None:
                meta["body"] = body

        meta = self._change(number, change)
        head_sha = self._branch(meta["head"])
        if head_sha is not None and meta["state"] == PullRequestState.OPEN.value:
            self._git("update-ref", f"refs/pull/{number}/head", head_sha)  # the branch moved
        return self._pull(number, meta)

    def close(self, number: int, *, comment: str | None = None) -> PullRequest:
        def change(meta: dict[str, Any]) -> None:
            if meta["state"] != PullRequestState.OPEN.value:
                raise ForgeError(f"pull request {number} is {meta['state']}", status=422)
            if comment:
                meta["comments"].append({"body": comment})
            meta["state"] = PullRequestState.CLOSED.value

        return self._pull(number, self._change(number, change))

    def comment(self, number: int, body: str, *, key: str | None = None) -> None:
        def change(meta: dict[str, Any]) -> None:
            comments = [c for c in meta["comments"] if key is None or c.get("key") != key]
            comments.append({"body": body, **({"key": key} if key else {})})
            meta["comments"] = comments

        self._change(number, change)

    def set_status(
        self,
        sha: str,
        state: CommitState,
        *,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None:
        ref = f"refs/statuses/{sha}"
        record, old = self._read_json(ref)
        statuses = dict(record or {})
        statuses[context] = {
            "state": state.value,
            "description": description,
            **({"targetUrl": target_url} if target_url else {}),
        }
        if not self._swap(ref, statuses, old or _ZERO, quiet=True):
            raise TransientForgeError(f"status of {sha[:12]} changed meanwhile: retry")

    def merge(self, number: int, *, message: str | None = None) -> str:
        """Merge pull request `number` into its base with a merge commit; returns its sha."""
        meta, _sha = self._meta(number)
        if meta["state"] != PullRequestState.OPEN.value:
            raise ForgeError(f"pull request {number} is {meta['state']}", status=405)
        base_sha = self._branch(meta["base"])
        head_sha = self._rev(f"refs/pull/{number}/head")
        if base_sha is None or head_sha is None:
            raise ForgeError(f"pull request {number}: its base or head is gone", status=422)
        try:
            tree = self._git("merge-tree", "--write-tree", base_sha, head_sha).splitlines()[0]
        except ForgeError as err:
            msg = f"pull request {number} does not merge cleanly: {err}"
            raise ForgeError(msg, status=405) from None
        text = message or f"Merge pull request #{number} from {meta['head']}\n\n{meta['title']}"
        merged = self._git("commit-tree", tree, "-p", base_sha, "-p", head_sha, "-m", text)
        self._git("update-ref", f"refs/heads/{meta['base']}", merged, base_sha)

        def change(record: dict[str, Any]) -> None:
            record["state"] = PullRequestState.MERGED.value
            record["mergeCommit"] = merged

        self._change(number, change)
        return merged

    # -- records ---------------------------------------------------------------------------

    def _numbers(self) -> list[int]:
        refs = self._git("for-each-ref", "--format=%(refname)", "refs/pull/").splitlines()
        return sorted(int(m.group(1)) for r in refs if (m := _PULL_META.match(r)))

    def _meta(self, number: int) -> tuple[dict[str, Any], str]:
        meta, sha = self._read_json(f"refs/pull/{number}/meta")
        if meta is None or sha is None:
            raise ForgeError(f"no pull request {number}", status=404)
        return meta, sha

    def _change(self, number: int, change: Any) -> dict[str, Any]:
        meta, old = self._meta(number)
        change(meta)
        if not self._swap(f"refs/pull/{number}/meta", meta, old, quiet=True):
            raise TransientForgeError(f"pull request {number} changed meanwhile: retry")
        return meta

    def _read_json(self, ref: str) -> tuple[Any, str | None]:
        sha = self._rev(ref)
        if sha is None:
            return None, None
        return json.loads(self._git("cat-file", "blob", sha)), sha

    def _swap(self, ref: str, record: Any, old: str, *, quiet: bool) -> bool:
        data = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
        blob = self.repo.odb.store(IStream("blob", len(data), io.BytesIO(data))).hexsha.decode()
        try:
            self.repo.git.update_ref(ref, blob, old)
        except git.exc.GitCommandError:
            if quiet:
                return False
            raise
        return True

    def _pull(self, number: int, meta: dict[str, Any]) -> PullRequest:
        head_sha = self._rev(f"refs/pull/{number}/head") or ""
        return PullRequest(
            number=number,
            title=str(meta["title"]),
            body=str(meta["body"]),
            head=str(meta["head"]),
            base=str(meta["base"]),
            state=PullRequestState(meta["state"]),
            head_sha=head_sha,
            url=f"{self.path.as_uri()}#pull/{number}",
            labels=tuple(meta.get("labels", [])),
            fingerprint=fingerprint_of(str(meta["body"])),
            created_at=_time(meta.get("createdAt")),
        )

    def _branch(self, name: str) -> str | None:
        return self._rev(f"refs/heads/{name}")

    def _rev(self, ref: str) -> str | None:
        try:
            return str(self.repo.git.rev_parse("--verify", "--quiet", ref)) or None
        except git.exc.GitCommandError:
            return None

    def _git(self, *args: str) -> str:
        try:
            return str(self.repo.git.execute(["git", *args]))
        except git.exc.GitCommandError as err:
            raise ForgeError(str(err.stderr or err).strip()) from None
