"""Helpers for the spec tests: write a small repo into a temporary directory and load it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.clients.dirtree import DirectoryTree
from reconciler.engine.validate import validate_tree
from reconciler.specs.config import RepoConfig
from reconciler.specs.loader import LoadResult, load_tree

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA = PROJECT_ROOT / "tests" / "data" / "specs"

Loader = Callable[..., LoadResult]


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _writer(tmp_path: Path, read: Callable[..., LoadResult]) -> Loader:
    def _run(files: dict[str, str | bytes], config: RepoConfig | None = None) -> LoadResult:
        write_tree(tmp_path, files)
        return read(DirectoryTree(tmp_path), config=config)

    return _run


@pytest.fixture
def load(tmp_path: Path) -> Loader:
    """`load({"a.yaml": "..."}, config=None)`: write the files, then `load_tree` them."""
    return _writer(tmp_path, load_tree)


@pytest.fixture
def validate(tmp_path: Path) -> Loader:
    """Like `load`, then rendered as `reconciler validate` does (keys defined twice found)."""
    return _writer(tmp_path, validate_tree)
