"""A local stand-in for the part of GitHub's REST API a forge uses, with documented payloads.

No GitHub runs here, so the real client (PyGithub) is tested against this server: pull requests
(`/repos/{owner}/{repo}/pulls`), their issue comments and labels, and commit statuses, shaped as
GitHub's REST reference documents them (only the fields PyGithub reads, plus the usual ones).
`fail_next` makes the next request answer a given status, as GitHub does when rate limiting
(403 with `x-ratelimit-remaining: 0`) or failing (5xx).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CREATED = "2026-11-23T10:00:00Z"


@dataclass
class FakeGitHub:
    token: str
    base: str = ""
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    """(status, headers, message) answers for the next requests, before anything else."""
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        r = "/repos/{owner}/{repo}"
        return Starlette(
            routes=[
                Route(r, self.repo_info),
                Route(r + "/pulls", self.pulls_route, methods=["GET", "POST"]),
                Route(r + "/pulls/{number:int}", self.pull_route, methods=["GET", "PATCH"]),
                Route(
                    r + "/issues/{number:int}/comments",
                    self.comments_route,
                    methods=["GET", "POST"],
                ),
                Route(r + "/issues/comments/{id:int}", self.comment_route, methods=["PATCH"]),
                Route(r + "/issues/{number:int}/labels", self.labels_route, methods=["POST"]),
                Route(r + "/commits/{sha}", self.commit_route),
                Route(r + "/statuses/{sha}", self.status_route, methods=["POST"]),
            ]
        )

    async def _check(self, request: Request) -> Response | None:
        self.requests.append(f"{request.method} {request.url.path}")
        if self.fail_next:
            status, headers, message = self.fail_next.pop(0)
            return JSONResponse({"message": message}, status, headers=headers)
        if request.headers.get("authorization") not in (
            f"token {self.token}",
            f"Bearer {self.token}",
        ):
            return JSONResponse({"message": "Bad credentials"}, 401)
        return None

    def _url(self, request: Request, path: str) -> str:
        owner, repo = request.path_params["owner"], request.path_params["repo"]
        return f"{self.base}/repos/{owner}/{repo}{path}"

    async def repo_info(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        owner, repo = request.path_params["owner"], request.path_params["repo"]
        return JSONResponse(
            {
                "id": 1,
                "name": repo,
                "full_name": f"{owner}/{repo}",
                "owner": {"login": owner, "id": 1, "type": "Organization"},
                "url": self._url(request, ""),
                "html_url": f"https://github.example/{owner}/{repo}",
                "default_branch": "main",
                "private": True,
            }
        )

    async def pulls_route(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        if request.method == "POST":
            data = await request.json()
            number = max(self.pulls, default=0) + 1
            self.pulls[number] = {
                "number": number,
                "title": data["title"],
                "body": data.get("body", ""),
                "head": data["head"],
                "base": data["base"],
                "state": "open",
                "merged": False,
                "labels": [],
            }
            return JSONResponse(self._pull(request, number), 201)
        state = request.query_params.get("state", "open")
        head = request.query_params.get("head")
        found = [
            self._pull(request, n)
            for n, p in sorted(self.pulls.items(), reverse=True)
            if (state == "all" or p["state"] == state)
            and (head is None or head.split(":", 1)[-1] == p["head"])
        ]
        return JSONResponse(found)

    async def pull_route(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        number = request.path_params["number"]
        if number not in self.pulls:
            return JSONResponse({"message": "Not Found"}, 404)
        if request.method == "PATCH":
            data = await request.json()
            for key in ("title", "body", "state"):
                if key in data:
                    self.pulls[number][key] = data[key]
        return JSONResponse(self._pull(request, number))

    def _pull(self, request: Request, number: int) -> dict[str, Any]:
        p = self.pulls[number]
        return {
            "url": self._url(request, f"/pulls/{number}"),
            "id": 1000 + number,
            "number": number,
            "state": p["state"],
            "title": p["title"],
            "body": p["body"],
            "html_url": f"https://github.example/pulls/{number}",
            "issue_url": self._url(request, f"/issues/{number}"),
            "comments_url": self._url(request, f"/issues/{number}/comments"),
            "head": {"ref": p["head"], "sha": "a" * 40, "label": f"org:{p['head']}"},
            "base": {"ref": p["base"], "sha": "b" * 40, "label": f"org:{p['base']}"},
            "merged": p["merged"],
            "merged_at": None,
            "labels": [{"id": i, "name": n} for i, n in enumerate(p["labels"])],
            "created_at": CREATED,
            "updated_at": CREATED,
        }

    async def comments_route(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        number = request.path_params["number"]
        if request.method == "POST":
            cid = next(self._ids)
            self.comments[cid] = {"number": number, "body": (await request.json())["body"]}
            return JSONResponse(self._comment(request, cid), 201)
        found = [
            self._comment(request, c) for c, v in self.comments.items() if v["number"] == number
        ]
        return JSONResponse(found)

    async def comment_route(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        cid = request.path_params["id"]
        self.comments[cid]["body"] = (await request.json())["body"]
        return JSONResponse(self._comment(request, cid))

    def _comment(self, request: Request, cid: int) -> dict[str, Any]:
        return {
            "id": cid,
            "url": self._url(request, f"/issues/comments/{cid}"),
            "html_url": f"https://github.example/comments/{cid}",
            "body": self.comments[cid]["body"],
            "user": {"login": "reconciler", "id": 2},
            "created_at": CREATED,
            "updated_at": CREATED,
        }

    async def labels_route(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        data = await request.json()
        names = data if isinstance(data, list) else data.get("labels", [])
        self.pulls[request.path_params["number"]]["labels"].extend(names)
        return JSONResponse([{"id": i, "name": n} for i, n in enumerate(names)])

    async def commit_route(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        sha = request.path_params["sha"]
        return JSONResponse({"sha": sha, "url": self._url(request, f"/commits/{sha}")})

    async def status_route(self, request: Request) -> Response:
        if (denied := await self._check(request)) is not None:
            return denied
        data = await request.json()
        self.statuses.append({"sha": request.path_params["sha"], **data})
        return JSONResponse({"id": len(self.statuses), "state": data["state"], **data}, 201)
