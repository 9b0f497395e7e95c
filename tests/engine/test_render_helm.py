"""Helm charts against the embedded cluster, and broken builds that hold only their own objects."""

from __future__ import annotations

from tests.support.scenario import Harness, SpecRepo, config_map

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "replicaCount: 1\ngreeting: hello\nimage: nginx:1.27\n",
    "charts/web/values.schema.json": (
        '{"type": "object", "properties": {"replicaCount": {"type": "integer", "minimum": 1},'
        ' "greeting": {"type": "string"}}, "required": ["replicaCount"]}'
    ),
    "charts/web/templates/_helpers.tpl": (
        '{{- define "web.labels" -}}\napp: {{ .Release.Name }}\n{{- end }}\n'
    ),
    "charts/web/templates/NOTES.txt": "Installed {{ .Release.Name }}.\n",
    "charts/web/templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "web.labels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "web.labels" . | nindent 8 }}
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
""",
    "charts/web/templates/config.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    {{- include "web.labels" . | nindent 4 }}
  ports: [{port: 80}]
""",
    "charts/web/templates/test.yaml": """apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations: {"helm.sh/hook": test}
spec:
  containers: [{name: t, image: busybox}]
""",
}


def config(values: str = "greeting: hi") -> str:
    return (
        "paths:\n  - plain\n  - path: charts/web\n    namespace: shop\n    helm:\n"
        f"      releaseName: front\n      values:\n        {values}\n"
    )


def seed(spec_repo: SpecRepo, values: str = "greeting: hi") -> None:
    for path, text in CHART.items():
        spec_repo.write(path, text)
    spec_repo.write("plain/cm.yaml", [config_map("plain", {"a": "1"})])
    spec_repo.write("reconciler.yaml", config(values))
    spec_repo.commit("chart")


def test_a_chart_renders_with_values_and_a_values_change_updates_only_what_it_affects(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seed(spec_repo)
    run = harness.run("apply")
    assert run.errors == []
    refs = {e.key.ref for e in run.plan.entries}
    assert {"Deployment/shop/front", "Service/shop/front", "ConfigMap/shop/front-config"} <= refs
    assert "Pod/shop/front-test" not in refs  # hooks are skipped by default
    assert harness.live("v1", "ConfigMap", "shop", "front-config")["data"] == {"greeting": "hi"}
    deploy = harness.live("apps/v1", "Deployment", "shop", "front")
    assert deploy["spec"]["replicas"] == 1 and deploy["metadata"]["labels"]["app"] == "front"

    spec_repo.write("reconciler.yaml", config("greeting: bonjour"))
    spec_repo.commit("say it in French")
    plan = harness.run("plan")
    changed = {e.key.ref: str(e.cls) for e in plan.plan.entries if str(e.cls) != "unchanged"}
    assert changed == {"ConfigMap/shop/front-config": "update"}
    assert [b.cached for b in plan.builds] == [False]


def test_a_value_the_chart_schema_refuses_is_located_and_holds_the_chart(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    seed(spec_repo)
    assert harness.run("apply").errors == []
    spec_repo.write("reconciler.yaml", config("replicaCount: 0"))
    spec_repo.write("plain/cm.yaml", [config_map("plain", {"a": "2"})])
    spec_repo.commit("too few")
    run = harness.run("apply")
    assert [str(e) for e in run.errors] == [
        "reconciler.yaml:8: paths[1].helm.values.replicaCount: minimum: got 0, want 1"
    ]
    classes = {e.key.ref: str(e.cls) for e in run.plan.entries}
    assert classes["Deployment/shop/front"] == "held"
    assert classes["ConfigMap/shop/front-config"] == "held"
    assert classes["ConfigMap/demo/plain"] == "update"  # other work carries on
    assert harness.live("apps/v1", "Deployment", "shop", "front") is not None


def test_broken_builds_hold_only_their_own_objects(harness: Harness, spec_repo: SpecRepo) -> None:
    seed(spec_repo)
    spec_repo.write("app/kustomization.yaml", "namespace: kz\nresources: [cm.yaml]\n")
    spec_repo.write("app/cm.yaml", [config_map("from-kustomize", {"a": "1"}, namespace=None)])
    spec_repo.write("reconciler.yaml", config() + "  - app\n")
    spec_repo.commit("a kustomization too")
    assert harness.run("apply").errors == []

    spec_repo.write("app/kustomization.yaml", "namespace: kz\nresources: [cm.yaml, gone.yaml]\n")
    spec_repo.write("charts/web/templates/config.yaml", "data: {{ .Values.greeting | nope }}\n")
    spec_repo.write("plain/cm.yaml", [config_map("plain", {"a": "2"})])
    spec_repo.commit("break both builds")
    run = harness.run("apply")
    assert [str(e) for e in run.errors] == [
        "app/kustomization.yaml:2: resources[1]: 'gone.yaml' does not exist (app/gone.yaml)",
        "charts/web/templates/config.yaml:1: helm: parse error at "
        '(charts/web/templates/config.yaml:1): function "nope" not defined',
    ]
    classes = {e.key.ref: str(e.cls) for e in run.plan.entries}
    assert classes["ConfigMap/kz/from-kustomize"] == "held"
    assert classes["Deployment/shop/front"] == "held"
    assert classes["ConfigMap/shop/front-config"] == "held"
    assert classes["ConfigMap/demo/plain"] == "update"
    assert "prune" not in classes.values()
    assert harness.live("v1", "ConfigMap", "kz", "from-kustomize") is not None
