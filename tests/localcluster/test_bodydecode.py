"""Unit tests of the strict, bounded decoders (`core.bodydecode`, `core.safeyaml`), the key and
label rules (`core.metavalidation`) and the watch queue bound (`api.watchqueue`)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from reconciler.localcluster.api.watchqueue import WatchQueue
from reconciler.localcluster.core import bodydecode, metavalidation, patch
from reconciler.localcluster.core.errors import PatchError
from reconciler.localcluster.core.safeyaml import MAX_ALIAS_NODES, YamlError, loads_yaml
from reconciler.localcluster.storage.store import Event, ObjectKey


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("aGVsbG8=", None),
        ("aGVs\nbG8=\r\n", None),  # Go's StdEncoding skips CR and LF
        ("", None),
        ("aGk", "illegal base64 data at input byte 0"),  # padding is required
        ("ab$d", "illegal base64 data at input byte 2"),
        ("a===", "illegal base64 data at input byte 1"),
        ("YQ==YQ==", "illegal base64 data at input byte 4"),
        ("aGVsbG8-", "illegal base64 data at input byte 7"),  # URL alphabet is not standard
    ],
)
def test_base64_is_checked_as_go_decodes_a_byte_slice(text: str, error: str | None) -> None:
    assert bodydecode.base64_error(text) == error
    if error is None:
        base64.b64decode(text.replace("\n", "").replace("\r", ""), validate=True)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[NaN]", "invalid character 'N' looking for beginning of value"),
        (b'{"a": -Infinity}', "invalid character 'I' looking for beginning of value"),
        (b"[1e999]", "json: cannot unmarshal number 1e999 into Go value of type float64"),
        (b"[" * 100_000 + b"]" * 100_000, "exceeded max depth"),
        (b"[" * 201 + b"]" * 201, "exceeded max depth of 200"),
    ],
)
def test_json_is_as_strict_as_go_and_bounded(raw: bytes, message: str) -> None:
    with pytest.raises(bodydecode.DecodeError) as caught:
        bodydecode.loads_json(raw)
    assert str(caught.value) == message


def test_json_within_the_limits_decodes() -> None:
    assert bodydecode.loads_json(b"[" * 200 + b"]" * 200) is not None
    assert bodydecode.loads_json(b'{"a": 1.5, "b": [1, "x", null, true]}') == {
        "a": 1.5,
        "b": [1, "x", None, True],
    }
    # YAML that is JSON is read as JSON; what JSON refuses is read as YAML (NaN is a string).
    assert bodydecode.loads_yaml_or_json(b'{"a": NaN}') == {"a": "NaN"}
    assert bodydecode.loads_yaml_or_json(b"{a: b}") == {"a": "b"}


def test_yaml_builds_plain_values_like_sigs_k8s_io_yaml() -> None:
    text = (
        "base: &b {x: 1, y: [a, b]}\n"
        "copy: *b\n"
        "merged: {<<: *b, x: 2}\n"
        "80: port\n"
        "when: 2001-12-14\n"
        "quoted: '1'\n"
        "flag: true\n"
        "---\n"
        "second: ignored\n"
    )
    value: Any = loads_yaml(text, 200)
    assert value == {
        "base": {"x": 1, "y": ["a", "b"]},
        "copy": {"x": 1, "y": ["a", "b"]},
        "merged": {"x": 2, "y": ["a", "b"]},
        "80": "port",
        "when": "2001-12-14",
        "quoted": "1",
        "flag": True,
    }
    value["copy"]["y"].append("c")  # an alias is a copy: changing it changes nothing else
    assert value["base"]["y"] == ["a", "b"]
    assert loads_yaml("", 200) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: .nan", "json: unsupported value: NaN"),
        ("a: -.inf", "json: unsupported value: -Inf"),
        ("a: !!python/object:os.system x", "unsupported tag '!!python/object:os.system'"),
        ("a: !!binary aGk=", "unsupported tag '!!binary'"),
        ("&a [*a]", "anchor 'a' value contains itself"),
        ("a: *nope", "unknown anchor 'nope' referenced"),
        ("? [1]\n: 2", "mapping keys must be scalars"),
        ("a: " + "[" * 10_000, "exceeded max depth of 200"),
        ("a: " + "9" * 101, "number longer than 100 characters"),
        ("a: [1", "did not find expected ',' or ']'"),
    ],
)
def test_yaml_refuses_what_cannot_be_json_or_costs_too_much(text: str, message: str) -> None:
    with pytest.raises(YamlError) as caught:
        loads_yaml(text, 200)
    assert message in str(caught.value)


def test_yaml_alias_expansion_is_bounded() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    with pytest.raises(YamlError, match="excessive aliasing"):
        loads_yaml(bomb, 200)
    deep_anchor = "a: &a " + "[" * 150 + "]" * 150 + "\nb: " + "[" * 100 + "*a" + "]" * 100
    with pytest.raises(YamlError, match="exceeded max depth"):  # deep anchor, deep place
        loads_yaml(deep_anchor, 200)
    fine = "a: &a [" + ",".join(["x"] * (MAX_ALIAS_NODES - 10)) + "]\nb: *a\n"
    assert len(loads_yaml(fine, 200)["b"]) == MAX_ALIAS_NODES - 10


def test_key_and_label_rules_match_apimachinery() -> None:
    assert metavalidation.config_key_problems("a-B_c.1") == []
    assert metavalidation.config_key_problems("..x") == ["must not start with '..'"]
    assert metavalidation.config_key_problems("k" * 254) == ["must be no more than 253 characters"]
    assert metavalidation.label_value_problems("") == []
    assert metavalidation.label_value_problems("x" * 64) == ["must be no more than 63 characters"]
    assert metavalidation.qualified_name_problems("example.com/app") == []
    assert metavalidation.qualified_name_problems("/app") == ["prefix part must be non-empty"]
    [problem] = metavalidation.label_value_problems("-x")
    assert problem == (
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    )


def test_json_patch_limits() -> None:
    doc = {"a": {"x": "y" * 1000}}
    with pytest.raises(PatchError) as too_many:
        patch.json_patch(doc, [{"op": "test", "path": "/a", "value": {}}] * 10_001)
    assert too_many.value.status == 413
    doubling = [{"op": "copy", "from": "/a", "path": f"/a/k{i}"} for i in range(30)]
    with pytest.raises(PatchError) as too_big:
        patch.json_patch(doc, doubling)
    assert too_big.value.status == 422
    assert "exceeding the limit 3145728" in str(too_big.value)


def test_the_watch_queue_never_holds_more_than_its_bound() -> None:
    async def run() -> tuple[int, bool, int, list[int]]:
        closed: list[int] = []
        queue = WatchQueue(
            asyncio.get_running_loop(),
            lambda e: e.key.name != "other",
            lambda: closed.append(1),
            limit=3,
        )
        for rv in range(1, 4):
            queue.deliver(_event(rv, "mine"))
        queue.deliver(_event(4, "other"))  # not wanted: not queued, but it is the latest rv
        full = queue.pending()
        queue.deliver(_event(5, "mine"))  # one more than the bound: closed, queue dropped
        queue.deliver(_event(6, "mine"))
        after = await queue.get(0.01)
        return full, queue.overflowed, queue.pending() + (after is not None), closed

    full, overflowed, left, closed = asyncio.run(run())
    assert (full, overflowed, left, closed) == (3, True, 0, [1])


def _event(rv: int, name: str) -> Event:
    return Event("MODIFIED", ObjectKey("", "configmaps", "ns", name), rv, {"metadata": {}})
