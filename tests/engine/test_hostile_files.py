"""`plan` and `apply` next to hostile files: each fails on its own, located, and the rest of the
repo is planned and applied as usual (nothing raises out of the run)."""

from __future__ import annotations

from tests.support.scenario import Harness, SpecRepo, seed

DEEP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: demo}\ndata:\n"
    + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(330))
)
BAD_SCHEMA = """apiVersion: reconciler.dev/v1alpha1
kind: Tool
metadata: {name: bad-schema}
spec:
  toolType: http
  description: d
  inputSchema: {$schema: [1]}
"""
MERGES = """apiVersion: v1
kind: ConfigMap
metadata: {name: merged, namespace: demo}
data:
  <<: {a: '1'}
  b: '2'
"""


def test_hostile_files_fail_alone_and_the_rest_is_applied(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("deep.yaml", DEEP + "  " * 331 + "x\n")
    spec_repo.write("schema.yaml", BAD_SCHEMA)
    spec_repo.write("merged.yaml", MERGES)
    seed(spec_repo)  # and commit
    for mode in ("plan", "apply"):
        run = harness.run(mode)
        located = {
            (getattr(e, "file", None), getattr(e, "line", None), getattr(e, "field", None))
            for e in run.errors
        }
        assert ("deep.yaml", 68, "data" + "".join(f".k{i}" for i in range(63))) in located
        assert ("schema.yaml", 7, "spec.inputSchema") in located
        classes = harness.classes(run)
        assert "ConfigMap/demo/deep" not in classes
        assert classes["Deployment/demo/web"] in ("create", "unchanged")
        assert classes["ConfigMap/demo/merged"] in ("create", "unchanged")
    assert harness.live("v1", "ConfigMap", "demo", "merged")["data"] == {"a": "1", "b": "2"}
    assert harness.live("apps/v1", "Deployment", "demo", "web") is not None
