"""The hand-kept table of what the schemas do not say, against the kinds the schemas hold."""

from __future__ import annotations

import pytest

from reconciler.localcluster.core import kindtable
from reconciler.localcluster.core.k8sschema import builtin_kinds
from reconciler.localcluster.core.resources import ResourceRegistry, builtin_types


def test_every_table_entry_names_a_served_kind() -> None:
    served = {(t.group, t.kind) for t in builtin_types()}
    tables: dict[str, object] = {
        "CLUSTER_SCOPED": kindtable.CLUSTER_SCOPED,
        "IRREGULAR_NAMES": kindtable.IRREGULAR_NAMES,
        "SHORT_NAMES": kindtable.SHORT_NAMES,
        "CATEGORIES": kindtable.CATEGORIES,
        "VERBS": kindtable.VERBS,
        "SCALE": kindtable.SCALE,
        "GENERATION": kindtable.GENERATION,
    }
    for name, table in tables.items():
        assert isinstance(table, (frozenset, dict))
        assert set(table) <= served, name  # a typo would silently change nothing
    assert {g for g, _ in served} <= set(kindtable.GROUP_ORDER)
    known = {(g, k) for g, _, k, _ in builtin_kinds()}
    assert known >= kindtable.NOT_RESOURCES


@pytest.mark.parametrize(
    ("kind", "plural"),
    [
        ("Ingress", "ingresses"),
        ("NetworkPolicy", "networkpolicies"),
        ("ComponentStatus", "componentstatuses"),
        ("IPAddress", "ipaddresses"),
        ("Deployment", "deployments"),
    ],
)
def test_plural_is_the_api_servers_guess(kind: str, plural: str) -> None:
    assert kindtable.resource_names("x", kind) == (plural, kind.lower())


def test_only_ga_versions_and_the_preferred_first() -> None:
    versions = ResourceRegistry().group_versions()
    assert versions["autoscaling"] == ["v2", "v1"]
    assert all(v in ("v1", "v2") for vs in versions.values() for v in vs)
    assert list(versions)[:3] == ["", "apiregistration.k8s.io", "apps"]
    assert "resource.k8s.io" in versions and "storagemigration.k8s.io" in versions
    assert "internal.apiserver.k8s.io" not in versions  # alpha only
    assert kindtable.resource_names("", "Endpoints") == ("endpoints", "endpoints")
