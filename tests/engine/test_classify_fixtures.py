"""Classification from YAML fixtures (`tests/data/classify/*.yaml`, format in its README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.engine.core.inventory import Inventory, InventoryEntry
from reconciler.engine.core.ownership import with_ownership
from reconciler.engine.core.plan import PlanInputs, build_plan
from reconciler.specs.config import RepoConfig
from reconciler.specs.keys import key_of
from tests.support.builders import desired, recorded

SOURCE = "demo"
DATA = Path(__file__).resolve().parents[1] / "data" / "classify"


def cases() -> list[Any]:
    out = []
    for path in sorted(DATA.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            out.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return out


def owned(body: dict[str, Any]) -> dict[str, Any]:
    return with_ownership(body, source=SOURCE, origin=f"{body['metadata']['name']}.yaml")


@pytest.mark.parametrize("case", cases())
def test_case(case: dict[str, Any]) -> None:
    wanted = [desired(owned(body)) for body in case.get("desired") or []]
    by_name = {d.key.name: d for d in wanted}
    live = {}
    for item in case.get("live") or []:
        body = item["body"] if item.get("unowned") else owned(item["body"])
        live[key_of(body)] = body
    live_by_name = {k.name: (k, body) for k, body in live.items()}
    entries: dict[Any, InventoryEntry] = {}
    for name, when in (case.get("inventory") or {}).items():
        if name in by_name:
            d = by_name[name]
            entries[d.key] = recorded(d, None if when == "same" else "0" * 20)
        else:
            key, body = live_by_name.get(name) or (key_of(owned(_cm(name))), _cm(name))
            entries[key] = recorded(desired(owned(body)))
    inputs = PlanInputs(
        source=SOURCE,
        commit="c1",
        desired=wanted,
        live=live,
        inventory=Inventory(SOURCE, "c0", entries),
        config=RepoConfig.model_validate(case.get("config") or {}),
        failed_files=frozenset(case.get("failedFiles") or ()),
        load_failed=bool(case.get("loadFailed")),
        dry_run={by_name[n].key: owned(b) for n, b in (case.get("dryRun") or {}).items()},
    )
    plan = build_plan(inputs)
    got = {e.key.name: e for e in plan.entries}
    assert len(got) == len(plan.entries), "an object classified twice"
    for name, expected in case["expect"].items():
        if expected is None:
            assert name not in got, got[name].reason
            continue
        cls, reason = expected
        assert name in got, f"{name} missing from the plan"
        assert (str(got[name].cls), reason in got[name].reason) == (cls, True), got[name].reason


def _cm(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "ns"}}
