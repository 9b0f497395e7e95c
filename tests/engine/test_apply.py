"""Apply order: what others depend on is written first and deleted last.

A cluster that records every write wraps the real one (a seam, not a patch): the order is read
from what reached the API server's client, not from the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.clients.cluster_api import Cluster
from reconciler.engine.apply import KIND_ORDER
from reconciler.runner import Runner
from tests.support.scenario import CRD, Harness, SpecRepo, config_map

SCALED = {
    "apiVersion": "keda.sh/v1alpha1",
    "kind": "ScaledObject",
    "metadata": {"name": "web", "namespace": "team"},
    "spec": {"scaleTargetRef": {"name": "web"}},
}
TEAM = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}},
    {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "bot", "namespace": "team"},
    },
    config_map("settings", {"a": "1"}, "team"),
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "team"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    },
    CRD,
    SCALED,
]


@dataclass
class Recording:
    """The `Cluster` port over a real cluster, recording the kind of every write."""

    inner: Cluster
    writes: list[tuple[str, str]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def apply(self, obj: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not kwargs.get("dry_run"):
            self.writes.append(("apply", str(obj["kind"])))
        return self.inner.apply(obj, **kwargs)

    def delete(self, api_version: str, kind: str, *args: Any, **kwargs: Any) -> bool:
        self.writes.append(("delete", kind))
        return self.inner.delete(api_version, kind, *args, **kwargs)


def rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def run(harness: Harness, recording: Recording) -> list[tuple[str, str]]:
    recording.writes.clear()
    result = Runner(harness.source, recording, "demo").apply()  # type: ignore[arg-type]
    assert not result.failed, [r.message for r in result.results or [] if r.message]
    return [w for w in recording.writes if w[1] != "ConfigMap" or w[0] == "delete"]


def test_creates_in_dependency_order_and_prunes_in_reverse(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    recording = Recording(harness.cluster)
    spec_repo.write("team.yaml", TEAM)
    spec_repo.write("keep.yaml", [config_map("keep", {"k": "v"}, "other")])
    spec_repo.commit("team")
    applied = [kind for verb, kind in run(harness, recording) if verb == "apply"]
    assert applied[:2] == ["Namespace", "Namespace"]  # team and the implicit `other`
    assert applied.index("CustomResourceDefinition") < applied.index("ScaledObject")
    assert (
        applied.index("ServiceAccount") < applied.index("Service") < applied.index("ScaledObject")
    )

    spec_repo.remove("team.yaml")
    spec_repo.commit("team leaves")
    deleted = [kind for verb, kind in run(harness, recording) if verb == "delete"]
    assert sorted(deleted) == sorted(o["kind"] for o in TEAM)
    assert [rank(k) for k in deleted] == sorted((rank(k) for k in deleted), reverse=True)
    assert deleted[0] == "ScaledObject" and deleted[-1] == "Namespace"
    assert harness.live("v1", "ConfigMap", "other", "keep") is not None
