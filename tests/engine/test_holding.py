"""What a failing file holds, and what a no-op plan costs: each object compared once."""

from __future__ import annotations

import yaml

from tests.support.scenario import Harness, SpecRepo, config_map, deployment, seed, tool


def toolset_names(harness: Harness) -> list[str]:
    live = harness.live("v1", "ConfigMap", "ai-ops", "reconciler-toolsets")
    document = yaml.safe_load(live["data"]["toolsets.yaml"])
    return sorted(t["name"] for ts in document["toolsets"].values() for t in ts["tools"])


def test_a_failing_tool_file_holds_the_toolset_instead_of_dropping_its_tools(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("tools/a.yaml", tool("a-query"))
    spec_repo.write("tools/b.yaml", tool("b-query"))
    spec_repo.commit("two tools")
    harness.run("apply")
    assert toolset_names(harness) == ["a-query", "b-query"]

    spec_repo.write("tools/b.yaml", tool("b-query") + "  toolset: [unclosed\n")
    spec_repo.write("tools/a.yaml", tool("a-query", description="changed meanwhile"))
    spec_repo.commit("break b, change a")
    run = harness.run("apply")
    entry = next(e for e in run.plan.entries if e.key.name == "reconciler-toolsets")
    assert str(entry.cls) == "held", entry.reason
    assert "tools/b.yaml failed to load" in entry.reason
    assert toolset_names(harness) == ["a-query", "b-query"]  # b's tool is still served
    assert any(getattr(e, "file", None) == "tools/b.yaml" for e in run.errors)

    spec_repo.write("tools/b.yaml", tool("b-query"))
    spec_repo.commit("fix b")
    run = harness.run("apply")
    assert harness.classes(run)["ConfigMap/ai-ops/reconciler-toolsets"] == "update"
    assert toolset_names(harness) == ["a-query", "b-query"]


def test_a_noop_plan_compares_each_object_once_and_dry_runs_nothing(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seed(spec_repo)
    harness.run("apply")
    run = harness.run("plan")
    live_desired = [e for e in run.plan.entries if e.desired is not None and e.live is not None]
    assert {str(e.cls) for e in live_desired} == {"unchanged"}
    assert run.plan.stats.compared == len(live_desired) == len(run.plan.entries)
    assert run.plan.stats.dry_runs == 0
    stats = run.to_dict()["stats"]
    assert stats == {"compared": len(live_desired), "dryRuns": 0, "builds": 0, "buildsCached": 0}


def test_only_what_still_differs_is_dry_run(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    spec_repo.write("more.yaml", [config_map(f"cm-{i}", {"i": str(i)}) for i in range(5)])
    spec_repo.commit("more")
    harness.run("apply")
    harness.kubectl("scale", "-n", "demo", "deployment/web", "--replicas=7")
    spec_repo.write("app.yaml", [deployment(image="nginx:1.28")])
    spec_repo.write("config.yaml", [config_map("settings", {"a": "2"})])
    spec_repo.commit("two changes")
    harness.reset_requests()
    run = harness.run("plan")
    classes = harness.classes(run)
    assert classes["Deployment/demo/web"] == "update"
    assert classes["ConfigMap/demo/settings"] == "update"
    assert run.plan.stats.compared == len([e for e in run.plan.entries if e.live is not None])
    assert run.plan.stats.dry_runs == 2
    assert sum(harness.requests()["dryRun"].values()) == 2
