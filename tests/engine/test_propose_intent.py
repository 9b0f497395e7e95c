"""Intents with the offline provider: the example patterns applied to the workload named."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import git

from reconciler.localcluster.server import LocalCluster
from tests.engine.test_propose_drift import WEB
from tests.support.proposing import cli
from tests.support.scenario import new_spec_repo

PATTERNS = Path(__file__).resolve().parents[2] / "specs" / "patterns"
HPA_CAP = """apiVersion: reconciler.dev/v1alpha1
kind: Policy
metadata: {name: hpa-cap}
spec:
  match: {kinds: [HorizontalPodAutoscaler]}
  enforcement: deny
  message: autoscalers may not go past 4 replicas
  rule:
    type: object
    properties:
      spec: {type: object, properties: {maxReplicas: {type: integer, maximum: 4}}}
"""


def seeded(tmp_path: Path, *extra: tuple[str, str]) -> tuple[Path, Path]:
    work = new_spec_repo(tmp_path / "work")
    work.write("apps/web.yaml", WEB)
    for pattern in sorted(PATTERNS.glob("*.yaml")):
        work.write(f"patterns/{pattern.name}", pattern.read_text())
    for path, text in extra:
        work.write(path, text)
    work.commit("apps and patterns")
    bare = tmp_path / "specs.git"
    git.Repo.clone_from(str(work.path), str(bare), bare=True)
    return bare, tmp_path / "cache"


def intent(
    local: LocalCluster, bare: Path, cache: Path, text: str
) -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli(
            local, bare, cache, "propose", "--trigger", "intent", "--intent", text, "-o", "json"
        )
    return code, json.loads(out.getvalue())["proposals"]


def test_autoscaling_intent_adds_an_hpa_beside_the_workload(
    tmp_path: Path, local: LocalCluster
) -> None:
    bare, cache = seeded(tmp_path)
    assert cli(local, bare, cache, "apply") == 0
    code, (result,) = intent(local, bare, cache, "please autoscale demo/web on CPU")
    assert code == 0 and result["status"] == "opened"
    assert result["files"] == ["apps/web-hpa.yaml"]
    hpa = (git.Repo(bare).commit(result["branch"]).tree / "apps/web-hpa.yaml").data_stream.read()
    assert b"kind: HorizontalPodAutoscaler" in hpa and b"minReplicas: 2" in hpa
    assert "HorizontalPodAutoscaler/demo/web: create" in str(result["validation"])


def test_zero_downtime_intent_edits_the_strategy_in_place(
    tmp_path: Path, local: LocalCluster
) -> None:
    bare, cache = seeded(tmp_path)
    assert cli(local, bare, cache, "apply") == 0
    code, (result,) = intent(local, bare, cache, "roll out web with zero downtime")
    assert code == 0 and result["status"] == "opened"
    text = (git.Repo(bare).commit(result["branch"]).tree / "apps/web.yaml").data_stream.read()
    old, new = WEB.splitlines(), text.decode().splitlines()
    assert [line for line in new if line not in old] == [
        "  strategy:",
        "    type: RollingUpdate",
        "    rollingUpdate:",
        "      maxUnavailable: 0",
        "      maxSurge: 1",
    ]
    assert all(line in new for line in old)  # every original line kept, comments included


def test_what_is_not_understood_is_skipped_with_what_was(
    tmp_path: Path, local: LocalCluster
) -> None:
    bare, cache = seeded(tmp_path)
    code, (result,) = intent(local, bare, cache, "make postgres highly available")
    assert code == 0 and result["status"] == "skipped"
    assert result["reason"] == "not understood (target: none found; pattern: database-ha)"


def test_a_deny_policy_blocks_an_intent(tmp_path: Path, local: LocalCluster) -> None:
    bare, cache = seeded(tmp_path, ("policies/hpa-cap.yaml", HPA_CAP))
    assert cli(local, bare, cache, "apply") == 0
    code, (result,) = intent(local, bare, cache, "autoscale demo/web")
    assert code == 1 and result["status"] == "blocked"
    assert "autoscalers may not go past 4 replicas" in str(result["reason"])
    assert [h.name for h in git.Repo(bare).heads] == ["main"]
