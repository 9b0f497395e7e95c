"""The inventory: what one source applied last time, kept in the cluster (pure model).

One ConfigMap per source (`reconciler-inventory-<source>` in the reconciler's namespace) holds,
for every object applied, its apiVersion, the digest of the desired body that was applied, and
the spec files it came from. It answers three questions the plan needs:

- prune = previous inventory - desired (only objects this source created are ever deleted);
- did git change? A new desired digest means update; the same digest with live differing, drift;
- which objects does a failed spec file feed? Those are held, never pruned or rewritten.

Replicas of the service stay stateless: the inventory lives with the objects, not in a process.
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass, field
from typing import Any

from reconciler.specs.keys import ObjectKey

INVENTORY_PREFIX = "reconciler-inventory-"
DATA_KEY = "inventory.json"
COMPRESS_OVER = 256 * 1024


class InventoryError(ValueError):
    """A stored inventory that cannot be read: nothing is pruned while it stays unreadable."""


@dataclass(frozen=True)
class InventoryEntry:
    api_version: str
    digest: str
    origins: tuple[str, ...]
    pending: bool = False
    """Recorded before a create was sent (so a crash mid-apply orphans nothing); cleared once
    the create is confirmed. A pending object that is not live was never made: create it."""


@dataclass(frozen=True)
class SourceOrigin:
    """Where a source's specs come from: its normalized repo URL and the path inside it. An
    inventory records it, so a run of the same name from another repo is refused, not obeyed."""

    url: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.url} (path {self.path or '/'})"


@dataclass(frozen=True)
class Inventory:
    source: str
    commit: str | None = None
    entries: dict[ObjectKey, InventoryEntry] = field(default_factory=dict)
    origin: SourceOrigin | None = None
    """None in inventories written before origins were recorded: the next write adds it."""

    def to_config_map(self, namespace: str) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "source": self.source,
            "commit": self.commit,
            "entries": {key.encode(): _row(e) for key, e in sorted(self.entries.items())},
        }
        if self.origin is not None:
            payload["url"], payload["path"] = self.origin.url, self.origin.path
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": config_map_name(self.source),
                "namespace": namespace,
                "labels": {"app.kubernetes.io/managed-by": "reconciler-inventory"},
            },
        }
        if len(text) > COMPRESS_OVER:
            packed = base64.b64encode(gzip.compress(text.encode("utf-8"))).decode("ascii")
            body["binaryData"] = {DATA_KEY + ".gz": packed}
        else:
            body["data"] = {DATA_KEY: text}
        return body

    @classmethod
    def from_config_map(cls, source: str, body: dict[str, Any] | None) -> Inventory:
        if body is None:
            return cls(source)
        try:
            if DATA_KEY in (body.get("data") or {}):
                text = body["data"][DATA_KEY]
            else:
                packed = (body.get("binaryData") or {})[DATA_KEY + ".gz"]
                text = gzip.decompress(base64.b64decode(packed)).decode("utf-8")
            payload = json.loads(text)
            entries = {
                ObjectKey.decode(k): InventoryEntry(v["v"], v["d"], tuple(v["o"]), bool(v.get("p")))
                for k, v in payload["entries"].items()
            }
            url = payload.get("url")
            origin = SourceOrigin(str(url), str(payload.get("path") or "")) if url else None
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise InventoryError(f"inventory of source {source!r} is unreadable: {exc}") from exc
        return cls(source, payload.get("commit"), entries, origin)


def _row(entry: InventoryEntry) -> dict[str, Any]:
    row: dict[str, Any] = {"v": entry.api_version, "d": entry.digest, "o": list(entry.origins)}
    if entry.pending:
        row["p"] = 1
    return row


def config_map_name(source: str) -> str:
    return INVENTORY_PREFIX + source
