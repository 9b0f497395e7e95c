"""`DesiredObject`: one rendered Kubernetes object, with where it came from.

`provenance` names the documents that contributed to it (several for aggregate objects such as
the toolset ConfigMap) and, for generated values, the spec field behind each. The inventory keeps
its `files`, so that when one of those files later fails to load, the objects it fed are held
instead of pruned or rewritten without it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reconciler.engine.core.provenance import Provenance
from reconciler.specs.keys import ObjectKey, key_of


def digest(body: dict[str, Any], key: bytes = b"") -> str:
    """A short content hash of a body: equal bodies give equal digests, whatever the key order.

    A Secret's digest is keyed (HMAC-SHA256 with `key`, a per-cluster secret the reconciler
    keeps in its namespace): the inventory is a ConfigMap, and an unkeyed hash of a 4-digit PIN
    is reversed by trying all 10,000. Other kinds hold nothing secret and hash plainly."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    if body.get("kind") == "Secret" and body.get("apiVersion") == "v1":
        return hmac.new(key, canonical, hashlib.sha256).hexdigest()[:20]
    return hashlib.sha256(canonical).hexdigest()[:20]


@dataclass(frozen=True)
class DesiredObject:
    """`derived` objects (a namespace created because objects render into it) do not depend on
    the content of any one file, so a failing file never holds them."""

    body: dict[str, Any]
    provenance: Provenance
    derived: bool = False
    digest_key: bytes = field(default=b"", compare=False, repr=False)
    """The key of a Secret's digest (see `digest`)."""

    @cached_property
    def key(self) -> ObjectKey:
        return key_of(self.body)

    @cached_property
    def digest(self) -> str:
        """The content hash the inventory records: did git change since the last apply?"""
        return digest(self.body, self.digest_key)

    @property
    def files(self) -> tuple[str, ...]:
        """The spec files it came from, sorted."""
        return self.provenance.files

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))
