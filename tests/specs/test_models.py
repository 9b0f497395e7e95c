"""The spec models as the loader sees them: docstring examples hold, invariants are enforced."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from reconciler.specs import config, kinds, remediation
from reconciler.specs.config import RepoConfig
from reconciler.specs.kinds import Tool
from reconciler.specs.registry import DocumentKindError, model_for
from reconciler.specs.remediation import Remediation, Safety, ScaleAction, Target


def _example(module: Any) -> dict[str, Any]:
    """The YAML example after `Example::` in a module docstring."""
    text = module.__doc__.split("::", 1)[1]
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def test_docstring_examples_are_valid() -> None:
    tool = Tool.model_validate(_example(kinds))
    assert tool.spec.read_only and tool.spec.status == "published"
    rem = Remediation.model_validate(_example(remediation))
    assert rem.spec.actions[0].type == "restart"
    cfg = RepoConfig.model_validate(_example(config))
    assert [e.path for e in cfg.path_entries()] == [
        "specs",
        "deploy/overlays/production",
        "charts/web",
    ]


def test_defaults() -> None:
    tool = Tool.model_validate(
        {
            "apiVersion": "reconciler.dev/v1alpha1",
            "kind": "Tool",
            "metadata": {"name": "t"},
            "spec": {"toolType": "http", "description": "d"},
        }
    )
    assert tool.spec.status == "draft" and tool.spec.read_only is False
    assert RepoConfig().max_file_size == 1024 * 1024


def test_models_are_frozen() -> None:
    with pytest.raises(ValidationError):
        RepoConfig().namespace = "x"


@pytest.mark.parametrize(
    ("model", "data", "needle"),
    [
        (Target, {"kind": "Deployment"}, "set exactly one of name"),
        (Target, {"kind": "Deployment", "name": "a", "selector": {"a": "b"}}, "exactly one"),
        (ScaleAction, {"type": "scale", "replicas": 1, "delta": 1}, "exactly one of replicas"),
        (Safety, {"minReplicas": 5, "maxReplicas": 2}, "greater than maxReplicas"),
        (Safety, {"cooldown": "soon"}, "should match pattern"),
    ],
)
def test_invariants(model: Any, data: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        model.model_validate(data)


def test_regex_matchers_must_compile() -> None:
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        remediation.LabelMatcher.model_validate({"label": "a", "op": "=~", "value": "("})


def test_model_for() -> None:
    assert model_for({"apiVersion": "reconciler.dev/v1alpha1", "kind": "Tool"}) is Tool
    assert model_for({"apiVersion": "apps/v1", "kind": "Deployment"}) is None
    with pytest.raises(DocumentKindError) as exc:
        model_for({"apiVersion": "reconciler.dev/v1alpha1", "kind": "Nope"})
    assert exc.value.field == "kind"
