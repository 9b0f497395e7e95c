"""Kustomize paths against the embedded cluster, checked against `kubectl kustomize` itself.

The repo is `tests/data/render/podinfo`: bases, a component, three overlays (patches, images,
a configMapGenerator, a LabelTransformer), laid out like stefanprodan/podinfo's `deploy/`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from reconciler.clients.dirtree import DirectoryTree
from reconciler.engine.core.adopt import adoption
from reconciler.engine.core.compare import Comparer
from reconciler.engine.report import render_text
from reconciler.runner import Runner
from reconciler.specs.keys import ObjectKey, key_of
from reconciler.specs.yamledit import set_values
from reconciler.specs.yamlparse import parse_yaml
from tests.support.scenario import KUBECTL, Harness, SpecRepo

PODINFO = Path(__file__).resolve().parents[1] / "data" / "render" / "podinfo"


def kustomize(root: Path, overlay: str) -> dict[ObjectKey, dict[str, Any]]:
    """What the real `kubectl kustomize` builds, by key (independent of the reconciler)."""
    done = subprocess.run(
        [KUBECTL, "kustomize", str(root / overlay)], capture_output=True, text=True, check=True
    )
    return {key_of(d): d for d in yaml.safe_load_all(done.stdout) if d}


def contains(live: Any, want: Any) -> bool:
    """Every field of `want` is in `live` with the same value (the server adds defaults)."""
    if isinstance(want, dict):
        return isinstance(live, dict) and all(contains(live.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(live, list)
            and len(live) == len(want)
            and all(contains(a, b) for a, b in zip(live, want, strict=True))
        )
    return bool(live == want)


def use(spec_repo: SpecRepo, overlay: str) -> None:
    spec_repo.write("reconciler.yaml", f"paths: [{overlay}]\n")
    spec_repo.commit(f"deploy {overlay}")


def seeded(spec_repo: SpecRepo) -> SpecRepo:
    shutil.copytree(PODINFO, spec_repo.path, dirs_exist_ok=True)
    return spec_repo


def test_the_production_overlay_applies_exactly_what_kustomize_builds(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    use(seeded(spec_repo), "deploy/overlays/production")
    built = kustomize(spec_repo.path, "deploy/overlays/production")
    run = harness.run("apply")
    assert run.errors == []
    objects = {e.key for e in run.plan.entries if e.key.kind != "Namespace"}
    assert objects == set(built)
    for key, want in built.items():
        live = harness.live(want["apiVersion"], key.kind, key.namespace, key.name)
        assert live is not None, key
        assert contains(live["metadata"].get("labels", {}), want["metadata"].get("labels", {}))
        body = {k: v for k, v in want.items() if k not in ("metadata", "status")}
        assert contains(live, body), key
        # The origin annotation Kustomize added for us is gone; ours names the file.
        annotations = live["metadata"].get("annotations", {})
        assert "config.kubernetes.io/origin" not in annotations
    backend = harness.live("apps/v1", "Deployment", "apps", "backend")
    assert backend["metadata"]["annotations"]["reconciler.dev/origin"] == (
        "deploy/bases/backend/deployment.yaml"
    )
    container = backend["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/stefanprodan/podinfo:6.7.1"  # the overlay's images
    assert container["resources"]["requests"] == {"cpu": "500m", "memory": "128Mi"}  # patch
    # Applying again is a no-op: builds and digests are stable.
    harness.reset_requests()
    again = harness.run("apply")
    assert {str(e.cls) for e in again.plan.entries} == {"unchanged"}
    assert harness.requests()["writes"] == 0


def test_switching_overlays_prunes_and_creates_exactly_the_difference(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    use(seeded(spec_repo), "deploy/overlays/production")
    assert harness.run("apply").errors == []
    production = kustomize(spec_repo.path, "deploy/overlays/production")
    staging = kustomize(spec_repo.path, "deploy/overlays/staging")
    use(spec_repo, "deploy/overlays/staging")
    plan = harness.run("plan")
    assert plan.errors == []
    classes = {e.key: str(e.cls) for e in plan.plan.entries if e.key.kind != "Namespace"}
    changed = {k for k in set(production) & set(staging) if production[k] != staging[k]}
    assert {k for k, c in classes.items() if c == "prune"} == set(production) - set(staging)
    assert {k for k, c in classes.items() if c == "create"} == set(staging) - set(production)
    assert {k for k, c in classes.items() if c == "update"} == changed
    assert {k for k, c in classes.items() if c == "unchanged"} == (
        set(production) & set(staging)
    ) - changed
    assert harness.run("apply").errors == []
    dashboards = harness.live("v1", "ConfigMap", "apps", "dashboards")
    assert dashboards is None  # only the production overlay's component made it
    frontend = harness.live("apps/v1", "Deployment", "apps", "frontend")
    assert frontend["spec"]["replicas"] == 1
    assert frontend["metadata"]["labels"]["environment"] == "staging"


def test_plan_output_names_the_file_each_built_object_came_from(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    use(seeded(spec_repo), "deploy/overlays/production")
    run = harness.run("plan")
    by_ref = {e.key.ref: e.to_dict()["origin"] for e in run.plan.entries if e.origin}
    via = "kustomize deploy/overlays/production"
    assert by_ref["Deployment/apps/frontend"] == {
        "file": "deploy/bases/frontend/deployment.yaml",
        "line": 1,
        "via": via,
    }
    generated = next(r for r in by_ref if r.startswith("ConfigMap/apps/env-"))
    assert by_ref[generated] == {
        "file": "deploy/overlays/production/kustomization.yaml",
        "line": 16,
        "via": via,
    }
    # Provenance maps a field of a built object to its line in the base file.
    entry = next(e for e in run.plan.entries if e.key.ref == "Deployment/apps/backend")
    assert entry.desired is not None
    found = entry.desired.provenance.source_of("/spec/revisionHistoryLimit")
    assert found is not None and str(found) == (
        "deploy/bases/backend/deployment.yaml:7: spec.revisionHistoryLimit"
    )
    # The inventory records the build, so a failing build holds exactly its own objects.
    assert entry.desired.files == ("deploy/overlays/production/kustomization.yaml",)
    text = render_text(run)
    assert (
        "+ create    Deployment/apps/backend: not in the cluster\n"
        "    from deploy/bases/backend/deployment.yaml:1 (kustomize deploy/overlays/production)"
    ) in text


def test_without_paths_the_unreferenced_kustomizations_are_the_roots(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seeded(spec_repo).commit("the podinfo layout, no reconciler.yaml")
    run = harness.run("plan")
    # dev, staging and production are roots; staging and production both define objects in
    # `apps`, so those keys are held as defined twice; dev's own namespace is fine.
    assert {e.key.namespace for e in run.plan.entries if str(e.cls) == "create"} >= {"dev"}
    messages = " ".join(str(e) for e in run.errors)
    assert "defined twice" in messages
    assert "metadata: required field missing" not in messages  # no kustomization as a manifest
    assert not any(e.key.namespace is None and e.key.kind != "Namespace" for e in run.plan.entries)


def test_a_replan_rebuilds_only_the_overlay_whose_inputs_changed(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seeded(spec_repo).write(
        "reconciler.yaml", "paths: [deploy/overlays/dev, deploy/overlays/production]\n"
    )
    runner = Runner(None, harness.cluster, "demo")  # one runner: its build cache lives on
    tree = DirectoryTree(spec_repo.path)
    first = runner.plan_tree(tree)
    assert [(b.unit, b.cached) for b in first.builds] == [
        ("deploy/overlays/dev/kustomization.yaml", False),
        ("deploy/overlays/production/kustomization.yaml", False),
    ]
    again = runner.plan_tree(tree)
    assert [b.cached for b in again.builds] == [True, True]
    assert again.plan.entries == first.plan.entries
    patch = spec_repo.path / "deploy/overlays/production/frontend-replicas.yaml"
    patch.write_text(patch.read_text().replace("replicas: 3", "replicas: 4"))
    edited = runner.plan_tree(tree)
    assert [b.cached for b in edited.builds] == [True, False]
    frontend = next(e for e in edited.plan.entries if e.key.ref == "Deployment/apps/frontend")
    assert frontend.desired is not None and frontend.desired.body["spec"]["replicas"] == 4
    # A base both overlays read changes both.
    base = spec_repo.path / "deploy/bases/frontend/service.yaml"
    base.write_text(base.read_text().replace("port: 80", "port: 8080"))
    assert [b.cached for b in runner.plan_tree(tree).builds] == [False, False]


def test_validate_reports_rendered_paths_like_plain_ones(spec_repo: SpecRepo) -> None:
    seeded(spec_repo).write("reconciler.yaml", "paths: [deploy/overlays/production]\n")
    done = subprocess.run(
        [str(Path(KUBECTL).parent / "reconciler"), "validate", str(spec_repo.path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    bad = spec_repo.path / "deploy/bases/backend/service.yaml"
    bad.write_text(bad.read_text().replace("port: 9898", "port: nine"))
    done = subprocess.run(
        [str(Path(KUBECTL).parent / "reconciler"), "validate", str(spec_repo.path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "deploy/bases/backend/service.yaml:11: spec.ports[0].port:" in done.stdout
    assert "(built by kustomize deploy/overlays/production)" in done.stdout


def test_a_source_path_at_an_overlay_still_reaches_the_repos_bases(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    """`--path deploy/overlays/production`, as an Argo CD Application's path would be."""
    seeded(spec_repo).commit("the podinfo layout")
    runner = Runner(harness.source, harness.cluster, "demo", "deploy/overlays/production")
    run = runner.apply()
    assert run.errors == []
    built = kustomize(spec_repo.path, "deploy/overlays/production")
    assert {e.key for e in run.plan.entries if e.key.kind != "Namespace"} == set(built)
    entry = next(e for e in run.plan.entries if e.key.ref == "Deployment/apps/backend")
    assert entry.origin is not None and entry.origin.file == "../../bases/backend/deployment.yaml"
    assert entry.desired is not None and entry.desired.files == ("kustomization.yaml",)
    # Nothing beyond the repository: a base that climbs out of it is refused, located.
    spec_repo.write(
        "deploy/overlays/production/kustomization.yaml",
        "resources: [../../../../outside]\n",
    )
    spec_repo.commit("climb out")
    held = runner.plan()
    assert [str(e) for e in held.errors] == [
        "kustomization.yaml:1: resources[0]: '../../../../outside' is outside the repository"
    ]
    assert {str(e.cls) for e in held.plan.entries} == {"held"}


def test_drift_on_an_unpatched_base_field_is_adopted_into_the_base_byte_minimally(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    use(seeded(spec_repo), "deploy/overlays/production")
    assert harness.run("apply").errors == []
    patch = (
        '{"spec": {"revisionHistoryLimit": 7, "template": {"spec": {"containers": [{"name": '
        '"backend", "resources": {"requests": {"cpu": "750m"}}}]}}}}'
    )
    harness.kubectl("patch", "-n", "apps", "deployment/backend", "--type=strategic", "-p", patch)
    run = harness.run("plan")
    entry = next(e for e in run.plan.entries if e.key.ref == "Deployment/apps/backend")
    assert str(entry.cls) == "drift" and entry.desired is not None and entry.live is not None
    assert "revisionHistoryLimit" in entry.reason + entry.diff
    differences = Comparer().compare(entry.desired, entry.live).uncovered

    def read(file: str, document: int) -> object:
        text = (spec_repo.path / file).read_text()
        return parse_yaml(text).documents[document].value

    adopted = adoption(entry.desired, differences, read)
    assert [(e.file, e.path, e.value) for e in adopted.edits] == [
        ("deploy/bases/backend/deployment.yaml", ("spec", "revisionHistoryLimit"), 7)
    ]
    # The cpu request comes from the production overlay's patch, not from the base.
    assert [(s.pointer, "needs a patch in the overlay" in s.reason) for s in adopted.skipped] == [
        ("/spec/template/spec/containers/0/resources/requests/cpu", True)
    ]
    base = spec_repo.path / "deploy/bases/backend/deployment.yaml"
    before = base.read_text()
    edit = adopted.edits[0]
    result = set_values(before, document=edit.document, edits={edit.path: edit.value})
    assert result.changed_lines == 1
    assert [line for line in result.text.splitlines() if line not in before.splitlines()] == [
        "  revisionHistoryLimit: 7"
    ]
    base.write_text(result.text)
    spec_repo.commit("adopt the live revisionHistoryLimit")
    after = harness.run("plan")
    entry = next(e for e in after.plan.entries if e.key.ref == "Deployment/apps/backend")
    assert "revisionHistoryLimit" not in entry.reason + entry.diff  # adopted: they agree
    assert "cpu" in entry.diff  # the patched field is still drift, as the skip said
