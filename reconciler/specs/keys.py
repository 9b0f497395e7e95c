"""Object identity: `ObjectKey(group, kind, namespace, name)`, the pairing key of every step.

The version is not part of the key: `apps/v1` and `apps/v1beta1` name the same object.
`ref` is how errors and reports name an object: `Kind/namespace/name`, or `Kind/name` for
cluster-scoped objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ObjectKey:
    group: str
    kind: str
    namespace: str | None
    name: str

    @property
    def ref(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    def __str__(self) -> str:
        return self.ref

    def __lt__(self, other: ObjectKey) -> bool:
        """Keys sort by group, kind, namespace (cluster-scoped first), name."""
        return self.encode() < other.encode()

    def encode(self) -> str:
        """A stable one-line form for storage: `group|kind|namespace|name`."""
        return "|".join((self.group, self.kind, self.namespace or "", self.name))

    @classmethod
    def decode(cls, text: str) -> ObjectKey:
        group, kind, namespace, name = text.split("|")
        return cls(group, kind, namespace or None, name)


def group_of(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def key_of(obj: dict[str, Any]) -> ObjectKey:
    """The key of a Kubernetes object body (which must carry apiVersion, kind and a name)."""
    meta = obj.get("metadata") or {}
    return ObjectKey(
        group=group_of(str(obj.get("apiVersion", ""))),
        kind=str(obj.get("kind", "")),
        namespace=meta.get("namespace") or None,
        name=str(meta.get("name", "")),
    )
