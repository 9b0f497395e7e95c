"""Build output read back as documents, each traced to the file and line that produced it."""

from __future__ import annotations

from pathlib import Path

from reconciler.specs.builds.cache import CachingBuilder
from reconciler.specs.builds.port import BuildOutput, RenderedFile, ValueProblem
from tests.specs.builds.test_units import DEPLOY, SERVICE_AND_MAP, Recorder, load

KUSTOMIZE_OUT = """apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    config.kubernetes.io/origin: |
      path: ../base/svc.yaml
  name: p-web-extra
data: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    keep: me
    config.kubernetes.io/origin: |
      configuredIn: kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
  name: p-settings-5h2k
data: {A: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    config.kubernetes.io/origin: |
      path: ../base/deploy.yaml
  name: p-web
spec: {replicas: 3}
"""
FILES = {
    "base/kustomization.yaml": "resources: [deploy.yaml, svc.yaml]\n",
    "base/deploy.yaml": DEPLOY,
    "base/svc.yaml": SERVICE_AND_MAP,
    "prod/kustomization.yaml": (
        "namePrefix: p-\nresources: [../base]\nconfigMapGenerator:\n"
        "  - name: other\n    literals: [B=2]\n  - name: settings\n    literals: [A=1]\n"
    ),
    "reconciler.yaml": "paths:\n  - path: prod\n    namespace: shop\n",
}


def test_kustomize_objects_point_at_their_base_document(tmp_path: Path) -> None:
    kustomize = Recorder(BuildOutput(rendered=(RenderedFile(None, KUSTOMIZE_OUT),)))
    result = load(tmp_path, FILES, kustomize=kustomize)
    assert result.ok, result.errors
    by_name = {m.key.name: m for m in result.manifests}
    extra, generated, deploy = by_name["p-web-extra"], by_name["p-settings-5h2k"], by_name["p-web"]
    assert str(extra.location) == "base/svc.yaml:6"  # the second document of the file
    assert extra.document == 1
    assert "annotations" not in extra.body["metadata"]  # the origin annotation is stripped
    assert str(deploy.location) == "base/deploy.yaml:1"
    assert deploy.line_of(("spec", "replicas")) == 6  # the base's line for the field
    assert deploy.built is not None and deploy.built.identity
    assert deploy.built.namespace == "shop"
    assert deploy.holds == "prod/kustomization.yaml"
    # A generated ConfigMap points at its generator entry, keeps its other annotations.
    assert str(generated.location) == "prod/kustomization.yaml:6"
    assert generated.body["metadata"]["annotations"] == {"keep": "me"}
    assert generated.built is not None and not generated.built.identity


def test_a_bad_object_in_the_output_fails_the_whole_build(tmp_path: Path) -> None:
    broken = KUSTOMIZE_OUT + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"
    kustomize = Recorder(BuildOutput(rendered=(RenderedFile(None, broken),)))
    result = load(tmp_path, FILES, kustomize=kustomize)
    assert result.failed_files == {"prod/kustomization.yaml"}
    assert result.manifests == []
    assert [e.field for e in result.errors] == ["metadata.name"]


CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "replicaCount: 1\nimage:\n  tag: '1'\n",
    "charts/web/templates/all.yaml": "kind: A\n---\n# {{ x }}\nkind: B\n",
    "env/prod.yaml": "image:\n  tag: '2'\nreplicaCount: 0\n",
    "reconciler.yaml": (
        "paths:\n  - path: charts/web\n    namespace: shop\n    helm:\n"
        "      releaseName: front\n      valuesFiles: [env/prod.yaml]\n"
        "      values:\n        image: {pullPolicy: Always}\n"
    ),
}
HELM_OUT = """apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata:
  name: b
  annotations: {helm.sh/hook: test}
"""


def test_helm_values_merge_in_order_and_objects_point_at_templates(tmp_path: Path) -> None:
    out = BuildOutput(rendered=(RenderedFile("charts/web/templates/all.yaml", HELM_OUT),))
    helm = Recorder(out)
    result = load(tmp_path, CHART, helm=helm)
    assert result.ok, result.errors
    release = helm.requests[0].release
    assert release is not None
    assert (release.name, release.namespace) == ("front", "shop")
    assert release.values == {"image": {"tag": "2", "pullPolicy": "Always"}, "replicaCount": 0}
    assert [str(m.location) for m in result.manifests] == ["charts/web/templates/all.yaml:1"]
    assert result.manifests[0].built is not None
    assert result.manifests[0].built.via == "helm charts/web (release front)"


def test_a_value_the_schema_refuses_is_located_where_it_was_set(tmp_path: Path) -> None:
    problems = (
        ValueProblem("/replicaCount", "minimum: got 0, want 1"),
        ValueProblem("/image/pullPolicy", "value must be one of 'IfNotPresent'"),
        ValueProblem("", "missing property 'name'"),
    )
    helm = Recorder(BuildOutput(error="values don't meet the schema", value_problems=problems))
    result = load(tmp_path, CHART, helm=helm)
    assert [str(e) for e in result.errors] == [
        "env/prod.yaml:3: replicaCount: minimum: got 0, want 1",
        "reconciler.yaml:7: paths[0].helm.values: missing property 'name'",
        "reconciler.yaml:8: paths[0].helm.values.image.pullPolicy: value must be one of "
        "'IfNotPresent'",
    ]
    assert result.failed_files == {"charts/web/Chart.yaml"}


def test_a_missing_values_file_is_a_located_config_error(tmp_path: Path) -> None:
    files = {**CHART, "env/prod.yaml": None}
    del files["env/prod.yaml"]
    helm = Recorder()
    result = load(tmp_path, files, helm=helm)
    assert [str(e) for e in result.errors] == [
        "reconciler.yaml:6: paths[0].helm.valuesFiles[0]: 'env/prod.yaml': does not exist"
    ]
    assert helm.requests == []


def test_the_cache_answers_an_identical_build_and_rebuilds_on_any_change(tmp_path: Path) -> None:
    inner = Recorder(BuildOutput(rendered=(RenderedFile(None, KUSTOMIZE_OUT),)))
    cache = CachingBuilder(inner)
    first = load(tmp_path, FILES, kustomize=cache)
    again = load(tmp_path, {}, kustomize=cache)
    assert [b.cached for b in first.builds] == [False]
    assert [b.cached for b in again.builds] == [True]
    assert len(inner.requests) == 1
    changed = load(tmp_path, {"base/deploy.yaml": DEPLOY + "  # edited\n"}, kustomize=cache)
    assert [b.cached for b in changed.builds] == [False]
    assert len(inner.requests) == 2
    failing = CachingBuilder(Recorder(BuildOutput(error="timed out")))
    load(tmp_path, {}, kustomize=failing)
    load(tmp_path, {}, kustomize=failing)
    assert failing.misses == 2  # a failure is never cached


def test_hooks_are_ordinary_objects_only_when_asked(tmp_path: Path) -> None:
    out = BuildOutput(rendered=(RenderedFile("charts/web/templates/all.yaml", HELM_OUT),))
    asked = CHART["reconciler.yaml"].replace(
        "releaseName: front", "releaseName: front\n      hooks: render"
    )
    result = load(tmp_path, {**CHART, "reconciler.yaml": asked}, helm=Recorder(out))
    assert result.ok, result.errors
    assert [m.key.name for m in result.manifests] == ["a", "b"]
    assert [str(m.location) for m in result.manifests] == [
        "charts/web/templates/all.yaml:1",
        "charts/web/templates/all.yaml:3",  # the template's second part starts after `---`
    ]
