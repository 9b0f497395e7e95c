"""A remote's identity: `normalize_url` says when two spellings name one repository, and
`cache_dir_for` gives each identity its own bare cache.

The cache is where the last good commit survives an unreachable remote, so it must never be
shared by two repositories: a cache keyed by a repo's last path segment (`…/git/specs`) let one
`specs` repo's commit be applied as another's. Keying by the normalized URL makes two spellings
of one remote share a cache and two remotes never do.

Rules of `normalize_url`:

- a local path (plain, `~`-relative, or `file://`, with or without `localhost`) becomes an
  absolute path with symlinks and `..` resolved; a working copy's `/.git` is dropped (`/r/.git`
  is `/r`). `repo` and `repo.git` stay different: on disk they are two directories;
- for a network URL the scheme and host are lowercased, userinfo (`user:token@`) is dropped,
  the scheme's default port is dropped (http 80, https 443, ssh 22, git 9418), `git+ssh` and
  `ssh+git` are `ssh`, the fragment is dropped, and trailing `/` and `.git` are stripped from
  the path (`https://Host/org/repo.git/` is `https://host/org/repo`). The path keeps its case;
- scp-like `[user@]host:path` (a colon before any slash, as git reads it) is
  `ssh://host/path`: `git@github.com:org/repo.git` is `ssh://github.com/org/repo`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["cache_dir_for", "is_scp_like", "normalize_url"]

DEFAULT_PORTS = {"http": 80, "https": 443, "ssh": 22, "git": 9418}
_SSH_ALIASES = {"git+ssh": "ssh", "ssh+git": "ssh"}
# git's rule: `host:path` is scp-like when a colon comes before any slash.
_SCP = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>\[[^\]/]+\]|[^:/\[\]]+):(?P<path>.*)$")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


def is_scp_like(url: str) -> bool:
    """True for `[user@]host:path` (ssh), as git tells it apart from a local path."""
    return "://" not in url and _SCP.match(url) is not None


def normalize_url(url: str) -> str:
    """The identity of a remote: equal strings for the spellings of one repository (rules in
    the module docstring). Never contains credentials."""
    url = url.strip()
    if "://" not in url:
        scp = _SCP.match(url)
        if scp is None:
            return _local(url)
        return _network("ssh", scp["host"].strip("[]"), None, "/" + scp["path"].lstrip("/"), "")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _local(unquote(parts.path) or "/")
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # not a number: keep what was written, minus userinfo
        host = parts.netloc.rpartition("@")[2].lower()
        port = None
    return _network(_SSH_ALIASES.get(scheme, scheme), host, port, parts.path, parts.query)


def cache_dir_for(root: Path, url: str) -> Path:
    """The bare cache for `url` under `root`: `root / "<slug>-<12 hex digits>"`, where the
    digits are the start of the SHA-256 of `normalize_url(url)` and the slug (the repo's last
    path segment, for people reading the directory) plays no part in telling caches apart."""
    normalized = normalize_url(url)
    digest = hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:12]
    last = normalized.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git").lower()
    slug = _SLUG_UNSAFE.sub("-", last).strip("-")[:40].strip("-") or "repo"
    return Path(root) / f"{slug}-{digest}"


def _local(path: str) -> str:
    resolved = Path(os.path.expanduser(path)).resolve()
    if resolved.name == ".git":
        resolved = resolved.parent
    return str(resolved)


def _network(scheme: str, host: str, port: int | None, path: str, query: str) -> str:
    host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = path.rstrip("/").removesuffix(".git").rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
