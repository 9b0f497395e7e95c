"""JSON Schemas of the spec kinds and `reconciler.yaml`, generated from the models.

The committed `schemas/*.json` are what editors use (yaml-language-server: put
`# yaml-language-server: $schema=../schemas/tool.json` atop a spec file); a test fails when they
are stale, so `reconciler schemas export schemas/` must be rerun after a model changes (the
command writes the files; this module only builds them).

They are written as JSON Schema draft-07, the newest draft yaml-language-server fully supports
(it warns that 2020-12 is "not yet fully supported"): pydantic's `$defs` become `definitions`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from reconciler.specs.config import RepoConfig
from reconciler.specs.registry import SPEC_KINDS

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
SCHEMA_BASE_ID = "https://reconciler.dev/schemas/"


def _schema(model: type[BaseModel], file_name: str, title: str) -> dict[str, Any]:
    body = model.model_json_schema(
        by_alias=True, mode="validation", ref_template="#/definitions/{model}"
    )
    if "$defs" in body:
        body["definitions"] = body.pop("$defs")
    return {"$schema": SCHEMA_DIALECT, "$id": SCHEMA_BASE_ID + file_name, "title": title, **body}


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema document, for every kind plus `reconciler.yaml`."""
    out = {
        f"{kind.lower()}.json": _schema(model, f"{kind.lower()}.json", kind)
        for kind, model in SPEC_KINDS.items()
    }
    out["reconciler-config.json"] = _schema(RepoConfig, "reconciler-config.json", "reconciler.yaml")
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"
