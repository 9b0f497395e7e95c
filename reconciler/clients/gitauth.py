"""Credentials for a git remote, kept out of every URL that is stored or logged.

A token comes from the environment (`GitCredentials.from_env()`) and reaches git through a
credential helper (`HELPER`) that reads it from the git subprocess's environment
(`helper_env`); a `https://user:secret@host/...` URL is split by `split_url` into a bare URL
plus credentials. `redact()` hides userinfo and secrets in any text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from reconciler.clients.git_api import GitFetchError
from reconciler.clients.giturl import is_scp_like

__all__ = [
    "DEFAULT_TOKEN_USERNAME",
    "HELPER",
    "GitCredentials",
    "helper_env",
    "redact",
    "split_url",
]

# GitHub accepts any username with a token; `x-access-token` is what its docs use for app tokens.
DEFAULT_TOKEN_USERNAME = "x-access-token"

# Names of the variables that carry the secret into the git subprocess only.
_ENV_USER = "RECONCILER_GIT_HELPER_USERNAME"
_ENV_PASS = "RECONCILER_GIT_HELPER_PASSWORD"
# A credential helper that answers `get` from those variables; it holds no secret itself.
HELPER = (
    '!f() { test "$1" = get || exit 0; '
    f'printf "username=%s\\npassword=%s\\n" "${_ENV_USER}" "${_ENV_PASS}"; }}; f'
)

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def redact(text: str, *secrets: str) -> str:
    """`text` with URL userinfo (`https://user:pass@host` → `https://***@host`) and every
    non-empty `secrets` string replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)


@dataclass(frozen=True)
class GitCredentials:
    """HTTP(S) credentials for a remote. `token` is hidden from `repr()`.

    `token_file` is read at every fetch, so a mounted Secret or a rotated app token is picked
    up without a restart; `token` wins when both are set."""

    username: str = DEFAULT_TOKEN_USERNAME
    token: str | None = field(default=None, repr=False)
    token_file: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GitCredentials | None:
        """Credentials from `RECONCILER_GIT_TOKEN` or `RECONCILER_GIT_TOKEN_FILE` (a path),
        with `RECONCILER_GIT_USERNAME` (default `x-access-token`); None when neither is set."""
        env = os.environ if env is None else env
        token = env.get("RECONCILER_GIT_TOKEN") or None
        token_file = env.get("RECONCILER_GIT_TOKEN_FILE") or None
        if token is None and token_file is None:
            return None
        username = env.get("RECONCILER_GIT_USERNAME") or DEFAULT_TOKEN_USERNAME
        return cls(username, token, Path(token_file) if token_file else None)

    def password(self) -> str:
        """The secret, read now (from the file when no inline token is set)."""
        if self.token is not None:
            return self.token
        if self.token_file is None:
            return ""
        try:
            return self.token_file.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise GitFetchError(
                f"cannot read token file {self.token_file}: {err.strerror}"
            ) from None


def split_url(url: str) -> tuple[str, GitCredentials | None]:
    """Normalize a remote: local paths become absolute, and userinfo of an http(s) URL moves
    out of the URL into credentials."""
    if "://" not in url:
        if is_scp_like(url):  # ssh: git@host:org/repo
            return url, None
        return str(Path(url).expanduser().resolve()), None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    bare = urlunsplit(parts._replace(netloc=hostport))
    return bare, GitCredentials(username or DEFAULT_TOKEN_USERNAME, password)


def helper_env(credentials: GitCredentials | None, secret: str) -> dict[str, str]:
    """The environment a git subprocess needs: never prompt (a prompt would hang a service),
    ssh in batch mode, and the credentials for `HELPER` when there are any."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"}
    if "GIT_SSH_COMMAND" not in os.environ:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    if credentials is not None:
        env[_ENV_USER] = credentials.username
        env[_ENV_PASS] = secret
    return env
