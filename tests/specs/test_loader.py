"""`load_tree`: every bad input is reported with its exact file, line and field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.clients.builders import default_builders
from reconciler.clients.dirtree import DirectoryTree
from reconciler.specs.config import RepoConfig
from reconciler.specs.keys import ObjectKey as DocumentKey
from reconciler.specs.kinds import Tool
from reconciler.specs.loader import SourceLocation, load_tree

from .conftest import PROJECT_ROOT, Loader

HEAD = "apiVersion: reconciler.dev/v1alpha1\n"
TOOL = HEAD + "kind: Tool\nmetadata:\n  name: {name}\nspec:\n  toolType: http\n  description: d\n"


def where(result: object) -> list[tuple[str, int | None, str | None]]:
    return [(e.file, e.line, e.field) for e in result.errors]  # type: ignore[attr-defined]


def test_the_example_repo_loads_cleanly() -> None:
    result = load_tree(DirectoryTree(PROJECT_ROOT), builders=default_builders())
    assert result.errors == []
    assert not result.config_failed
    assert result.config.namespace == "ai-ops"
    assert [e.path for e in result.config.path_entries()] == [
        "specs",
        "policies",
        "deploy/kustomize/overlays/demo",
        "deploy/charts/status-banner",
    ]
    kinds = sorted({s.spec.kind for s in result.specs})
    assert kinds == ["Mapping", "Pattern", "Policy", "Remediation", "Tool"]
    assert {m.key for m in result.manifests} == {
        DocumentKey("", "Namespace", None, "demo"),
        DocumentKey("apps", "Deployment", "demo", "web"),
        DocumentKey("apps", "Deployment", "demo", "worker"),
        DocumentKey("autoscaling", "HorizontalPodAutoscaler", "demo", "web"),
        # Built: the Kustomize overlay's two objects and the chart's one.
        DocumentKey("", "ConfigMap", "demo", "demo-status-page"),
        DocumentKey("", "ConfigMap", "demo", "demo-status-links-5f9t2ttmm4"),
        DocumentKey("", "ConfigMap", None, "status-banner"),
    }
    assert all(
        f.startswith(("specs/", "policies/", "deploy/")) or f == "reconciler.yaml"
        for f in result.files
    )
    assert result.valid_documents == len(result.specs) + len(result.manifests)


def test_specs_and_manifests_carry_their_location(load: Loader) -> None:
    text = "# comment\n" + TOOL.format(name="a") + "---\n" + TOOL.format(name="b")
    text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n"
    result = load({"t.yaml": text})
    assert result.errors == []
    assert [(s.spec.metadata.name, s.location, s.document) for s in result.specs] == [
        ("a", SourceLocation("t.yaml", 2), 0),
        ("b", SourceLocation("t.yaml", 10), 1),
    ]
    assert isinstance(result.specs[0].spec, Tool)
    (manifest,) = result.manifests
    assert (manifest.location, manifest.document) == (SourceLocation("t.yaml", 18), 2)
    assert manifest.key == DocumentKey("", "ConfigMap", "x", "c")
    assert str(manifest.location) == "t.yaml:18"


# (document, expected (line, field), a piece of the message)
BAD_DOCUMENTS = [
    pytest.param(
        "- a\n- b\n", (1, None), "document is not a mapping: got a list", id="not-mapping"
    ),
    pytest.param("just text\n", (1, None), "got the string 'just text'", id="scalar-document"),
    pytest.param(HEAD + "kind: Toll\n", (2, "kind"), "unknown kind 'Toll'", id="unknown-kind"),
    pytest.param(
        "apiVersion: reconciler.dev/v2\nkind: Tool\n",
        (1, "apiVersion"),
        "unknown apiVersion 'reconciler.dev/v2'",
        id="unknown-apiversion",
    ),
    pytest.param("kind: Tool\n", (1, "apiVersion"), "apiVersion is required", id="no-apiversion"),
    pytest.param("apiVersion: v1\nfoo: 1\n", (1, "kind"), "kind is required", id="no-kind"),
    pytest.param(
        HEAD + "kind: Tool\nmetadata:\n  labels: {}\nspec: {toolType: http, description: d}\n",
        (3, "metadata.name"),
        "required field missing",
        id="spec-missing-name",
    ),
    pytest.param(
        TOOL.format(name="Not_DNS"), (4, "metadata.name"), "not a valid DNS-1123 name", id="dns"
    ),
    pytest.param(
        TOOL.format(name="a") + "  descripton: x\n",
        (8, "spec.descripton"),
        "unknown field (typo?); did you mean 'description'?",
        id="unknown-field",
    ),
    pytest.param(
        TOOL.format(name="a") + "  readOnly: [1]\n",
        (8, "spec.readOnly"),
        "expected a boolean (true or false), got a list",
        id="wrong-type",
    ),
    pytest.param(
        TOOL.format(name="a") + "  status: live\n",
        (8, "spec.status"),
        "must be 'draft' or 'published'; got the string 'live'",
        id="enum",
    ),
    pytest.param(
        TOOL.format(name="a") + "  inputSchema:\n    type: objekt\n",
        (8, "spec.inputSchema"),
        "not a valid JSON Schema at type",
        id="input-schema",
    ),
    pytest.param(
        TOOL.format(name="a") + "  outputSchema: {properties: {x: {minimum: high}}}\n",
        (8, "spec.outputSchema"),
        "not a valid JSON Schema at properties/x/minimum",
        id="output-schema",
    ),
    pytest.param(
        HEAD + "kind: Policy\nmetadata: {name: p}\nspec:\n  message: m\n  rule:\n    required: x\n",
        (6, "spec.rule"),
        "not a valid JSON Schema at required",
        id="policy-rule",
    ),
    pytest.param(
        HEAD + "kind: Remediation\nmetadata: {name: r}\nspec:\n  trigger: {alertName: A}\n"
        "  target: {kind: Deployment, name: w}\n  actions:\n    - type: restart\n"
        "    - type: scale\n      replicas: many\n",
        (10, "spec.actions[1].replicas"),
        "expected an integer, got the string 'many'",
        id="union-member-field",
    ),
    pytest.param(
        HEAD + "kind: Remediation\nmetadata: {name: r}\nspec:\n  trigger: {alertName: A}\n"
        "  target: {kind: Deployment, name: w}\n  actions:\n    - type: scael\n",
        (8, "spec.actions[0].type"),
        "unknown type 'scael'",
        id="union-tag",
    ),
    pytest.param(
        HEAD + "kind: Remediation\nmetadata: {name: r}\nspec:\n  trigger: {alertName: A}\n"
        "  target: {kind: Deployment, name: w}\n  actions:\n    - type: scale\n",
        (8, "spec.actions[0]"),
        "set exactly one of replicas or delta",
        id="model-validator",
    ),
    pytest.param(
        HEAD + "kind: Mapping\nmetadata: {name: m}\nspec:\n  mappingType: x\n  scope: s\n"
        "  description: d\n  content: 5\n",
        (8, "spec.content"),
        "expected a mapping, a list or a string, got the number 5",
        id="union-of-types",
    ),
    pytest.param(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}\n",
        (1, "metadata"),
        "required field missing",
        id="manifest-no-metadata",
    ),
    pytest.param(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n",
        (3, "metadata"),
        "expected a mapping, got a list",
        id="manifest-metadata-not-mapping",
    ),
    pytest.param(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n",
        (3, "metadata.name"),
        "required field missing",
        id="manifest-no-name",
    ),
    pytest.param(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 12\n",
        (4, "metadata.name"),
        "expected a non-empty string, got the number 12",
        id="manifest-name-not-string",
    ),
    pytest.param(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: [x]\n",
        (5, "metadata.namespace"),
        "expected a string, got a list",
        id="manifest-namespace-not-string",
    ),
    pytest.param(
        HEAD + "kind: RepoConfig\nnamespace: x\n",
        (2, "kind"),
        "RepoConfig belongs in reconciler.yaml at the repository root",
        id="config-in-a-subdirectory",
    ),
    pytest.param("a: 1\nb:\n  c: d: e\n", (3, None), "invalid YAML: mapping values", id="syntax"),
    pytest.param(
        "a: 1\nb: 2\na: 3\n", (3, "a"), "duplicate key 'a' (first at line 1)", id="dup-key"
    ),
    pytest.param("a: !!python/object:os.system x\n", (1, "a"), "Python tags", id="python-tag"),
]


@pytest.mark.parametrize(("text", "expected", "message"), BAD_DOCUMENTS)
def test_bad_document_is_located(
    load: Loader, text: str, expected: tuple[int, str | None], message: str
) -> None:
    result = load({"dir/bad.yaml": text})
    assert where(result) == [("dir/bad.yaml", *expected)]
    assert message in result.errors[0].message
    assert result.failed_files == {"dir/bad.yaml"}
    assert result.specs == [] and result.manifests == []


def test_syntax_error_message_has_line_and_column(load: Loader) -> None:
    result = load({"s.yaml": "a: 1\nb: 2\nc: 3\nd:  x: y\n"})
    (error,) = result.errors
    assert (error.line, error.field) == (4, None)
    assert "line 4, column 6" in error.message


def test_every_error_of_a_document_is_reported(load: Loader) -> None:
    text = TOOL.format(name="a").replace("  description: d\n", "") + "  status: x\n  foo: 1\n"
    result = load({"t.yaml": text})
    assert where(result) == [
        ("t.yaml", 5, "spec.description"),  # missing: the line of its parent mapping
        ("t.yaml", 7, "spec.status"),
        ("t.yaml", 8, "spec.foo"),
    ]


def test_a_file_with_one_bad_document_is_held_whole(load: Loader) -> None:
    good = TOOL.format(name="good")
    result = load(
        {"a.yaml": good + "---\n" + TOOL.format(name="BAD"), "b.yaml": TOOL.format(name="b")}
    )
    assert where(result) == [("a.yaml", 12, "metadata.name")]
    assert result.failed_files == {"a.yaml"}
    assert [s.spec.metadata.name for s in result.specs] == ["b"]
    assert result.valid_documents == 2  # `good` counts as valid, but is not applied


def test_duplicates_across_files_name_both_places(load: Loader) -> None:
    result = load(
        {"a.yaml": "\n\n" + TOOL.format(name="x"), "b.yaml": "\n" * 9 + TOOL.format(name="x")}
    )
    (error,) = result.errors
    assert (error.file, error.line, error.field) == ("b.yaml", 10, "metadata.name")
    assert error.message == "Tool/x is defined twice: a.yaml:3 and b.yaml:10"
    assert result.failed_files == {"a.yaml", "b.yaml"}
    assert result.specs == []
    assert result.valid_documents == 1


def test_duplicates_within_a_file(validate: Loader) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n"
    result = validate({"m.yaml": cm + "---\n" + cm})
    assert where(result) == [("m.yaml", 5, "metadata.name")]
    assert "ConfigMap/n/c is defined twice: m.yaml:1 and m.yaml:5" in result.errors[0].message


def test_same_name_in_other_namespace_group_or_kind_is_not_a_duplicate(
    validate: Loader,
) -> None:
    docs = [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: b}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        "apiVersion: example.com/v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n",
        TOOL.format(name="x"),
        "apiVersion: example.com/v1\nkind: Tool\nmetadata: {name: x}\n",
    ]
    result = validate({"m.yaml": "---\n".join(docs)})
    assert result.errors == []
    assert len(result.manifests) == 6 and len(result.specs) == 1


def test_empty_files_and_documents_are_allowed(load: Loader) -> None:
    result = load({"empty.yaml": "", "comments.yml": "# nothing\n", "docs.yaml": "---\n---\n"})
    assert result.errors == []
    assert result.specs == [] and result.manifests == []
    assert sorted(result.files) == ["comments.yml", "docs.yaml", "empty.yaml"]


def test_non_utf8_file(load: Loader) -> None:
    result = load({"bin.yaml": b"a: 1\nb: caf\xe9\n"})
    assert where(result) == [("bin.yaml", 2, None)]
    assert result.errors[0].message == "not valid UTF-8 at byte 11"


def test_file_over_the_size_limit(load: Loader) -> None:
    config = RepoConfig(max_file_size=100)
    result = load({"big.yaml": "a: " + "x" * 200 + "\n", "ok.yaml": ""}, config=config)
    (error,) = result.errors
    assert (error.file, error.line, error.field) == ("big.yaml", None, None)
    assert error.message == "file is 204 bytes, over the limit of 100 bytes (maxFileSize)"
    assert str(error) == "big.yaml: file is 204 bytes, over the limit of 100 bytes (maxFileSize)"


def test_symlink_out_of_the_repo_is_refused(load: Loader, tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text(TOOL.format(name="secret"))
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink("../outside.yaml", repo / "up.yaml")
    os.symlink(str(tmp_path / "outside.yaml"), repo / "abs.yaml")
    result = load_tree(DirectoryTree(repo))
    assert where(result) == [("abs.yaml", None, None), ("up.yaml", None, None)]
    assert result.errors[1].message == "symlink to '../outside.yaml' points outside the repository"
    assert result.specs == []


def test_symlink_inside_the_repo_is_followed(load: Loader, tmp_path: Path) -> None:
    write = {"shared/tool.txt": TOOL.format(name="shared")}
    (tmp_path / "specs").mkdir()
    os.symlink("../shared/tool.txt", tmp_path / "specs" / "tool.yaml")
    os.symlink("../shared/missing.yaml", tmp_path / "specs" / "dangling.yaml")
    result = load(write, config=RepoConfig(paths=["specs"]))
    assert where(result) == [("specs/dangling.yaml", None, None)]
    assert "'shared/missing.yaml' is not a regular file" in result.errors[0].message
    (spec,) = result.specs
    assert spec.location == SourceLocation("specs/tool.yaml", 1)


def test_config_selects_paths_and_excludes(load: Loader) -> None:
    files: dict[str, str | bytes] = {
        "reconciler.yaml": "paths: [specs/, ./policies]\nexclude: ['*.draft.yaml', specs/old]\n",
        "specs/a.yaml": TOOL.format(name="a"),
        "specs/b.draft.yaml": "not: [valid",
        "specs/old/c.yaml": "not: [valid",
        "specs/.hidden/d.yaml": "not: [valid",
        "specs/notes.txt": "not yaml",
        "policies/p.yml": TOOL.format(name="p"),
        "charts/values.yaml": "not: [valid",
    }
    result = load(files)
    assert result.errors == []
    assert result.files == ["reconciler.yaml", "policies/p.yml", "specs/a.yaml"]
    assert [s.spec.metadata.name for s in result.specs] == ["p", "a"]


def test_without_config_everything_but_hidden_directories_loads(load: Loader) -> None:
    result = load({".github/workflows/ci.yml": "on: push\n", "x/a.yaml": TOOL.format(name="a")})
    assert result.errors == [] and result.files == ["x/a.yaml"]
    assert result.config == RepoConfig()


def test_invalid_config_fails_the_whole_load(load: Loader) -> None:
    files: dict[str, str | bytes] = {
        "reconciler.yaml": "namespace: ai-ops\ndrift:\n  mode: ignore\npahts: [x]\n",
        "a.yaml": TOOL.format(name="a"),
    }
    result = load(files)
    assert result.config_failed
    assert where(result) == [
        ("reconciler.yaml", 3, "drift.mode"),
        ("reconciler.yaml", 4, "pahts"),
    ]
    assert "did you mean 'paths'?" in result.errors[1].message
    assert result.specs == [] and result.failed_files == {"reconciler.yaml"}


def test_config_syntax_error_fails_the_load(load: Loader) -> None:
    result = load({"reconciler.yaml": "paths: [x\n", "a.yaml": TOOL.format(name="a")})
    assert result.config_failed
    assert [e.file for e in result.errors] == ["reconciler.yaml"]


def test_config_path_matching_nothing_is_a_warning(load: Loader) -> None:
    files: dict[str, str | bytes] = {
        "reconciler.yaml": "paths:\n  - specs\n  - remediations\n",
        "specs/a.yaml": TOOL.format(name="a"),
    }
    result = load(files)  # the last remediation was deleted: that must be one commit
    assert not result.config_failed and result.errors == []
    (warning,) = result.warnings
    assert (warning.file, warning.line, warning.field) == ("reconciler.yaml", 3, "paths[1]")
    assert warning.message == "'remediations' matches no file: nothing is loaded from it"
    assert [s.spec.metadata.name for s in result.specs] == ["a"]


def test_config_path_outside_the_repository_fails_the_load(load: Loader) -> None:
    files: dict[str, str | bytes] = {
        "reconciler.yaml": "paths:\n  - specs\n  - ../etc\n",
        "specs/a.yaml": TOOL.format(name="a"),
    }
    result = load(files)
    assert result.config_failed
    assert where(result) == [("reconciler.yaml", 3, "paths[1]")]
    assert result.errors[0].message == "'../etc' is outside the repository"


def test_config_must_be_a_single_mapping(load: Loader) -> None:
    assert where(load({"reconciler.yaml": "- a\n"})) == [("reconciler.yaml", 1, None)]
    two = load({"reconciler.yaml": "namespace: a\n---\nnamespace: b\n"})
    assert where(two) == [("reconciler.yaml", 3, None)]
    assert two.config_failed


def test_empty_config_means_defaults(load: Loader) -> None:
    result = load({"reconciler.yaml": "# defaults\n", "a.yaml": TOOL.format(name="a")})
    assert result.errors == [] and not result.config_failed
    assert result.config == RepoConfig()
    assert len(result.specs) == 1


def test_given_config_replaces_the_file(load: Loader) -> None:
    files: dict[str, str | bytes] = {"reconciler.yaml": "paths: [nowhere]\n", "a.yaml": "x: 1\n"}
    result = load(files, config=RepoConfig(paths=["."]))
    assert result.files == ["a.yaml"]
    assert where(result) == [("a.yaml", 1, "apiVersion")]


def test_errors_are_sorted_by_file_and_line(load: Loader) -> None:
    result = load({"b.yaml": "- x\n", "a.yaml": "\n\n- x\n---\nkind: 1\n"})
    assert where(result) == [("a.yaml", 3, None), ("a.yaml", 5, "apiVersion"), ("b.yaml", 1, None)]
