"""The YAML layer: values, the line of every key and item, and what is refused."""

from __future__ import annotations

import pytest

from reconciler.specs.yamlparse import MAX_ALIAS_NODES, parse_yaml


def test_values_and_lines_by_path() -> None:
    text = "a: 1\nb:\n  c: [x, y]\n  d:\n    - e: true\n      f: null\n"
    result = parse_yaml(text)
    assert result.issues == []
    (doc,) = result.documents
    assert doc.value == {"a": 1, "b": {"c": ["x", "y"], "d": [{"e": True, "f": None}]}}
    assert doc.line == 1
    assert doc.lines[("a",)] == 1
    assert doc.lines[("b", "c")] == 3
    assert doc.lines[("b", "c", 1)] == 3
    assert doc.lines[("b", "d", 0)] == 5
    assert doc.lines[("b", "d", 0, "f")] == 6


def test_line_of_falls_back_to_the_deepest_existing_ancestor() -> None:
    (doc,) = parse_yaml("\n\nspec:\n  x: 1\n").documents
    assert doc.line == 3
    assert doc.line_of(("spec", "missing")) == 3
    assert doc.line_of(("spec", "x", "deeper")) == 4
    assert doc.line_of(("nothing",)) == 3


def test_documents_are_indexed_and_empty_ones_are_none() -> None:
    result = parse_yaml("---\n# only a comment\n---\na: 1\n---\n")
    assert [(d.index, d.value) for d in result.documents] == [(0, None), (1, {"a": 1}), (2, None)]
    assert result.documents[1].line == 4
    assert parse_yaml("").documents == []
    assert parse_yaml("# nothing\n").documents == []


def test_scalars_follow_yaml_and_kubernetes_conventions() -> None:
    text = "i: 42\nf: 1.5\nb: yes\nn: ~\nt: 2024-01-02\ns: '42'\n80: port\n"
    (doc,) = parse_yaml(text).documents
    assert doc.value == {
        "i": 42,
        "f": 1.5,
        "b": True,
        "n": None,
        "t": "2024-01-02",  # timestamps stay strings
        "s": "42",
        "80": "port",  # keys are their text
    }


def test_syntax_error_has_line_and_column_and_keeps_earlier_documents() -> None:
    result = parse_yaml("a: 1\n---\nb: 1\nc:\n  d: e: f\n")
    assert [d.value for d in result.documents] == [{"a": 1}]
    (issue,) = result.issues
    assert issue.line == 5
    assert issue.column == 7
    assert "line 5, column 7" in issue.message
    assert issue.message.startswith("invalid YAML: ")


def test_duplicate_key_is_an_issue_at_the_second_occurrence() -> None:
    result = parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert result.documents == []
    (issue,) = result.issues
    assert (issue.line, issue.path) == (4, ("b", "c"))
    assert issue.message == "duplicate key 'c' (first at line 3)"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: !!python/object/apply:os.system [ls]\n", "Python tags are not allowed"),
        ("a: !!python/name:os.system ''\n", "Python tags are not allowed"),
        ("a: !Ref other\n", "unsupported tag '!Ref'"),
        ("a: !!binary aGVsbG8=\n", "unsupported tag '!!binary'"),
        ("a: !!set {x: null}\n", "unsupported tag '!!set'"),
        ("a: !custom [1]\n", "unsupported tag '!custom'"),
    ],
)
def test_non_standard_tags_are_refused(text: str, needle: str) -> None:
    result = parse_yaml(text)
    assert result.documents == []
    (issue,) = result.issues
    assert needle in issue.message
    assert (issue.line, issue.path) == (1, ("a",))


def test_billion_laughs_is_bounded() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        ref = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{ref}]")
    result = parse_yaml("\n".join(lines) + "\n")
    assert result.documents == []
    (issue,) = result.issues
    assert issue.message.startswith("alias expansion too large (possible billion laughs)")
    assert str(MAX_ALIAS_NODES) in issue.message


def test_small_aliases_expand_to_independent_copies() -> None:
    (doc,) = parse_yaml("base: &b {x: 1}\nother: *b\n").documents
    assert doc.value == {"base": {"x": 1}, "other": {"x": 1}}
    assert doc.value["base"] is not doc.value["other"]


def test_recursive_alias_is_refused() -> None:
    (issue,) = parse_yaml("a: &r [1, *r]\n").issues
    assert "recursive alias" in issue.message


def test_merge_keys_with_explicit_keys_winning() -> None:
    text = (
        "defaults: &d {cooldown: 10m, maxExecutionsPerHour: 3}\nsafety:\n  <<: *d\n  cooldown: 5m\n"
    )
    (doc,) = parse_yaml(text).documents
    assert doc.value["safety"] == {"cooldown": "5m", "maxExecutionsPerHour": 3}
    assert doc.lines[("safety", "cooldown")] == 4
    assert doc.lines[("safety", "maxExecutionsPerHour")] == 1  # where the merged value is


def test_merge_of_a_list_earlier_sources_win() -> None:
    text = "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n"
    (doc,) = parse_yaml(text).documents
    assert doc.value["c"] == {"x": 1, "y": 2}


def test_merge_of_a_scalar_is_refused() -> None:
    (issue,) = parse_yaml("a:\n  <<: 3\n").issues
    assert "merge key '<<' needs a mapping" in issue.message


def test_complex_keys_are_refused() -> None:
    (issue,) = parse_yaml("? [a, b]\n: 1\n").issues
    assert issue.message == "mapping keys must be plain scalars"
