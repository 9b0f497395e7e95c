"""Hypothesis strategies for the fuzz tests: spec repos built from the repo's own files, mutated.

Three kinds of damage, mixed in each repo:

- `structural`: documents parsed, then values replaced by ones of the wrong type, keys deleted
  or misspelt, and well-formed hostile YAML fragments spliced in (deep nesting, alias bombs,
  merge keys, recursive aliases, duplicate keys, tags, huge and odd scalars);
- `textual`: lines inserted, duplicated, deleted or cut, hostile snippets and odd unicode (bidi
  controls, NUL, BOM, escapes) added: mostly broken YAML;
- `encoded`: a BOM, UTF-16, stray bytes that are not UTF-8, or random bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from reconciler.specs.config import CONFIG_FILE
from reconciler.specs.tree import SourceFile

Files = dict[str, bytes | tuple[str, str]]
"""A repo: path -> bytes, or -> ("symlink", target)."""

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted(
    p.read_text(encoding="utf-8")
    for folder in ("specs", "policies", "tests/data/specs")
    for p in (ROOT / folder).rglob("*.y*ml")
)
CONFIGS = (
    "namespace: ai-ops\npaths: [.]\n",
    "paths: [specs, policies]\nexclude: ['**/skip*']\nmaxFileSize: 4096\n",
    "apiVersion: reconciler.dev/v1alpha1\nkind: RepoConfig\ntoolsetConfigMap: tools\n",
)
NAMES = (
    "a.yaml",
    "specs/b.yaml",
    "specs/c.yml",
    "policies/p.yaml",
    "specs/skip-me.yaml",
    ".hidden/h.yaml",
    "notes.txt",
    "x y/\u202eevil.yaml",
    "specs/\u00e9t\u00e9.yaml",
)
ODD_TEXT = (
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\ufeff",  # byte order mark
    "\x00",
    "\x1b[2J",
    "\r\n",
    "\t",
    "\U0001f600",
    "\ud7ff",
    "e\u0301",
    "\u0130",
    "\u2028",
)
SNIPPETS = (
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!!python/object:builtins.dict {}",
    "!Ref other",
    "!!binary aGVsbG8=",
    "!!set {a: null}",
    "!!timestamp 2024-01-01",
    "!!int '12'",
    "!!str 12",
    "!!map {a: 1}",
    "!!seq [1]",
    "!custom",
    "&a {x: 1}",
    "*a",
    "*undefined",
    "<<: *a",
    "<<: {merged: 1}",
    "<<: [*a, {y: 2}]",
    "<<: 3",
    "<<: [1]",
    "? [complex, key]\n: 1",
    "? a",
    "- - - x",
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "'",
    '"',
    "|",
    ">-",
    "%YAML 1.2",
    "%TAG ! tag:example.com,2000:",
    "---",
    "...",
    "#",
    "0x" + "f" * 120,
    "1:" * 200 + "1",
    "9" * 5000,
    "1e999",
    ".nan",
    "-.inf",
    "null",
    "~",
    "yes",
    "0o17",
    "0b1011",
    "2001-12-14t21:59:43.10-05:00",
    "x" * 70_000,
)
HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    float("inf"),
    "",
    "x" * 10_000,
    "\u202egnp.exe",
    "Ünïcödé \U0001f600",
    [],
    [None],
    {},
    {"a": {"b": {"c": []}}},
    [{"name": 1}, {"name": "x"}],
    {"$schema": [1]},
    {"$schema": {"a": 1}},
    {"$schema": 1},
    {"type": "nonsense"},
    {"pattern": "("},
)


def _bomb(width: int, depth: int) -> str:
    items = [f"&b0 [{', '.join(['lol'] * width)}]"]
    items += [f"&b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, depth)]
    return f"[{', '.join(items)}]"


def _merge_fan(keys: int, fan: int) -> str:
    source = ", ".join(f"k{i}: {i}" for i in range(keys))
    return f"[&d {{{source}}}, " + ", ".join(f"{{<<: *d, n: {i}}}" for i in range(fan)) + "]"


SIZES = (2, 62, 63, 64, 65, 100, 499, 1_000, 5_000, 100_000)


KINDS = ("list", "list", "map", "map", "alias-depth", "bomb", "fan", "merge", "merge", "long")
KINDS += ("snippet", "snippet", "value", "value", "odd")


@st.composite
def fragment(draw: st.DrawFn) -> str:
    """Well-formed hostile YAML, one line, usable as a flow or block value."""
    n = draw(st.sampled_from(SIZES))
    kind = draw(st.sampled_from(KINDS))
    if kind == "list":
        return "[" * n + "1" + "]" * n
    if kind == "map":
        return "{a: " * n + "1" + "}" * n
    if kind == "alias-depth":
        deep, at = draw(st.sampled_from([20, 40, 63])), draw(st.sampled_from([1, 30, 60]))
        return f"[&z {'[' * deep}1{']' * deep}, {'[' * at}*z{']' * at}]"
    if kind == "bomb":
        return _bomb(draw(st.integers(2, 12)), draw(st.integers(2, 9)))
    if kind == "fan":
        return _merge_fan(draw(st.sampled_from([1, 3, 100])), min(n, 400))
    if kind == "merge":
        return draw(st.sampled_from(MERGES_AND_ALIASES))
    if kind == "long":
        return json.dumps(draw(st.text(max_size=40)) * min(n, 2_000), ensure_ascii=False)
    if kind == "snippet":
        return draw(st.sampled_from(SNIPPETS))
    if kind == "value":
        return json.dumps(draw(st.sampled_from(HOSTILE_VALUES)), ensure_ascii=draw(st.booleans()))
    return draw(st.sampled_from(ODD_TEXT)).join(["'", "'"]) if n % 2 else "!!str " + "x" * n


MERGES_AND_ALIASES = (
    "{<<: {a: 1}, b: 2}",
    "{<<: [&m1 {x: 1}, &m2 {x: 2, y: [*m1]}], z: *m2}",
    "[&d {k: v}, {<<: *d, n: 1}, {<<: [*d, *d]}]",
    "{<<: [1, 2]}",
    "{<<: *undefined}",
    "{<<: &s [*s]}",
    "&r [*r]",
    "&r {a: *r}",
    "&r {<<: *r}",
    "{a: 1, a: 2}",
    "{a: 1, b: {c: 1, c: 1}}",
    "{<<: {a: 1}, <<: {b: 2}}",
    "{[a]: 1}",
    "{? [a] : 1}",
    "[&x 1, &x 2]",
    "{<<: {name: merged, namespace: demo}}",
    "[&n name, {*n : x}]",
    "!!int abc",
    "!!float ''",
    "!!bool maybe",
    "!!int 0x",
    "!!str [1]",
    "!!map [1]",
    "!!seq {a: 1}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!!null x",
    "!!timestamp [1]",
)


class MemoryTree:
    """A `SourceTree` over a dict: path -> bytes, or -> ("symlink", target)."""

    def __init__(self, files: dict[str, bytes | tuple[str, str]]) -> None:
        self.files = files

    @property
    def description(self) -> str:
        return "memory"

    def iter_files(self, *, max_size: int) -> Iterator[SourceFile]:
        for path in sorted(self.files):
            content = self.files[path]
            if isinstance(content, tuple):
                yield SourceFile(path, len(content[1]), symlink_target=content[1])
            elif len(content) > max_size:
                yield SourceFile(path, len(content))
            else:
                yield SourceFile(path, len(content), data=content)

    def read(self, path: str) -> bytes | None:
        content = self.files.get(path)
        return content if isinstance(content, bytes) else None


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_paths(item, (*path, i)))
    return out


def _set(value: Any, path: tuple[Any, ...], new: Any, delete: bool = False) -> Any:
    """A copy of `value` with `path` set to `new` (or deleted)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    if rest:
        copy[head] = _set(value[head], rest, new, delete)
    elif delete:
        del copy[head]
    else:
        copy[head] = new
    return copy


@st.composite
def structural(draw: st.DrawFn, text: str) -> str:
    """The documents of `text` with values replaced, keys deleted or misspelt, and hostile
    fragments spliced in, dumped again (block or flow style)."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return text
    out = []
    for document in documents or [{}]:
        splices: dict[str, str] = {}
        for _ in range(draw(st.integers(1, 4))):
            path = draw(st.sampled_from(_paths(document)))
            action = draw(st.sampled_from(["splice", "splice", "value", "delete", "rename"]))
            if action == "splice" or not path:
                token = f"FRAGMENT{len(splices)}X"
                splices[token] = draw(fragment())
                document = _set(document, path, token)
            elif action == "value":
                document = _set(document, path, draw(st.sampled_from(HOSTILE_VALUES)))
            elif action == "delete":
                document = _set(document, path, None, delete=True)
            elif isinstance(path[-1], str):
                renamed = path[-1][:-1] + draw(st.sampled_from(["", "x", "\u202e", "<<"]))
                old = document
                for part in path:
                    old = old[part]
                document = _set(document, path, None, delete=True)
                document = _set(document, (*path[:-1], renamed), old)
        flow = draw(st.sampled_from([False, None, True]))
        dumped = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True, width=1e9)
        for token, text_ in splices.items():
            dumped = dumped.replace(token, text_)
        out.append(dumped)
    return "---\n".join(out)


def _deep_block(levels: int) -> str:
    """`levels` of block nesting (O(levels^2) bytes, so at most 400)."""
    levels = min(levels, 400)
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "v\n"


@st.composite
def textual(draw: st.DrawFn, text: str) -> str:
    """`text` with lines inserted, duplicated, deleted or cut, and hostile snippets added."""
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(draw(st.integers(0, 5))):
        at = draw(st.integers(0, len(lines)))
        kind = draw(st.integers(0, 9))
        indent = " " * draw(st.sampled_from([0, 0, 2, 4, 3]))
        if kind <= 2:
            key = draw(st.sampled_from(["", "spec: ", "a: ", "- ", "<<: ", "name: "]))
            lines.insert(at, f"{indent}{key}{draw(st.sampled_from(SNIPPETS))}\n")
        elif kind == 3 and lines:
            lines.insert(at, lines[min(at, len(lines) - 1)])  # a duplicate key, often
        elif kind == 4 and len(lines) > 1:
            del lines[min(at, len(lines) - 1)]
        elif kind == 5:
            odd = draw(st.sampled_from(ODD_TEXT))
            line = lines[min(at, len(lines) - 1)]
            cut = draw(st.integers(0, len(line)))
            lines[min(at, len(lines) - 1)] = line[:cut] + odd + line[cut:]
        elif kind == 6:
            lines.insert(at, _deep_block(draw(st.sampled_from(SIZES))))
        elif kind == 7:
            lines.insert(at, f"{indent}{draw(fragment())}\n")
        elif kind == 8:
            lines.insert(at, draw(st.text(alphabet="[]{}:-?&*!|>'\"#%@`,\n\t ab1<", max_size=80)))
        else:
            lines = lines[:at] or [""]
    return "".join(lines)


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """`text` as UTF-8, sometimes with a BOM, as UTF-16, with stray bytes, or random bytes."""
    data = text.encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["utf-8"] * 12 + ["bom", "utf-16", "stray", "random"]))
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if how == "stray":
        at = draw(st.integers(0, len(data)))
        stray = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"]))
        return data[:at] + stray + data[at:]
    if how == "random":
        return draw(st.binary(max_size=200))
    return data


@st.composite
def spec_file(draw: st.DrawFn) -> bytes:
    """A seed file, damaged well-formed (half the time), broken, or both."""
    text = draw(st.sampled_from(SEEDS))
    how = draw(st.sampled_from(["structural", "structural", "textual", "both"]))
    if how != "textual":
        text = draw(structural(text))
    if how != "structural":
        text = draw(textual(text))
    return draw(encoded(text))


@st.composite
def repo(draw: st.DrawFn) -> dict[str, bytes | tuple[str, str]]:
    files: dict[str, bytes | tuple[str, str]] = {}
    for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True)):
        files[name] = draw(spec_file())
    config = draw(st.sampled_from([None, None, None, *CONFIGS]))
    if config is not None:
        if draw(st.integers(0, 3)) == 0:  # a broken config fails the whole load: sometimes
            config = draw(textual(config))
        files[CONFIG_FILE] = draw(encoded(config))
    if draw(st.integers(0, 5)) == 0:
        target = draw(st.sampled_from(["a.yaml", "../outside.yaml", "/etc/passwd", "specs"]))
        files["specs/link.yaml"] = ("symlink", target)
    return files
