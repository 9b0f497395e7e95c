"""A real upstream repository (with a working copy) for the git client tests."""

from __future__ import annotations

from pathlib import Path

import git


class Upstream:
    """A real repository with a working copy, committing with a fixed identity."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = git.Repo.init(path, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", "Test")
            config.set_value("user", "email", "test@example.com")

    def write(self, rel: str, data: bytes | str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)

    def commit(self, message: str) -> str:
        self.repo.git.add("-A")
        self.repo.git.commit("-m", message, "--allow-empty")
        self.repo.git.update_server_info()  # lets a plain static HTTP server serve it
        return self.repo.head.commit.hexsha

    @property
    def head(self) -> str:
        return self.repo.head.commit.hexsha
