"""The committed JSON Schemas: fresh, valid draft-07 (what yaml-language-server supports), and in
agreement with the models."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from reconciler.clients.builders import default_builders
from reconciler.clients.dirtree import DirectoryTree
from reconciler.specs.loader import load_tree
from reconciler.specs.schemas import all_schemas, render

from .conftest import PROJECT_ROOT

SCHEMAS = PROJECT_ROOT / "schemas"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


def _committed() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SCHEMAS.glob("*.json"))}


def test_committed_schemas_are_fresh() -> None:
    expected = {name: render(schema) for name, schema in all_schemas().items()}
    assert _committed() == expected, "stale: run `reconciler schemas export schemas/`"


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_schema_files_are_valid_draft_07(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in schema  # draft-07 keeps shared parts under `definitions`
    Draft7Validator.check_schema(schema)


def _validator(name: str) -> Draft7Validator:
    return Draft7Validator(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def test_every_example_spec_validates_against_its_schema() -> None:
    result = load_tree(DirectoryTree(PROJECT_ROOT), builders=default_builders())
    assert result.errors == []
    assert result.specs
    for loaded in result.specs:
        document: dict[str, Any] = loaded.spec.model_dump(mode="json", by_alias=True)
        errors = list(_validator(f"{loaded.spec.kind.lower()}.json").iter_errors(document))
        assert errors == [], f"{loaded.location}: {errors[0].message}"


def test_the_example_config_validates_against_its_schema() -> None:
    import yaml

    data = yaml.safe_load((PROJECT_ROOT / "reconciler.yaml").read_text(encoding="utf-8"))
    assert list(_validator("reconciler-config.json").iter_errors(data)) == []


def test_the_schema_rejects_what_the_model_rejects() -> None:
    bad = {
        "apiVersion": "reconciler.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": "Bad_Name"},
        "spec": {"toolType": "http", "description": "d", "descripton": "typo"},
    }
    messages = [e.message for e in _validator("tool.json").iter_errors(bad)]
    assert any("does not match" in m for m in messages)
    assert any("descripton" in m for m in messages)


def test_spec_files_point_editors_at_the_right_schema() -> None:
    for path in sorted(
        [*PROJECT_ROOT.glob("specs/**/*.yaml"), *PROJECT_ROOT.glob("policies/*.yaml")]
    ):
        text = path.read_text(encoding="utf-8")
        if "apiVersion: reconciler.dev/" not in text:
            continue  # plain manifests: editors use their Kubernetes schemas
        match = MODELINE.search(text)
        assert match, f"{path}: no yaml-language-server modeline"
        target = (path.parent / match.group(1)).resolve()
        assert target.is_file(), f"{path}: {match.group(1)} does not exist"
        kinds = set(re.findall(r"^kind: (\w+)$", text, re.MULTILINE))
        assert kinds == {json.loads(Path(target).read_text())["title"]}, path
