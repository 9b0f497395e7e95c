"""The toolset model: render writes it, the registry reads it back, unchanged."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from reconciler.engine.core.render import TOOLSETS_KEY, render
from reconciler.specs.config import RepoConfig
from reconciler.specs.toolset import ToolsetDocument
from tests.support.builders import loaded_spec


def test_what_render_writes_parses_back_into_the_model() -> None:
    specs = [
        loaded_spec(
            "Tool",
            "prom-query",
            {
                "toolType": "prometheus",
                "description": "q",
                "status": "published",
                "readOnly": True,
                "config": {"url": "http://p:9090"},
                "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}},
            },
        ),
        loaded_spec("Tool", "draft", {"toolType": "http", "description": "d", "status": "draft"}),
    ]
    (toolset, _namespace) = render(
        specs, [], config=RepoConfig(), source="s", is_namespaced=lambda v, k: True
    )
    document = ToolsetDocument.parse(yaml.safe_load(toolset.body["data"][TOOLSETS_KEY]))
    (entry,) = document.toolsets["prometheus"].tools
    assert (entry.name, entry.type, entry.read_only, entry.config) == (
        "prom-query",
        "prometheus",
        True,
        {"url": "http://p:9090"},
    )
    assert entry.input_schema == {"type": "object", "properties": {"q": {"type": "string"}}}
    assert document.dump() == yaml.safe_load(toolset.body["data"][TOOLSETS_KEY])


def test_an_unknown_entry_field_is_refused() -> None:
    bad = {
        "toolsets": {
            "x": {
                "tools": [
                    {"name": "a", "type": "http", "description": "d", "readOnly": True, "typo": 1}
                ]
            }
        }
    }
    with pytest.raises(ValidationError, match="typo"):
        ToolsetDocument.parse(bad)
