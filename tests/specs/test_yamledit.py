"""Byte-minimal edits: only the changed value's bytes move; the rest of the file is untouched."""

from __future__ import annotations

import pytest
import yaml

from reconciler.specs.yamledit import EditError, scalar, set_values
from reconciler.specs.yamlparse import parse_yaml

ODD = """# The web tier. Replicas are tuned by hand; see the runbook.
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {team: 'web'}}   # flow style, kept
data:
  mode: 'fast'          # single quotes, kept
  retries: 3            # a trailing comment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the name
spec:
  replicas: 2 # how many
  template:
    spec:
      containers:
        - name: web
          image: "nginx:1.27"
"""


def changed(old: str, new: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(old.splitlines(), new.splitlines(), strict=True) if a != b]


def test_a_scalar_is_replaced_in_place_keeping_comments_and_style() -> None:
    result = set_values(ODD, document=1, edits={("spec", "replicas"): 5})
    assert changed(ODD, result.text) == [("  replicas: 2 # how many", "  replicas: 5 # how many")]
    assert result.changed_lines == 1
    image = set_values(
        ODD,
        document=1,
        edits={("spec", "template", "spec", "containers", 0, "image"): "nginx:1.28"},
    )
    assert changed(ODD, image.text) == [
        ('          image: "nginx:1.27"', '          image: "nginx:1.28"')
    ]


def test_flow_maps_single_quotes_and_other_documents_are_untouched() -> None:
    result = set_values(
        ODD, document=0, edits={("data", "mode"): "safe", ("metadata", "labels", "tier"): "front"}
    )
    assert changed(ODD, result.text) == [
        (
            "metadata: {name: settings, labels: {team: 'web'}}   # flow style, kept",
            "metadata: {name: settings, labels: {team: 'web', tier: front}}   # flow style, kept",
        ),
        (
            "  mode: 'fast'          # single quotes, kept",
            "  mode: 'safe'          # single quotes, kept",
        ),
    ]
    assert result.text.split("---")[1] == ODD.split("---")[1]


def test_a_missing_key_is_inserted_with_its_siblings_indentation() -> None:
    result = set_values(ODD, document=1, edits={("spec", "minReadySeconds"): 10})
    assert "  minReadySeconds: 10\n" in result.text
    assert result.changed_lines == 1
    assert parse_yaml(result.text).documents[1].value["spec"]["minReadySeconds"] == 10
    nested = set_values(ODD, document=1, edits={("metadata", "annotations", "a.io/x"): "1"})
    assert "  annotations:\n    a.io/x: '1'\n" in nested.text


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        "no",
        "on",
        "off",
        "0755",
        "1e3",
        "0x1F",
        "null",
        "~",
        "true",
        "3.0",
        ".inf",
        "",
        " padded",
        "a: b",
        "#x",
        "y",
        "12",
    ],
)
def test_strings_that_look_like_other_types_are_quoted_and_read_back_as_strings(value: str) -> None:
    result = set_values("a:\n  v: old  # keep\n", document=0, edits={("a", "v"): value})
    assert parse_yaml(result.text).documents[0].value == {"a": {"v": value}}
    assert yaml.safe_load(result.text) == {"a": {"v": value}}  # YAML 1.1, as Kubernetes reads
    assert result.text.endswith("  # keep\n")


@pytest.mark.parametrize("value", [True, 0, 1000, 1.5, None, "plain words"])
def test_other_scalars_read_back_as_their_type(value: object) -> None:
    result = set_values("v: 'x'\n", document=0, edits={("v",): value})
    got = parse_yaml(result.text).documents[0].value["v"]
    assert got == value and type(got) is type(value)


def test_what_cannot_be_edited_in_place_is_refused_not_rewritten() -> None:
    with pytest.raises(EditError, match="only a scalar"):
        set_values(ODD, document=1, edits={("spec", "template"): "x"})
    with pytest.raises(EditError, match="below a list"):
        set_values(ODD, document=1, edits={("spec", "template", "spec", "containers", 5): "x"})
    with pytest.raises(EditError, match="not a mapping"):
        set_values(ODD, document=7, edits={("a",): 1})


def test_scalar_styles() -> None:
    assert scalar("it's", style="'") == "'it''s'"
    assert scalar("two\nlines") == '"two\\nlines"'
    assert scalar("x", style='"') == '"x"'
