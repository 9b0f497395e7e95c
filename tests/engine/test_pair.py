"""Pairing: one key, one definition. Keys two documents render to are held, never applied twice.

The cases that used to pass `validate` and flip-flop on every apply: a ConfigMap written once
with the repo's namespace spelled out and once without it, and a manifest named like the
generated toolset ConfigMap.
"""

from __future__ import annotations

import pytest

from reconciler.cli import main
from reconciler.clients.dirtree import DirectoryTree
from reconciler.engine.core.inventory import Inventory
from reconciler.engine.core.pair import find_conflicts, pair
from reconciler.engine.validate import validate_tree
from tests.support.builders import desired, recorded
from tests.support.scenario import TOOL, Harness, SpecRepo, config_map

SPELLED = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ops\n"
    "data: {a: '1'}\n"
)
DEFAULTED = "\n\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {a: '2'}\n"
NAMED_LIKE_TOOLSET = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: reconciler-toolsets\ndata: {x: y}\n"
)


def test_find_conflicts_keeps_unique_and_reports_repeats() -> None:
    a = desired(config_map("x", {"a": "1"}, "ns"), "a.yaml")
    b = desired(config_map("x", {"a": "2"}, "ns"), "b.yaml")
    c = desired(config_map("y", {"a": "1"}, "ns"), "c.yaml")
    unique, conflicts = find_conflicts([b, c, a])
    assert [d.key.name for d in unique] == ["y"]
    (conflict,) = conflicts
    assert [d.files for d in conflict.definitions] == [("a.yaml",), ("b.yaml",)]
    assert conflict.reason() == "ConfigMap/ns/x is defined twice: a.yaml:1 and b.yaml:1"
    assert conflict.files == {"a.yaml", "b.yaml"}


def test_pair_covers_desired_conflicts_and_leftovers_once_each() -> None:
    kept = desired(config_map("kept", {}, "ns"))
    gone = desired(config_map("gone", {}, "ns"))
    twice = [desired(config_map("twice", {}, "ns"), f) for f in ("a.yaml", "b.yaml")]
    _unique, conflicts = find_conflicts(twice)
    inventory = Inventory("s", None, {d.key: recorded(d) for d in (kept, gone, twice[0])})
    pairing = pair([kept], {kept.key: kept.body}, inventory, conflicts)
    by_name = {p.key.name: p for p in pairing.pairs}
    assert list(by_name) == ["kept", "twice", "gone"]
    assert by_name["kept"].live is kept.body and by_name["kept"].recorded is not None
    assert by_name["twice"].conflict is not None and by_name["twice"].desired is None
    assert by_name["gone"].desired is None and by_name["gone"].recorded is not None
    with pytest.raises(ValueError, match="desired twice"):
        pair(twice, {}, inventory)


def write_duplicates(spec_repo: SpecRepo) -> None:
    spec_repo.write("reconciler.yaml", "namespace: ops\n")
    spec_repo.write("a.yaml", SPELLED)
    spec_repo.write("b.yaml", DEFAULTED)
    spec_repo.write("tools.yaml", TOOL)
    spec_repo.write("toolset-clash.yaml", NAMED_LIKE_TOOLSET)
    spec_repo.write("fine.yaml", [config_map("fine", {"ok": "yes"}, "ops")])


def test_validate_names_both_files_and_lines(
    spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    write_duplicates(spec_repo)
    assert main(["validate", str(spec_repo.path)]) == 1
    out = capsys.readouterr().out
    assert (
        "b.yaml:3: metadata.name: ConfigMap/ops/settings is defined twice: a.yaml:1 and b.yaml:3"
        in out
    )
    assert (
        "ConfigMap/ops/reconciler-toolsets is defined twice: generated from tools.yaml:1 and "
        "toolset-clash.yaml:1" in out
    )


def test_plan_holds_both_and_three_applies_never_flip_flop(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    write_duplicates(spec_repo)
    spec_repo.commit("duplicates")
    for _ in range(3):
        run = harness.run("apply")
        classes = harness.classes(run)
        assert classes["ConfigMap/ops/settings"] == "held"
        assert classes["ConfigMap/ops/reconciler-toolsets"] == "held"
        assert classes["ConfigMap/ops/fine"] in ("create", "unchanged")
        assert "defined twice" in next(
            e.reason for e in run.plan.entries if e.key.name == "settings"
        )
        assert not run.failed
    assert harness.live("v1", "ConfigMap", "ops", "settings") is None
    assert harness.live("v1", "ConfigMap", "ops", "reconciler-toolsets") is None
    assert harness.live("v1", "ConfigMap", "ops", "fine") is not None


def test_a_key_that_becomes_duplicated_is_held_not_rewritten(
    harness: Harness, spec_repo: SpecRepo
) -> None:
    spec_repo.write("reconciler.yaml", "namespace: ops\n")
    spec_repo.write("a.yaml", SPELLED)
    spec_repo.commit("one definition")
    harness.run("apply")
    spec_repo.write("b.yaml", DEFAULTED)
    spec_repo.commit("a second definition")
    for _ in range(2):
        run = harness.run("apply")
        assert harness.classes(run)["ConfigMap/ops/settings"] == "held"
        live = harness.live("v1", "ConfigMap", "ops", "settings")
        assert live["data"] == {"a": "1"}  # neither applied: kept as last applied
    spec_repo.remove("b.yaml")
    spec_repo.commit("back to one")
    assert harness.classes(harness.run("apply"))["ConfigMap/ops/settings"] == "unchanged"


def test_validate_fails_every_file_involved_and_only_those(spec_repo: SpecRepo) -> None:
    write_duplicates(spec_repo)
    result = validate_tree(DirectoryTree(spec_repo.path))
    located = {(e.file, e.line, e.field) for e in result.errors}
    assert located == {("b.yaml", 3, "metadata.name"), ("toolset-clash.yaml", 1, "metadata.name")}
    assert result.failed_files == {"a.yaml", "b.yaml", "tools.yaml", "toolset-clash.yaml"}
