"""Overlay trees: proposed edits load through the same loader, nothing written anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.clients.dirtree import DirectoryTree
from reconciler.specs.loader import load_tree
from reconciler.specs.overlay import OverlayTree

from .conftest import write_tree

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{a: '1'}}\n"


def test_changes_deletes_and_additions_load_as_if_committed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": CM.format(name="a"), "b.yaml": CM.format(name="b")})
    base = DirectoryTree(tmp_path)
    overlay = OverlayTree(
        base,
        {
            "a.yaml": CM.format(name="a2").encode(),
            "b.yaml": None,
            "new/c.yaml": CM.format(name="c").encode(),
        },
    )
    names = sorted(m.key.name for m in load_tree(overlay).manifests)
    assert names == ["a2", "c"]
    assert [f.path for f in overlay.iter_files(max_size=1 << 20)] == ["a.yaml", "new/c.yaml"]
    assert overlay.read("b.yaml") is None and overlay.read("./new/c.yaml") is not None
    assert sorted(m.key.name for m in load_tree(base).manifests) == ["a", "b"]  # untouched
    assert (tmp_path / "a.yaml").read_text(encoding="utf-8") == CM.format(name="a")


def test_a_broken_edit_is_located_like_a_broken_commit(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": CM.format(name="a")})
    overlay = OverlayTree(DirectoryTree(tmp_path), {"a.yaml": b"apiVersion: v1\nkind: [\n"})
    result = load_tree(overlay)
    assert result.failed_files == {"a.yaml"} and result.errors[0].file == "a.yaml"


def test_an_oversized_edit_is_reported_by_size(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": CM.format(name="a")})
    files = list(
        OverlayTree(DirectoryTree(tmp_path), {"a.yaml": b"x" * 100}).iter_files(max_size=10)
    )
    assert files[0].data is None and files[0].size == 100


@pytest.mark.parametrize("path", ["../escape.yaml", "/etc/passwd", ".git/config", ""])
def test_paths_outside_the_repository_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="not a path inside"):
        OverlayTree(DirectoryTree(tmp_path), {path: b"x"})
