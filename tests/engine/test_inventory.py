"""The inventory ConfigMap: plain JSON while small, gzip in binaryData once large; never guessed."""

from __future__ import annotations

import base64
import gzip

import pytest

from reconciler.engine.core.inventory import (
    COMPRESS_OVER,
    DATA_KEY,
    Inventory,
    InventoryEntry,
    InventoryError,
)
from reconciler.specs.keys import ObjectKey


def inventory(n: int) -> Inventory:
    entries = {
        ObjectKey("", "ConfigMap", f"ns-{i % 7}", f"object-{i:06d}"): InventoryEntry(
            "v1", f"{i:020d}", (f"specs/file-{i}.yaml",)
        )
        for i in range(n)
    }
    return Inventory("demo", "c" * 40, entries)


def test_small_inventory_is_plain_json() -> None:
    body = inventory(3).to_config_map("reconciler-system")
    assert set(body["data"]) == {DATA_KEY} and "binaryData" not in body
    assert Inventory.from_config_map("demo", body) == inventory(3)


def test_large_inventory_is_compressed_and_reads_back_equal() -> None:
    big = inventory(3000)
    body = big.to_config_map("reconciler-system")
    assert "data" not in body
    packed = body["binaryData"][DATA_KEY + ".gz"]
    raw = gzip.decompress(base64.b64decode(packed))
    assert len(raw) > COMPRESS_OVER > len(packed)
    assert Inventory.from_config_map("demo", body) == big


def test_a_corrupt_compressed_inventory_is_an_error_not_an_empty_one() -> None:
    body = inventory(3000).to_config_map("reconciler-system")
    body["binaryData"][DATA_KEY + ".gz"] = base64.b64encode(b"not gzip").decode()
    with pytest.raises(InventoryError, match="unreadable"):
        Inventory.from_config_map("demo", body)
    truncated = inventory(3000).to_config_map("reconciler-system")
    value = truncated["binaryData"][DATA_KEY + ".gz"]
    truncated["binaryData"][DATA_KEY + ".gz"] = value[: len(value) // 2]
    with pytest.raises(InventoryError):
        Inventory.from_config_map("demo", truncated)
