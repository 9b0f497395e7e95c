"""`reconciler validate` checks plain manifests offline, as the API server would, at their lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.clients.kubeschemas import BuiltinSchemas

from .conftest import DATA, write_tree

MANIFESTS = DATA / "manifests"


def test_built_in_kinds_names_secrets_and_custom_resources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(MANIFESTS)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "bad.yaml:4: metadata.name: Deployment/Web: 'Web' is not a valid DNS-1123 subdomain: "
        "lower case letters, digits, '-' and '.', starting and ending with a letter or digit, "
        "at most 253 characters",
        "bad.yaml:6: spec.replicas: Deployment/Web: 'two' is not of type 'integer', 'null'",
        "bad.yaml:13: spec.template.spec.containers[0].imagee: Deployment/Web: unknown field "
        "(typo?); did you mean 'image'?",
        "bad.yaml:16: kind: Deploymnet/x: unknown kind 'Deploymnet' in apps/v1; did you mean "
        "'Deployment'?",
        "bad.yaml:22: data.pin: Secret/s: not valid base64 (use stringData for plain text)",
        "cr.yaml:24: spec.size: Widget/w: 'big' is not of type 'integer'",
        "5 valid documents, 6 errors in 2 files",
    ]


def test_a_secrets_value_is_never_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        tmp_path,
        {"s.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {pin: 4821}\n"},
    )
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "stringData.pin" in out and "4821" not in out


def test_the_example_repo_passes_and_a_config_validates_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(DATA.parents[2])]) == 0
    write_tree(tmp_path, {"reconciler.yaml": "namespace: Bad_NS\n", "x.yaml": "a: ["})
    assert main(["validate", str(tmp_path / "reconciler.yaml")]) == 1
    out = capsys.readouterr().out
    assert "reconciler.yaml:1: namespace: 'Bad_NS' is not a valid DNS-1123 label" in out
    assert "x.yaml" not in out  # the config alone


def test_valid_built_ins_pass_and_custom_resources_are_left_to_their_crd() -> None:
    schemas = BuiltinSchemas()
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}}
    assert schemas.check(body) == []
    assert schemas.check({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject"}) is None
