"""Benchmark: load ~1 MB files full of YAML merge keys (`<<:`) and print the seconds.

    .venv/bin/python bench/bench_merge_keys.py [--bytes N]

Two files of about `--bytes` bytes (default 1,000,000, under the default `maxFileSize`):

- `one-document.yaml`: one manifest whose `spec.items` list holds ~19,000 mappings that each
  merge an inline defaults mapping (`- <<: {tier: web, owner: sre}`), the worst case for a
  builder that copies its line map per merge;
- `many-documents.yaml`: manifests that each define `&defaults` once and merge it (`<<:
  *defaults`) into a few containers, as a real repo does.

Each is parsed (`parse_yaml`) and loaded (`load_tree`: read, parse, validate). Building is linear
in the input. On the machine this was written on, `one-document.yaml` took 25.6 s to parse
(27.8 s to load) when the builder copied its line map per merge, and takes 0.45 s (0.5 s) now;
`many-documents.yaml` about 0.3 s either way. A benchmark, not a test: figures vary by machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from reconciler.clients.dirtree import DirectoryTree
from reconciler.specs.config import RepoConfig
from reconciler.specs.loader import load_tree
from reconciler.specs.yamlparse import parse_yaml

HEADER = """apiVersion: example.com/v1
kind: Inventory
metadata:
  name: merged-items
spec:
  items:
"""
ITEM = """    - <<: {{tier: web, owner: sre}}
      name: i{i}
"""
DOCUMENT = """---
apiVersion: v1
kind: Pod
metadata:
  name: pod-{i}
  namespace: demo
x-defaults: &defaults
  image: nginx:1.27
  imagePullPolicy: IfNotPresent
spec:
  containers:
    - <<: *defaults
      name: a
    - <<: *defaults
      name: b
    - <<: *defaults
      name: c
"""


def one_document(size: int) -> str:
    parts, total, i = [HEADER], len(HEADER), 0
    while total < size:
        item = ITEM.format(i=i)
        parts.append(item)
        total += len(item)
        i += 1
    return "".join(parts)


def many_documents(size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        document = DOCUMENT.format(i=i)
        parts.append(document)
        total += len(document)
        i += 1
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=1_000_000)
    args = parser.parse_args()
    files = {
        "one-document.yaml": one_document(args.bytes),
        "many-documents.yaml": many_documents(args.bytes),
    }
    for name, text in files.items():
        merges = text.count("<<:")
        start = time.perf_counter()
        parsed = parse_yaml(text)
        parse_seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / name).write_text(text, encoding="utf-8")
            config = RepoConfig(max_file_size=max(len(text) + 1, 1 << 20))
            start = time.perf_counter()
            result = load_tree(DirectoryTree(Path(tmp)), config=config)
            load_seconds = time.perf_counter() - start
        print(
            f"{name:<20} {len(text):>9,} bytes {merges:>7,} merges  "
            f"parse_yaml {parse_seconds:7.3f} s  load_tree {load_seconds:7.3f} s  "
            f"({len(parsed.documents)} documents, {len(result.errors)} errors)"
        )


if __name__ == "__main__":
    main()
