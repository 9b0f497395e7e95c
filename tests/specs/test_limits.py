"""Hostile files: each ends in located errors on its own file, in linear time, never a crash.

Nesting, numbers, JSON Schemas and merge keys, each at the size that used to raise, kill the
process or take minutes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest
from pydantic import ValidationError

from reconciler.specs.kinds import ToolSpec
from reconciler.specs.yamlparse import MAX_ALIAS_NODES, MAX_DEPTH, parse_yaml
from tests.specs.conftest import Loader

GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata: {a: b}\n"


def _nested_block(levels: int) -> str:
    """A mapping `levels` deep, one key per line (line i+1 holds level i+1)."""
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "leaf\n"


def _tool(schema: str, field: str = "inputSchema") -> str:
    return (
        "apiVersion: reconciler.dev/v1alpha1\nkind: Tool\nmetadata: {name: t}\nspec:\n"
        f"  toolType: http\n  description: d\n  {field}: {schema}\n"
    )


# -- nesting -------------------------------------------------------------------------------


def test_a_file_nested_499_levels_is_an_issue_at_the_line_that_crosses_the_limit() -> None:
    result = parse_yaml("a: 1\n---\n" + _nested_block(499) + "---\nb: 2\n")
    assert [d.value for d in result.documents] == [{"a": 1}]  # it ends the stream, as a syntax
    (issue,) = result.issues
    assert issue.message.startswith(f"nested deeper than {MAX_DEPTH} levels")
    assert issue.line == 3 + MAX_DEPTH  # document starts on line 3; k63 holds level 65
    assert issue.path == tuple(f"k{i}" for i in range(MAX_DEPTH))


def test_the_limit_is_exactly_max_depth_levels() -> None:
    assert parse_yaml(_nested_block(MAX_DEPTH)).issues == []  # k63's mapping is level 64
    assert len(parse_yaml(_nested_block(MAX_DEPTH + 1)).issues) == 1


def test_flow_nesting_that_would_overflow_libyamls_c_stack_is_an_issue_in_linear_time() -> None:
    """libyaml's composer recursed in C: 50,000 `[` killed the process with SIGSEGV (so this runs
    in a child process). Scanning on to the document's end would also be quadratic (libyaml
    rechecks every open flow level at each token: 4 s for 50,000), so the stream ends at the
    limit."""
    code = (
        "import time\n"
        "from reconciler.specs.yamlparse import parse_yaml\n"
        "started = time.perf_counter()\n"
        "r = parse_yaml('a: ' + '[' * 200000 + ']' * 200000)\n"
        "assert time.perf_counter() - started < 1, time.perf_counter() - started\n"
        "print(r.documents, r.issues[0].line, r.issues[0].path, r.issues[0].message[:18])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    path = ("a", *[0] * (MAX_DEPTH - 1))  # the 65th level
    assert done.stdout.strip() == f"[] 1 {path} nested deeper than"


def test_aliases_cannot_nest_past_the_limit() -> None:
    """Each document is shallow, but an alias puts a 40-deep anchor 30 levels down."""
    deep = "[" * 40 + "1" + "]" * 40
    result = parse_yaml(f"a: &a {deep}\nb: {'[' * 30}*a{']' * 30}\n")
    (issue,) = result.issues
    assert issue.message.startswith("nested deeper than")
    assert issue.path is not None and issue.path[0] == "b" and len(issue.path) == MAX_DEPTH


def test_a_deep_manifest_fails_its_own_file_and_the_rest_still_validates(
    validate: Loader,
) -> None:
    deep = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n" + "".join(
        "  " * (i + 1) + f"k{i}:\n" for i in range(330)
    )
    result = validate({"deep.yaml": deep + "  " * 331 + "x\n", "good.yaml": GOOD})
    (error,) = result.errors
    assert (error.file, error.line) == ("deep.yaml", 4 + MAX_DEPTH)
    assert error.field is not None and error.field.startswith("data.k0.k1")
    assert "nested deeper than" in error.message
    assert [m.body["metadata"]["name"] for m in result.manifests] == ["fine"]
    assert result.failed_files == {"deep.yaml"}


def test_a_forbidden_character_is_located() -> None:
    """libyaml reports it with a byte position and no mark: it used to have no line."""
    (issue,) = parse_yaml("a: 1\nb: \u00e9\u00e9 \x00\n").issues
    assert (issue.line, issue.column) == (2, 7)
    assert issue.message == (
        "invalid YAML: unacceptable character #x0000: control characters are not allowed "
        "at line 2, column 7"
    )


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "1" * 5000,  # int() refuses more than 4,300 digits: ValueError
        "1:" * 20000 + "1",  # a base-60 integer: quadratic to convert
        "1" * 200 + ".5",
    ],
)
def test_overlong_numbers_are_issues_not_exceptions(number: str) -> None:
    started = time.perf_counter()
    result = parse_yaml(f"a: 1\nb: {number}\n")
    assert time.perf_counter() - started < 2
    (issue,) = result.issues
    assert (issue.line, issue.path) == (2, ("b",))
    assert issue.message.startswith("number longer than 100 characters")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int abc", "'abc' is not a valid !!int"),
        ("a: !!float ''", "'' is not a valid !!float"),
        ("a: !!bool maybe", "'maybe' is not a valid !!bool"),
        ("a: !!int 0x", "'0x' is not a valid !!int"),
    ],
)
def test_an_explicit_tag_on_the_wrong_text_is_an_issue(text: str, message: str) -> None:
    """`!!int abc` raised ValueError (and `!!bool maybe` KeyError) out of the parser."""
    (issue,) = parse_yaml(text).issues
    assert (issue.line, issue.path, issue.message) == (1, ("a",), message)


def test_ordinary_numbers_still_parse() -> None:
    (doc,) = parse_yaml("a: 9223372036854775807\nb: 0x1F\nc: 1.5e+3\nd: 1:30\n").documents
    assert doc.value == {"a": 9223372036854775807, "b": 31, "c": 1500.0, "d": 90}


# -- JSON Schemas --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "got"), [("[1]", "a list"), ("{a: 1}", "a mapping"), ("1", "1"), ("null", "None")]
)
@pytest.mark.parametrize("field", ["inputSchema", "outputSchema"])
def test_a_schema_whose_dollar_schema_is_not_a_string_is_a_located_error(
    load: Loader, dialect: str, got: str, field: str
) -> None:
    result = load({"tool.yaml": _tool(f"{{$schema: {dialect}}}", field), "good.yaml": GOOD})
    (error,) = result.errors
    assert (error.file, error.line, error.field) == ("tool.yaml", 7, f"spec.{field}")
    assert error.message.endswith(
        f"not a valid JSON Schema at $schema: must be a string, got {got}"
    )
    assert len(result.manifests) == 1


def _deep_schema(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


def test_a_schema_too_deep_for_jsonschema_is_a_validation_error_not_a_recursion_error() -> None:
    """From a file the depth limit stops it first; built in code, the check must not raise."""
    with pytest.raises(ValidationError) as caught:
        ToolSpec.model_validate(
            {"toolType": "http", "description": "d", "inputSchema": _deep_schema(98)}
        )
    assert "not a valid JSON Schema: nested too deeply to check" in str(caught.value)


def test_a_deep_schema_in_a_file_is_a_located_error(load: Loader) -> None:
    schema = "{type: object, properties: {x: " * 98 + "{type: string}" + "}}" * 98
    result = load({"tool.yaml": _tool(schema), "good.yaml": GOOD})
    (error,) = result.errors
    assert (error.file, error.line) == ("tool.yaml", 7)
    assert error.field is not None and error.field.startswith("spec.inputSchema.properties.x")
    assert len(result.manifests) == 1


# -- merge keys ----------------------------------------------------------------------------


def _merges(count: int) -> str:
    items = "".join(
        f"    - <<: {{tier: web, owner: sre}}\n      name: i{i}\n" for i in range(count)
    )
    return "apiVersion: v1\nkind: List\nmetadata: {name: m}\nspec:\n  items:\n" + items


def test_a_megabyte_of_merge_keys_builds_in_linear_time() -> None:
    """The builder copied its whole line map per merge: this took 25 s (now about 0.4 s)."""
    text = _merges(19_000)
    assert 900_000 < len(text) < 1_048_576
    started = time.perf_counter()
    (doc,) = parse_yaml(text).documents
    assert time.perf_counter() - started < 5
    assert doc.value["spec"]["items"][-1] == {"name": "i18999", "tier": "web", "owner": "sre"}
    assert doc.lines[("spec", "items", 18999, "tier")] == 6 + 2 * 18999


def test_merged_lines_never_cover_an_explicit_key() -> None:
    text = "d: &d {a: {x: 1}, b: {y: 2}}\nm:\n  a: {z: 3}\n  <<: *d\n"
    (doc,) = parse_yaml(text).documents
    assert doc.value["m"] == {"a": {"z": 3}, "b": {"y": 2}}
    assert doc.lines[("m", "a")] == 3 and doc.lines[("m", "a", "z")] == 3
    assert ("m", "a", "x") not in doc.lines  # the merged `a` was not taken: no line of it
    assert doc.lines[("m", "b", "y")] == 1


def test_merge_sources_count_against_the_alias_limit() -> None:
    keys = ", ".join(f"k{i}: {i}" for i in range(100))
    merges = "".join(f"  - {{<<: *d, n: {i}}}\n" for i in range(MAX_ALIAS_NODES // 100 + 1))
    (issue,) = parse_yaml(f"d: &d {{{keys}}}\nitems:\n{merges}").issues
    assert issue.message.startswith("alias expansion too large")
