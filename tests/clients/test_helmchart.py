"""HelmBuilder with Helm's real Go SDK (helm-python-sdk), no mocks and no helm binary."""

from __future__ import annotations

import json
import multiprocessing
import time
from typing import Any

import yaml

from reconciler.clients.helmchart import HelmBuilder, value_problems
from reconciler.specs.builds.port import (
    BuildLimits,
    BuildOutput,
    BuildRequest,
    HelmRelease,
    ValueProblem,
)

ROOT = "charts/web"
SCHEMA = {
    "type": "object",
    "properties": {"replicaCount": {"type": "integer", "minimum": 1}},
}
# The subchart lives in `charts/cache-chart/` but is named `cache`: Helm names its templates
# `web/charts/cache/...`; the builder answers with the directory.
CHART: dict[str, bytes] = {
    f"{ROOT}/Chart.yaml": b"apiVersion: v2\nname: web\nversion: 0.1.0\n",
    f"{ROOT}/values.yaml": b"replicaCount: 1\nimage: nginx:1.27\n",
    f"{ROOT}/values.schema.json": json.dumps(SCHEMA).encode(),
    f"{ROOT}/templates/_helpers.tpl": b"""\
{{- define "web.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end }}
""",
    f"{ROOT}/templates/deployment.yaml": b"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  namespace: {{ .Release.Namespace }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
      - name: web
        image: {{ .Values.image }}
""",
    f"{ROOT}/templates/optional.yaml": b"{{- if .Values.optional }}\nkind: ConfigMap\n{{- end }}\n",
    f"{ROOT}/templates/NOTES.txt": b"Installed {{ .Release.Name }}.\n",
    f"{ROOT}/crds/widgets.yaml": b"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
""",
    f"{ROOT}/charts/cache-chart/Chart.yaml": b"apiVersion: v2\nname: cache\nversion: 0.2.0\n",
    f"{ROOT}/charts/cache-chart/values.yaml": b"port: 6379\n",
    f"{ROOT}/charts/cache-chart/values.schema.json": json.dumps(
        {"type": "object", "properties": {"port": {"type": "integer"}}}
    ).encode(),
    f"{ROOT}/charts/cache-chart/templates/service.yaml": b"""\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-cache
spec:
  ports: [{port: {{ .Values.port }}}]
""",
    f"{ROOT}/charts/cache-chart/crds/gadgets.yaml": b"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
""",
    "charts/other/Chart.yaml": b"not: this chart\n",
}


def build(
    files: dict[str, bytes] = CHART,
    values: dict[str, Any] | None = None,
    *,
    root: str = ROOT,
    include_crds: bool = True,
    limits: BuildLimits | None = None,
) -> BuildOutput:
    release = HelmRelease("demo", "shop", values or {}, include_crds)
    request = BuildRequest("helm", root, files, limits or BuildLimits(), release)
    return HelmBuilder().build(request)


def test_renders_templates_and_crds_with_repo_paths() -> None:
    output = build(values={"replicaCount": 3, "cache": {"port": 7000}})
    assert output.error is None
    assert [r.path for r in output.rendered] == [
        f"{ROOT}/charts/cache-chart/crds/gadgets.yaml",
        f"{ROOT}/crds/widgets.yaml",
        f"{ROOT}/charts/cache-chart/templates/service.yaml",
        f"{ROOT}/templates/deployment.yaml",
    ]  # CRDs first, then templates; no NOTES.txt, no helpers, nothing blank
    by_path = {r.path: yaml.safe_load(r.text) for r in output.rendered}
    deploy = by_path[f"{ROOT}/templates/deployment.yaml"]
    assert deploy["metadata"] == {"name": "demo-web", "namespace": "shop"}
    assert deploy["spec"]["replicas"] == 3
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    service = by_path[f"{ROOT}/charts/cache-chart/templates/service.yaml"]
    assert service["spec"]["ports"] == [{"port": 7000}]
    assert by_path[f"{ROOT}/crds/widgets.yaml"]["metadata"]["name"] == "widgets.example.com"


def test_crds_left_out_when_not_wanted() -> None:
    output = build(include_crds=False)
    assert [r.path for r in output.rendered] == [
        f"{ROOT}/charts/cache-chart/templates/service.yaml",
        f"{ROOT}/templates/deployment.yaml",
    ]


def test_chart_at_the_repository_root() -> None:
    files = {k[len(ROOT) + 1 :]: v for k, v in CHART.items() if k.startswith(ROOT + "/")}
    output = build(files, root=".")
    assert output.error is None
    assert [r.path for r in output.rendered][-1] == "templates/deployment.yaml"


def test_schema_violations_become_value_problems() -> None:
    output = build(values={"replicaCount": "three", "cache": {"port": "high"}})
    assert output.error is not None and not output.rendered
    assert "- at '/replicaCount': got string, want integer" in output.error
    assert output.value_problems == (
        ValueProblem("/replicaCount", "got string, want integer"),
        ValueProblem("/cache/port", "got string, want integer"),
    )


def test_a_missing_required_value_points_at_the_root() -> None:
    schema = {"type": "object", "required": ["domain"]}
    files = {**CHART, f"{ROOT}/values.schema.json": json.dumps(schema).encode()}
    output = build(files)
    assert output.value_problems == (ValueProblem("", "missing property 'domain'"),)


def test_value_problems_parse_helms_text() -> None:
    message = (
        "values don't meet the specifications of the schema(s) in the following chart(s):\n"
        "web:\n- at '/replicaCount': minimum: got 0, want 1\n- at '/a~1b': got number, want"
        " string\nsub:\n- at '': missing property 'x'\n"
    )
    assert value_problems(message, chart="web") == (
        ValueProblem("/replicaCount", "minimum: got 0, want 1"),
        ValueProblem("/a~1b", "got number, want string"),
        ValueProblem("/sub", "missing property 'x'"),
    )


def test_template_syntax_error_names_the_template() -> None:
    files = {**CHART, f"{ROOT}/templates/broken.yaml": b"kind: {{ .Values.image \n"}
    output = build(files)
    broken = f"{ROOT}/templates/broken.yaml"
    assert output.error == f"parse error at ({broken}:2): unclosed action started at {broken}:1"
    assert output.value_problems == () and not output.rendered


def test_render_error_in_a_subchart_names_its_directory() -> None:
    bad = f"{ROOT}/charts/cache-chart/templates/bad.yaml"
    output = build({**CHART, bad: b'{{ fail "no cache for you" }}'})
    assert output.error == f"execution error at ({bad}:1:3): no cache for you"


def test_chart_load_error() -> None:
    files = {**CHART, f"{ROOT}/Chart.yaml": b"apiVersion: v2\nversion: 0.1.0\n"}
    assert build(files).error == "validation: chart.metadata.name is required"


def test_missing_release_is_an_error() -> None:
    output = HelmBuilder().build(BuildRequest("helm", ROOT, CHART))
    assert output.error == "a Helm build needs a release (name and namespace)"


def test_escaping_paths_are_refused() -> None:
    output = build({**CHART, f"{ROOT}/../../etc/passwd": b"x"})
    assert output.error == f"refusing to build with file path '{ROOT}/../../etc/passwd'"


def test_limits() -> None:
    many = {f"{ROOT}/templates/cm{i}.yaml": b"kind: ConfigMap\n" * 50 for i in range(300)}
    slow = build({**CHART, **many}, limits=BuildLimits(timeout_seconds=1e-6))
    assert slow.error == "helm render timed out after 1e-06 s"
    big = build(limits=BuildLimits(max_output_bytes=100))
    assert big.error == "helm output exceeds 100 bytes (render.maxOutputBytes)"


def test_values_helm_cannot_take() -> None:
    output = build(values={"when": object()})
    assert output.error is not None and output.error.startswith("values cannot be given to Helm")


def test_a_render_past_its_deadline_is_killed_not_left_running() -> None:
    loop = "{{- range $i := until 100000 }}{{- range $j := until 100000 }}{{ end }}{{ end }}\n"
    started = time.monotonic()
    slow = build(
        {**CHART, f"{ROOT}/templates/loop.yaml": loop.encode()},
        limits=BuildLimits(timeout_seconds=1),
    )
    assert slow.error == "helm render timed out after 1 s"
    assert time.monotonic() - started < 5
    busy = [c for c in multiprocessing.active_children() if c.is_alive()]
    assert busy == []  # the child that rendered was killed
