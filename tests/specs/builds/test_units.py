"""Which paths are builds, which files belong to them, and what a kustomization refers to."""

from __future__ import annotations

from pathlib import Path

from reconciler.clients.dirtree import DirectoryTree
from reconciler.specs.builds.port import Builder, BuildOutput, BuildRequest, RenderedFile
from reconciler.specs.config import RepoConfig
from reconciler.specs.loader import LoadResult, load_tree
from tests.specs.conftest import write_tree

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
"""
SERVICE_AND_MAP = """apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-extra}
data: {a: b}
"""
PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: b}\n"

REPO = {
    "deploy/base/kustomization.yaml": "resources: [deploy.yaml, svc.yaml]\n",
    "deploy/base/deploy.yaml": DEPLOY,
    "deploy/base/svc.yaml": SERVICE_AND_MAP,
    "deploy/components/tier/kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
    ),
    "deploy/overlays/prod/kustomization.yaml": (
        "namespace: prod\nnamePrefix: prod-\nresources: [../../base]\n"
        "components: [../../components/tier]\npatches:\n  - path: replicas.yaml\n"
    ),
    "deploy/overlays/prod/replicas.yaml": "kind: Deployment\nmetadata: {name: web}\n",
    "deploy/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
    "specs/plain.yaml": PLAIN,
}


class Recorder:
    """A builder that records requests and answers with fixed output (the real tools are
    exercised in tests/clients and the scenario tests)."""

    def __init__(self, output: BuildOutput | None = None) -> None:
        self.requests: list[BuildRequest] = []
        self.output = output or BuildOutput(rendered=(RenderedFile(None, ""),))

    def build(self, request: BuildRequest) -> BuildOutput:
        self.requests.append(request)
        return self.output


def load(root: Path, files: dict[str, str | bytes], **builders: Builder) -> LoadResult:
    write_tree(root, files)
    return load_tree(DirectoryTree(root), builders=builders)  # type: ignore[arg-type]


def test_roots_are_the_kustomizations_no_other_refers_to(tmp_path: Path) -> None:
    kustomize = Recorder()
    result = load(tmp_path, REPO, kustomize=kustomize)
    assert result.ok, result.errors
    assert [r.root for r in kustomize.requests] == ["deploy/overlays/dev", "deploy/overlays/prod"]
    assert [m.key.name for m in result.manifests] == ["plain"]  # the base is not applied raw
    assert "deploy/overlays/prod/kustomization.yaml" in result.files


def test_a_build_reads_its_own_directory_and_every_base_and_component(tmp_path: Path) -> None:
    kustomize = Recorder()
    load(tmp_path, REPO, kustomize=kustomize)
    prod = kustomize.requests[1]
    assert sorted(prod.files) == [
        "deploy/base/deploy.yaml",
        "deploy/base/kustomization.yaml",
        "deploy/base/svc.yaml",
        "deploy/components/tier/kustomization.yaml",
        "deploy/overlays/prod/kustomization.yaml",
        "deploy/overlays/prod/replicas.yaml",
    ]
    root = prod.files["deploy/overlays/prod/kustomization.yaml"].decode()
    assert "originAnnotations" in root
    on_disk = (tmp_path / "deploy/overlays/prod/kustomization.yaml").read_text()
    assert "originAnnotations" not in on_disk  # never written to the repo


def test_an_explicit_path_is_a_root_even_when_referenced(tmp_path: Path) -> None:
    kustomize = Recorder()
    files = {**REPO, "reconciler.yaml": "paths: [deploy/base, specs]\n"}
    result = load(tmp_path, files, kustomize=kustomize)
    assert [r.root for r in kustomize.requests] == ["deploy/base"]
    assert [m.key.name for m in result.manifests] == ["plain"]


def test_kustomization_files_are_never_broken_manifests(tmp_path: Path) -> None:
    files = {"app/kustomization.yaml": "resources: [cm.yaml]\n", "app/cm.yaml": PLAIN}
    result = load(tmp_path, files)  # no builder at all
    messages = [e.message for e in result.errors]
    assert messages == ["kustomize: no kustomize builder available"]
    assert result.errors[0].file == "app/kustomization.yaml"
    assert result.failed_files == {"app/kustomization.yaml"}


def test_missing_resource_outside_paths_and_remote_bases_are_located(tmp_path: Path) -> None:
    kustomize = Recorder()
    files = {
        "k/kustomization.yaml": (
            "resources:\n  - cm.yaml\n  - missing.yaml\n  - ../../outside\n"
            "  - https://github.com/org/repo//base?ref=v1\n"
            "patches:\n  - path: ../other/p.yaml\n  - patch: |-\n      kind: X\n"
            "configMapGenerator:\n  - name: c\n    files: [key=conf/a.txt]\n"
        ),
        "k/cm.yaml": PLAIN,
        "k/conf/a.txt": "x",
        "other/p.yaml": PLAIN,
    }
    result = load(tmp_path, files, kustomize=kustomize)
    found = {(e.line, e.field): e.message for e in result.errors}
    assert found[(3, "resources[1]")] == "'missing.yaml' does not exist (k/missing.yaml)"
    assert found[(4, "resources[2]")] == "'../../outside' is outside the repository"
    assert "remote base" in found[(5, "resources[3]")]
    assert "allowRemoteBases" in found[(5, "resources[3]")]
    assert "only from the kustomization's directory" in found[(7, "patches[0].path")]
    assert len(found) == 4  # the inline patch and the generator file are fine
    assert kustomize.requests == []  # nothing ran


def test_helm_settings_need_a_chart(tmp_path: Path) -> None:
    files = {"reconciler.yaml": "paths:\n  - path: specs\n    helm: {}\n", "specs/a.yaml": PLAIN}
    result = load(tmp_path, files)
    assert result.config_failed
    assert [str(e) for e in result.errors] == [
        "reconciler.yaml:2: paths[0].helm: 'specs' holds no Chart.yaml: helm settings need a chart"
    ]


def test_charts_below_a_plain_path_are_rendered_and_their_files_claimed(tmp_path: Path) -> None:
    helm = Recorder(BuildOutput(rendered=()))
    files = {
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/templates/x.yaml": "{{ .Values.broken YAML",
        "charts/web/charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        "specs/plain.yaml": PLAIN,
    }
    result = load(tmp_path, files, helm=helm)
    assert result.ok, result.errors
    assert [(r.root, r.release.name if r.release else None) for r in helm.requests] == [
        ("charts/web", "web")
    ]
    assert helm.requests[0].release is not None
    assert helm.requests[0].release.namespace == "ai-ops"


def test_config_paths_accept_entries_with_settings() -> None:
    config = RepoConfig.model_validate(
        {"paths": ["specs", {"path": "charts/web", "namespace": "shop", "helm": {"values": {}}}]}
    )
    entries = config.path_entries()
    assert [e.path for e in entries] == ["specs", "charts/web"]
    assert entries[1].helm is not None and entries[1].helm.hooks == "skip"


def test_kustomizations_that_include_each_other_are_built_not_silently_dropped(
    tmp_path: Path,
) -> None:
    kustomize = Recorder()
    files = {
        "a/kustomization.yaml": "resources: [../b]\n",
        "b/kustomization.yaml": "resources: [../a]\n",
    }
    load(tmp_path, files, kustomize=kustomize)
    assert sorted(r.root for r in kustomize.requests) == ["a", "b"]  # Kustomize names the cycle
